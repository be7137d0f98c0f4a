//! Building the review screens from stored data.

use std::collections::HashMap;

use domain::DomainError;
use domain::entities::{regrade_request, review_change, user};
use domain::results::SubmissionDetail;
use domain::review::agreement::{Pair, agreement};
use domain::review::{Flag, GradeState, ReviewRow, draft_of, grade_state};
use engine_protocol::Rubric;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::{
    AgreementRow, Distribution, HistoryLine, LabInsights, RegradeLine, ReviewCriterion, ReviewPage,
};

pub fn state_value(state: GradeState) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

fn change_words(c: &review_change::Model) -> String {
    let what = match (c.field.as_str(), &c.criterion) {
        ("points", Some(name)) => format!("{name}: points"),
        ("comment", Some(name)) => format!("{name}: comment"),
        ("feedback", _) => "Overall feedback".to_owned(),
        ("state", _) => "State".to_owned(),
        (other, _) => other.to_owned(),
    };
    let show = |v: &str| match v {
        "ai_draft" => "AI draft".to_owned(),
        "" => "(empty)".to_owned(),
        v => format!("“{v}”"),
    };
    format!("{what}: {} → {}", show(&c.from_value), show(&c.to_value))
}

async fn names(
    db: &DatabaseConnection,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, String>, DomainError> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

pub async fn review_page(
    db: &DatabaseConnection,
    detail: SubmissionDetail,
    list: &[ReviewRow],
    history: Vec<review_change::Model>,
    regrades: Vec<regrade_request::Model>,
) -> Result<ReviewPage, DomainError> {
    let SubmissionDetail {
        submission,
        lab,
        transcript,
        evaluation,
        rubric,
        review,
    } = detail;
    let segments = transcript
        .as_ref()
        .map(|t| t.segments.0.clone())
        .unwrap_or_default();
    let row = list.iter().position(|r| r.submission.id == submission.id);
    let flags: Vec<String> = row
        .and_then(|i| list.get(i))
        .map(|r| r.flags.iter().map(Flag::describe).collect())
        .unwrap_or_default();
    let mut who = names(
        db,
        history
            .iter()
            .map(|c| c.changed_by)
            .chain([submission.student_id]),
    )
    .await?;
    let student = who.remove(&submission.student_id).unwrap_or_default();
    let ai = evaluation.as_ref().map(|e| &e.result);
    let grade = review
        .as_ref()
        .map(|r| r.grade.clone())
        .or_else(|| ai.map(draft_of));
    let criteria = rubric
        .criteria
        .iter()
        .map(|c| {
            let scored = ai.and_then(|a| a.criteria.iter().find(|s| s.criterion == c.name));
            let decided = grade
                .as_ref()
                .and_then(|g| g.criteria.iter().find(|d| d.criterion == c.name));
            ReviewCriterion {
                name: c.name.clone(),
                max_points: c.max_points,
                ai_points: scored.map_or(0, |s| s.points),
                ai_comment: scored.map(|s| s.comment.clone()).unwrap_or_default(),
                evidence: scored.map(|s| s.evidence.clone()).unwrap_or_default(),
                evidence_verified: scored.is_some_and(|s| s.evidence_verified),
                evidence_ms: scored.and_then(|s| s.evidence_ms),
                points: decided.map_or(0, |d| d.points),
                comment: decided.map(|d| d.comment.clone()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(ReviewPage {
        submission_id: submission.id,
        lab_id: lab.id,
        lab_title: lab.title,
        student,
        file_name: submission.original_name,
        media_url: format!("/api/submissions/{}/media", submission.id),
        captions_url: format!("/api/submissions/{}/transcript.vtt", submission.id),
        segments,
        state: state_value(grade_state(submission.state, review.as_ref())),
        flags,
        criteria,
        ai_feedback: ai.map(|a| a.feedback.clone()).unwrap_or_default(),
        feedback: grade.map(|g| g.feedback).unwrap_or_default(),
        ai_run: evaluation
            .as_ref()
            .map(|e| {
                format!(
                    "AI run #{} ({}), rubric v{}",
                    e.id, e.model, e.rubric_version
                )
            })
            .unwrap_or_else(|| "no AI run yet".into()),
        history: history
            .iter()
            .map(|c| HistoryLine {
                at: when(c.changed_at),
                who: who.get(&c.changed_by).cloned().unwrap_or_default(),
                what: change_words(c),
                against: format!("AI run #{}, rubric v{}", c.evaluation_id, c.rubric_version),
            })
            .collect(),
        regrades: regrades
            .into_iter()
            .map(|r| RegradeLine {
                id: r.id,
                criterion: r.criterion,
                note: r.note,
                asked_at: when(r.created_at),
                answer: r.answer,
            })
            .collect(),
        previous: row
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| list.get(i))
            .map(|r| r.submission.id),
        next: row.and_then(|i| list.get(i + 1)).map(|r| r.submission.id),
        position: row.map_or(0, |i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        of: u32::try_from(list.len()).unwrap_or(u32::MAX),
    })
}

fn distribution(title: String, max: u32, values: impl Iterator<Item = u32>) -> Distribution {
    let mut counts = vec![0; max as usize + 1];
    for v in values {
        if let Some(c) = counts.get_mut(v.min(max) as usize) {
            *c += 1;
        }
    }
    Distribution { title, counts }
}

/// Distributions of the grades as they stand, and the AI's agreement with the instructor
/// over reviewed submissions, per criterion of the current rubric (matched by name).
pub fn insights(rows: &[ReviewRow], rubric: &Rubric) -> LabInsights {
    let graded: Vec<&ReviewRow> = rows.iter().filter(|r| r.total().is_some()).collect();
    let totals = distribution(
        "Total points".into(),
        rubric.max_total(),
        graded.iter().filter_map(|r| r.total()),
    );
    let criteria = rubric
        .criteria
        .iter()
        .map(|c| {
            distribution(
                c.name.clone(),
                c.max_points,
                graded.iter().filter_map(|r| r.points_of(&c.name)),
            )
        })
        .collect();
    let agreement = rubric
        .criteria
        .iter()
        .map(|c| {
            let pairs: Vec<Pair> = rows
                .iter()
                .filter_map(|r| {
                    let review = r.review.as_ref()?;
                    let ai = r
                        .evaluation
                        .as_ref()
                        .filter(|e| e.id == review.evaluation_id)?;
                    let ai = ai.result.criteria.iter().find(|s| s.criterion == c.name)?;
                    let decided = review
                        .grade
                        .criteria
                        .iter()
                        .find(|s| s.criterion == c.name)?;
                    Some(Pair {
                        ai: ai.points,
                        instructor: decided.points,
                    })
                })
                .collect();
            let a = agreement(&c.name, c.max_points, &pairs);
            AgreementRow {
                criterion: a.criterion,
                reviewed: a.reviewed,
                exact_percent: a.exact_percent,
                mean_adjustment: a.mean_adjustment,
                kappa: a.kappa,
            }
        })
        .collect();
    LabInsights {
        totals,
        criteria,
        agreement,
    }
}
