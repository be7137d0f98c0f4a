//! What the review rules read about a set of submissions: each one's newest AI run, the
//! instructor's grade and the transcript, loaded with one query per table.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{evaluation, review, transcript};

#[derive(Default)]
pub struct Graded {
    /// Each submission's AI run being read: the reviewed one, else the newest.
    pub evaluations: HashMap<i32, evaluation::Model>,
    pub reviews: HashMap<i32, review::Model>,
    pub transcripts: HashMap<i32, transcript::Model>,
}

impl Graded {
    pub async fn load(db: &DatabaseConnection, ids: &[i32]) -> Result<Self, DbErr> {
        let reviews = review::Entity::find()
            .filter(review::Column::SubmissionId.is_in(ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|r| (r.submission_id, r))
            .collect::<HashMap<i32, review::Model>>();
        // The run a review was made on, else the newest (ids grow with each run).
        let mut evaluations: HashMap<i32, evaluation::Model> = HashMap::new();
        for e in evaluation::Entity::find()
            .filter(evaluation::Column::SubmissionId.is_in(ids.iter().copied()))
            .order_by_asc(evaluation::Column::Id)
            .all(db)
            .await?
        {
            match reviews.get(&e.submission_id) {
                Some(r) if r.evaluation_id != e.id => {}
                // Ascending ids: without a review, the newest run is kept last.
                _ => {
                    evaluations.insert(e.submission_id, e);
                }
            }
        }
        let transcripts = transcript::Entity::find()
            .filter(transcript::Column::SubmissionId.is_in(ids.iter().copied()))
            .all(db)
            .await?
            .into_iter()
            .map(|t| (t.submission_id, t))
            .collect();
        Ok(Self {
            evaluations,
            reviews,
            transcripts,
        })
    }
}
