//! The GPU timeline: STT and evaluation phases as alternating bands on one line, idle time as
//! the gaps between them, failed engines as red marks. Drawn on the server as plain SVG.

use leptos::prelude::*;

use crate::history::GpuTimelineView;

#[component]
pub fn GpuTimeline(timeline: GpuTimelineView) -> impl IntoView {
    let label = format!(
        "GPU use from {} to {} UTC: {} phases, {} failed engines",
        timeline.from,
        timeline.to,
        timeline.bands.len(),
        timeline.failures.len()
    );
    let bands = timeline
        .bands
        .into_iter()
        .map(|b| {
            let class = format!("band band-{}", b.phase);
            view! {
                <rect class=class data-batch=b.batch x=format!("{:.1}", b.x) y="10" width=format!("{:.1}", b.width) height="40">
                    <title>{b.title}</title>
                </rect>
            }
        })
        .collect_view();
    let failures = timeline
        .failures
        .into_iter()
        .map(|f| {
            let x = format!("{:.1}", f.x);
            view! {
                <line class="failure-mark" x1=x.clone() x2=x y1="4" y2="56">
                    <title>{f.title}</title>
                </line>
            }
        })
        .collect_view();
    view! {
        <figure class="gpu-timeline">
            <svg viewBox="0 0 1000 60" preserveAspectRatio="none" role="img" aria-label=label>
                <rect class="idle" x="0" y="10" width="1000" height="40"/>
                {bands}
                {failures}
            </svg>
            <figcaption>
                <span>{timeline.from}</span>
                <span class="legend"><span class="key key-stt"></span>" STT "<span class="key key-evaluation"></span>" evaluation "<span class="key key-idle"></span>" idle "<span class="key key-failure"></span>" failed engine"</span>
                <span>{timeline.to}</span>
            </figcaption>
        </figure>
    }
}
