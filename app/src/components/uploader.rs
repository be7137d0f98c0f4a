//! Uploading a recording: a file picker and a drop zone, a real progress bar with percent and
//! speed, and a cancel button. The file goes as the raw request body through
//! `XMLHttpRequest`, the one browser API that reports upload progress.

use leptos::prelude::*;

/// Where an upload stands (only the browser moves it on).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Clone, Debug, PartialEq)]
enum Upload {
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

#[component]
pub fn Uploader(lab_id: i32) -> impl IntoView {
    let state = RwSignal::new(Upload::Idle);
    #[cfg(feature = "hydrate")]
    let current = StoredValue::new_local(None::<browser::InFlight>);
    #[cfg(feature = "hydrate")]
    let start = move |file: web_sys::File| {
        current.set_value(browser::send(lab_id, file, state));
    };
    #[cfg(feature = "hydrate")]
    let cancel = move |_| {
        current.update_value(|c| {
            if let Some(upload) = c.take() {
                upload.abort();
            }
        })
    };
    #[cfg(not(feature = "hydrate"))]
    let cancel = move |_| {};
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
                start(file);
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
            start(file);
        }
    };
    let input_id = format!("upload-{lab_id}");
    view! {
        <div class="uploader" on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default() on:drop=on_drop>
            <label for=input_id.clone() class="drop-zone">
                "Drop your video here, or "<span class="link">"choose a file"</span>
                <span class="hint">" (MP4, MOV, WebM, MKV, or audio: WAV, MP3, M4A, OGG)"</span>
            </label>
            <input
                id=input_id
                type="file"
                class="visually-hidden"
                accept="video/*,audio/*,.mkv,.m4a,.opus"
                on:change=on_pick
            />
            {move || match state.get() {
                Upload::Idle => ().into_any(),
                Upload::Sending { loaded, total, per_sec } => {
                    let percent = if total > 0.0 { (loaded / total * 100.0).floor() } else { 0.0 };
                    view! {
                        <div class="upload-progress">
                            <progress max="100" value=percent></progress>
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

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;
    use web_sys::{ProgressEvent, XmlHttpRequest};

    use super::Upload;
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

    fn now_ms() -> f64 {
        web_sys::window()
            .and_then(|w| w.performance())
            .map_or(0.0, |p| p.now())
    }

    pub fn send(lab_id: i32, file: web_sys::File, state: RwSignal<Upload>) -> Option<InFlight> {
        let xhr = XmlHttpRequest::new().ok()?;
        let name: String = js_sys::encode_uri_component(&file.name()).into();
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
            total: file.size(),
            per_sec: 0.0,
        });
        xhr.send_with_opt_blob(Some(&file)).ok()?;
        Some(InFlight {
            xhr,
            _callbacks: vec![on_progress, on_load, on_abort, on_error],
        })
    }
}
