//! A lab session's review list: each student's newest attempt, most urgent first (regrade
//! requests, flagged results, AI drafts), with where its grade stands, the grade as it
//! stands, exports, bulk release and the lab's charts.

use leptos::prelude::*;

use crate::AppError;
use crate::api::review::ReleaseAllReviewed;
use crate::components::{LabCharts, review_href};
use crate::labs::{BoardRowView, LabBoard};
use crate::review::LabInsights;

pub fn grade_words(state: &str) -> &'static str {
    match state {
        "ai_draft" => "AI draft",
        "reviewed" => "Reviewed",
        "released" => "Released",
        "failed" => "Failed: needs attention",
        _ => "In progress",
    }
}

fn row(r: BoardRowView, current: i32) -> impl IntoView {
    let cells: Vec<_> = r
        .points
        .iter()
        .map(|p| view! { <td>{p.map_or("–".to_string(), |p| p.to_string())}</td> })
        .collect();
    // A grade is only readable against the rubric it used: say when that was another.
    let older = r
        .rubric_version
        .filter(|v| *v != current)
        .map(|v| view! { <span class="badge older-rubric">{format!("graded against rubric v{v}")}</span> });
    let flags = (!r.flags.is_empty()).then(|| {
        view! { <span class="badge flagged" title=r.flags.join("\n")>{format!("⚑ {}", r.flags.join("; "))}</span> }
    });
    let regrades = (r.open_regrades > 0).then(|| {
        view! { <span class="badge regrade">{format!("{} regrade request(s)", r.open_regrades)}</span> }
    });
    view! {
        <tr data-submission=r.submission_id data-grade-state=r.grade_state.clone()>
            <td><a href=review_href(r.submission_id)>{r.student}</a>{older}</td>
            <td class="state">{grade_words(&r.grade_state)}{regrades}{flags}</td>
            {cells}
            <td class="total">{r.total.map_or("–".to_string(), |t| t.to_string())}</td>
        </tr>
    }
}

#[component]
pub fn ReviewList(lab: i32, board: LabBoard, on_change: Callback<()>) -> impl IntoView {
    let release_all = ServerAction::<ReleaseAllReviewed>::new();
    Effect::new(move |_| {
        if let Some(Ok(_)) = release_all.value().get() {
            on_change.run(());
        }
    });
    let reviewed = board
        .rows
        .iter()
        .filter(|r| r.grade_state == "reviewed")
        .count();
    let current = board.rubric_version;
    let head: Vec<_> = board
        .criteria
        .iter()
        .map(|c| view! { <th scope="col">{c.clone()}</th> })
        .collect();
    let rows: Vec<_> = board.rows.into_iter().map(|r| row(r, current)).collect();
    let empty = rows.is_empty();
    let released = move || {
        release_all.value().get().map(|r| match r {
            Ok(n) => {
                view! { <p class="notice" role="status">{format!("Released {n} grade(s).")}</p> }
                    .into_any()
            }
            Err(e) => view! { <p class="error" role="alert">{e.to_string()}</p> }.into_any(),
        })
    };
    view! {
        <div class="toolbar">
            <button type="button" disabled=reviewed == 0 on:click=move |_| { release_all.dispatch(ReleaseAllReviewed { lab }); }>
                {format!("Release all reviewed ({reviewed})")}
            </button>
            <a class="button secondary" href=format!("/api/lab-sessions/{lab}/grades.csv") download>"Grades (CSV)"</a>
            <a class="button secondary" href=format!("/api/lab-sessions/{lab}/export.zip") download>"Everything (ZIP)"</a>
        </div>
        {released}
        <div class="table-scroll">
            <table class="table results">
                <thead><tr><th scope="col">"Student"</th><th scope="col">"Grade"</th>{head}<th scope="col">"Total"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        {empty.then(|| view! { <p class="hint">"No uploads yet."</p> })}
    }
}

/// The lab's charts, drawn on the server; `insights` is fetched with the page.
#[component]
pub fn Charts(insights: Resource<Result<LabInsights, AppError>>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="loading">"Loading charts…"</p> }>
            {move || Suspend::new(async move {
                match insights.await {
                    Ok(i) => view! { <LabCharts insights=i/> }.into_any(),
                    Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
