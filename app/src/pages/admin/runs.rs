//! `/admin/submissions/:id`: one submission for the admin: its timeline beside its estimate,
//! the raw failure reason, every evaluation run with what made it, the engine processes
//! behind them, a per-criterion diff of any two runs, a re-run, and cancelling it while it
//! waits in the queue.

use leptos::prelude::*;
use leptos_meta::Title;

use super::rerun_form::{RerunForm, llm_files};
use crate::AppError;
use crate::api::history::{CancelQueued, compare_runs, submission_runs};
use crate::components::SignedInBar;
use crate::history::{DiffRow, EngineRunLine, RunLine};

#[component]
pub fn EngineRuns(runs: Vec<EngineRunLine>) -> impl IntoView {
    view! {
        <table class="engine-runs">
            <thead><tr>
                <th>"Run"</th><th>"Batch"</th><th>"Phase"</th><th>"pid"</th><th>"Model"</th>
                <th>"SHA-256"</th><th>"Items"</th><th>"Load"</th><th>"Ended"</th><th>"Detail"</th>
            </tr></thead>
            <tbody>
                {runs.into_iter().map(|r| view! {
                    <tr data-phase=r.phase.clone() data-run=r.id>
                        <td>{format!("#{}", r.id)}</td><td>{r.batch}</td><td>{r.phase.clone()}</td><td>{r.pid}</td>
                        <td>{r.model}</td><td class="hash">{r.model_sha256}</td><td>{r.items}</td>
                        <td>{r.load_ms}</td><td>{r.outcome}</td><td><pre class="failure-raw">{r.detail}</pre></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
pub fn AdminSubmissionPage() -> impl IntoView {
    let id = super::super::id_param();
    let refresh = RwSignal::new(0u32);
    let page = Resource::new(move || (id(), refresh.get()), |(id, _)| submission_runs(id));
    // The diff's two runs (its newest two until the admin picks), and the diff: made here, as the
    // diff is drawn inside the page's `Transition`, where a resource must not be made (the
    // server walks a suspended view more than once and would make it again on each walk).
    let pick = RwSignal::new(None::<Pick>);
    let diff = Resource::new(
        move || {
            (
                id(),
                refresh.get(),
                pick.get().filter(|p| p.submission == id()),
            )
        },
        |(id, _, pick)| compare_runs(id, pick.map(|p| p.left), pick.map(|p| p.right)),
    );
    // The re-run form's LLMs, made here for the same reason: the form is drawn in a closure.
    let models = llm_files();
    let cancel = ServerAction::<CancelQueued>::new();
    Effect::new(move |_| {
        if cancel.version().get() > 0 {
            refresh.update(|n| *n += 1);
        }
    });
    let done = Callback::new(move |()| refresh.update(|n| *n += 1));
    view! {
        <Title text="Submission runs · Viva"/>
        <SignedInBar/>
        <main class="page admin-runs">
            <p><a href="/admin/history">"← Processing history"</a></p>
            <Transition fallback=|| view! { <p class="loading">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => {
                            let line = p.line;
                            let steps = line.steps.iter().map(|(n, at)| format!("{n} +{at}")).collect::<Vec<_>>().join(" → ");
                            view! {
                                <h1>{format!("Submission #{} · {} · {}", line.id, line.student, line.lab)}</h1>
                                <p class="submission-state" data-state=line.state.clone()>{format!("State: {}", line.state)}</p>
                                <p class="timeline">{format!("Queued {} → {steps}", line.queued_at)}</p>
                                <p>{format!("Wait: told {}, real {} · Results: told {}, real {}", line.estimated_wait, line.actual_wait, line.estimated_results, line.actual_results)}</p>
                                {line.failure.map(|f| view! { <h2>"Failure (raw)"</h2><pre class="failure-raw">{f}</pre> })}
                                {p.queued.then(|| view! {
                                    <ActionForm action=cancel attr:class="cancel-form">
                                        <input type="hidden" name="id" value=line.id/>
                                        <label>"Reason"<input name="reason"/></label>
                                        <button type="submit">"Cancel this queued submission"</button>
                                    </ActionForm>
                                })}
                                <h2>"Evaluation runs"</h2>
                                {runs_table(p.runs.clone())}
                                {(p.runs.len() >= 2).then(|| view! { <Diff submission=line.id runs=p.runs pick rows=diff/> })}
                                <h2>"Engine processes"</h2>
                                <EngineRuns runs=p.engine_runs/>
                                {p.transcript.map(|t| view! { <details><summary>"Transcript"</summary><p class="transcript-text">{t}</p></details> })}
                            }
                                .into_any()
                        }
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
            // Outside the Transition: refreshing the runs after a re-run must not re-render
            // the form and drop its "queued" message.
            <h2>"Re-run"</h2>
            {move || view! { <RerunForm fixed=Some(id()) done models/> }}
        </main>
    }
    .into_any()
}

fn runs_table(runs: Vec<RunLine>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="evaluation-runs">
                <thead><tr>
                    <th>"Run"</th><th>"At (UTC)"</th><th>"Total"</th><th>"Model"</th><th>"SHA-256"</th>
                    <th>"Rubric"</th><th>"Prompt"</th><th>"Seed"</th><th>"Decoding"</th><th>"Batch size"</th>
                    <th>"Parallel"</th><th>"Batch"</th><th>"Engine"</th><th>"Asked by"</th><th>"Reason"</th>
                </tr></thead>
                <tbody>
                    {runs.into_iter().map(|r| view! {
                        <tr data-run=r.id>
                            <td>{format!("#{}", r.id)}</td><td>{r.at}</td><td>{r.total}</td><td>{r.model}</td>
                            <td class="hash">{r.model_sha256}</td><td>{format!("v{}", r.rubric_version)}</td>
                            <td>{r.prompt_version}</td><td>{r.seed}</td><td>{r.decoding}</td><td>{r.batch_size}</td>
                            <td>{r.parallel_sequences}</td><td>{r.batch}</td><td>{r.engine_run}</td>
                            <td>{r.requested_by}</td><td>{r.reason}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// The two runs the admin picked to compare, and whose they are (the page may move on to
/// another submission).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pick {
    submission: i32,
    left: i32,
    right: i32,
}

/// Two runs side by side per criterion; the newest two at first. `runs` holds at least two.
#[component]
fn Diff(
    submission: i32,
    runs: Vec<RunLine>,
    pick: RwSignal<Option<Pick>>,
    rows: Resource<Result<Vec<DiffRow>, AppError>>,
) -> impl IntoView {
    let mut ids: Vec<i32> = runs.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    let n = ids.len();
    let newest = (ids[n - 2], ids[n - 1]);
    let shown = move || {
        pick.get()
            .filter(|p| p.submission == submission)
            .map_or(newest, |p| (p.left, p.right))
    };
    let choose = move |left: bool, run: i32| {
        let (l, r) = shown();
        let (left, right) = if left { (run, r) } else { (l, run) };
        pick.set(Some(Pick {
            submission,
            left,
            right,
        }));
    };
    view! {
        <h2>"Compare two runs"</h2>
        <div class="diff-pick">
            {side("Left", ids.clone(), move || shown().0, move |run| choose(true, run))}
            {side("Right", ids, move || shown().1, move |run| choose(false, run))}
        </div>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match rows.await {
                    Ok(rows) => diff_table(rows).into_any(),
                    Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// One side's `<select>` of the runs: `selected` marks the choice in the server's HTML,
/// `prop:value` keeps it in the browser.
fn side(
    label: &'static str,
    ids: Vec<i32>,
    chosen: impl Fn() -> i32 + Copy + Send + Sync + 'static,
    choose: impl Fn(i32) + 'static,
) -> impl IntoView {
    let at_first = untrack(chosen);
    let options = ids
        .into_iter()
        .map(|id| view! { <option value=id.to_string() selected=id == at_first>{format!("Run #{id}")}</option> })
        .collect_view();
    let changed = move |e| {
        if let Ok(run) = event_target_value(&e).parse::<i32>() {
            choose(run);
        }
    };
    view! {
        <label>{label}<select prop:value=move || chosen().to_string() on:change=changed>{options}</select></label>
    }
}

/// Both sides where they differ (left struck out), else the one text.
fn side_by_side(changed: bool, left: String, right: String) -> impl IntoView {
    if changed {
        view! { <td class="changed"><del>{left}</del><ins>{right}</ins></td> }.into_any()
    } else {
        view! { <td>{right}</td> }.into_any()
    }
}

fn diff_table(rows: Vec<DiffRow>) -> impl IntoView {
    let mark = |changed: bool| if changed { "changed" } else { "" };
    view! {
        <table class="run-diff">
            <thead><tr><th>"Criterion"</th><th>"Points"</th><th>"Evidence"</th><th>"Comment"</th></tr></thead>
            <tbody>
                {rows.into_iter().map(|d| view! {
                    <tr data-criterion=d.criterion.clone()>
                        <th scope="row">{d.criterion.clone()}</th>
                        <td class=mark(d.points_changed)>{format!("{} → {}", d.left_points, d.right_points)}</td>
                        {side_by_side(d.evidence_changed, d.left_evidence, d.right_evidence)}
                        {side_by_side(d.comment_changed, d.left_comment, d.right_comment)}
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
