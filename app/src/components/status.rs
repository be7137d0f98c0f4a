//! The live status panel: the caller's own view of the GPU cycle. The server renders the
//! first paint from the current snapshot; in the browser an `EventSource` on
//! `/api/status/events` replaces it with every update, without a reload. The browser
//! reconnects by itself after a drop, and the first event after that is the current view.

use leptos::prelude::*;

use crate::api::status::my_status;
use crate::status::{
    BatchView, GpuNow, MyItem, PhaseName, Stage, StatusView, about, describe_gpu, describe_stage,
};

#[component]
pub fn LiveStatus() -> impl IntoView {
    let first = Resource::new_blocking(|| (), |_| my_status());
    let live = RwSignal::new(None::<StatusView>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| follow(live));
    view! {
        <section class="live-status" aria-live="polite">
            <Suspense fallback=|| view! { <p class="loading">"Loading status…"</p> }>
                {move || Suspend::new(async move {
                    let first = first.await;
                    match live.get().map(Ok).unwrap_or(first) {
                        Ok(status) => status_view(&status).into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[cfg(feature = "hydrate")]
fn follow(live: RwSignal<Option<StatusView>>) {
    use leptos::__reexports::send_wrapper::SendWrapper;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let Ok(source) = web_sys::EventSource::new("/api/status/events") else {
        return;
    };
    let on_status =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let parsed = event
                .data()
                .as_string()
                .and_then(|text| serde_json::from_str::<StatusView>(&text).ok());
            if let Some(status) = parsed {
                live.set(Some(status));
            }
        });
    if source
        .add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref())
        .is_err()
    {
        source.close();
        return;
    }
    let held = SendWrapper::new((source, on_status));
    on_cleanup(move || held.take().0.close());
}

fn status_view(status: &StatusView) -> impl IntoView + use<> {
    let gpu = status.gpu.clone();
    let mine: Vec<_> = status.mine.iter().map(|item| my_item(item, &gpu)).collect();
    let batches: Vec<_> = status.batches.iter().map(batch_view).collect();
    let nothing_mine =
        status.mine.is_empty() && status.admin.is_none() && status.batches.is_empty();
    let admin = status.admin.clone().map(|a| {
        let engine = a.engine.map(|e| {
            format!(
                "{} engine pid {} ({}), running {} s, loaded in {}",
                phase_label(e.phase),
                e.pid.map_or("?".into(), |p| p.to_string()),
                e.model,
                e.running_secs,
                e.load_ms.map_or("…".into(), |ms| format!("{ms} ms")),
            )
        });
        let failures: Vec<_> = a
            .recent_failures
            .into_iter()
            .map(|f| view! { <li>{format!("#{} {}: {}", f.submission_id, f.student, f.reason)}</li> })
            .collect();
        view! {
            <div class="status-admin">
                <p class="status-engine">{engine.unwrap_or_else(|| "No engine running.".into())}</p>
                <p class="hint">
                    {format!(
                        "{} waiting · estimates: STT load {} ms, {} ms per 30 s of audio; evaluation load {} ms, {} ms per item",
                        a.queued,
                        a.stt_load_ms,
                        a.stt_window_ms,
                        a.eval_load_ms,
                        a.eval_item_ms,
                    )}
                </p>
                {(!failures.is_empty()).then(|| view! { <h3>"Recent failures"</h3><ul>{failures}</ul> })}
            </div>
        }
    });
    view! {
        <p class="status-gpu" data-gpu=gpu_state(&gpu)>{format!("GPU: {}", describe_gpu(&gpu))}</p>
        {nothing_mine.then(|| view! { <p class="status-none">"No submission of yours is in the queue."</p> })}
        <ul class="status-mine">{mine}</ul>
        {batches}
        {admin}
    }
}

fn gpu_state(gpu: &GpuNow) -> &'static str {
    match gpu {
        GpuNow::Idle => "idle",
        GpuNow::Busy { .. } => "busy",
    }
}

fn phase_label(phase: PhaseName) -> &'static str {
    match phase {
        PhaseName::Stt => "STT",
        PhaseName::Evaluation => "Evaluation",
    }
}

fn stage_key(stage: &Stage) -> &'static str {
    match stage {
        Stage::Waiting { .. } => "waiting",
        Stage::Processing { .. } => "processing",
        Stage::Evaluated => "done",
        Stage::Failed { .. } => "failed",
    }
}

fn my_item(item: &MyItem, gpu: &GpuNow) -> impl IntoView + use<> {
    let progress = match &item.stage {
        Stage::Processing { done, total, .. } => {
            Some(view! { <progress max=*total value=*done></progress> })
        }
        _ => None,
    };
    view! {
        <li class="status-item" data-stage=stage_key(&item.stage) data-submission=item.submission_id>
            <span class="status-text">{describe_stage(&item.stage, gpu)}</span>
            {progress}
        </li>
    }
}

fn batch_view(batch: &BatchView) -> impl IntoView + use<> {
    let heading = match batch.running {
        Some(phase) => format!(
            "Batch {}: {} phase now, results {}",
            batch.batch,
            phase_label(phase),
            about(batch.results_secs)
        ),
        None => format!(
            "Batch {}: waiting, results {}",
            batch.batch,
            about(batch.results_secs)
        ),
    };
    let rows: Vec<_> = batch
        .rows
        .iter()
        .map(|r| {
            view! {
                <tr data-submission=r.submission_id>
                    <td>{r.student.clone()}</td>
                    <td class="state">{r.state.replace('_', " ")}</td>
                    <td>{format!("{}%", r.percent)}</td>
                </tr>
            }
        })
        .collect();
    view! {
        <div class="status-batch" data-batch=batch.batch>
            <h3>{heading}</h3>
            <table class="table">
                <thead><tr><th>"Student"</th><th>"State"</th><th>"Progress"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
