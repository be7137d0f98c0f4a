//! The live status panel: the caller's own view of the GPU cycle. The server renders the
//! first paint from the current snapshot; in the browser an `EventSource` on
//! `/api/status/events` replaces it with every update, without a reload. The browser
//! reconnects by itself after a drop, and the first event after that is the current view.

use leptos::prelude::*;

use super::notice::ResultNotice;
use super::status_card::{admin_view, batch_view, status_card};
use crate::api::status::my_status;
use crate::status::{GpuNow, StatusView, describe_gpu};

/// The panel's first view, fetched with the page.
pub type FirstStatus = Resource<Result<StatusView, crate::AppError>>;

/// Made at the top of a page component, never inside a `Suspend`: the server walks a suspended
/// view more than once, and a resource made there is made again on each walk, so the browser
/// could hydrate against another copy's data.
pub fn first_status() -> FirstStatus {
    Resource::new_blocking(|| (), |_| my_status())
}

/// The panel, narrowed to what its page is about: `lab` on an instructor's lab board (that lab
/// session's batches), `submission` on a submission's page (its card). `first` comes from
/// [`first_status`]. `on_final` is told when one of the viewer's submissions reaches a final
/// state while the page is open.
#[component]
pub fn LiveStatus(
    first: FirstStatus,
    #[prop(optional)] lab: Option<i32>,
    #[prop(optional)] submission: Option<i32>,
    #[prop(optional)] on_final: Option<Callback<i32>>,
) -> impl IntoView {
    let live = RwSignal::new(None::<StatusView>);
    #[cfg(feature = "hydrate")]
    let stream = Stream::new(live);
    // What the page shows now: the first paint, then each live view.
    let current = Signal::derive(move || {
        live.get()
            .or_else(|| first.get().and_then(Result::ok))
            .map(|s| s.narrowed(lab, submission))
    });
    view! {
        <ResultNotice current on_final/>
        // One short line for screen readers, which changes only when the news does; the panel
        // itself changes too often to be read out whole.
        <p class="visually-hidden" aria-live="polite">
            {move || live.get().map(|s| spoken_summary(&s.narrowed(lab, submission)))}
        </p>
        <section class="live-status" aria-label="Live status">
            <Suspense fallback=|| view! { <p class="loading">"Loading status…"</p> }>
                {move || Suspend::new(async move {
                    let first = first.await;
                    // Follow the stream only once the first view is on the page: a live view
                    // arriving while the page hydrates would not match the server's HTML.
                    #[cfg(feature = "hydrate")]
                    Effect::new(move |_| stream.start());
                    // Times of day only from the browser's own clock, once the stream runs,
                    // so the first paint and the hydrated page agree.
                    let (status, clock) = match live.get() {
                        Some(status) => (Ok(status), true),
                        None => (first, false),
                    };
                    match status {
                        Ok(status) => {
                            status_view(&status.narrowed(lab, submission), clock, lab.is_some())
                                .into_any()
                        }
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// "Your video is being processed." for a student; the GPU's state for staff.
fn spoken_summary(status: &StatusView) -> String {
    let headlines: Vec<String> = status
        .mine
        .iter()
        .map(|i| crate::status::card(&i.stage, &status.gpu, status.at_ms, &no_clock).headline)
        .collect();
    match (&status.gpu, headlines.is_empty()) {
        (_, false) => headlines.join(". "),
        (GpuNow::Idle, true) => "The GPU is idle.".into(),
        (GpuNow::Busy { batch, phase, .. }, true) => format!(
            "Batch {batch} is in the {} phase.",
            crate::status::phase_name(*phase)
        ),
    }
}

/// The browser's `EventSource` on `/api/status/events`, opened once per panel and closed with
/// it.
#[cfg(feature = "hydrate")]
#[derive(Clone, Copy)]
struct Stream {
    live: RwSignal<Option<StatusView>>,
    held: StoredValue<Option<StreamParts>, LocalStorage>,
}

#[cfg(feature = "hydrate")]
type StreamParts = (
    web_sys::EventSource,
    wasm_bindgen::closure::Closure<dyn FnMut(web_sys::MessageEvent)>,
);

#[cfg(feature = "hydrate")]
impl Stream {
    fn new(live: RwSignal<Option<StatusView>>) -> Self {
        let stream = Self {
            live,
            held: StoredValue::new_local(None),
        };
        on_cleanup(move || {
            stream.held.update_value(|held| {
                if let Some((source, _)) = held.take() {
                    source.close();
                }
            })
        });
        stream
    }

    fn start(self) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;

        if self.held.with_value(Option::is_some) {
            return;
        }
        let Ok(source) = web_sys::EventSource::new("/api/status/events") else {
            return;
        };
        let live = self.live;
        let on_status = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let parsed = event
                    .data()
                    .as_string()
                    .and_then(|text| serde_json::from_str::<StatusView>(&text).ok());
                if let Some(status) = parsed {
                    live.set(Some(status));
                }
            },
        );
        if source
            .add_event_listener_with_callback("status", on_status.as_ref().unchecked_ref())
            .is_err()
        {
            source.close();
            return;
        }
        self.held.set_value(Some((source, on_status)));
    }
}

/// "14:32" in the browser's time zone.
#[cfg(feature = "hydrate")]
fn time_of_day(unix_ms: u64) -> Option<String> {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(unix_ms as f64));
    Some(format!("{:02}:{:02}", date.get_hours(), date.get_minutes()))
}

#[cfg(not(feature = "hydrate"))]
fn time_of_day(_unix_ms: u64) -> Option<String> {
    None
}

fn no_clock(_unix_ms: u64) -> Option<String> {
    None
}

/// `board`: on an instructor's lab board, where an empty queue is not "yours".
fn status_view(status: &StatusView, clock: bool, board: bool) -> impl IntoView + use<> {
    let gpu = status.gpu.clone();
    let clock: &dyn Fn(u64) -> Option<String> = if clock { &time_of_day } else { &no_clock };
    let mine: Vec<_> = status
        .mine
        .iter()
        .map(|item| status_card(item, &gpu, status.at_ms, clock))
        .collect();
    let batches: Vec<_> = status.batches.iter().map(|b| batch_view(b, &gpu)).collect();
    let nothing_mine =
        status.mine.is_empty() && status.admin.is_none() && status.batches.is_empty();
    let admin = status.admin.clone().map(admin_view);
    view! {
        <p class="status-gpu" data-gpu=gpu_state(&gpu)>{format!("GPU: {}", describe_gpu(&gpu))}</p>
        {status.paused.then(|| view! {
            <p class="status-paused" role="status">
                "Processing is paused by an administrator. Every place in the queue is kept; "
                "work goes on when it is resumed."
            </p>
        })}
        {nothing_mine.then(|| {
            let none = if board {
                "No submission of this lab session is in the queue."
            } else {
                "No submission of yours is in the queue."
            };
            view! { <p class="status-none">{none}</p> }
        })}
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
