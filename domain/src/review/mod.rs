//! Instructor review and release. The AI's evaluation is a draft; the instructor's grade is
//! kept beside it (`reviews`), every change is recorded (`review_changes`), and a student
//! sees a grade only once it is released, or at once in a lab that releases automatically
//! when nothing flags the result for review.

pub mod agreement;
pub mod flags;
mod graded;
mod held;
pub mod list;
pub mod regrade;
pub mod service;

use serde::{Deserialize, Serialize};

use crate::entities::lab_session::ReleaseMode;
use crate::entities::review::{self, ReviewState};
use crate::entities::submission::SubmissionState;

pub use flags::{Flag, flags};
pub use held::held_for_review;
pub use list::{ReviewRow, review_list};
pub use regrade::RegradeService;
pub use service::{ReviewService, draft_of};

/// Where a submission's grade stands, as the review list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GradeState {
    /// Not evaluated yet.
    InProgress,
    AiDraft,
    Reviewed,
    Released,
    /// Failed: needs the instructor's (or an admin's) attention.
    Failed,
}

impl GradeState {
    /// In an instructor's words (the CSV's "Status" column).
    pub fn words(self) -> &'static str {
        match self {
            Self::InProgress => "In progress",
            Self::AiDraft => "AI draft",
            Self::Reviewed => "Reviewed",
            Self::Released => "Released",
            Self::Failed => "Failed",
        }
    }
}

pub fn grade_state(state: SubmissionState, review: Option<&review::Model>) -> GradeState {
    match (state, review.map(|r| r.state)) {
        (_, Some(ReviewState::Released)) => GradeState::Released,
        (_, Some(ReviewState::Reviewed)) => GradeState::Reviewed,
        (SubmissionState::Failed, None) => GradeState::Failed,
        (SubmissionState::Evaluated, None) => GradeState::AiDraft,
        _ => GradeState::InProgress,
    }
}

/// What the student may see of the grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudentSees {
    /// Nothing yet: "awaiting review".
    Nothing,
    /// The AI's draft, released at once by the lab's setting (nothing flagged it).
    AiDraft,
    /// The instructor's released grade.
    Released,
}

pub fn student_sees(
    mode: ReleaseMode,
    review: Option<&review::Model>,
    flags: &[Flag],
) -> StudentSees {
    match (review.map(|r| r.state), mode) {
        (Some(ReviewState::Released), _) => StudentSees::Released,
        // A lab switched to "at once" releases what was reviewed under the old setting.
        (Some(ReviewState::Reviewed), ReleaseMode::Automatic) => StudentSees::Released,
        (Some(ReviewState::Reviewed), ReleaseMode::AfterReview) => StudentSees::Nothing,
        (None, ReleaseMode::Automatic) if flags.is_empty() => StudentSees::AiDraft,
        (None, _) => StudentSees::Nothing,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::review::FinalGrade;

    fn review(state: ReviewState) -> review::Model {
        review::Model {
            id: 1,
            submission_id: 1,
            evaluation_id: 1,
            grade: FinalGrade {
                criteria: vec![],
                feedback: String::new(),
            },
            total: 0,
            state,
            reviewed_by: 1,
            reviewed_at: chrono::Utc::now(),
            released_at: None,
            changed_after_release: None,
        }
    }

    #[test]
    fn only_released_or_unflagged_automatic_grades_reach_the_student() {
        let flag = [Flag::ShortTranscript { words: 3 }];
        use ReleaseMode::*;
        assert_eq!(student_sees(AfterReview, None, &[]), StudentSees::Nothing);
        assert_eq!(student_sees(Automatic, None, &[]), StudentSees::AiDraft);
        assert_eq!(student_sees(Automatic, None, &flag), StudentSees::Nothing);
        let reviewed = review(ReviewState::Reviewed);
        assert_eq!(
            student_sees(AfterReview, Some(&reviewed), &[]),
            StudentSees::Nothing
        );
        // A lab switched to "at once" shows what was reviewed under the old setting.
        assert_eq!(
            student_sees(Automatic, Some(&reviewed), &flag),
            StudentSees::Released
        );
        let released = review(ReviewState::Released);
        assert_eq!(
            student_sees(AfterReview, Some(&released), &flag),
            StudentSees::Released
        );
    }

    #[test]
    fn the_list_state_follows_the_review_then_the_submission() {
        let released = review(ReviewState::Released);
        assert_eq!(
            grade_state(SubmissionState::Evaluated, None),
            GradeState::AiDraft
        );
        assert_eq!(
            grade_state(SubmissionState::Failed, None),
            GradeState::Failed
        );
        assert_eq!(
            grade_state(SubmissionState::Queued, None),
            GradeState::InProgress
        );
        assert_eq!(
            grade_state(SubmissionState::Evaluated, Some(&released)),
            GradeState::Released
        );
    }
}
