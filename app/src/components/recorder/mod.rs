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

use super::uploader::UploadSlot;

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
    Recording { secs: u64 },
    Recorded { url: String, secs: u64 },
    Refused(String),
}

/// Below this level the microphone is taken to hear nothing.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const QUIET: f64 = 0.02;
/// Silence this long (in ms) before the student is warned.
const QUIET_WARNING_MS: u64 = 2500;

fn clock(secs: u64) -> String {
    format!("{}:{:02}", secs / 60, secs % 60)
}

#[component]
pub fn Recorder(upload: UploadSlot, max_secs: u64) -> impl IntoView {
    let rec = RwSignal::new(Rec::Off);
    let kind = RwSignal::new(Kind::Video);
    let level = RwSignal::new(0.0f64);
    let quiet_ms = RwSignal::new(0u64);
    let preview = NodeRef::<leptos::html::Video>::new();
    #[cfg(feature = "hydrate")]
    let controls = controls::Controls::new(rec, kind, level, quiet_ms, preview, upload, max_secs);
    #[cfg(not(feature = "hydrate"))]
    let _ = upload;
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
    let live = move || matches!(rec.get(), Rec::Ready | Rec::Recording { .. });
    let showing_camera = move || live() && kind.get() == Kind::Video;
    view! {
        <div class="recorder" data-state=move || match rec.get() {
            Rec::Off => "off",
            Rec::Asking => "asking",
            Rec::Ready => "ready",
            Rec::Recording { .. } => "recording",
            Rec::Recorded { .. } => "recorded",
            Rec::Refused(_) => "refused",
        }>
            <video node_ref=preview class="preview" muted=true autoplay=true playsinline=true
                aria-label="Camera preview" hidden=move || !showing_camera()></video>
            {move || match rec.get() {
                Rec::Off => view! {
                    <div class="record-choice">
                        <span class="hint">"Or record here: "</span>
                        <button type="button" class="secondary" on:click=move |_| open(Kind::Video)>"Record with camera"</button>
                        <button type="button" class="secondary" on:click=move |_| open(Kind::AudioOnly)>"Record audio only"</button>
                    </div>
                }
                    .into_any(),
                Rec::Asking => view! {
                    <p class="hint">"Allow the camera and microphone when your browser asks…"</p>
                }
                    .into_any(),
                Rec::Ready | Rec::Recording { .. } => {
                    let recording = matches!(rec.get(), Rec::Recording { .. });
                    let secs = match rec.get() {
                        Rec::Recording { secs } => secs,
                        _ => 0,
                    };
                    view! {
                        <div class="mic-level">
                            <label>
                                "Microphone level"
                                <meter min="0" max="1" low="0.05" optimum="0.5" value=move || level.get()></meter>
                            </label>
                            {move || (quiet_ms.get() >= QUIET_WARNING_MS).then(|| view! {
                                <p class="warning" role="alert">
                                    "We hear nothing. Check that your microphone is on and not muted."
                                </p>
                            })}
                        </div>
                        <p class="timer" data-recording=recording.to_string()>
                            {if recording { "Recording " } else { "Ready " }}
                            <span class="time">{format!("{} / {}", clock(secs), clock(max_secs))}</span>
                        </p>
                        <div class="recorder-actions">
                            {if recording {
                                view! { <button type="button" class="primary" on:click=stop>"Stop recording"</button> }.into_any()
                            } else {
                                view! {
                                    <button type="button" class="primary" on:click=start>"Start recording"</button>
                                    <button type="button" class="secondary" on:click=close>"Cancel"</button>
                                }
                                    .into_any()
                            }}
                        </div>
                    }
                        .into_any()
                }
                Rec::Recorded { url, secs } => view! {
                    <p>{format!("Your recording ({}). Play it back, then submit it or record again.", clock(secs))}</p>
                    <video class="playback" controls=true src=url aria-label="Your recording"></video>
                    <div class="recorder-actions">
                        <button type="button" class="primary" on:click=submit>"Submit recording"</button>
                        <button type="button" class="secondary" on:click=again>"Record again"</button>
                        <button type="button" class="secondary" on:click=close>"Discard"</button>
                    </div>
                }
                    .into_any(),
                Rec::Refused(why) => view! {
                    <p class="error" role="alert">{why}</p>
                    <div class="recorder-actions">
                        <button type="button" class="secondary" on:click=again>"Try again"</button>
                        <button type="button" class="secondary" on:click=close>"Close"</button>
                    </div>
                }
                    .into_any(),
            }}
        </div>
    }
}
