//! `/lab-sessions/:id` (or `new`): an instructor's lab session: the editor, close and reopen,
//! the live batch board and the results table, which fills in as evaluations land.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::lab_editor::LabEditor;
use crate::api::instructor::{SetLabSessionOpen, lab_results, lab_session_form};
use crate::components::LiveStatus;
use crate::labs::{LabBoard, LabForm};

/// The results table refreshes this often while the page is open.
const RESULTS_EVERY: std::time::Duration = std::time::Duration::from_secs(3);

#[component]
pub fn LabSessionPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let form = Resource::new_blocking(id, |id| async move {
        if id == 0 {
            Ok(LabForm::default())
        } else {
            lab_session_form(id).await
        }
    });
    let navigate = use_navigate();
    let on_saved = Callback::new(move |saved: i32| {
        if id() != saved {
            navigate(&format!("/lab-sessions/{saved}"), Default::default());
        }
    });
    view! {
        <Title text="Lab session · Viva"/>
        <main class="page">
            <p><a href="/">"← My lab sessions"</a></p>
            <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match form.await {
                        Ok(form) => {
                            let lab = form.id;
                            let heading = if lab == 0 { "New lab session".to_string() } else { form.title.clone() };
                            view! {
                                <h1>{heading}</h1>
                                {(lab != 0).then(|| view! { <OpenSwitch lab open=form.open/> })}
                                <LabEditor form on_saved/>
                                {(lab != 0).then(|| view! { <Board lab/> })}
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
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

#[component]
fn Board(lab: i32) -> impl IntoView {
    let tick = RwSignal::new(0u32);
    #[cfg(feature = "hydrate")]
    if let Ok(handle) = set_interval_with_handle(move || tick.update(|t| *t += 1), RESULTS_EVERY) {
        on_cleanup(move || handle.clear());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = RESULTS_EVERY;
    let results = Resource::new(move || tick.get(), move |_| lab_results(lab));
    view! {
        <h2>"Live batch board"</h2>
        <LiveStatus/>
        <h2>"Results"</h2>
        <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || results.get().map(|r| match r {
                Ok(board) => results_table(board).into_any(),
                Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

fn results_table(board: LabBoard) -> impl IntoView {
    let current = board.rubric_version;
    let head: Vec<_> = board
        .criteria
        .iter()
        .map(|c| view! { <th>{c.clone()}</th> })
        .collect();
    let rows: Vec<_> = board
        .rows
        .into_iter()
        .map(|r| {
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
            view! {
                <tr data-submission=r.submission_id>
                    <td>{r.student}{older}</td>
                    <td class="state">{r.state.replace('_', " ")}</td>
                    {cells}
                    <td class="total">{r.total.map_or("–".to_string(), |t| t.to_string())}</td>
                </tr>
            }
        })
        .collect();
    let empty = rows.is_empty();
    view! {
        <table class="table results">
            <thead><tr><th>"Student"</th><th>"State"</th>{head}<th>"Total"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {empty.then(|| view! { <p class="hint">"No uploads yet."</p> })}
    }
}
