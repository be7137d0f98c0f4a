//! What the admin's screens show: the processing history (submissions and batches), the GPU
//! timeline, one submission's runs side by side, and the scheduler's run-time settings.
//! Times are shown as `YYYY-MM-DD HH:MM:SS` UTC; durations as seconds.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod view;

/// The history's filters, as the form sends them: empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryQuery {
    pub lab_session: String,
    pub instructor: String,
    /// `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    pub state: String,
    pub page: u64,
    /// The page of the batches (which only the dates filter).
    #[serde(default)]
    pub batch_page: u64,
}

/// What the history's filters offer, each option as (id, label): the lab sessions newest
/// first, and their owners by name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryFilters {
    pub labs: Vec<(i32, String)>,
    pub instructors: Vec<(i32, String)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub submissions: Vec<SubmissionLine>,
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub batches: Vec<BatchLine>,
    pub batch_page: u64,
    pub batch_pages: u64,
    pub batch_total: u64,
    pub timeline: GpuTimelineView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionLine {
    pub id: i32,
    pub student: String,
    pub lab: String,
    pub instructor: String,
    pub state: String,
    pub batch: Option<i32>,
    pub rerun: bool,
    pub queued_at: String,
    /// "queued → STT start → STT end → evaluated", each as seconds after queued.
    pub steps: Vec<(String, String)>,
    pub estimated_wait: String,
    pub actual_wait: String,
    pub estimated_results: String,
    pub actual_results: String,
    /// The raw reason (engine output, exit status): for admins only.
    pub failure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchLine {
    pub seq: i32,
    pub formed_at: String,
    pub size: u64,
    pub failed: u64,
    pub retries: usize,
    pub phases: Vec<PhaseLine>,
    pub runs: Vec<EngineRunLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PhaseLine {
    pub phase: String,
    pub start: String,
    pub end: String,
    pub secs: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineRunLine {
    pub id: i32,
    pub batch: i32,
    pub phase: String,
    pub pid: String,
    pub model: String,
    pub model_sha256: String,
    pub items: i32,
    pub load_ms: String,
    pub outcome: String,
    pub detail: String,
}

/// The GPU's last hours, laid out for an SVG 0–1000 wide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GpuTimelineView {
    pub from: String,
    pub to: String,
    pub bands: Vec<BandView>,
    pub failures: Vec<FailureMark>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BandView {
    /// "stt" or "evaluation".
    pub phase: String,
    pub batch: i32,
    pub x: f64,
    pub width: f64,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureMark {
    pub x: f64,
    pub title: String,
}

/// One submission's runs, for the admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunsPage {
    pub line: SubmissionLine,
    pub lab_session_id: i32,
    pub queued: bool,
    pub transcript: Option<String>,
    pub runs: Vec<RunLine>,
    pub engine_runs: Vec<EngineRunLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunLine {
    pub id: i32,
    pub at: String,
    pub total: i32,
    pub model: String,
    pub model_sha256: String,
    pub rubric_version: i32,
    pub prompt_version: String,
    pub seed: i64,
    pub decoding: String,
    pub batch_size: String,
    pub parallel_sequences: i32,
    pub batch: String,
    pub engine_run: String,
    pub requested_by: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiffRow {
    pub criterion: String,
    pub left_points: String,
    pub right_points: String,
    pub left_evidence: String,
    pub right_evidence: String,
    pub left_comment: String,
    pub right_comment: String,
    pub points_changed: bool,
    pub evidence_changed: bool,
    pub comment_changed: bool,
}

/// The scheduler's run-time settings as the form edits them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsForm {
    pub batch_size: u32,
    pub linger_secs: f64,
    pub stt_model: String,
    pub eval_model: String,
    pub threads: u32,
    pub use_gpu: bool,
    pub item_timeout_secs: u64,
    pub phase_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsPage {
    pub current: SettingsForm,
    pub paused: bool,
    pub stt_models: Vec<String>,
    pub eval_models: Vec<String>,
    /// Newest first: (when, who, what).
    pub changes: Vec<(String, String, String)>,
}
