//! Reading submissions back: a student's lab sessions with their latest attempt, one
//! submission with its transcript, newest evaluation and the rubric that evaluation used, and
//! a lab session's newest attempts. Who may read a submission is `crate::access`'s rule; these
//! are plain queries.

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::DomainError;
use crate::entities::{evaluation, lab_session, review, submission, transcript};
use crate::labs::LabSessionService;

pub struct SubmissionDetail {
    pub submission: submission::Model,
    pub lab: lab_session::Model,
    pub transcript: Option<transcript::Model>,
    /// The AI run being read: the one the instructor's grade was made on once reviewed,
    /// else the newest (re-runs add newer ones).
    pub evaluation: Option<evaluation::Model>,
    /// The rubric the evaluation was graded against (the current one before any evaluation).
    pub rubric: engine_protocol::Rubric,
    /// The instructor's grade, once reviewed.
    pub review: Option<review::Model>,
}

pub struct ResultService;

impl ResultService {
    pub async fn detail(db: &DatabaseConnection, id: i32) -> Result<SubmissionDetail, DomainError> {
        Self::detail_in(db, id).await
    }

    /// [`Self::detail`] on any connection: inside a transaction, it reads what that
    /// transaction sees.
    pub async fn detail_in(
        db: &impl sea_orm::ConnectionTrait,
        id: i32,
    ) -> Result<SubmissionDetail, DomainError> {
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
        let review = review::Entity::find()
            .filter(review::Column::SubmissionId.eq(id))
            .one(db)
            .await?;
        // A reviewed grade is read against the AI run it was made on, even when a re-run has
        // added a newer one since; before review, the newest run is the draft.
        let evaluation = match &review {
            Some(r) => {
                evaluation::Entity::find_by_id(r.evaluation_id)
                    .one(db)
                    .await?
            }
            None => {
                evaluation::Entity::find()
                    .filter(evaluation::Column::SubmissionId.eq(id))
                    .order_by_desc(evaluation::Column::Id)
                    .one(db)
                    .await?
            }
        };
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

impl ResultService {
    /// The newest attempt of every student in a lab session, newest first.
    pub async fn newest_per_student(
        db: &DatabaseConnection,
        lab_id: i32,
    ) -> Result<Vec<submission::Model>, DomainError> {
        let all = submission::Entity::find()
            .filter(submission::Column::LabSessionId.eq(lab_id))
            .order_by_desc(submission::Column::Id)
            .all(db)
            .await?;
        let mut seen = std::collections::HashSet::new();
        Ok(all
            .into_iter()
            .filter(|s| seen.insert(s.student_id))
            .collect())
    }

    /// The ids of every submission of a lab session, replaced attempts included.
    pub async fn ids_in_lab(db: &DatabaseConnection, lab_id: i32) -> Result<Vec<i32>, DomainError> {
        use sea_orm::QuerySelect;
        Ok(submission::Entity::find()
            .select_only()
            .column(submission::Column::Id)
            .filter(submission::Column::LabSessionId.eq(lab_id))
            .into_tuple::<i32>()
            .all(db)
            .await?)
    }
}
