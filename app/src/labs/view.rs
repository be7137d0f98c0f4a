//! Turning a stored submission into what its student may see. The stored values are typed
//! (`engine_protocol`'s types), so this only chooses what to show.

use domain::entities::lab_session::ReleaseMode;
use domain::entities::submission::SubmissionState;
use domain::results::SubmissionDetail;
use engine_protocol::{Evaluation, Rubric, Segment};
use sea_orm::ActiveEnum;

use super::{CriterionGrade, GradeView, Outcome, SubmissionView};

/// `for_student`: the viewer is the submission's student; its instructor and admins also see
/// an AI grade the student does not see yet.
pub fn submission_view(detail: SubmissionDetail, for_student: bool) -> SubmissionView {
    let SubmissionDetail {
        submission,
        lab,
        transcript,
        evaluation,
        rubric,
    } = detail;
    let segments = transcript
        .map(|t| t.segments.0)
        .unwrap_or_default()
        .into_iter()
        .map(|s| Segment {
            text: s.text.trim().to_owned(),
            ..s
        })
        .collect();
    let outcome = match submission.state {
        SubmissionState::Failed => {
            let raw = submission.failure_reason.clone().unwrap_or_default();
            let failure = domain::submissions::student_failure(&raw);
            Outcome::Failed {
                advice: failure.advice.to_owned(),
                reason: failure.message.to_owned(),
            }
        }
        SubmissionState::Evaluated => match (lab.release_mode, evaluation) {
            (ReleaseMode::AfterReview, Some(e)) if !for_student => Outcome::Draft(grade(
                e.result,
                &rubric,
                e.rubric_version,
                e.rubric_version == lab.rubric_version,
            )),
            (ReleaseMode::AfterReview, _) => Outcome::AwaitingReview,
            (ReleaseMode::Automatic, Some(e)) => Outcome::Released(grade(
                e.result,
                &rubric,
                e.rubric_version,
                e.rubric_version == lab.rubric_version,
            )),
            (ReleaseMode::Automatic, None) => Outcome::InProgress,
        },
        _ => Outcome::InProgress,
    };
    SubmissionView {
        id: submission.id,
        lab_title: lab.title,
        file_name: submission.original_name,
        state: submission.state.to_value(),
        media_url: format!("/api/submissions/{}/media", submission.id),
        segments,
        outcome,
    }
}

/// A grade read against the rubric it was made with.
fn grade(
    evaluation: Evaluation,
    rubric: &Rubric,
    rubric_version: i32,
    rubric_is_current: bool,
) -> GradeView {
    GradeView {
        max_total: rubric.max_total(),
        total: evaluation.total,
        feedback: evaluation.feedback,
        rubric_version,
        rubric_is_current,
        criteria: evaluation
            .criteria
            .into_iter()
            .map(|c| CriterionGrade {
                max_points: rubric.max_points_of(&c.criterion).unwrap_or(0),
                name: c.criterion,
                points: c.points,
                evidence: c.evidence,
                evidence_verified: c.evidence_verified,
                comment: c.comment,
            })
            .collect(),
    }
}
