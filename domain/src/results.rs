//! Reading submissions back: a student's lab sessions with their latest attempt, one
//! submission with its transcript, newest evaluation and the rubric that evaluation used, and
//! an instructor's results table. Who may read a submission is `crate::access`'s rule; these
//! are plain queries.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::DomainError;
use crate::entities::{evaluation, lab_session, review, submission, transcript};
use crate::labs::LabSessionService;

pub struct SubmissionDetail {
    pub submission: submission::Model,
    pub lab: lab_session::Model,
    pub transcript: Option<transcript::Model>,
    /// The newest evaluation (re-runs add newer ones).
    pub evaluation: Option<evaluation::Model>,
    /// The rubric the evaluation was graded against (the current one before any evaluation).
    pub rubric: engine_protocol::Rubric,
    /// The instructor's grade, once reviewed.
    pub review: Option<review::Model>,
}

pub struct ResultService;

impl ResultService {
    pub async fn detail(db: &DatabaseConnection, id: i32) -> Result<SubmissionDetail, DomainError> {
        let submission = submission::Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or(DomainError::NotFound)?;
        let lab = lab_session::Entity::find_by_id(submission.lab_session_id)
            .one(db)
            .await?
            .ok_or(DomainError::NotFound)?;
        let transcript = transcript::Entity::find()
            .filter(transcript::Column::SubmissionId.eq(id))
            .one(db)
            .await?;
        let evaluation = evaluation::Entity::find()
            .filter(evaluation::Column::SubmissionId.eq(id))
            .order_by_desc(evaluation::Column::Id)
            .one(db)
            .await?;
        let review = review::Entity::find()
            .filter(review::Column::SubmissionId.eq(id))
            .one(db)
            .await?;
        let rubric = match &evaluation {
            Some(e) => LabSessionService::rubric_at(db, &lab, e.rubric_version).await?,
            None => lab.rubric.clone(),
        };
        Ok(SubmissionDetail {
            submission,
            lab,
            transcript,
            evaluation,
            rubric,
            review,
        })
    }

    /// The student's newest attempt in each lab session.
    pub async fn latest_attempts(
        db: &DatabaseConnection,
        student: i32,
    ) -> Result<Vec<submission::Model>, DomainError> {
        let all = submission::Entity::find()
            .filter(submission::Column::StudentId.eq(student))
            .order_by_desc(submission::Column::Id)
            .all(db)
            .await?;
        let mut seen = std::collections::HashSet::new();
        Ok(all
            .into_iter()
            .filter(|s| seen.insert(s.lab_session_id))
            .collect())
    }
}

/// One row of an instructor's results table: a student's newest attempt.
pub struct BoardRow {
    pub submission: submission::Model,
    pub student_name: String,
    pub evaluation: Option<evaluation::Model>,
}

impl ResultService {
    /// The newest attempt of every student in a lab session, with its newest evaluation.
    pub async fn board(db: &DatabaseConnection, lab_id: i32) -> Result<Vec<BoardRow>, DomainError> {
        let all = submission::Entity::find()
            .filter(submission::Column::LabSessionId.eq(lab_id))
            .order_by_desc(submission::Column::Id)
            .all(db)
            .await?;
        let mut seen = std::collections::HashSet::new();
        let latest: Vec<_> = all
            .into_iter()
            .filter(|s| seen.insert(s.student_id))
            .collect();
        let names: std::collections::HashMap<i32, String> = crate::entities::user::Entity::find()
            .filter(crate::entities::user::Column::Id.is_in(latest.iter().map(|s| s.student_id)))
            .all(db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let mut evaluations: std::collections::HashMap<i32, evaluation::Model> = Default::default();
        for e in evaluation::Entity::find()
            .filter(evaluation::Column::SubmissionId.is_in(latest.iter().map(|s| s.id)))
            .order_by_asc(evaluation::Column::Id)
            .all(db)
            .await?
        {
            evaluations.insert(e.submission_id, e);
        }
        let mut rows: Vec<BoardRow> = latest
            .into_iter()
            .map(|s| BoardRow {
                student_name: names.get(&s.student_id).cloned().unwrap_or_default(),
                evaluation: evaluations.remove(&s.id),
                submission: s,
            })
            .collect();
        rows.sort_by(|a, b| a.student_name.cmp(&b.student_name));
        Ok(rows)
    }
}
