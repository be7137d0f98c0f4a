//! The instructor's decisions: setting final points and comments (or taking the AI's draft
//! as it is), releasing, and the history of every change. Who may do this is
//! `crate::access::managed_submission`'s rule; these functions trust their caller.

use chrono::Utc;
use engine_protocol::{Evaluation, Rubric};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::DomainError;
use crate::entities::lab_session::ReleaseMode;
use crate::entities::review::{FinalCriterion, FinalGrade, ReviewState};
use crate::entities::{evaluation, review, review_change};
use crate::results::ResultService;

const COMMENT_MAX: usize = 1000;
const FEEDBACK_MAX: usize = 4000;

/// The AI's draft as a grade the instructor can take as it is.
pub fn draft_of(ai: &Evaluation) -> FinalGrade {
    FinalGrade {
        criteria: ai
            .criteria
            .iter()
            .map(|c| FinalCriterion {
                criterion: c.criterion.clone(),
                points: c.points,
                comment: c.comment.clone(),
            })
            .collect(),
        feedback: ai.feedback.clone(),
    }
}

/// One field that differs between two grades: (field, criterion, from, to).
type Change = (&'static str, Option<String>, String, String);

fn changes(from: &FinalGrade, to: &FinalGrade) -> Vec<Change> {
    let mut out = Vec::new();
    for (a, b) in from.criteria.iter().zip(&to.criteria) {
        if a.points != b.points {
            let name = Some(b.criterion.clone());
            out.push(("points", name, a.points.to_string(), b.points.to_string()));
        }
        if a.comment != b.comment {
            let name = Some(b.criterion.clone());
            out.push(("comment", name, a.comment.clone(), b.comment.clone()));
        }
    }
    if from.feedback != to.feedback {
        out.push(("feedback", None, from.feedback.clone(), to.feedback.clone()));
    }
    out
}

/// The grade must cover exactly the rubric's criteria, in order, within their points.
fn check(grade: &FinalGrade, rubric: &Rubric) -> Result<(), DomainError> {
    let names = |g: &FinalGrade| -> Vec<String> {
        g.criteria.iter().map(|c| c.criterion.clone()).collect()
    };
    let expected: Vec<String> = rubric.criteria.iter().map(|c| c.name.clone()).collect();
    if names(grade) != expected {
        return Err(DomainError::invalid(
            "criteria",
            "The grade does not match the rubric's criteria; reload the page.",
        ));
    }
    for (i, (c, r)) in grade.criteria.iter().zip(&rubric.criteria).enumerate() {
        if c.points > r.max_points {
            return Err(DomainError::invalid(
                &format!("points_{i}"),
                format!("{} is worth at most {} points.", r.name, r.max_points),
            ));
        }
        if c.comment.chars().count() > COMMENT_MAX {
            return Err(DomainError::invalid(
                &format!("comment_{i}"),
                format!("Keep the comment under {COMMENT_MAX} characters."),
            ));
        }
    }
    if grade.feedback.chars().count() > FEEDBACK_MAX {
        return Err(DomainError::invalid(
            "feedback",
            format!("Keep the feedback under {FEEDBACK_MAX} characters."),
        ));
    }
    Ok(())
}

pub struct ReviewService;

impl ReviewService {
    /// Sets submission `id`'s grade to `grade`, as `reviewer`. The first save turns the AI
    /// draft into a reviewed grade (released at once in a lab that releases automatically);
    /// a change to a released grade stays released and is shown to the student as updated.
    /// Every changed field is recorded; saving an unchanged grade records nothing.
    pub async fn save(
        db: &DatabaseConnection,
        reviewer: i32,
        id: i32,
        grade: FinalGrade,
    ) -> Result<review::Model, DomainError> {
        // The write lock first, then the reads: two saves at once (a double click, two
        // reviewers) run one after the other, each diffing against what the other wrote.
        let tx = crate::db::begin_write(db).await?;
        let detail = ResultService::detail_in(&tx, id).await?;
        let ai = detail
            .evaluation
            .clone()
            .ok_or_else(|| DomainError::invalid("grade", "There is no AI grade to review yet."))?;
        check(&grade, &detail.rubric)?;
        let before = detail
            .review
            .as_ref()
            .map_or_else(|| draft_of(&ai.result), |r| r.grade.clone());
        let mut changed = changes(&before, &grade);
        let now = Utc::now();
        let automatic = detail.lab.release_mode == ReleaseMode::Automatic;
        let state = match &detail.review {
            Some(r) => r.state,
            None if automatic => ReviewState::Released,
            None => ReviewState::Reviewed,
        };
        // In a lab that releases at once, the student may already have seen the AI's draft.
        let draft_was_seen = automatic
            && detail.review.is_none()
            && super::flags(
                detail.transcript.as_ref().map(|t| t.segments.0.as_slice()),
                detail.submission.duration_ms,
                Some(&ai.result),
                None,
            )
            .is_empty();
        let grade_changed = !changed.is_empty();
        if detail.review.is_none() {
            changed.push(("state", None, "ai_draft".into(), state_name(state).into()));
        }
        if changed.is_empty() {
            return detail
                .review
                .ok_or_else(|| DomainError::Internal("a review without a row".into()));
        }
        for (field, criterion, from, to) in changed {
            review_change::ActiveModel {
                submission_id: Set(id),
                evaluation_id: Set(ai.id),
                rubric_version: Set(ai.rubric_version),
                changed_by: Set(reviewer),
                changed_at: Set(now),
                field: Set(field.into()),
                criterion: Set(criterion),
                from_value: Set(from),
                to_value: Set(to),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
        }
        let total = i32::try_from(grade.total()).unwrap_or(i32::MAX);
        let saved =
            match detail.review {
                Some(r) => {
                    let released = r.state == ReviewState::Released;
                    let mut row: review::ActiveModel = r.into();
                    row.grade = Set(grade);
                    row.total = Set(total);
                    row.reviewed_by = Set(reviewer);
                    row.reviewed_at = Set(now);
                    if released {
                        row.changed_after_release = Set(Some(now));
                    }
                    row.update(&tx).await?
                }
                None => review::ActiveModel {
                    submission_id: Set(id),
                    evaluation_id: Set(ai.id),
                    grade: Set(grade),
                    total: Set(total),
                    state: Set(state),
                    reviewed_by: Set(reviewer),
                    reviewed_at: Set(now),
                    released_at: Set((state == ReviewState::Released).then_some(now)),
                    changed_after_release: Set((draft_was_seen && grade_changed).then_some(now)),
                    ..Default::default()
                }
                .insert(&tx)
                .await?,
            };
        tx.commit().await?;
        Ok(saved)
    }

    /// Saves points and comments given in the rubric's order (the rubric of the AI run under
    /// review), with the overall feedback.
    pub async fn save_points(
        db: &DatabaseConnection,
        reviewer: i32,
        id: i32,
        points: Vec<u32>,
        comments: Vec<String>,
        feedback: String,
    ) -> Result<review::Model, DomainError> {
        let rubric = ResultService::detail(db, id).await?.rubric;
        if points.len() != rubric.criteria.len() || comments.len() != rubric.criteria.len() {
            return Err(DomainError::invalid(
                "criteria",
                "The grade does not match the rubric's criteria; reload the page.",
            ));
        }
        let criteria = rubric
            .criteria
            .iter()
            .zip(points.into_iter().zip(comments))
            .map(|(c, (points, comment))| FinalCriterion {
                criterion: c.name.clone(),
                points,
                comment: comment.trim().to_owned(),
            })
            .collect();
        let grade = FinalGrade {
            criteria,
            feedback: feedback.trim().to_owned(),
        };
        Self::save(db, reviewer, id, grade).await
    }

    /// Takes the AI's draft as the grade, unchanged; a grade already reviewed stays as it is.
    pub async fn accept_draft(
        db: &DatabaseConnection,
        reviewer: i32,
        id: i32,
    ) -> Result<review::Model, DomainError> {
        let detail = ResultService::detail(db, id).await?;
        if let Some(review) = detail.review {
            return Ok(review);
        }
        let ai = detail
            .evaluation
            .ok_or_else(|| DomainError::invalid("grade", "There is no AI grade to review yet."))?;
        Self::save(db, reviewer, id, draft_of(&ai.result)).await
    }

    /// Releases the reviewed grades among `ids` to their students; returns how many it
    /// released. AI drafts (not reviewed yet) and grades already released are left alone.
    pub async fn release(
        db: &DatabaseConnection,
        by: i32,
        ids: &[i32],
    ) -> Result<u32, DomainError> {
        // Under the write lock: two releases at once release (and record) each grade once.
        let tx = crate::db::begin_write(db).await?;
        let reviewed = review::Entity::find()
            .filter(review::Column::SubmissionId.is_in(ids.iter().copied()))
            .filter(review::Column::State.eq(ReviewState::Reviewed))
            .all(&tx)
            .await?;
        let now = Utc::now();
        let mut released = 0;
        for r in reviewed {
            let rubric_version = evaluation::Entity::find_by_id(r.evaluation_id)
                .one(&tx)
                .await?
                .map_or(0, |e| e.rubric_version);
            review_change::ActiveModel {
                submission_id: Set(r.submission_id),
                evaluation_id: Set(r.evaluation_id),
                rubric_version: Set(rubric_version),
                changed_by: Set(by),
                changed_at: Set(now),
                field: Set("state".into()),
                criterion: Set(None),
                from_value: Set(state_name(ReviewState::Reviewed).into()),
                to_value: Set(state_name(ReviewState::Released).into()),
                ..Default::default()
            }
            .insert(&tx)
            .await?;
            let mut row: review::ActiveModel = r.into();
            row.state = Set(ReviewState::Released);
            row.released_at = Set(Some(now));
            row.update(&tx).await?;
            released += 1;
        }
        tx.commit().await?;
        Ok(released)
    }

    /// Releases every reviewed grade of a lab session's newest attempts (what its review
    /// list shows).
    pub async fn release_all(
        db: &DatabaseConnection,
        by: i32,
        lab_id: i32,
    ) -> Result<u32, DomainError> {
        let newest = ResultService::newest_per_student(db, lab_id).await?;
        let ids: Vec<i32> = newest.iter().map(|s| s.id).collect();
        Self::release(db, by, &ids).await
    }

    /// Every change to submission `id`'s grade, oldest first.
    pub async fn history(
        db: &DatabaseConnection,
        id: i32,
    ) -> Result<Vec<review_change::Model>, DomainError> {
        use sea_orm::QueryOrder;
        Ok(review_change::Entity::find()
            .filter(review_change::Column::SubmissionId.eq(id))
            .order_by_asc(review_change::Column::Id)
            .all(db)
            .await?)
    }
}

/// As stored in the history.
pub fn state_name(state: ReviewState) -> &'static str {
    match state {
        ReviewState::Reviewed => "reviewed",
        ReviewState::Released => "released",
    }
}
