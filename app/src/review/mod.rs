//! What the instructor's review screens show: one submission beside its AI draft, the lab's
//! charts and the AI's agreement with the instructor. Only for the lab's instructor and admins.

use serde::{Deserialize, Serialize};

pub use crate::labs::Segment;

#[cfg(feature = "ssr")]
pub mod view;

/// One criterion: the AI's draft and the grade as it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewCriterion {
    pub name: String,
    pub max_points: u32,
    pub ai_points: u32,
    pub ai_comment: String,
    /// The AI's quote from the transcript; empty when it gave none.
    pub evidence: String,
    pub evidence_verified: bool,
    /// Where in the video the quote was said.
    pub evidence_ms: Option<u64>,
    /// The instructor's points and comment once reviewed, else the AI's.
    pub points: u32,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// `YYYY-MM-DD HH:MM` UTC.
    pub at: String,
    pub who: String,
    pub what: String,
    /// "AI run #N, rubric vN".
    pub against: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegradeLine {
    pub id: i32,
    pub criterion: String,
    pub note: String,
    pub asked_at: String,
    pub answer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewPage {
    pub submission_id: i32,
    pub lab_id: i32,
    pub lab_title: String,
    pub student: String,
    pub file_name: String,
    pub media_url: String,
    pub captions_url: String,
    pub segments: Vec<Segment>,
    /// `ai_draft`, `reviewed`, `released`, `failed` or `in_progress`.
    pub state: String,
    pub flags: Vec<String>,
    pub criteria: Vec<ReviewCriterion>,
    pub ai_feedback: String,
    pub feedback: String,
    /// Which AI run and rubric version this is graded against.
    pub ai_run: String,
    pub history: Vec<HistoryLine>,
    pub regrades: Vec<RegradeLine>,
    /// Neighbours in the lab's review list, for next/previous.
    pub previous: Option<i32>,
    pub next: Option<i32>,
    /// Where in the review list this one is (1-based), and how long the list is.
    pub position: u32,
    pub of: u32,
}

/// The grade an instructor saves: points and comment per criterion, in rubric order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GradeForm {
    pub points: Vec<u32>,
    pub comments: Vec<String>,
    pub feedback: String,
}

/// Counts of a value over the submissions: `counts[v]` students got `v`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    pub title: String,
    pub counts: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementRow {
    pub criterion: String,
    pub reviewed: u32,
    pub exact_percent: f64,
    pub mean_adjustment: f64,
    pub kappa: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabInsights {
    pub totals: Distribution,
    pub criteria: Vec<Distribution>,
    pub agreement: Vec<AgreementRow>,
}
