//! What the recorder's buttons do (browser only). The media objects live in a local store;
//! the panel's signals say where the recorder stands.

use leptos::leptos_dom::helpers::IntervalHandle;
use leptos::prelude::*;
use web_sys::{Blob, MediaStream};

use super::rig::{self, Meter, Take};
use super::{Kind, Panel, QUIET, Rec};
use crate::components::uploader::UploadSlot;

/// How often the level meter and the timer move.
const METER_MS: u64 = 100;
const TIMER_MS: u64 = 100;
/// The timer stops this long before the server's limit: the browser needs a moment to stop,
/// and a recording a fraction of a second too long would be refused.
const STOP_MARGIN_MS: f64 = 1000.0;

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

impl Drop for Held {
    /// Whatever order the page is taken down in, the camera goes off and the timers stop.
    fn drop(&mut self) {
        if let Some((meter, tick)) = self.meter.take() {
            tick.clear();
            meter.close();
        }
        if let Some((_, timer)) = &self.take {
            timer.clear();
        }
        if let Some(stream) = self.stream.take() {
            rig::stop_tracks(&stream);
        }
        if let Some((_, url, _)) = self.recorded.take() {
            let _ = web_sys::Url::revoke_object_url(&url);
        }
    }
}

#[derive(Clone, Copy)]
pub struct Controls {
    panel: Panel,
    upload: UploadSlot,
    max_secs: u64,
    held: StoredValue<Held, LocalStorage>,
}

impl Controls {
    pub fn new(panel: Panel, upload: UploadSlot, max_secs: u64) -> Self {
        let controls = Self {
            panel,
            upload,
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
        self.panel.kind.set(kind);
        self.panel.rec.set(Rec::Asking);
        leptos::task::spawn_local(async move {
            let opened = rig::open(kind).await;
            // The student may have left the page or cancelled while the browser asked.
            let still_asking = self.held.try_with_value(|_| ()).is_some()
                && self.panel.rec.try_get_untracked() == Some(Rec::Asking);
            match opened {
                Ok(stream) if still_asking => self.ready(stream),
                Ok(stream) => rig::stop_tracks(&stream),
                Err(why) if still_asking => self.panel.rec.set(Rec::Refused(why)),
                Err(_) => {}
            }
        });
    }

    fn ready(self, stream: MediaStream) {
        if let Some(video) = self.panel.preview.get_untracked() {
            video.set_src_object(Some(&stream));
        }
        self.panel.quiet_ms.set(0);
        self.panel.elapsed.set(0);
        let meter = Meter::new(&stream).and_then(|meter| {
            let reading = meter.clone();
            let (level, quiet_ms) = (self.panel.level, self.panel.quiet_ms);
            let tick = rig::every(METER_MS, move || {
                let now = reading.level();
                level.set(now);
                if now < QUIET {
                    quiet_ms.update(|q| *q += METER_MS);
                } else if quiet_ms.get_untracked() != 0 {
                    quiet_ms.set(0);
                }
            })?;
            Some((meter, tick))
        });
        self.held.update_value(|held| {
            held.stream = Some(stream);
            held.meter = meter;
        });
        self.panel.rec.set(Rec::Ready);
    }

    pub fn start(self) {
        let Some(stream) = self.held.with_value(|h| h.stream.clone()) else {
            return;
        };
        let (mime, extension) = rig::container(self.panel.kind.get_untracked());
        let began = rig::now_ms();
        let limit_ms = (self.max_secs as f64 * 1000.0 - STOP_MARGIN_MS).max(1000.0);
        let finished = move |blob: Blob| self.recorded(blob, extension, began, limit_ms);
        let take = match Take::start(&stream, &mime, finished) {
            Ok(take) => take,
            Err(why) => return self.panel.rec.set(Rec::Refused(why)),
        };
        let elapsed = self.panel.elapsed;
        elapsed.set(0);
        let timer = rig::every(TIMER_MS, move || {
            let ms = rig::now_ms() - began;
            if ms >= limit_ms {
                self.stop();
            }
            let secs = (ms / 1000.0) as u64;
            if elapsed.get_untracked() != secs {
                elapsed.set(secs);
            }
        });
        match timer {
            Some(timer) => {
                self.held.update_value(|h| h.take = Some((take, timer)));
                self.panel.rec.set(Rec::Recording);
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

    fn recorded(self, blob: Blob, extension: &'static str, began: f64, limit_ms: f64) {
        let ms = rig::now_ms() - began;
        self.stop_devices();
        match web_sys::Url::create_object_url_with_blob(&blob) {
            Ok(url) => {
                self.held
                    .update_value(|h| h.recorded = Some((blob, url.clone(), extension)));
                self.panel.rec.set(Rec::Recorded {
                    url,
                    secs: (ms / 1000.0).round() as u64,
                    at_limit: ms >= limit_ms,
                });
            }
            Err(_) => self.panel.rec.set(Rec::Refused(
                "The recording could not be kept in this browser. Try again.".into(),
            )),
        }
    }

    /// Sends the recording through the same upload as a picked file. It stays here until the
    /// server has it (see `Recorder`), so a failed upload can be sent again.
    pub fn submit(self) {
        let recorded = self.held.with_value(|h| {
            h.recorded
                .as_ref()
                .map(|(blob, _, ext)| (blob.clone(), *ext))
        });
        if let Some((blob, extension)) = recorded {
            self.upload.send(&blob, &format!("recording.{extension}"));
        }
    }

    pub fn close(self) {
        self.release();
        self.panel.rec.set(Rec::Off);
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
        if let Some(video) = self.panel.preview.get_untracked() {
            video.set_src_object(None);
        }
        self.panel.level.set(0.0);
    }

    /// Everything let go: devices, the last take and the recording's object URL.
    fn release(self) {
        // After the page is gone the store is too, and there is nothing left to let go.
        if self.held.try_with_value(|_| ()).is_none() {
            return;
        }
        self.stop_devices();
        self.held.update_value(|h| {
            h.stopping = None;
            if let Some((_, url, _)) = h.recorded.take() {
                let _ = web_sys::Url::revoke_object_url(&url);
            }
        });
    }
}
