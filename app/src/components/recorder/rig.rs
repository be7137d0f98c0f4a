//! The browser's media parts of a recording (browser only): the camera and microphone stream,
//! a level meter on the microphone, and a `MediaRecorder` that gathers the recording.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{
    AnalyserNode, AudioContext, Blob, BlobEvent, BlobPropertyBag, MediaRecorder,
    MediaRecorderOptions, MediaStream, MediaStreamConstraints, MediaStreamTrack,
};

use super::Kind;

/// Containers to ask for, best first: Chromium and Firefox record WebM/Opus, Safari MP4.
const VIDEO_TYPES: [&str; 4] = [
    "video/webm;codecs=vp8,opus",
    "video/webm",
    "video/mp4;codecs=avc1,mp4a",
    "video/mp4",
];
const AUDIO_TYPES: [&str; 4] = [
    "audio/webm;codecs=opus",
    "audio/webm",
    "audio/mp4",
    "audio/ogg",
];

/// Asks for the camera (unless audio only) and the microphone.
pub async fn open(kind: Kind) -> Result<MediaStream, String> {
    let devices = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| n.media_devices().ok())
        .ok_or_else(|| {
            "This browser cannot record here (recording needs a secure, HTTPS connection). \
             Choose a file instead."
                .to_string()
        })?;
    let wanted = MediaStreamConstraints::new();
    wanted.set_audio_bool(true);
    wanted.set_video_bool(kind == Kind::Video);
    let asked = devices
        .get_user_media_with_constraints(&wanted)
        .map_err(|e| refusal(&e))?;
    let stream = wasm_bindgen_futures::JsFuture::from(asked)
        .await
        .map_err(|e| refusal(&e))?;
    stream.dyn_into::<MediaStream>().map_err(|e| refusal(&e))
}

/// What the student can do about a refused camera or microphone.
fn refusal(error: &wasm_bindgen::JsValue) -> String {
    let name = error
        .dyn_ref::<web_sys::DomException>()
        .map(|e| e.name())
        .unwrap_or_default();
    match name.as_str() {
        "NotAllowedError" | "SecurityError" => {
            "Your browser did not allow the camera or microphone. Allow them for this site \
             (the icon in the address bar), then try again, or choose a file instead."
        }
        "NotFoundError" | "OverconstrainedError" => {
            "No camera or microphone was found. Connect one and try again, record audio only, \
             or choose a file instead."
        }
        "NotReadableError" | "AbortError" => {
            "Your camera or microphone is busy in another app. Close that app and try again."
        }
        _ => "The camera or microphone could not be started. Try again, or choose a file instead.",
    }
    .into()
}

/// The microphone's loudness, 0 to 1, read from an analyser.
#[derive(Clone)]
pub struct Meter {
    audio: AudioContext,
    analyser: AnalyserNode,
}

impl Meter {
    pub fn new(stream: &MediaStream) -> Option<Self> {
        let audio = AudioContext::new().ok()?;
        let source = audio.create_media_stream_source(stream).ok()?;
        let analyser = audio.create_analyser().ok()?;
        analyser.set_fft_size(1024);
        source.connect_with_audio_node(&analyser).ok()?;
        // Safari may start a context suspended, which would read as silence.
        let _ = audio.resume();
        Some(Self { audio, analyser })
    }

    /// Root mean square of the last samples, scaled so that speech reads well above 0.1.
    pub fn level(&self) -> f64 {
        let mut samples = vec![128u8; self.analyser.fft_size() as usize];
        self.analyser.get_byte_time_domain_data(&mut samples);
        let sum: f64 = samples
            .iter()
            .map(|&s| {
                let x = (f64::from(s) - 128.0) / 128.0;
                x * x
            })
            .sum();
        let rms = (sum / samples.len().max(1) as f64).sqrt();
        (rms * 4.0).min(1.0)
    }

    pub fn close(&self) {
        let _ = self.audio.close();
    }
}

pub fn stop_tracks(stream: &MediaStream) {
    for track in stream.get_tracks().iter() {
        if let Ok(track) = track.dyn_into::<MediaStreamTrack>() {
            track.stop();
        }
    }
}

/// A recording under way: its `MediaRecorder`, the pieces so far, and its callbacks.
pub struct Take {
    recorder: MediaRecorder,
    _callbacks: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

/// The recording's container, and the file extension the server will keep.
pub fn container(kind: Kind) -> (String, &'static str) {
    let candidates: &[&str] = match kind {
        Kind::Video => &VIDEO_TYPES,
        Kind::AudioOnly => &AUDIO_TYPES,
    };
    let chosen = candidates
        .iter()
        .find(|t| MediaRecorder::is_type_supported(t))
        .copied()
        .unwrap_or_default();
    let extension = match chosen.split(';').next().unwrap_or_default() {
        "video/mp4" => "mp4",
        "audio/mp4" => "m4a",
        "audio/ogg" => "ogg",
        _ => "webm",
    };
    (chosen.to_string(), extension)
}

impl Take {
    /// Starts recording `stream`; `done` gets the whole recording once it stops.
    pub fn start(
        stream: &MediaStream,
        mime: &str,
        done: impl Fn(Blob) + 'static,
    ) -> Result<Self, String> {
        let options = MediaRecorderOptions::new();
        if !mime.is_empty() {
            options.set_mime_type(mime);
        }
        let recorder =
            MediaRecorder::new_with_media_stream_and_media_recorder_options(stream, &options)
                .map_err(|_| "This browser cannot record this kind of media.".to_string())?;
        let pieces = js_sys::Array::new();
        let gathered = pieces.clone();
        let on_data = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            if let Some(data) = e.dyn_ref::<BlobEvent>().and_then(|e| e.data()) {
                gathered.push(&data);
            }
        });
        let finished = recorder.clone();
        let on_stop = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            let kind = BlobPropertyBag::new();
            kind.set_type(&finished.mime_type());
            if let Ok(blob) = Blob::new_with_blob_sequence_and_options(&pieces, &kind) {
                done(blob);
            }
        });
        recorder.set_ondataavailable(Some(on_data.as_ref().unchecked_ref()));
        recorder.set_onstop(Some(on_stop.as_ref().unchecked_ref()));
        // A piece every second, so a tab closed mid-recording has lost at most one second.
        recorder
            .start_with_time_slice(1000)
            .map_err(|_| "The recording could not start. Try again.".to_string())?;
        Ok(Self {
            recorder,
            _callbacks: vec![on_data, on_stop],
        })
    }

    pub fn stop(&self) {
        let _ = self.recorder.stop();
    }
}

impl Drop for Take {
    /// The browser may still fire a last event after the page let go of the take: with the
    /// handlers cleared, it finds none instead of a dropped closure.
    fn drop(&mut self) {
        self.recorder.set_ondataavailable(None);
        self.recorder.set_onstop(None);
        if self.recorder.state() != web_sys::RecordingState::Inactive {
            let _ = self.recorder.stop();
        }
    }
}

pub(super) use crate::components::uploader::now_ms;

/// Keeps `cb` running every `ms` until the returned handle is cleared.
pub fn every(
    ms: u64,
    cb: impl Fn() + 'static,
) -> Option<leptos::leptos_dom::helpers::IntervalHandle> {
    set_interval_with_handle(cb, std::time::Duration::from_millis(ms)).ok()
}
