//! `/submissions/:id`: a student's own submission: the recording, the transcript with
//! timestamps (a click plays the recording from there), and the result once released.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::student::my_submission;
use crate::components::{LiveStatus, SignedInBar};
use crate::labs::{GradeView, Outcome, Segment, SubmissionView};
use crate::status::{mm_ss, state_words};

#[component]
pub fn SubmissionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let submission = Resource::new_blocking(id, my_submission);
    // Once this submission is graded (or fails), its page shows the outcome without a reload.
    let reload = Callback::new(move |_| submission.refetch());
    view! {
        <Title text="My submission · Viva"/>
        <SignedInBar/>
        <main class="page">
            <p><a href="/">"← My lab sessions"</a></p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match submission.await {
                        Ok(s) => submission_view(s, reload).into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

fn submission_view(s: SubmissionView, reload: Callback<i32>) -> impl IntoView {
    let video = NodeRef::<leptos::html::Video>::new();
    let segments: Vec<_> = s.segments.iter().map(|seg| segment(seg, video)).collect();
    let has_transcript = !segments.is_empty();
    view! {
        <h1>{s.lab_title.clone()}</h1>
        <p class="hint">{format!("{} · {}", s.file_name, state_words(&s.state))}</p>
        <video node_ref=video controls preload="metadata" src=s.media_url.clone() class="recording"></video>
        {outcome(s.outcome.clone(), s.id, reload)}
        {has_transcript.then(|| view! {
            <section class="card transcript">
                <h2>"Transcript"</h2>
                <p class="hint">"Click a line to play your recording from there."</p>
                <ol class="segments">{segments}</ol>
            </section>
        })}
    }
}

fn segment(seg: &Segment, video: NodeRef<leptos::html::Video>) -> impl IntoView + use<> {
    let start = seg.start_ms as f64 / 1000.0;
    let play_from = move |_| {
        if let Some(video) = video.get() {
            video.set_current_time(start);
            let _ = video.play();
        }
    };
    view! {
        <li>
            <button type="button" class="segment" data-start-ms=seg.start_ms on:click=play_from>
                <span class="time">{mm_ss(seg.start_ms / 1000)}</span>
                <span>{seg.text.clone()}</span>
            </button>
        </li>
    }
}

fn outcome(outcome: Outcome, id: i32, reload: Callback<i32>) -> AnyView {
    match outcome {
        Outcome::InProgress => view! {
            <section class="card">
                <h2>"Not graded yet"</h2>
                <LiveStatus submission=id on_final=reload/>
            </section>
        }
        .into_any(),
        Outcome::AwaitingReview => view! {
            <p class="card notice">"Evaluated, waiting for your instructor's review."</p>
        }
        .into_any(),
        Outcome::Failed { reason, advice } => view! {
            <section class="card failed" role="alert">
                <h2>"This upload could not be graded"</h2>
                <p>{reason}</p>
                <p><strong>{advice}</strong></p>
            </section>
        }
        .into_any(),
        Outcome::Released(grade) => grade_view(grade, "Result").into_any(),
        Outcome::Draft(grade) => {
            grade_view(grade, "AI draft, not released to the student yet").into_any()
        }
    }
}

fn grade_view(grade: GradeView, title: &'static str) -> impl IntoView {
    let rows: Vec<_> = grade
        .criteria
        .into_iter()
        .map(|c| {
            let evidence = if c.evidence.is_empty() {
                String::new()
            } else if c.evidence_verified {
                format!("“{}”", c.evidence)
            } else {
                format!("“{}” (not found in your transcript)", c.evidence)
            };
            view! {
                <tr>
                    <td>{c.name}</td>
                    <td class="points">{format!("{} / {}", c.points, c.max_points)}</td>
                    <td>{evidence}</td>
                    <td>{c.comment}</td>
                </tr>
            }
        })
        .collect();
    view! {
        <section class="card result">
            <h2>{format!("{title}: {} / {} points", grade.total, grade.max_total)}</h2>
            // Focusable, so a keyboard can scroll it sideways on a phone.
            <div class="table-scroll" tabindex="0" role="region" aria-label="Points per criterion">
                <table class="table">
                    <thead><tr><th scope="col">"Criterion"</th><th scope="col">"Points"</th><th scope="col">"Evidence"</th><th scope="col">"Comment"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p class="feedback">{grade.feedback}</p>
        </section>
    }
}
