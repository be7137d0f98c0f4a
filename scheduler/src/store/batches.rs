//! Batches: recovering after a crash, finding the batch to resume, forming a new one from
//! the head of the queue, and recording its phases.

use domain::entities::batch::{self, BatchState};
use domain::entities::engine_run::{self, EngineOutcome, Phase};
use domain::entities::submission::{self, SubmissionState};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::Store;

impl Store {
    /// After a crash or restart: engine runs still marked running are over; items caught in
    /// flight go back one step, so their phase takes them again. Returns the pids of those
    /// runs.
    pub async fn recover(&self) -> Result<Vec<i32>, DbErr> {
        let running = engine_run::Entity::find()
            .filter(engine_run::Column::Outcome.is_null())
            .all(&self.db)
            .await?;
        engine_run::Entity::update_many()
            .col_expr(
                engine_run::Column::Outcome,
                Expr::value(EngineOutcome::Interrupted),
            )
            .col_expr(engine_run::Column::EndedAt, Expr::value(self.clock.now()))
            .col_expr(
                engine_run::Column::Detail,
                Expr::value("the server stopped while this engine ran"),
            )
            .filter(engine_run::Column::Outcome.is_null())
            .exec(&self.db)
            .await?;
        for (from, to) in [
            (SubmissionState::Transcribing, SubmissionState::InBatch),
            (SubmissionState::Evaluating, SubmissionState::Transcribed),
        ] {
            submission::Entity::update_many()
                .col_expr(submission::Column::State, Expr::value(to))
                .filter(submission::Column::State.eq(from))
                .exec(&self.db)
                .await?;
        }
        Ok(running.into_iter().filter_map(|r| r.pid).collect())
    }

    /// The oldest batch not done yet: after a restart, it is resumed before any new one.
    pub async fn unfinished_batch(&self) -> Result<Option<batch::Model>, DbErr> {
        batch::Entity::find()
            .filter(batch::Column::State.ne(BatchState::Done))
            .order_by_asc(batch::Column::Seq)
            .one(&self.db)
            .await
    }

    /// Takes the first `size` waiting items into a new batch, in one transaction. One
    /// evaluation engine serves a batch, so it takes only items that want the same model as
    /// the head of the queue (a re-run may choose another).
    pub async fn form_batch(&self, size: u32) -> Result<Option<batch::Model>, DbErr> {
        let tx = domain::db::begin_write(&self.db).await?;
        let queued = || {
            submission::Entity::find()
                .filter(submission::Column::State.eq(SubmissionState::Queued))
                .order_by_asc(submission::Column::QueuedAt)
                .order_by_asc(submission::Column::Id)
        };
        let Some(head) = queued().one(&tx).await? else {
            return Ok(None);
        };
        let same_model = match &head.rerun_model {
            Some(model) => submission::Column::RerunModel.eq(model.clone()),
            None => submission::Column::RerunModel.is_null(),
        };
        let ids: Vec<i32> = queued()
            .filter(same_model)
            .limit(u64::from(size))
            .all(&tx)
            .await?
            .into_iter()
            .map(|s| s.id)
            .collect();
        let seq = batch::Entity::find()
            .order_by_desc(batch::Column::Seq)
            .one(&tx)
            .await?
            .map_or(0, |b| b.seq)
            + 1;
        let now = self.clock.now();
        let created = batch::ActiveModel {
            seq: Set(seq),
            state: Set(BatchState::Stt),
            items: Set(i32::try_from(ids.len()).ok()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        submission::Entity::update_many()
            .col_expr(
                submission::Column::State,
                Expr::value(SubmissionState::InBatch),
            )
            .col_expr(submission::Column::BatchId, Expr::value(created.id))
            .col_expr(submission::Column::UpdatedAt, Expr::value(now))
            .filter(submission::Column::Id.is_in(ids))
            .exec(&tx)
            .await?;
        tx.commit().await?;
        Ok(Some(created))
    }

    /// Moves a batch on, stamping the end of the phase it leaves.
    pub async fn set_batch_state(&self, id: i32, state: BatchState) -> Result<(), DbErr> {
        let now = self.clock.now();
        let mut row = batch::ActiveModel {
            id: Set(id),
            state: Set(state),
            ..Default::default()
        };
        match state {
            BatchState::Evaluation => row.stt_ended_at = Set(Some(now)),
            BatchState::Done => row.eval_ended_at = Set(Some(now)),
            BatchState::Stt => {}
        }
        row.update(&self.db).await.map(drop)
    }

    /// Stamps a phase's start, once: a phase resumed after a restart keeps its first start.
    pub async fn mark_phase_started(&self, id: i32, phase: Phase) -> Result<(), DbErr> {
        let column = match phase {
            Phase::Stt => batch::Column::SttStartedAt,
            Phase::Evaluation => batch::Column::EvalStartedAt,
        };
        batch::Entity::update_many()
            .col_expr(column, Expr::value(self.clock.now()))
            .filter(batch::Column::Id.eq(id))
            .filter(column.is_null())
            .exec(&self.db)
            .await
            .map(drop)
    }
}
