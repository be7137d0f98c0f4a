//! Which evaluated submissions their students cannot see yet: what the live status reads
//! as "awaiting your instructor's review". The same rule as a submission's own page
//! ([`super::student_sees`]), asked for many submissions at once.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

use super::{StudentSees, flags, student_sees};
use crate::entities::submission::{self, SubmissionState};
use crate::entities::{evaluation, lab_session, review, transcript};

/// Of `ids`, the evaluated submissions whose students see no grade yet.
pub async fn held_for_review(
    db: &sea_orm::DatabaseConnection,
    ids: &[i32],
) -> Result<HashSet<i32>, DbErr> {
    let evaluated = submission::Entity::find()
        .filter(submission::Column::Id.is_in(ids.iter().copied()))
        .filter(submission::Column::State.eq(SubmissionState::Evaluated))
        .all(db)
        .await?;
    let ids: Vec<i32> = evaluated.iter().map(|s| s.id).collect();
    let modes: HashMap<i32, lab_session::ReleaseMode> = lab_session::Entity::find()
        .filter(lab_session::Column::Id.is_in(evaluated.iter().map(|s| s.lab_session_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.release_mode))
        .collect();
    let reviews: HashMap<i32, review::Model> = review::Entity::find()
        .filter(review::Column::SubmissionId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.submission_id, r))
        .collect();
    let transcripts: HashMap<i32, transcript::Model> = transcript::Entity::find()
        .filter(transcript::Column::SubmissionId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.submission_id, t))
        .collect();
    let mut evaluations: HashMap<i32, evaluation::Model> = HashMap::new();
    for e in evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.is_in(ids))
        .order_by_asc(evaluation::Column::Id)
        .all(db)
        .await?
    {
        evaluations.insert(e.submission_id, e);
    }
    Ok(evaluated
        .into_iter()
        .filter(|s| {
            let mode = modes
                .get(&s.lab_session_id)
                .copied()
                .unwrap_or(lab_session::ReleaseMode::AfterReview);
            let found = flags(
                transcripts.get(&s.id).map(|t| t.segments.0.as_slice()),
                s.duration_ms,
                evaluations.get(&s.id).map(|e| &e.result),
                None,
            );
            student_sees(mode, reviews.get(&s.id), &found) == StudentSees::Nothing
        })
        .map(|s| s.id)
        .collect())
}
