//! What students see of lab sessions and their submissions. Only the caller's own data.

use serde::{Deserialize, Serialize};

/// The stored types themselves travel to the browser: one definition each.
pub use engine_protocol::{Criterion, LANGUAGES, Segment};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StudentLab {
    pub id: i32,
    pub title: String,
    pub instructions: String,
    pub criteria: Vec<Criterion>,
    pub latest: Option<AttemptSummary>,
    /// The longest recording the server takes, in seconds.
    pub max_recording_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptSummary {
    pub submission_id: i32,
    pub file_name: String,
    /// As stored: `queued`, `transcribing`, …, `evaluated`, `failed`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriterionGrade {
    pub name: String,
    pub points: u32,
    pub max_points: u32,
    pub evidence: String,
    pub evidence_verified: bool,
    /// Where in the video the evidence was said.
    pub evidence_ms: Option<u64>,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeView {
    pub criteria: Vec<CriterionGrade>,
    pub total: u32,
    pub max_total: u32,
    pub feedback: String,
    /// The rubric version it was graded against, and whether that is still the current one.
    pub rubric_version: i32,
    pub rubric_is_current: bool,
    /// `YYYY-MM-DD` when a released grade was changed afterwards.
    pub updated_on: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    /// Still in the queue or on the GPU: the live status tells where.
    InProgress,
    Released(GradeView),
    /// The AI's grade before release, as the lab's instructor and admins see it.
    Draft(GradeView),
    /// Evaluated, but the lab session releases results after the instructor's review.
    AwaitingReview,
    /// In plain words, with what to do.
    Failed {
        reason: String,
        advice: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionView {
    pub id: i32,
    pub lab_title: String,
    pub file_name: String,
    pub state: String,
    pub media_url: String,
    pub segments: Vec<Segment>,
    pub outcome: Outcome,
    /// The student's regrade requests and their answers.
    pub regrades: Vec<crate::review::RegradeLine>,
    /// Whether the viewer may ask for a regrade (their own released grade).
    pub can_request_regrade: bool,
}

#[cfg(feature = "ssr")]
pub mod view;

/// A lab session in its instructor's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabSummary {
    pub id: i32,
    pub title: String,
    pub open: bool,
    pub submissions: u32,
}

/// The lab session editor's content.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct LabForm {
    pub id: i32,
    pub title: String,
    pub instructions: String,
    /// `automatic` or `review`.
    pub release_mode: String,
    pub join_code: String,
    /// ISO 639-1 code of the spoken language.
    pub language: String,
    /// `YYYY-MM-DDTHH:MM` in the server's time zone, or empty for none.
    pub deadline: String,
    pub open: bool,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabBoard {
    pub criteria: Vec<String>,
    /// The current rubric's version: a row graded against another is marked.
    pub rubric_version: i32,
    pub rows: Vec<BoardRowView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardRowView {
    pub submission_id: i32,
    pub student: String,
    pub state: String,
    /// Where the grade stands: `ai_draft`, `reviewed`, `released`, `failed`, `in_progress`.
    pub grade_state: String,
    /// Why this result needs the instructor's eye, in words; empty when nothing does.
    pub flags: Vec<String>,
    pub open_regrades: u32,
    /// Points per criterion, in rubric order, once evaluated: the instructor's once
    /// reviewed, else the AI's draft.
    pub points: Vec<Option<u32>>,
    pub total: Option<u32>,
    /// The rubric version the grade was made against, once evaluated.
    pub rubric_version: Option<i32>,
}
