//! The instructor's grade of one submission: per criterion the AI's points, evidence (a
//! click seeks the video to where it was said) and comment, beside the final points and
//! comment; then overall feedback, and accept / save / release. Keyboard: J and K next and
//! previous, A accepts the AI draft (a grade already reviewed stays) and goes on, 1–9 focus
//! a criterion's points, R releases, Ctrl+Enter saves.

use leptos::html::Video;
use leptos::prelude::*;

use super::player::seek;
use crate::api::review::{AcceptAiDraft, ReleaseGrade, SaveReview};
use crate::review::{GradeForm, ReviewPage};
use crate::status::mm_ss;

/// The address of a submission's review page.
pub fn review_href(id: i32) -> String {
    format!("/submissions/{id}/review")
}

#[component]
pub fn ReviewForm(
    page: ReviewPage,
    video: NodeRef<Video>,
    on_saved: Callback<()>,
) -> impl IntoView {
    let id = page.submission_id;
    let points: Vec<RwSignal<String>> = page
        .criteria
        .iter()
        .map(|c| RwSignal::new(c.points.to_string()))
        .collect();
    let comments: Vec<RwSignal<String>> = page
        .criteria
        .iter()
        .map(|c| RwSignal::new(c.comment.clone()))
        .collect();
    let feedback = RwSignal::new(page.feedback.clone());
    let save = ServerAction::<SaveReview>::new();
    let accept = ServerAction::<AcceptAiDraft>::new();
    let release = ServerAction::<ReleaseGrade>::new();
    let navigate = leptos_router::hooks::use_navigate();
    let (next, previous) = (page.next, page.previous);
    let go = {
        let navigate = navigate.clone();
        move |to: Option<i32>| {
            if let Some(to) = to {
                navigate(&review_href(to), Default::default());
            }
        }
    };
    let submit = {
        let (points, comments) = (points.clone(), comments.clone());
        move || {
            let form = GradeForm {
                points: points
                    .iter()
                    .map(|p| p.get_untracked().trim().parse().unwrap_or(u32::MAX))
                    .collect(),
                comments: comments.iter().map(|c| c.get_untracked()).collect(),
                feedback: feedback.get_untracked(),
            };
            let grade = serde_json::to_string(&form).unwrap_or_default();
            save.dispatch(SaveReview { id, grade });
        }
    };
    // Each finished action reloads the page's data; accepting moves on to the next one.
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            on_saved.run(());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(n)) = release.value().get() {
            let _ = n;
            on_saved.run(());
        }
    });
    {
        let go = go.clone();
        Effect::new(move |_| {
            if let Some(Ok(())) = accept.value().get() {
                if next.is_some() {
                    go(next);
                } else {
                    on_saved.run(());
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = previous;
    #[cfg(feature = "hydrate")]
    {
        let submit = submit.clone();
        let go = go.clone();
        let count = page.criteria.len();
        let handle = window_event_listener(leptos::ev::keydown, move |e| {
            keys::handle(
                &e,
                count,
                &submit,
                &go,
                next,
                previous,
                || {
                    accept.dispatch(AcceptAiDraft { id });
                },
                || {
                    release.dispatch(ReleaseGrade { id });
                },
            );
        });
        on_cleanup(move || handle.remove());
    }
    let error = move || {
        [save.value().get(), accept.value().get()]
            .into_iter()
            .flatten()
            .find_map(Result::err)
            .or_else(|| release.value().get().and_then(Result::err))
            .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    let released = page.state == "released";
    let reviewed = page.state == "reviewed";
    let criteria: Vec<_> = page
        .criteria
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let (p, comment) = (points[i], comments[i]);
            let evidence = (!c.evidence.is_empty()).then(|| {
                let words = format!("“{}”", c.evidence);
                let missing = (!c.evidence_verified).then_some(" (not found in the transcript)");
                match c.evidence_ms {
                    Some(ms) => view! {
                        <button type="button" class="evidence" data-evidence-ms=ms
                            on:click=move |_| seek(video, ms, false)>
                            {format!("▶ {} {words}", mm_ss(ms / 1000))}
                        </button>{missing}
                    }
                    .into_any(),
                    None => view! { <span class="evidence">{words}{missing}</span> }.into_any(),
                }
            });
            let changed = move || p.get().trim() != c.ai_points.to_string();
            view! {
                <fieldset class="criterion" class:changed=changed>
                    <legend>{format!("{}. {}", i + 1, c.name)}</legend>
                    <p class="ai">{format!("AI: {} / {}", c.ai_points, c.max_points)}
                        {(!c.ai_comment.is_empty()).then(|| format!(" · {}", c.ai_comment))}</p>
                    <p>"Evidence: "{evidence.unwrap_or_else(|| view! { <span class="hint">"none quoted"</span> }.into_any())}</p>
                    <label>{format!("Points (0–{})", c.max_points)}
                        <input type="number" id=format!("points-{i}") name=format!("points-{i}") min="0" max=c.max_points
                            prop:value=p on:input=move |ev| p.set(event_target_value(&ev))/>
                    </label>
                    <label>"Comment"
                        <textarea rows="2" name=format!("comment-{i}") prop:value=comment
                            on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
                    </label>
                </fieldset>
            }
        })
        .collect();
    view! {
        <form class="review-form" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            {criteria}
            <label>"Overall feedback"
                <textarea rows="3" name="feedback" prop:value=feedback
                    on:input=move |ev| feedback.set(event_target_value(&ev))></textarea>
            </label>
            <p class="hint">{format!("AI feedback: {}", page.ai_feedback)}</p>
            {error}
            <div class="actions">
                <button type="submit">{if released { "Save (the student sees it at once)" } else { "Save grade" }}</button>
                <button type="button" class="secondary" on:click=move |_| { accept.dispatch(AcceptAiDraft { id }); }>"Accept AI draft"</button>
                <button type="button" class="secondary" disabled=!reviewed
                    on:click=move |_| { release.dispatch(ReleaseGrade { id }); }>"Release to student"</button>
            </div>
        </form>
    }
}

#[cfg(feature = "hydrate")]
mod keys {
    use wasm_bindgen::JsCast;

    /// One key press on the review page. Keys act only outside text fields, except
    /// Ctrl+Enter (save) and Escape (leave the field).
    #[allow(clippy::too_many_arguments)]
    pub fn handle(
        e: &web_sys::KeyboardEvent,
        criteria: usize,
        save: &impl Fn(),
        go: &impl Fn(Option<i32>),
        next: Option<i32>,
        previous: Option<i32>,
        accept: impl Fn(),
        release: impl Fn(),
    ) {
        // A held key repeats: one action per press. Keys typed into an input method are
        // text, not commands.
        if e.repeat() || e.is_composing() {
            return;
        }
        let field = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
            .filter(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let in_form = field
            .as_ref()
            .is_none_or(|f| f.closest(".review-form").ok().flatten().is_some());
        if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) && in_form {
            e.prevent_default();
            save();
            return;
        }
        if let Some(field) = field {
            if e.key() == "Escape" {
                let _ = field.blur();
            }
            return;
        }
        if e.ctrl_key() || e.meta_key() || e.alt_key() {
            return;
        }
        match e.key().as_str() {
            "j" => go(next),
            "k" => go(previous),
            "a" => accept(),
            "r" => release(),
            digit => {
                let n = digit
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=criteria).contains(n));
                if let Some(n) = n {
                    e.prevent_default();
                    let input = leptos::prelude::document()
                        .get_element_by_id(&format!("points-{}", n - 1))
                        .and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok());
                    if let Some(input) = input {
                        let _ = input.focus();
                        input.select();
                    }
                }
            }
        }
    }
}
