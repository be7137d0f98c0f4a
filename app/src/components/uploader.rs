//! Uploading a recording: a file picker and a drop zone (or the browser's own recorder), a
//! real progress bar with percent and speed, and a cancel button. The file goes as the raw
//! request body through `XMLHttpRequest`, the one browser API that reports upload progress.

use leptos::prelude::*;

use super::recorder::Recorder;

/// Where an upload stands (only the browser moves it on).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Upload {
    Idle,
    Sending {
        loaded: f64,
        total: f64,
        per_sec: f64,
    },
    /// Queued as this submission.
    Done(i32),
    Failed(String),
}

#[cfg(feature = "hydrate")]
use browser::InFlight;
/// The request under way: browser objects, so kept where they were made.
#[cfg(feature = "hydrate")]
type InFlightCell = StoredValue<Option<InFlight>, LocalStorage>;
/// Nothing is ever in flight on the server, and a local value must not be dropped on another
/// thread, so the server keeps an empty, thread-safe cell.
#[cfg(not(feature = "hydrate"))]
type InFlightCell = StoredValue<Option<()>>;

/// One lab session's upload: a picked file and a recording go the same way, one at a time.
#[derive(Clone, Copy)]
pub(super) struct UploadSlot {
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    lab_id: i32,
    pub state: RwSignal<Upload>,
    current: InFlightCell,
}

impl UploadSlot {
    fn new(lab_id: i32) -> Self {
        Self {
            lab_id,
            state: RwSignal::new(Upload::Idle),
            #[cfg(feature = "hydrate")]
            current: StoredValue::new_local(None),
            #[cfg(not(feature = "hydrate"))]
            current: StoredValue::new(None),
        }
    }

    /// Sends `body` as the file `name`, in place of any upload still under way.
    #[cfg(feature = "hydrate")]
    pub fn send(&self, body: &web_sys::Blob, name: &str) {
        self.cancel();
        let sent = browser::send(self.lab_id, body, name, self.state);
        if sent.is_none() {
            self.state.set(Upload::Failed(
                "This browser could not start the upload; nothing was sent. Try again.".into(),
            ));
        }
        self.current.set_value(sent);
    }

    pub fn cancel(&self) {
        self.current.update_value(|c| {
            #[cfg(feature = "hydrate")]
            if let Some(upload) = c.take() {
                upload.abort();
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = c.take();
        })
    }
}

#[component]
pub fn Uploader(lab_id: i32, max_recording_secs: u64) -> impl IntoView {
    let slot = UploadSlot::new(lab_id);
    let state = slot.state;
    let cancel = move |_| slot.cancel();
    let on_pick = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let file = _ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .and_then(|input| input.files())
                .and_then(|files| files.get(0));
            if let Some(file) = file {
                slot.send(&file, &file.name());
            }
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if let Some(file) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0))
        {
            slot.send(&file, &file.name());
        }
    };
    let input_id = format!("upload-{lab_id}");
    view! {
        <div class="uploader" on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <input
                id=input_id.clone()
                type="file"
                class="visually-hidden"
                accept="video/*,audio/*,.mkv,.m4a,.opus"
                on:change=on_pick
            />
            <label for=input_id class="drop-zone">
                "Drop your video here, or "<span class="link">"choose a file"</span>
                <span class="hint">" (MP4, MOV, WebM, MKV, or audio: WAV, MP3, M4A, OGG)"</span>
            </label>
            <Recorder upload=slot max_secs=max_recording_secs/>
            {move || match state.get() {
                Upload::Idle => ().into_any(),
                Upload::Sending { loaded, total, per_sec } => {
                    let percent = if total > 0.0 { (loaded / total * 100.0).floor() } else { 0.0 };
                    view! {
                        <div class="upload-progress">
                            <progress max="100" value=percent aria-label="Upload progress"></progress>
                            <span class="upload-numbers">
                                {format!("{percent:.0}% · {:.1} MB/s", per_sec / 1_000_000.0)}
                            </span>
                            <button type="button" class="secondary" on:click=cancel>"Cancel"</button>
                        </div>
                    }
                        .into_any()
                }
                Upload::Done(id) => view! {
                    <p class="success" role="status">
                        "Uploaded. Your video is in the queue. "
                        <a href=format!("/submissions/{id}")>"See it"</a>
                    </p>
                }
                    .into_any(),
                Upload::Failed(text) => view! { <p class="error" role="alert">{text}</p> }.into_any(),
            }}
        </div>
    }
}

/// Milliseconds on the page's monotonic clock.
#[cfg(feature = "hydrate")]
pub(super) fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    use super::{Upload, now_ms};
    use crate::AppError;

    /// An upload under way: the request and the callbacks it holds.
    pub struct InFlight {
        xhr: XmlHttpRequest,
        _callbacks: Vec<Closure<dyn FnMut(ProgressEvent)>>,
    }

    impl InFlight {
        pub fn abort(self) {
            let _ = self.xhr.abort();
        }
    }

    pub fn send(
        lab_id: i32,
        body: &web_sys::Blob,
        name: &str,
        state: RwSignal<Upload>,
    ) -> Option<InFlight> {
        let xhr = XmlHttpRequest::new().ok()?;
        let name: String = js_sys::encode_uri_component(name).into();
        let url = format!("/api/lab-sessions/{lab_id}/upload?name={name}");
        xhr.open("POST", &url).ok()?;
        let started = now_ms();
        let on_progress = Closure::<dyn FnMut(ProgressEvent)>::new(move |e: ProgressEvent| {
            let secs = ((now_ms() - started) / 1000.0).max(0.001);
            state.set(Upload::Sending {
                loaded: e.loaded(),
                total: e.total(),
                per_sec: e.loaded() / secs,
            });
        });
        let finished = xhr.clone();
        let on_load = Closure::<dyn FnMut(ProgressEvent)>::new(move |_| {
            let status = finished.status().unwrap_or(0);
            let body = finished.response_text().ok().flatten().unwrap_or_default();
            let queued = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v["submission_id"].as_i64())
                .and_then(|id| i32::try_from(id).ok());
            if let (201, Some(id)) = (status, queued) {
                state.set(Upload::Done(id));
            } else {
                let message = serde_json::from_str::<AppError>(&body)
                    .map(|e| e.to_string())
                    .unwrap_or_else(|_| format!("The upload failed (HTTP {status})."));
                state.set(Upload::Failed(message));
            }
        });
        let on_abort = Closure::<dyn FnMut(ProgressEvent)>::new(move |_| {
            state.set(Upload::Failed("Upload cancelled. Nothing was kept.".into()));
        });
        let on_error = Closure::<dyn FnMut(ProgressEvent)>::new(move |_| {
            state.set(Upload::Failed(
                "The connection was lost; nothing was kept. Try again.".into(),
            ));
        });
        let upload = xhr.upload().ok()?;
        upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        xhr.set_onload(Some(on_load.as_ref().unchecked_ref()));
        xhr.set_onabort(Some(on_abort.as_ref().unchecked_ref()));
        xhr.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        state.set(Upload::Sending {
            loaded: 0.0,
            total: body.size(),
            per_sec: 0.0,
        });
        xhr.send_with_opt_blob(Some(body)).ok()?;
        Some(InFlight {
            xhr,
            _callbacks: vec![on_progress, on_load, on_abort, on_error],
        })
    }
}
