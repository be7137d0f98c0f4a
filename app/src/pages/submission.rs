//! `/submissions/:id`: a student's own submission: the recording, the transcript with
//! timestamps (a click plays the recording from there), and the result once released.

use leptos::prelude::*;
use leptos_meta::Title;

use leptos::html::Video;

use crate::api::review::RequestRegrade;
use crate::api::student::my_submission;
use crate::components::{FirstStatus, LiveStatus, Mark, Player, SignedInBar, first_status, seek};
use crate::labs::{GradeView, Outcome, SubmissionView};
use crate::review::RegradeLine;
use crate::status::{mm_ss, state_words};

#[component]
pub fn SubmissionPage() -> impl IntoView {
    let id = super::id_param();
    let submission = Resource::new_blocking(id, my_submission);
    // Once this submission is graded (or fails), its page shows the outcome without a reload.
    let live = Live {
        status: first_status(),
        reload: Callback::new(move |_| submission.refetch()),
    };
    view! {
        <Title text="My submission · Viva"/>
        <SignedInBar/>
        <main class="page">
            <p><a href="/">"← My lab sessions"</a></p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match submission.await {
                        Ok(s) => submission_view(s, live).into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// What keeps an ungraded submission's page current: its live status, and a reload of the page's
/// data once it is graded. Made with the page, outside its `Suspense`, so the status is fetched
/// for a graded submission too (one small call), where it is not shown.
#[derive(Clone, Copy)]
struct Live {
    status: FirstStatus,
    reload: Callback<i32>,
}

fn submission_view(s: SubmissionView, live: Live) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let marks = match &s.outcome {
        Outcome::Released(g) | Outcome::Draft(g) => g
            .criteria
            .iter()
            .filter_map(|c| Mark::evidence(&c.name, &c.evidence, c.evidence_ms))
            .collect(),
        _ => Vec::new(),
    };
    view! {
        <h1>{s.lab_title.clone()}</h1>
        <p class="hint">{format!("{} · {}", s.file_name, state_words(&s.state))}</p>
        {outcome(s.outcome.clone(), s.id, live, video)}
        {regrades(&s, live.reload)}
        <Player media_url=s.media_url.clone() segments=s.segments.clone() video marks/>
    }
}

/// The student's regrade requests with their answers, and a form to ask for one more.
fn regrades(s: &SubmissionView, reload: Callback<i32>) -> impl IntoView + use<> {
    let ask = ServerAction::<RequestRegrade>::new();
    let id = s.id;
    Effect::new(move |_| {
        if let Some(Ok(())) = ask.value().get() {
            reload.run(id);
        }
    });
    let asked: Vec<String> = s.regrades.iter().map(|r| r.criterion.clone()).collect();
    let open: Vec<String> = match &s.outcome {
        Outcome::Released(g) if s.can_request_regrade => g
            .criteria
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| !asked.contains(n))
            .collect(),
        _ => Vec::new(),
    };
    let criterion = RwSignal::new(open.first().cloned().unwrap_or_default());
    let note = RwSignal::new(String::new());
    let lines: Vec<_> = s.regrades.iter().map(regrade_line).collect();
    let error = move || {
        ask.value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    let form = (!open.is_empty()).then(|| {
        let options: Vec<_> = open.into_iter().map(|n| view! { <option value=n.clone()>{n.clone()}</option> }).collect();
        view! {
            <form class="regrade-form" on:submit=move |ev| {
                ev.prevent_default();
                ask.dispatch(RequestRegrade { id, criterion: criterion.get_untracked(), note: note.get_untracked() });
            }>
                <label>"Criterion"
                    <select name="criterion" prop:value=criterion on:change=move |ev| criterion.set(event_target_value(&ev))>{options}</select>
                </label>
                <label>"What should your instructor look at again?"
                    <textarea name="note" rows="2" maxlength="500" prop:value=note on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
                {error}
                <button type="submit">"Ask for a second look"</button>
            </form>
        }
    });
    (!lines.is_empty() || form.is_some()).then(|| {
        view! {
            <section class="card" aria-label="Second look">
                <h2>"Ask for a second look"</h2>
                <p class="hint">"Once per criterion, with a short note."</p>
                <ul class="regrades">{lines}</ul>
                {form}
            </section>
        }
    })
}

fn regrade_line(r: &RegradeLine) -> impl IntoView + use<> {
    let answer = r.answer.clone().map_or_else(
        || "Waiting for your instructor's answer.".to_owned(),
        |a| format!("Answer: {a}"),
    );
    view! {
        <li class="regrade">
            <p><strong>{r.criterion.clone()}</strong>{format!(" · asked {}: “{}”", r.asked_at, r.note)}</p>
            <p class="answer">{answer}</p>
        </li>
    }
}

fn outcome(outcome: Outcome, id: i32, live: Live, video: NodeRef<Video>) -> AnyView {
    match outcome {
        Outcome::InProgress => view! {
            <section class="card">
                <h2>"Not graded yet"</h2>
                <LiveStatus first=live.status submission=id on_final=live.reload/>
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
        Outcome::Released(grade) => grade_view(grade, "Result", video).into_any(),
        Outcome::Draft(grade) => {
            grade_view(grade, "Not released to the student yet", video).into_any()
        }
    }
}

fn grade_view(grade: GradeView, title: &'static str, video: NodeRef<Video>) -> impl IntoView {
    let rows: Vec<_> = grade
        .criteria
        .into_iter()
        .map(|c| {
            let evidence = match (c.evidence.is_empty(), c.evidence_ms) {
                (true, _) => None,
                (false, Some(ms)) if c.evidence_verified => Some(view! {
                    <button type="button" class="evidence" data-evidence-ms=ms on:click=move |_| seek(video, ms, true)>
                        {format!("▶ {} “{}”", mm_ss(ms / 1000), c.evidence)}
                    </button>
                }.into_any()),
                (false, _) if c.evidence_verified => Some(format!("“{}”", c.evidence).into_any()),
                (false, _) => Some(format!("“{}” (not found in your transcript)", c.evidence).into_any()),
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
            {grade.updated_on.map(|on| view! { <p class="notice updated">{format!("Updated by your instructor on {on}.")}</p> })}
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
