//! `/lab-sessions/:id`: an instructor's lab session as it runs: open or closed, the live batch
//! board, the review list (which fills in as evaluations land) and the charts. The settings and rubric
//! are a separate tab (`lab_settings`), so the board leads during a lab.

use leptos::prelude::*;
use leptos_meta::Title;

use super::lab_results::{Charts, ReviewList};
use crate::AppError;
use crate::api::instructor::{SetLabSessionOpen, lab_results, lab_session_form};
use crate::api::review::lab_charts;
use crate::components::{FirstStatus, LiveStatus, SignedInBar, first_status};
use crate::labs::LabBoard;
use crate::review::LabInsights;

/// The results table refreshes this often while the page is open.
const RESULTS_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

/// "Live board | Settings and rubric", with the current tab marked.
pub fn lab_tabs(lab: i32, settings: bool) -> impl IntoView {
    let current = |here: bool| here.then_some("page");
    view! {
        <nav class="tabs" aria-label="Lab session">
            <a href=format!("/lab-sessions/{lab}") aria-current=current(!settings)>"Live board and results"</a>
            <a href=format!("/lab-sessions/{lab}/settings") aria-current=current(settings)>"Settings and rubric"</a>
        </nav>
    }
}

#[component]
pub fn LabSessionPage() -> impl IntoView {
    let id = super::id_param();
    let form = Resource::new_blocking(id, lab_session_form);
    let board = BoardData::new(id);
    view! {
        <SignedInBar/>
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match form.await {
                    Ok(form) => {
                        let lab = form.id;
                        view! {
                            <Title text=format!("{} · Viva", form.title)/>
                            <main class="page">
                                <p><a href="/">"← My lab sessions"</a></p>
                                <h1>{form.title.clone()}</h1>
                                {lab_tabs(lab, false)}
                                <OpenSwitch lab open=form.open/>
                                <Board lab data=board/>
                            </main>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <main class="page"><p class="error">{e.to_string()}</p></main> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OpenSwitch(lab: i32, open: bool) -> impl IntoView {
    let action = ServerAction::<SetLabSessionOpen>::new();
    let is_open = RwSignal::new(open);
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            is_open.update(|o| *o = !*o);
        }
    });
    view! {
        <p class="open-switch">
            {move || if is_open.get() { "Open: students can upload. " } else { "Closed: uploads are refused. " }}
            <button type="button" class="secondary" on:click=move |_| {
                action.dispatch(SetLabSessionOpen { id: lab, open: !is_open.get_untracked() });
            }>
                {move || if is_open.get() { "Close" } else { "Reopen" }}
            </button>
        </p>
    }
}

/// The board's data, fetched with the page: the board is drawn inside the page's `Suspense`,
/// where a resource must not be made (see [`first_status`]). It is fetched even when the lab
/// session itself cannot be shown (its errors are then not shown either): three small calls.
#[derive(Clone, Copy)]
struct BoardData {
    /// Counts the results' refreshes.
    tick: RwSignal<u32>,
    results: Resource<Result<LabBoard, AppError>>,
    insights: Resource<Result<LabInsights, AppError>>,
    status: FirstStatus,
}

impl BoardData {
    fn new(id: impl Fn() -> i32 + Copy + Send + Sync + 'static) -> Self {
        let tick = RwSignal::new(0u32);
        Self {
            tick,
            results: Resource::new(move || (id(), tick.get()), |(lab, _)| lab_results(lab)),
            insights: Resource::new_blocking(id, lab_charts),
            status: first_status(),
        }
    }
}

#[component]
fn Board(lab: i32, data: BoardData) -> impl IntoView {
    let tick = data.tick;
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), RESULTS_EVERY) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = RESULTS_EVERY;
    let results = data.results;
    let refresh = Callback::new(move |_| tick.update(|t| *t += 1));
    view! {
        <h2>"Live batch board"</h2>
        <LiveStatus first=data.status lab/>
        <h2>"Review and results"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || results.get().map(|r| match r {
                Ok(board) => view! { <ReviewList lab board on_change=refresh/> }.into_any(),
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
        <Charts insights=data.insights/>
    }
}
