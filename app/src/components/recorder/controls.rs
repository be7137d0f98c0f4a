//! What the recorder's buttons do (browser only). The media objects live in a local store;
//! the signals say where the recorder stands.

use leptos::leptos_dom::helpers::IntervalHandle;
use leptos::prelude::*;
use web_sys::{Blob, MediaStream};

use super::rig::{self, Meter, Take};
use super::{Kind, QUIET, Rec};
use crate::components::uploader::UploadSlot;

/// How often the level meter and the timer move.
const METER_MS: u64 = 100;
const TIMER_MS: u64 = 250;

#[derive(Default)]
pub struct Held {
    stream: Option<MediaStream>,
    meter: Option<(Meter, IntervalHandle)>,
    take: Option<(Take, IntervalHandle)>,
    /// A stopped take, kept until the browser has handed over its last piece: its callbacks
    /// must outlive that, and are dropped later, outside any of them.
    stopping: Option<Take>,
    /// The finished recording, its object URL (for playback) and its file extension.
    recorded: Option<(Blob, String, &'static str)>,
}

#[derive(Clone, Copy)]
pub struct Controls {
    rec: RwSignal<Rec>,
    kind: RwSignal<Kind>,
    level: RwSignal<f64>,
    quiet_ms: RwSignal<u64>,
    preview: NodeRef<leptos::html::Video>,
    slot: UploadSlot,
    max_secs: u64,
    held: StoredValue<Held, LocalStorage>,
}

impl Controls {
    pub fn new(
        rec: RwSignal<Rec>,
        kind: RwSignal<Kind>,
        level: RwSignal<f64>,
        quiet_ms: RwSignal<u64>,
        preview: NodeRef<leptos::html::Video>,
        slot: UploadSlot,
        max_secs: u64,
    ) -> Self {
        let controls = Self {
            rec,
            kind,
            level,
            quiet_ms,
            preview,
            slot,
            max_secs,
            held: StoredValue::new_local(Held::default()),
        };
        // Leaving the page turns the camera off.
        on_cleanup(move || controls.release());
        controls
    }

    /// Asks for the devices, then shows the preview and the microphone level.
    pub fn open(self, kind: Kind) {
        self.release();
        self.kind.set(kind);
        self.rec.set(Rec::Asking);
        leptos::task::spawn_local(async move {
            match rig::open(kind).await {
                Ok(stream) => self.ready(stream),
                Err(why) => self.rec.set(Rec::Refused(why)),
            }
        });
    }

    fn ready(self, stream: MediaStream) {
        if let Some(video) = self.preview.get_untracked() {
            video.set_src_object(Some(&stream));
        }
        self.quiet_ms.set(0);
        let meter = Meter::new(&stream).and_then(|meter| {
            let reading = meter.clone();
            let (level, quiet_ms) = (self.level, self.quiet_ms);
            let tick = rig::every(METER_MS, move || {
                let now = reading.level();
                level.set(now);
                if now < QUIET {
                    quiet_ms.update(|q| *q += METER_MS);
                } else {
                    quiet_ms.set(0);
                }
            })?;
            Some((meter, tick))
        });
        self.held.update_value(|held| {
            held.stream = Some(stream);
            held.meter = meter;
        });
        self.rec.set(Rec::Ready);
    }

    pub fn start(self) {
        let Some(stream) = self.held.with_value(|h| h.stream.clone()) else {
            return;
        };
        let (mime, extension) = rig::container(self.kind.get_untracked());
        let began = rig::now_ms();
        let finished = move |blob: Blob| self.recorded(blob, extension, began);
        let take = match Take::start(&stream, &mime, finished) {
            Ok(take) => take,
            Err(why) => return self.rec.set(Rec::Refused(why)),
        };
        let (rec, max_secs) = (self.rec, self.max_secs);
        let timer = rig::every(TIMER_MS, move || {
            let secs = ((rig::now_ms() - began) / 1000.0) as u64;
            if secs >= max_secs {
                self.stop();
            } else if rec.get_untracked() != (Rec::Recording { secs }) {
                rec.set(Rec::Recording { secs });
            }
        });
        match timer {
            Some(timer) => {
                self.held.update_value(|h| h.take = Some((take, timer)));
                self.rec.set(Rec::Recording { secs: 0 });
            }
            None => take.stop(),
        }
    }

    /// Stops the recording; it arrives in `recorded` once the browser has gathered it.
    pub fn stop(self) {
        self.held.update_value(|h| {
            if let Some((take, timer)) = h.take.take() {
                timer.clear();
                take.stop();
                h.stopping = Some(take);
            }
        });
    }

    fn recorded(self, blob: Blob, extension: &'static str, began: f64) {
        let secs = ((rig::now_ms() - began) / 1000.0).round() as u64;
        self.stop_devices();
        match web_sys::Url::create_object_url_with_blob(&blob) {
            Ok(url) => {
                self.held
                    .update_value(|h| h.recorded = Some((blob, url.clone(), extension)));
                self.rec.set(Rec::Recorded { url, secs });
            }
            Err(_) => self.rec.set(Rec::Refused(
                "The recording could not be kept in this browser. Try again.".into(),
            )),
        }
    }

    pub fn submit(self) {
        let recorded = self.held.with_value(|h| {
            h.recorded
                .as_ref()
                .map(|(blob, _, ext)| (blob.clone(), *ext))
        });
        if let Some((blob, extension)) = recorded {
            self.slot.send(&blob, &format!("recording.{extension}"));
            self.release();
            self.rec.set(Rec::Off);
        }
    }

    pub fn close(self) {
        self.release();
        self.rec.set(Rec::Off);
    }

    /// Camera and microphone off, meter and timer stopped.
    fn stop_devices(self) {
        self.stop();
        self.held.update_value(|h| {
            if let Some((meter, tick)) = h.meter.take() {
                tick.clear();
                meter.close();
            }
            if let Some(stream) = h.stream.take() {
                rig::stop_tracks(&stream);
            }
        });
        if let Some(video) = self.preview.get_untracked() {
            video.set_src_object(None);
        }
        self.level.set(0.0);
    }

    /// Everything let go: devices, the last take and the recording's object URL.
    fn release(self) {
        self.stop_devices();
        self.held.update_value(|h| {
            h.stopping = None;
            if let Some((_, url, _)) = h.recorded.take() {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        });
    }
}
