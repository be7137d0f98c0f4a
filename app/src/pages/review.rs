//! `/submissions/:id/review`: the instructor reviews one submission: the video with its
//! transcript, the AI's draft beside the final grade, flags, regrade requests and the
//! history of every change. Next and previous follow the lab's review list.

use leptos::html::Video;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::review::{AnswerRegrade, review_submission};
use crate::components::{Mark, Player, ReviewForm, SignedInBar, review_href};
use crate::review::{HistoryLine, RegradeLine, ReviewPage as Page};

#[component]
pub fn ReviewPage() -> impl IntoView {
    let id = super::id_param();
    let page = Resource::new_blocking(id, review_submission);
    let reload = Callback::new(move |_| page.refetch());
    // Playback position across saves; another submission starts at the beginning.
    let position = RwSignal::new(0.0);
    Effect::new(move |_| {
        id();
        position.set(0.0);
    });
    view! {
        <Title text="Review · Viva"/>
        <SignedInBar/>
        <main class="page wide">
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => review_view(p, reload, position).into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

fn state_words(state: &str) -> &'static str {
    match state {
        "ai_draft" => "AI draft",
        "reviewed" => "Reviewed, not released",
        "released" => "Released to the student",
        "failed" => "Failed: needs attention",
        _ => "Not graded yet",
    }
}

fn review_view(p: Page, reload: Callback<()>, position: RwSignal<f64>) -> impl IntoView {
    let video = NodeRef::<Video>::new();
    let marks = p
        .criteria
        .iter()
        .filter_map(|c| Mark::evidence(&c.name, &c.evidence, c.evidence_ms))
        .collect();
    let link = |to: Option<i32>, rel: &'static str, words: &'static str| {
        to.map(|to| view! { <a href=review_href(to) rel=rel>{words}</a> })
    };
    let flags: Vec<_> = p
        .flags
        .iter()
        .map(|f| view! { <li>{f.clone()}</li> })
        .collect();
    let has_flags = !flags.is_empty();
    view! {
        <p><a href=format!("/lab-sessions/{}", p.lab_id)>{format!("← {}: review list", p.lab_title)}</a></p>
        <h1>{format!("Review: {}", p.student)}</h1>
        <p class="hint">
            {format!("{} of {} · {} · {}", p.position, p.of, p.file_name, p.ai_run)}
        </p>
        <nav class="review-nav" aria-label="Submissions">
            {link(p.previous, "prev", "← Previous (K)")}
            <span class=format!("badge state-{}", p.state) data-state=p.state.clone()>{state_words(&p.state)}</span>
            {link(p.next, "next", "Next (J) →")}
        </nav>
        {has_flags.then(|| view! {
            <section class="card flags" role="note" aria-label="Flags">
                <h2>"Needs your eye"</h2>
                <ul>{flags}</ul>
            </section>
        })}
        <p class="hint keys">"Keys: J next · K previous · A accept the AI draft and go on · 1–9 the points of criterion N · R release · Ctrl+Enter save"</p>
        <div class="review-layout">
            <Player media_url=p.media_url.clone() captions_url=p.captions_url.clone() segments=p.segments.clone() video marks position/>
            <ReviewForm page=p.clone() video on_saved=reload/>
        </div>
        {regrades(p.submission_id, p.regrades, reload)}
        {history(p.history)}
    }
}

fn regrades(id: i32, list: Vec<RegradeLine>, reload: Callback<()>) -> impl IntoView {
    let answer = ServerAction::<AnswerRegrade>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = answer.value().get() {
            reload.run(());
        }
    });
    let items: Vec<_> = list
        .into_iter()
        .map(|r| {
            let text = RwSignal::new(String::new());
            let answered = r.answer.clone().map(|a| view! { <p class="answer">{format!("Answered: {a}")}</p> });
            let form = r.answer.is_none().then(|| view! {
                <form on:submit=move |ev| {
                    ev.prevent_default();
                    answer.dispatch(AnswerRegrade { id, request: r.id, answer: text.get_untracked() });
                }>
                    <label>"Your answer"<textarea rows="2" name="answer" prop:value=text on:input=move |ev| text.set(event_target_value(&ev))></textarea></label>
                    <button type="submit">"Send answer"</button>
                </form>
            });
            view! {
                <li class="regrade">
                    <p><strong>{r.criterion}</strong>{format!(" · asked {}: “{}”", r.asked_at, r.note)}</p>
                    {answered}
                    {form}
                </li>
            }
        })
        .collect();
    let error = move || {
        answer
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| view! { <p class="error" role="alert">{e.to_string()}</p> })
    };
    (!items.is_empty()).then(|| {
        view! {
            <section class="card" aria-label="Regrade requests">
                <h2>"Regrade requests"</h2>
                <ul class="regrades">{items}</ul>
                {error}
            </section>
        }
    })
}

fn history(lines: Vec<HistoryLine>) -> impl IntoView {
    let rows: Vec<_> = lines
        .into_iter()
        .rev()
        .map(|h| view! { <tr><td>{h.at}</td><td>{h.who}</td><td>{h.what}</td><td>{h.against}</td></tr> })
        .collect();
    let empty = rows.is_empty();
    view! {
        <section class="card" aria-label="History">
            <h2>"History"</h2>
            {if empty {
                view! { <p class="hint">"No changes yet: this is the AI's draft."</p> }.into_any()
            } else {
                view! {
                    <div class="table-scroll" tabindex="0" role="region" aria-label="Changes, newest first">
                        <table class="table history">
                            <thead><tr><th scope="col">"When (UTC)"</th><th scope="col">"Who"</th><th scope="col">"Change"</th><th scope="col">"Against"</th></tr></thead>
                            <tbody>{rows}</tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
