//! The review list of a lab session: each student's newest attempt with its AI draft, the
//! instructor's grade, flags and open regrade requests, in the order an instructor works
//! through them (what needs attention first).

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

use super::graded::Graded;
use super::{Flag, GradeState, flags, grade_state};
use crate::DomainError;
use crate::entities::{evaluation, regrade_request, review, submission, user};
use crate::results::ResultService;

pub struct ReviewRow {
    pub submission: submission::Model,
    pub student: user::Model,
    /// The newest AI run.
    pub evaluation: Option<evaluation::Model>,
    pub review: Option<review::Model>,
    pub flags: Vec<Flag>,
    pub open_regrades: u32,
    pub state: GradeState,
}

impl ReviewRow {
    /// The grade that counts now: the instructor's once reviewed, else the AI's draft.
    pub fn points_of(&self, criterion: &str) -> Option<u32> {
        match (&self.review, &self.evaluation) {
            (Some(r), _) => r
                .grade
                .criteria
                .iter()
                .find(|c| c.criterion == criterion)
                .map(|c| c.points),
            (None, Some(e)) => e
                .result
                .criteria
                .iter()
                .find(|c| c.criterion == criterion)
                .map(|c| c.points),
            (None, None) => None,
        }
    }

    pub fn total(&self) -> Option<u32> {
        match (&self.review, &self.evaluation) {
            (Some(r), _) => Some(r.grade.total()),
            (None, Some(e)) => Some(e.result.total),
            (None, None) => None,
        }
    }

    pub fn feedback(&self) -> Option<&str> {
        match (&self.review, &self.evaluation) {
            (Some(r), _) => Some(&r.grade.feedback),
            (None, Some(e)) => Some(&e.result.feedback),
            (None, None) => None,
        }
    }

    /// Sort key: open regrade requests, then flagged results not yet released, then AI
    /// drafts, failures, reviewed, in progress and released ones.
    fn urgency(&self) -> (u8, u8) {
        let regrade = u8::from(self.open_regrades == 0);
        let flagged = u8::from(self.flags.is_empty() || self.state == GradeState::Released);
        let state = match self.state {
            GradeState::AiDraft => 0,
            GradeState::Failed => 1,
            GradeState::Reviewed => 2,
            GradeState::InProgress => 3,
            GradeState::Released => 4,
        };
        (regrade * 2 + flagged, state)
    }
}

/// Every student's newest attempt in lab session `lab_id`, most urgent first.
pub async fn review_list(
    db: &DatabaseConnection,
    lab_id: i32,
) -> Result<Vec<ReviewRow>, DomainError> {
    let latest = ResultService::newest_per_student(db, lab_id).await?;
    let ids: Vec<i32> = latest.iter().map(|s| s.id).collect();
    let mut students: HashMap<i32, user::Model> = user::Entity::find()
        .filter(user::Column::Id.is_in(latest.iter().map(|s| s.student_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let Graded {
        mut evaluations,
        mut reviews,
        mut transcripts,
    } = Graded::load(db, &ids).await?;
    let mut regrades: HashMap<i32, u32> = HashMap::new();
    for r in regrade_request::Entity::find()
        .filter(regrade_request::Column::SubmissionId.is_in(ids))
        .filter(regrade_request::Column::Answer.is_null())
        .all(db)
        .await?
    {
        *regrades.entry(r.submission_id).or_default() += 1;
    }
    let mut rows = Vec::with_capacity(latest.len());
    for s in latest {
        let Some(student) = students.remove(&s.student_id) else {
            continue;
        };
        let evaluation = evaluations.remove(&s.id);
        let review = reviews.remove(&s.id);
        let transcript = transcripts.remove(&s.id);
        let flags = flags(
            transcript.as_ref().map(|t| t.segments.0.as_slice()),
            s.duration_ms,
            evaluation.as_ref().map(|e| &e.result),
            // The words a student gets; the raw reason (engine output, paths) is for admins.
            s.failure_reason
                .as_deref()
                .filter(|_| s.state == submission::SubmissionState::Failed)
                .map(|raw| crate::submissions::student_failure(raw).message),
        );
        rows.push(ReviewRow {
            state: grade_state(s.state, review.as_ref()),
            open_regrades: regrades.get(&s.id).copied().unwrap_or(0),
            submission: s,
            student,
            evaluation,
            review,
            flags,
        });
    }
    rows.sort_by(|a, b| {
        a.urgency()
            .cmp(&b.urgency())
            .then_with(|| a.student.display_name.cmp(&b.student.display_name))
    });
    Ok(rows)
}
