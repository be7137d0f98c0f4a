//! `/admin/history`: every submission's way through the queue (filtered, failed first, a page
//! at a time), the batches with their engine processes, the GPU timeline, and re-runs of a
//! batch or of every failed submission.

use leptos::prelude::*;
use leptos_meta::Title;

use super::rerun_form::RerunForm;
use crate::api::history::{admin_history, history_filter_choices};
use crate::components::{GpuTimeline, SignedInBar};
use crate::history::{BatchLine, HistoryQuery, SubmissionLine};

#[component]
pub fn AdminHistoryPage() -> impl IntoView {
    let query = RwSignal::new(HistoryQuery::default());
    let page = Resource::new(move || query.get(), admin_history);
    let filters = Resource::new(|| (), |_| history_filter_choices());
    let (lab, instructor, from, to, state) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        query.set(HistoryQuery {
            lab_session: lab.get(),
            instructor: instructor.get(),
            from: from.get(),
            to: to.get(),
            state: state.get(),
            page: 0,
            batch_page: 0,
        });
    };
    let go = move |delta: i64| {
        query.update(|q| q.page = q.page.saturating_add_signed(delta));
    };
    let go_batches = move |delta: i64| {
        query.update(|q| q.batch_page = q.batch_page.saturating_add_signed(delta));
    };
    view! {
        <Title text="Processing history · Viva"/>
        <SignedInBar/>
        <main class="page admin-history">
            <p><a href="/">"← Users"</a>" · "<a href="/admin/settings">"Scheduler settings"</a></p>
            <h1>"Processing history"</h1>
            <form class="filters" on:submit=apply>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        match filters.await {
                            Ok(f) => view! {
                                <Picker label="Lab session" name="lab_session" value=lab options=f.labs/>
                                <Picker label="Instructor" name="instructor" value=instructor options=f.instructors/>
                            }
                                .into_any(),
                            Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Transition>
                <label>"From"<input type="date" name="from" bind:value=from/></label>
                <label>"To"<input type="date" name="to" bind:value=to/></label>
                <label>"State"
                    <select name="state" bind:value=state>
                        <option value="">"Any"</option>
                        <option value="failed">"Failed"</option>
                        <option value="queued">"Queued"</option>
                        <option value="evaluated">"Evaluated"</option>
                    </select>
                </label>
                <button type="submit">"Filter"</button>
            </form>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => view! {
                            <h2>"GPU timeline"</h2>
                            <GpuTimeline timeline=p.timeline/>
                            <h2>{format!("Submissions ({})", p.total)}</h2>
                            {submissions_table(p.submissions)}
                            {pager("Pages of submissions", p.page, p.pages, go)}
                            <h2>{format!("Batches ({})", p.batch_total)}</h2>
                            <p class="hint">"Only the dates filter the batches: a batch mixes lab sessions."</p>
                            {p.batches.into_iter().map(batch_view).collect_view()}
                            {pager("Pages of batches", p.batch_page, p.batch_pages, go_batches)}
                        }
                            .into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            <h2>"Re-run a batch or every failed submission"</h2>
            <RerunForm fixed=None/>
        </main>
    }
    .into_any()
}

/// "Previous · Page 2 of 5 · Next"; `go` moves by the given number of pages.
fn pager(
    label: &'static str,
    current: u64,
    pages: u64,
    go: impl Fn(i64) + Copy + 'static,
) -> impl IntoView {
    view! {
        <nav class="pager" aria-label=label>
            <button type="button" disabled=current == 0 on:click=move |_| go(-1)>"Previous"</button>
            <span>{format!("Page {} of {}", current + 1, pages)}</span>
            <button type="button" disabled=current + 1 >= pages on:click=move |_| go(1)>"Next"</button>
        </nav>
    }
}

/// A filter's `<select>`: "Any", then each (id, label).
#[component]
fn Picker(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    options: Vec<(i32, String)>,
) -> impl IntoView {
    view! {
        <label>{label}
            <select name=name bind:value=value>
                <option value="">"Any"</option>
                {options.into_iter().map(|(id, text)| view! { <option value=id.to_string()>{text}</option> }).collect_view()}
            </select>
        </label>
    }
}

fn submissions_table(rows: Vec<SubmissionLine>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="history">
                <thead><tr>
                    <th>"#"</th><th>"Student"</th><th>"Lab session"</th><th>"Instructor"</th>
                    <th>"State"</th><th>"Batch"</th><th>"Queued (UTC)"</th><th>"Timeline"</th>
                    <th>"Wait: told / real"</th><th>"Results: told / real"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|s| {
                        let steps = s.steps.iter().map(|(name, at)| format!("{name} +{at}")).collect::<Vec<_>>().join(" → ");
                        view! {
                            <tr data-state=s.state.clone() data-submission=s.id>
                                <td><a href=format!("/admin/submissions/{}", s.id)>{format!("#{}", s.id)}</a></td>
                                <td>{s.student}</td>
                                <td>{s.lab}</td>
                                <td>{s.instructor}</td>
                                <td>{s.state.clone()}{s.rerun.then_some(" (re-run)")}
                                    {s.failure.map(|f| view! { <pre class="failure-raw">{f}</pre> })}
                                </td>
                                <td>{s.batch.map(|b| b.to_string())}</td>
                                <td>{s.queued_at}</td>
                                <td class="timeline">{format!("queued → {steps}")}</td>
                                <td>{format!("{} / {}", s.estimated_wait, s.actual_wait)}</td>
                                <td>{format!("{} / {}", s.estimated_results, s.actual_results)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn batch_view(b: BatchLine) -> impl IntoView {
    view! {
        <section class="batch-history" data-batch=b.seq>
            <h3>{format!("Batch {} · formed {} · {} items, {} failed, {} retries", b.seq, b.formed_at, b.size, b.failed, b.retries)}</h3>
            <table>
                <thead><tr><th>"Phase"</th><th>"Start"</th><th>"End"</th><th>"Duration"</th></tr></thead>
                <tbody>
                    {b.phases.into_iter().map(|p| view! {
                        <tr data-phase=p.phase.clone()><td>{p.phase.clone()}</td><td>{p.start}</td><td>{p.end}</td><td>{p.secs}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <super::runs::EngineRuns runs=b.runs/>
        </section>
    }
}
