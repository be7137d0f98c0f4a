//! A lab session's charts, drawn as SVG on the server (readable without JavaScript): the
//! distribution of totals and of each criterion's points, and the AI's agreement with the
//! instructor per criterion.

use leptos::prelude::*;

use crate::review::{AgreementRow, Distribution, LabInsights};

const WIDTH: f64 = 320.0;
const HEIGHT: f64 = 120.0;
const AXIS: f64 = 18.0;

/// A bar per value 0..=max, its height the number of students with that value.
fn histogram(d: Distribution) -> impl IntoView {
    let most = d.counts.iter().copied().max().unwrap_or(0).max(1);
    let n = d.counts.len().max(1) as f64;
    let slot = WIDTH / n;
    let total: u32 = d.counts.iter().sum();
    let summary = d
        .counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .map(|(v, c)| format!("{c} with {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("{}: {total} graded. {summary}", d.title);
    // Label every value when few, else every fifth, so the axis stays readable.
    let step = if d.counts.len() <= 12 { 1 } else { 5 };
    let bars: Vec<_> = d
        .counts
        .iter()
        .enumerate()
        .map(|(v, c)| {
            let h = (HEIGHT - AXIS) * f64::from(*c) / f64::from(most);
            let x = v as f64 * slot;
            view! {
                <g>
                    <title>{format!("{v} points: {c}")}</title>
                    <rect x=x + 1.0 y=HEIGHT - AXIS - h width=(slot - 2.0).max(1.0) height=h class="bar"/>
                    {(v % step == 0).then(|| view! {
                        <text x=x + slot / 2.0 y=HEIGHT - 4.0 text-anchor="middle" class="axis">{v.to_string()}</text>
                    })}
                </g>
            }
        })
        .collect();
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label>
                {bars}
            </svg>
            <figcaption>{format!("{} (students per points)", d.title)}</figcaption>
        </figure>
    }
}

fn agreement_row(a: AgreementRow) -> impl IntoView {
    let direction = if a.reviewed == 0 {
        "–".to_owned()
    } else if a.mean_adjustment < -0.05 {
        format!("{:+.2}: AI too generous", a.mean_adjustment)
    } else if a.mean_adjustment > 0.05 {
        format!("{:+.2}: AI too harsh", a.mean_adjustment)
    } else {
        format!("{:+.2}: even", a.mean_adjustment)
    };
    view! {
        <tr>
            <td>{a.criterion}</td>
            <td>{a.reviewed}</td>
            <td>{if a.reviewed == 0 { "–".to_owned() } else { format!("{:.0} %", a.exact_percent) }}</td>
            <td>{direction}</td>
            <td>{a.kappa.map_or("–".to_owned(), |k| format!("{k:.2}"))}</td>
        </tr>
    }
}

#[component]
pub fn LabCharts(insights: LabInsights) -> impl IntoView {
    let criteria: Vec<_> = insights.criteria.into_iter().map(histogram).collect();
    let agreement: Vec<_> = insights.agreement.into_iter().map(agreement_row).collect();
    view! {
        <section class="charts" aria-label="Charts">
            <h2>"Distribution"</h2>
            <div class="chart-grid">
                {histogram(insights.totals)}
                {criteria}
            </div>
            <h2>"AI and instructor agreement"</h2>
            <p class="hint">"Over reviewed submissions: how often the AI's points were kept, how far the instructor moved them on average, and quadratic weighted kappa (1 is perfect agreement, 0 is chance)."</p>
            <div class="table-scroll" tabindex="0" role="region" aria-label="Agreement per criterion">
                <table class="table agreement">
                    <thead><tr><th scope="col">"Criterion"</th><th scope="col">"Reviewed"</th><th scope="col">"Same points"</th><th scope="col">"Mean adjustment"</th><th scope="col">"Kappa"</th></tr></thead>
                    <tbody>{agreement}</tbody>
                </table>
            </div>
        </section>
    }
}
