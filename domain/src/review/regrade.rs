//! Regrade requests: a student asks for a second look at one criterion of a released grade,
//! once per criterion, with a short note; the lab's instructor answers.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};

use crate::DomainError;
use crate::entities::regrade_request;
use crate::entities::review::ReviewState;
use crate::results::ResultService;

const NOTE_MAX: usize = 500;
const ANSWER_MAX: usize = 2000;

fn text(field: &str, value: &str, max: usize, missing: &str) -> Result<String, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::invalid(field, missing));
    }
    if value.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("Keep it under {max} characters."),
        ));
    }
    Ok(value.to_owned())
}

fn already_asked() -> DomainError {
    DomainError::invalid(
        "criterion",
        "You already asked for a second look at this criterion.",
    )
}

pub struct RegradeService;

impl RegradeService {
    /// `student` asks for a second look at `criterion` of their submission `id`.
    pub async fn request(
        db: &DatabaseConnection,
        student: i32,
        id: i32,
        criterion: &str,
        note: &str,
    ) -> Result<regrade_request::Model, DomainError> {
        let detail = ResultService::detail(db, id).await?;
        if detail.submission.student_id != student {
            return Err(DomainError::NotFound);
        }
        let released = detail
            .review
            .as_ref()
            .is_some_and(|r| r.state == ReviewState::Released);
        if !released {
            return Err(DomainError::invalid(
                "criterion",
                "You can ask for a second look once your grade is released.",
            ));
        }
        if !detail.rubric.criteria.iter().any(|c| c.name == criterion) {
            return Err(DomainError::invalid("criterion", "Choose a criterion."));
        }
        let note = text(
            "note",
            note,
            NOTE_MAX,
            "Say what you would like looked at again.",
        )?;
        let asked = regrade_request::Entity::find()
            .filter(regrade_request::Column::SubmissionId.eq(id))
            .filter(regrade_request::Column::Criterion.eq(criterion))
            .one(db)
            .await?;
        if asked.is_some() {
            return Err(already_asked());
        }
        let inserted = regrade_request::ActiveModel {
            submission_id: Set(id),
            student_id: Set(student),
            criterion: Set(criterion.to_owned()),
            note: Set(note),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await;
        // Two requests at once: the unique index lets one in; the other is told as above.
        match inserted {
            Err(e)
                if matches!(
                    e.sql_err(),
                    Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
                ) =>
            {
                Err(already_asked())
            }
            other => Ok(other?),
        }
    }

    /// The instructor's answer to request `request_id` of submission `id`.
    pub async fn answer(
        db: &DatabaseConnection,
        by: i32,
        id: i32,
        request_id: i32,
        answer: &str,
    ) -> Result<regrade_request::Model, DomainError> {
        let request = regrade_request::Entity::find_by_id(request_id)
            .one(db)
            .await?
            .filter(|r| r.submission_id == id)
            .ok_or(DomainError::NotFound)?;
        let answer = text("answer", answer, ANSWER_MAX, "Write an answer.")?;
        let mut row: regrade_request::ActiveModel = request.into();
        row.answer = Set(Some(answer));
        row.answered_by = Set(Some(by));
        row.answered_at = Set(Some(Utc::now()));
        Ok(row.update(db).await?)
    }

    /// Submission `id`'s requests, oldest first.
    pub async fn of_submission(
        db: &DatabaseConnection,
        id: i32,
    ) -> Result<Vec<regrade_request::Model>, DomainError> {
        Ok(regrade_request::Entity::find()
            .filter(regrade_request::Column::SubmissionId.eq(id))
            .order_by_asc(regrade_request::Column::Id)
            .all(db)
            .await?)
    }
}
