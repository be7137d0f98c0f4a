//! The scheduler's live state, as one value: what the GPU does now, the batch on it and its
//! per-item progress, the ordered queue with each item's estimated wait, and recent outcomes.
//! The scheduler publishes a new [`Snapshot`] through a `watch` channel on every change; the
//! web layer projects it per user. It carries names, so it never goes to a browser as it is.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, watch};

use crate::entities::engine_run::Phase;
use crate::entities::submission::SubmissionState;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Unix milliseconds when this snapshot was made; estimates count from here.
    pub at_ms: u64,
    pub batch_size: u32,
    /// An admin paused the GPU cycle: the running batch finishes, no new one starts.
    pub paused: bool,
    pub current: Option<CurrentBatch>,
    /// Waiting items in FIFO order, with the batch each will be in.
    pub queue: Vec<QueuedItem>,
    /// Items that reached a final state recently, newest first (bounded).
    pub recent: Vec<FinishedItem>,
    pub estimates: Estimates,
}

/// Who an item belongs to; enough to project it to its student and its instructor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Owner {
    pub submission_id: i32,
    pub student_id: i32,
    pub student_name: String,
    pub lab_session_id: i32,
    pub instructor_id: i32,
    /// The result waits for the instructor's review before its student sees it: the lab
    /// session releases after review, or the result is flagged.
    pub review_first: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentBatch {
    pub batch_id: i32,
    pub seq: i32,
    pub phase: Phase,
    pub phase_started_ms: u64,
    pub items: Vec<BatchItem>,
    /// The engine process of this phase, while it runs.
    pub engine: Option<EngineInfo>,
    /// Estimated milliseconds from `at_ms` until this batch's evaluation phase ends.
    pub remaining_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchItem {
    pub owner: Owner,
    pub state: SubmissionState,
    pub needs_stt: bool,
    pub duration_ms: i64,
    /// Progress of this item in the running phase, 0–100.
    pub percent: u8,
    pub failure: Option<String>,
    /// Estimated milliseconds from `at_ms` until this item's result (0 once it has one).
    #[serde(default)]
    pub results_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineInfo {
    pub run_id: i32,
    pub pid: Option<u32>,
    pub model: String,
    pub started_ms: u64,
    pub load_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueuedItem {
    pub owner: Owner,
    pub needs_stt: bool,
    pub duration_ms: i64,
    pub queued_ms: u64,
    /// The sequence number the batch holding this item will get.
    pub batch_seq: i32,
    /// 1-based place within that batch, and that batch's size.
    pub slot: u32,
    pub batch_items: u32,
    /// Estimated milliseconds from `at_ms` until its batch starts, and until its results.
    pub wait_ms: u64,
    pub results_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FinishedItem {
    pub owner: Owner,
    pub state: SubmissionState,
    pub failure: Option<String>,
    pub batch_seq: i32,
    pub finished_ms: u64,
}

/// What the estimates are built from, learned from recorded history.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Estimates {
    pub stt_load_ms: f64,
    /// STT engine milliseconds per 30-second window of audio. Whisper works in 30 s windows,
    /// so a 10 s clip costs about as much as a 30 s one, and a 60 s clip about twice that.
    pub stt_window_ms: f64,
    /// And per second of audio: decoding grows with what was said.
    #[serde(default)]
    pub stt_second_ms: f64,
    pub eval_load_ms: f64,
    /// Evaluation work per phase whatever its size, per item (decoded together), and per
    /// second of speech (its transcript is read into the prompt).
    #[serde(default)]
    pub eval_fixed_ms: f64,
    pub eval_item_ms: f64,
    #[serde(default)]
    pub eval_second_ms: f64,
    /// And per character the model writes (each one is a decoding step), at the answers'
    /// typical length: answers run from a few words to every field full.
    #[serde(default)]
    pub eval_char_ms: f64,
    #[serde(default)]
    pub answer_chars: f64,
    /// How recent evaluation phases ran against the fit (work done ÷ what the learned costs
    /// estimated before them, newest last): from three on, every phase is scaled by their
    /// median, the newer weighing more, and a phase past that is expected to end as the late
    /// ones did, not at once.
    #[serde(default)]
    pub eval_ratios: Vec<f64>,
    /// The share of an evaluation phase's work after which an item's result typically
    /// arrives (items decoded together do not all finish last).
    #[serde(default)]
    pub finish_fraction: f64,
    /// Students joining the queue lately, per minute: how a batch that is not full yet is
    /// expected to fill during its linger.
    #[serde(default)]
    pub arrivals_per_min: f64,
    /// And their recordings' mean length.
    #[serde(default)]
    pub mean_audio_ms: f64,
    /// How long that stream of uploads has gone on: it is expected to go on about as long
    /// again, so a burst of a second is not extrapolated over minutes.
    #[serde(default)]
    pub stream_ms: f64,
}

/// What the web layer holds of the running scheduler: the live snapshot, and a way to say
/// "something was queued" so a waiting cycle looks again at once.
#[derive(Clone, Debug)]
pub struct SchedulerHandle {
    status: watch::Receiver<Arc<Snapshot>>,
    queued: Arc<Notify>,
}

impl SchedulerHandle {
    pub fn new(status: watch::Receiver<Arc<Snapshot>>, queued: Arc<Notify>) -> Self {
        Self { status, queued }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.status.borrow().clone()
    }

    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.status.clone()
    }

    /// Call after a submission was committed to the queue.
    pub fn notify_queued(&self) {
        self.queued.notify_one();
    }

    /// Call after a grade was reviewed or released: an idle scheduler wakes and rebuilds the
    /// live status at once (a busy one does at its next engine event), so a student's card
    /// stops saying "awaiting review" when the grade is out.
    pub fn grades_changed(&self) {
        self.queued.notify_one();
    }
}
