//! The scheduler's reads and writes. Every state change is committed as it happens, so the
//! database is always a true picture to resume from: a transcript or evaluation is stored in
//! the same transaction that moves its submission on, and is never computed twice.
//!
//! Split by job: this file reads (the queue, a batch, the rows a request or a snapshot
//! needs); `batches` forms and moves batches and recovers after a crash; `items` moves
//! submissions and stores their results; `runs` records engine processes. Every timestamp
//! written comes from the scheduler's [`Clock`], so tests that move the clock see it here.

mod batches;
mod items;
mod runs;

pub use items::Provenance;

use std::collections::HashMap;

use domain::entities::lab_session::ReleaseMode;
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{batch, lab_session, rubric_version, transcript, user};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::arrivals;
use crate::clock::{Clock, unix_ms};

pub type Db = DatabaseConnection;

/// How far back arrivals are read, for their rate and their recordings' mean length.
const RECENT_MINUTES: i64 = 5;

/// Whether an item still needs the STT phase: it has no transcript yet, or an admin asked
/// to transcribe it again.
pub fn needs_stt(item: &submission::Model, transcripts: &HashMap<i32, transcript::Model>) -> bool {
    item.retranscribe == Some(true) || !transcripts.contains_key(&item.id)
}

/// The database as the scheduler uses it, with the clock its timestamps come from.
#[derive(Debug, Clone)]
pub struct Store {
    db: Db,
    clock: Clock,
}

impl Store {
    pub fn new(db: Db, clock: Clock) -> Self {
        Self { db, clock }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Waiting submissions in FIFO order.
    pub async fn waiting(&self) -> Result<Vec<submission::Model>, DbErr> {
        submission::Entity::find()
            .filter(submission::Column::State.eq(SubmissionState::Queued))
            .order_by_asc(submission::Column::QueuedAt)
            .order_by_asc(submission::Column::Id)
            .all(&self.db)
            .await
    }

    /// The highest batch sequence number so far (0 before the first batch).
    pub async fn last_seq(&self) -> Result<i32, DbErr> {
        Ok(batch::Entity::find()
            .order_by_desc(batch::Column::Seq)
            .one(&self.db)
            .await?
            .map_or(0, |b| b.seq))
    }

    /// A batch's submissions, in queue order.
    pub async fn members(&self, batch_id: i32) -> Result<Vec<submission::Model>, DbErr> {
        submission::Entity::find()
            .filter(submission::Column::BatchId.eq(batch_id))
            .order_by_asc(submission::Column::QueuedAt)
            .order_by_asc(submission::Column::Id)
            .all(&self.db)
            .await
    }

    pub async fn by_ids(
        &self,
        ids: impl IntoIterator<Item = i32>,
    ) -> Result<HashMap<i32, submission::Model>, DbErr> {
        Ok(submission::Entity::find()
            .filter(submission::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect())
    }

    /// The transcripts of `ids` that exist, by submission id.
    pub async fn transcripts(&self, ids: &[i32]) -> Result<HashMap<i32, transcript::Model>, DbErr> {
        Ok(transcript::Entity::find()
            .filter(transcript::Column::SubmissionId.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|t| (t.submission_id, t))
            .collect())
    }

    pub async fn lab_sessions(
        &self,
        ids: impl IntoIterator<Item = i32>,
    ) -> Result<HashMap<i32, lab_session::Model>, DbErr> {
        Ok(lab_session::Entity::find()
            .filter(lab_session::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect())
    }

    /// The rubric version each re-run in `items` asked for, by submission.
    pub async fn chosen_rubrics(
        &self,
        items: &[submission::Model],
    ) -> Result<HashMap<i32, rubric_version::Model>, DbErr> {
        let mut chosen = HashMap::new();
        for item in items {
            let Some(version) = item.rerun_rubric_version else {
                continue;
            };
            let found = rubric_version::Entity::find()
                .filter(rubric_version::Column::LabSessionId.eq(item.lab_session_id))
                .filter(rubric_version::Column::Version.eq(version))
                .one(&self.db)
                .await?;
            if let Some(found) = found {
                chosen.insert(item.id, found);
            }
        }
        Ok(chosen)
    }

    /// Each lab session's owner and release mode: all the live status needs of a lab session
    /// (it never reads the rubric, so a lab session's content can never stop the status).
    pub async fn lab_owners(
        &self,
        ids: impl IntoIterator<Item = i32>,
    ) -> Result<HashMap<i32, (i32, ReleaseMode)>, DbErr> {
        Ok(lab_session::Entity::find()
            .select_only()
            .column(lab_session::Column::Id)
            .column(lab_session::Column::OwnerId)
            .column(lab_session::Column::ReleaseMode)
            .filter(lab_session::Column::Id.is_in(ids))
            .into_tuple::<(i32, i32, ReleaseMode)>()
            .all(&self.db)
            .await?
            .into_iter()
            .map(|(id, owner, mode)| (id, (owner, mode)))
            .collect())
    }

    pub async fn display_names(
        &self,
        ids: impl IntoIterator<Item = i32>,
    ) -> Result<HashMap<i32, String>, DbErr> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    /// How students have been arriving in the last few minutes: the current stream of new
    /// submissions (see [`arrivals::current`]; re-runs are not arrivals), and the mean length
    /// of their recordings.
    pub async fn arrivals(&self, now_ms: u64) -> Result<(arrivals::Stream, Option<f64>), DbErr> {
        let window = chrono::Duration::minutes(RECENT_MINUTES);
        let since = self.clock.now() - window;
        let recent: Vec<(chrono::DateTime<chrono::Utc>, i64)> = submission::Entity::find()
            .select_only()
            .columns([
                submission::Column::CreatedAt,
                submission::Column::DurationMs,
            ])
            .filter(submission::Column::CreatedAt.gte(since))
            .filter(submission::Column::RerunBy.is_null())
            .order_by_desc(submission::Column::CreatedAt)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mean = (!recent.is_empty())
            .then(|| recent.iter().map(|r| r.1 as f64).sum::<f64>() / recent.len() as f64);
        let times: Vec<u64> = recent.iter().map(|r| unix_ms(r.0)).collect();
        Ok((arrivals::current(&times, now_ms), mean))
    }

    /// Recently finished submissions, newest first.
    pub async fn recent(&self, limit: u64) -> Result<Vec<submission::Model>, DbErr> {
        submission::Entity::find()
            .filter(
                submission::Column::State
                    .is_in([SubmissionState::Evaluated, SubmissionState::Failed]),
            )
            .order_by_desc(submission::Column::UpdatedAt)
            .limit(limit)
            .all(&self.db)
            .await
    }

    /// Batch sequence numbers by batch id.
    pub async fn batch_seqs(
        &self,
        ids: impl IntoIterator<Item = i32>,
    ) -> Result<HashMap<i32, i32>, DbErr> {
        Ok(batch::Entity::find()
            .filter(batch::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|b| (b.id, b.seq))
            .collect())
    }
}
