//! Turning a stored submission into what its student may see.

use domain::entities::lab_session::ReleaseMode;
use domain::entities::submission::SubmissionState;
use domain::results::SubmissionDetail;
use sea_orm::ActiveEnum;

use super::{CriterionGrade, GradeView, Outcome, SegmentView, SubmissionView};

#[derive(serde::Deserialize)]
struct StoredSegment {
    start_ms: u64,
    end_ms: u64,
    text: String,
}

#[derive(serde::Deserialize)]
struct StoredScore {
    criterion: String,
    points: u32,
    evidence: String,
    evidence_verified: bool,
    comment: String,
}

#[derive(serde::Deserialize)]
struct StoredEvaluation {
    criteria: Vec<StoredScore>,
    feedback: String,
    total: u32,
}

impl From<domain::labs::Criterion> for super::CriterionView {
    fn from(c: domain::labs::Criterion) -> Self {
        Self {
            name: c.name,
            description: c.description,
            max_points: c.max_points,
        }
    }
}

pub fn submission_view(detail: SubmissionDetail) -> SubmissionView {
    let SubmissionDetail {
        submission,
        lab,
        transcript,
        evaluation,
    } = detail;
    let segments = transcript
        .and_then(|t| serde_json::from_str::<Vec<StoredSegment>>(&t.segments).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|s| SegmentView {
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            text: s.text.trim().to_owned(),
        })
        .collect();
    let maxima: Vec<(String, u32)> = domain::labs::LabSessionService::rubric(&lab)
        .map(|r| {
            r.criteria
                .into_iter()
                .map(|c| (c.name, c.max_points))
                .collect()
        })
        .unwrap_or_default();
    let outcome = match submission.state {
        SubmissionState::Failed => {
            let reason = submission.failure_reason.clone().unwrap_or_default();
            Outcome::Failed {
                advice: advice(&reason),
                reason,
            }
        }
        SubmissionState::Evaluated => match (lab.release_mode, evaluation) {
            (ReleaseMode::AfterReview, _) => Outcome::AwaitingReview,
            (ReleaseMode::Automatic, Some(e)) => {
                match serde_json::from_str::<StoredEvaluation>(&e.result) {
                    Ok(stored) => Outcome::Released(grade(stored, &maxima)),
                    Err(_) => Outcome::InProgress,
                }
            }
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

fn grade(stored: StoredEvaluation, maxima: &[(String, u32)]) -> GradeView {
    let max_of = |name: &str| {
        maxima
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, m)| *m)
    };
    GradeView {
        max_total: maxima.iter().map(|(_, m)| m).sum(),
        total: stored.total,
        feedback: stored.feedback,
        criteria: stored
            .criteria
            .into_iter()
            .map(|c| CriterionGrade {
                max_points: max_of(&c.criterion),
                name: c.criterion,
                points: c.points,
                evidence: c.evidence,
                evidence_verified: c.evidence_verified,
                comment: c.comment,
            })
            .collect(),
    }
}

/// What the student can do about a failure.
fn advice(reason: &str) -> String {
    let reason = reason.to_lowercase();
    if reason.contains("no speech") || reason.contains("silent") {
        "Upload a video with sound: check that your microphone was on.".into()
    } else if reason.contains("engine") {
        "This was a problem on our side, not with your video. Upload it again, or tell your instructor.".into()
    } else {
        "Upload your video again; if it fails again, tell your instructor.".into()
    }
}
