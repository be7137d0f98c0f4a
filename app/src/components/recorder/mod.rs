//! Recording in the browser instead of choosing a file: camera and microphone preview, a live
//! microphone level (a muted microphone shows before recording, not after), a timer against
//! the server's longest recording, stop, play back, record again, then the same upload as a
//! picked file. Audio only is an option. The server probes what the browser recorded exactly
//! as it probes any upload.

#[cfg(feature = "hydrate")]
mod controls;
#[cfg(feature = "hydrate")]
mod rig;

use leptos::prelude::*;

use super::uploader::{Upload, UploadSlot};
use crate::status::mm_ss;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Video,
    AudioOnly,
}

/// Where the recorder stands (only the browser moves it on).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
#[derive(Debug, Clone, PartialEq)]
enum Rec {
    Off,
    Asking,
    Ready,
    Recording,
    /// `at_limit`: stopped by the timer at the longest recording the server takes.
    Recorded {
        url: String,
        secs: u64,
        at_limit: bool,
    },
    Refused(String),
}

impl Rec {
    fn key(&self) -> &'static str {
        match self {
            Rec::Off => "off",
            Rec::Asking => "asking",
            Rec::Ready => "ready",
            Rec::Recording => "recording",
            Rec::Recorded { .. } => "recorded",
            Rec::Refused(_) => "refused",
        }
    }
}

/// What the recorder shows; the browser's controls move it.
#[derive(Clone, Copy)]
struct Panel {
    rec: RwSignal<Rec>,
    kind: RwSignal<Kind>,
    /// Microphone level, 0 to 1.
    level: RwSignal<f64>,
    /// How long the microphone has heard nothing, in ms.
    quiet_ms: RwSignal<u64>,
    /// Seconds recorded so far.
    elapsed: RwSignal<u64>,
    preview: NodeRef<leptos::html::Video>,
}

/// Below this level the microphone is taken to hear nothing.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const QUIET: f64 = 0.02;
/// Silence this long (in ms) before the student is warned.
const QUIET_WARNING_MS: u64 = 2500;

#[component]
pub fn Recorder(upload: UploadSlot, max_secs: u64) -> impl IntoView {
    let panel = Panel {
        rec: RwSignal::new(Rec::Off),
        kind: RwSignal::new(Kind::Video),
        level: RwSignal::new(0.0),
        quiet_ms: RwSignal::new(0),
        elapsed: RwSignal::new(0),
        preview: NodeRef::new(),
    };
    let Panel {
        rec,
        kind,
        level,
        quiet_ms,
        elapsed,
        preview,
    } = panel;
    #[cfg(feature = "hydrate")]
    let controls = controls::Controls::new(panel, upload, max_secs);
    // A recording stays until the server has it, so a failed upload can be sent again.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if matches!(upload.state.get(), Upload::Done(_))
            && matches!(rec.get_untracked(), Rec::Recorded { .. })
        {
            controls.close();
        }
    });
    let open = move |_which: Kind| {
        #[cfg(feature = "hydrate")]
        controls.open(_which);
    };
    let start = move |_| {
        #[cfg(feature = "hydrate")]
        controls.start();
    };
    let stop = move |_| {
        #[cfg(feature = "hydrate")]
        controls.stop();
    };
    let submit = move |_| {
        #[cfg(feature = "hydrate")]
        controls.submit();
    };
    let close = move |_| {
        #[cfg(feature = "hydrate")]
        controls.close();
    };
    let again = move |_| open(kind.get_untracked());
    let sending = move || matches!(upload.state.get(), Upload::Sending { .. });
    let live = Memo::new(move |_| matches!(rec.get(), Rec::Ready | Rec::Recording));
    let recording = Memo::new(move |_| rec.get() == Rec::Recording);
    let silent = Memo::new(move |_| quiet_ms.get() >= QUIET_WARNING_MS);
    let showing_camera = move || live.get() && kind.get() == Kind::Video;
    let state = Memo::new(move |_| rec.with(Rec::key));
    view! {
        <div class="recorder" data-state=move || state.get()>
            <video node_ref=preview class="preview" muted=true autoplay=true playsinline=true
                aria-label="Camera preview" hidden=move || !showing_camera()></video>
            // Built only when the state changes, so focus stays on the buttons while the timer
            // and the meter move.
            {move || match state.get() {
                "off" => view! {
                    <div class="record-choice">
                        <span class="hint">"Or record here: "</span>
                        <button type="button" class="secondary" on:click=move |_| open(Kind::Video)>"Record with camera"</button>
                        <button type="button" class="secondary" on:click=move |_| open(Kind::AudioOnly)>"Record audio only"</button>
                    </div>
                }
                    .into_any(),
                "asking" => view! {
                    <p class="hint">"Allow the camera and microphone when your browser asks…"</p>
                }
                    .into_any(),
                "ready" | "recording" => view! {
                    <div class="mic-level">
                        <label>
                            "Microphone level"
                            <meter min="0" max="1" low="0.05" optimum="0.5" value=move || level.get()></meter>
                        </label>
                        {move || silent.get().then(|| view! {
                            <p class="warning" role="alert">
                                "We hear nothing. Check that your microphone is on and not muted."
                            </p>
                        })}
                    </div>
                    <p class="timer" data-recording=move || recording.get().to_string()>
                        {move || if recording.get() { "Recording " } else { "Ready " }}
                        <span class="time">{move || format!("{} / {}", mm_ss(elapsed.get()), mm_ss(max_secs))}</span>
                    </p>
                    <div class="recorder-actions">
                        <button type="button" class="primary" hidden=move || recording.get() on:click=start>"Start recording"</button>
                        <button type="button" class="primary" hidden=move || !recording.get() on:click=stop>"Stop recording"</button>
                        <button type="button" class="secondary" hidden=move || recording.get() on:click=close>"Cancel"</button>
                    </div>
                }
                    .into_any(),
                "recorded" => {
                    let Rec::Recorded { url, secs, at_limit } = rec.get_untracked() else {
                        return ().into_any();
                    };
                    let limit = at_limit.then_some(" It stopped at the longest recording this lab takes.");
                    view! {
                        <p>{format!("Your recording ({}).", mm_ss(secs))}{limit}" Play it back, then submit it or record again."</p>
                        <video class="playback" controls=true src=url aria-label="Your recording"></video>
                        <div class="recorder-actions">
                            <button type="button" class="primary" disabled=sending on:click=submit>"Submit recording"</button>
                            <button type="button" class="secondary" disabled=sending on:click=again>"Record again"</button>
                            <button type="button" class="secondary" disabled=sending on:click=close>"Discard"</button>
                        </div>
                    }
                        .into_any()
                }
                _ => {
                    let why = match rec.get_untracked() {
                        Rec::Refused(why) => why,
                        _ => String::new(),
                    };
                    view! {
                        <p class="error" role="alert">{why}</p>
                        <div class="recorder-actions">
                            <button type="button" class="secondary" on:click=again>"Try again"</button>
                            <button type="button" class="secondary" on:click=close>"Close"</button>
                        </div>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
