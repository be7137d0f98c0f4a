//! Turning a stored submission into what its viewer may see. The stored values are typed
//! (`engine_protocol`'s and `domain`'s types), so this only chooses what to show; who sees
//! a grade is `domain::review::student_sees`'s rule.

use domain::entities::regrade_request;
use domain::entities::review::FinalGrade;
use domain::entities::submission::SubmissionState;
use domain::results::SubmissionDetail;
use domain::review::{StudentSees, flags, student_sees};
use engine_protocol::{Evaluation, Rubric, Segment};
use sea_orm::ActiveEnum;

use super::{CriterionGrade, GradeView, Outcome, SubmissionView};
use crate::review::RegradeLine;

/// `for_student`: the viewer is the submission's student; its instructor and admins also see
/// a grade the student does not see yet.
pub fn submission_view(
    detail: SubmissionDetail,
    for_student: bool,
    regrades: Vec<regrade_request::Model>,
) -> SubmissionView {
    let SubmissionDetail {
        submission,
        lab,
        transcript,
        evaluation,
        rubric,
        review,
    } = detail;
    let segments: Vec<Segment> = transcript
        .map(|t| t.segments.0)
        .unwrap_or_default()
        .into_iter()
        .map(|s| Segment {
            text: s.text.trim().to_owned(),
            ..s
        })
        .collect();
    let mut released = false;
    // A released grade stays with its student while a re-run of the submission is under way.
    let grade_out = review
        .as_ref()
        .is_some_and(|r| r.state == domain::entities::review::ReviewState::Released);
    let graded = submission.state == SubmissionState::Evaluated || grade_out;
    let outcome = match evaluation.filter(|_| graded) {
        Some(e) => {
            let flagged = flags(
                Some(&segments),
                submission.duration_ms,
                Some(&e.result),
                None,
            );
            let current = e.rubric_version == lab.rubric_version;
            let shown = grade(
                &e.result,
                review.as_ref().map(|r| &r.grade),
                &rubric,
                e.rubric_version,
                current,
            );
            match student_sees(lab.release_mode, review.as_ref(), &flagged) {
                StudentSees::Released | StudentSees::AiDraft => {
                    released = review.is_some();
                    Outcome::Released(GradeView {
                        updated_on: review
                            .as_ref()
                            .and_then(|r| r.changed_after_release)
                            .map(|at| at.format("%Y-%m-%d").to_string()),
                        ..shown
                    })
                }
                StudentSees::Nothing if !for_student => Outcome::Draft(shown),
                StudentSees::Nothing => Outcome::AwaitingReview,
            }
        }
        None if submission.state == SubmissionState::Failed => {
            let raw = submission.failure_reason.clone().unwrap_or_default();
            let failure = domain::submissions::student_failure(&raw);
            Outcome::Failed {
                advice: failure.advice.to_owned(),
                reason: failure.message.to_owned(),
            }
        }
        None => Outcome::InProgress,
    };
    SubmissionView {
        id: submission.id,
        lab_title: lab.title,
        file_name: submission.original_name,
        state: submission.state.to_value(),
        media_url: format!("/api/submissions/{}/media", submission.id),
        segments,
        outcome,
        can_request_regrade: for_student && released,
        regrades: regrades
            .into_iter()
            .map(|r| RegradeLine {
                id: r.id,
                criterion: r.criterion,
                note: r.note,
                asked_at: r.created_at.format("%Y-%m-%d %H:%M").to_string(),
                answer: r.answer,
            })
            .collect(),
    }
}

/// A grade read against the rubric it was made with: the instructor's points, comments and
/// feedback where there are some, the AI's evidence beside them.
fn grade(
    ai: &Evaluation,
    decided: Option<&FinalGrade>,
    rubric: &Rubric,
    rubric_version: i32,
    rubric_is_current: bool,
) -> GradeView {
    let criteria: Vec<CriterionGrade> = ai
        .criteria
        .iter()
        .map(|c| {
            let mine = decided.and_then(|d| d.criteria.iter().find(|m| m.criterion == c.criterion));
            CriterionGrade {
                max_points: rubric.max_points_of(&c.criterion).unwrap_or(0),
                name: c.criterion.clone(),
                points: mine.map_or(c.points, |m| m.points),
                evidence: c.evidence.clone(),
                evidence_verified: c.evidence_verified,
                evidence_ms: c.evidence_ms,
                comment: mine.map_or_else(|| c.comment.clone(), |m| m.comment.clone()),
            }
        })
        .collect();
    GradeView {
        max_total: rubric.max_total(),
        total: criteria.iter().map(|c| c.points).sum(),
        feedback: decided.map_or_else(|| ai.feedback.clone(), |d| d.feedback.clone()),
        criteria,
        rubric_version,
        rubric_is_current,
        updated_on: None,
    }
}
