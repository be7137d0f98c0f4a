//! Which evaluated submissions their students cannot see yet: what the live status reads
//! as "awaiting your instructor's review". The same rule as a submission's own page
//! ([`super::student_sees`]), asked for many submissions at once.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use super::graded::Graded;
use super::{StudentSees, flags, student_sees};
use crate::entities::lab_session;
use crate::entities::submission::{self, SubmissionState};

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
    let graded = Graded::load(db, &ids).await?;
    Ok(evaluated
        .into_iter()
        .filter(|s| {
            let mode = modes
                .get(&s.lab_session_id)
                .copied()
                .unwrap_or(lab_session::ReleaseMode::AfterReview);
            let found = flags(
                graded
                    .transcripts
                    .get(&s.id)
                    .map(|t| t.segments.0.as_slice()),
                s.duration_ms,
                graded.evaluations.get(&s.id).map(|e| &e.result),
                None,
            );
            student_sees(mode, graded.reviews.get(&s.id), &found) == StudentSees::Nothing
        })
        .map(|s| s.id)
        .collect())
}
