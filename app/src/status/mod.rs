//! Live status as each user may see it. The server projects the scheduler's snapshot to one
//! [`StatusView`] per connection (`projection`, server only) and streams it over SSE; the
//! browser turns it into signals (`crate::components::status`). A student's view holds their
//! own submissions and nothing of anyone else's.

mod card;
#[cfg(feature = "ssr")]
pub mod projection;
mod text;

use serde::{Deserialize, Serialize};

pub use card::{Card, Step, StepState, Tone, card, tone};
pub use text::{about, describe_gpu, minutes, mm_ss, phase_name, state_words};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseName {
    Stt,
    Evaluation,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatusView {
    /// Unix ms when the server made this view; waits count down from here.
    pub at_ms: u64,
    pub gpu: GpuNow,
    /// An admin paused the GPU cycle: the running batch finishes, then nothing starts.
    pub paused: bool,
    /// The viewer's own submissions that are queued, running, or recently finished.
    pub mine: Vec<MyItem>,
    /// Instructor: the batches holding their lab sessions' submissions. Admin: all batches.
    pub batches: Vec<BatchView>,
    pub admin: Option<AdminDetail>,
}

impl StatusView {
    /// The part a page is about: one lab session's batches (an instructor's lab board), one
    /// submission's card (its own page).
    pub fn narrowed(mut self, lab: Option<i32>, submission: Option<i32>) -> Self {
        if let Some(lab) = lab {
            for batch in &mut self.batches {
                batch.rows.retain(|r| r.lab_session_id == lab);
            }
            self.batches.retain(|b| !b.rows.is_empty());
        }
        if let Some(id) = submission {
            self.mine.retain(|i| i.submission_id == id);
        }
        self
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum GpuNow {
    #[default]
    Idle,
    Busy {
        batch: i32,
        phase: PhaseName,
        done: u32,
        total: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MyItem {
    pub submission_id: i32,
    pub lab_session_id: i32,
    pub stage: Stage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    Waiting {
        batch: i32,
        slot: u32,
        of: u32,
        needs_stt: bool,
        wait_secs: u64,
        results_secs: u64,
    },
    Processing {
        batch: i32,
        phase: PhaseName,
        done: u32,
        total: u32,
        results_secs: u64,
    },
    /// Graded, and the grade is the student's to read.
    Evaluated,
    /// Graded; the lab session holds grades for the instructor's review first.
    AwaitingReview,
    Failed {
        reason: String,
        advice: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchView {
    pub batch: i32,
    /// The phase on the GPU now; `None` for a batch still waiting.
    pub running: Option<PhaseName>,
    pub results_secs: u64,
    pub rows: Vec<BatchRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchRow {
    pub submission_id: i32,
    pub student: String,
    pub lab_session_id: i32,
    /// The submission state, as stored (`queued`, `transcribing`, …).
    pub state: String,
    pub percent: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminDetail {
    pub engine: Option<EngineView>,
    pub queued: u32,
    pub stt_load_ms: u64,
    /// STT engine time per 30-second window of audio.
    pub stt_window_ms: u64,
    pub eval_load_ms: u64,
    /// Evaluation time per phase whatever its size.
    pub eval_fixed_ms: u64,
    pub eval_item_ms: u64,
    /// Evaluation time per second of speech (its transcript is read into the prompt).
    pub eval_second_ms: u64,
    /// Evaluation time per character the model writes, and an answer's typical length.
    pub eval_char_ms: f64,
    pub answer_chars: u64,
    pub recent_failures: Vec<FailureView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineView {
    pub pid: Option<u32>,
    pub model: String,
    pub phase: PhaseName,
    pub running_secs: u64,
    pub load_ms: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FailureView {
    pub submission_id: i32,
    pub student: String,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(submission_id: i32, lab_session_id: i32) -> BatchRow {
        BatchRow {
            submission_id,
            student: String::new(),
            lab_session_id,
            state: "queued".into(),
            percent: 0,
        }
    }

    #[test]
    fn a_page_keeps_only_what_it_is_about() {
        let batch = |n, rows| BatchView {
            batch: n,
            running: None,
            results_secs: 0,
            rows,
        };
        let mine = |id| MyItem {
            submission_id: id,
            lab_session_id: 1,
            stage: Stage::Evaluated,
        };
        let view = StatusView {
            batches: vec![
                batch(1, vec![row(1, 10), row(2, 20)]),
                batch(2, vec![row(3, 20)]),
            ],
            mine: vec![mine(1), mine(2)],
            ..StatusView::default()
        };
        let board = view.clone().narrowed(Some(10), None);
        assert_eq!(board.batches, vec![batch(1, vec![row(1, 10)])]);
        let page = view.narrowed(None, Some(2));
        assert_eq!(page.mine, vec![mine(2)]);
        assert_eq!(page.batches.len(), 2, "no lab given: every batch stays");
    }
}
