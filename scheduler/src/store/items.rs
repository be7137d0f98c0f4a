//! Submissions moving through a batch: their state, their failure, their crash count, and
//! their results (stored in the same transaction that moves them on).

use chrono::{DateTime, Utc};
use domain::entities::engine_run::Phase;
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, transcript};
use engine_protocol::{Evaluation, Segments, Transcript};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};

use super::Store;
use crate::error::Error;

/// How every evaluation was decoded: greedy, constrained by the rubric's grammar, and a string
/// the answer starts to loop in closed there (`engines/eval/src/repetition.rs`); the eval
/// engine's only mode, so the seed is recorded but changes nothing.
const DECODING: &str = "greedy, grammar-constrained, a looping string closed";

/// Which batch and engine process made a result, and with what.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub batch_id: i32,
    pub engine_run_id: i32,
    pub model_sha256: Option<String>,
    /// Items the engine process was started with.
    pub run_items: i32,
}

impl Store {
    pub async fn set_state(&self, ids: &[i32], state: SubmissionState) -> Result<(), DbErr> {
        set_state_on(&self.db, self.clock.now(), ids, state).await
    }

    /// The first estimate shown for a queue entry; a later one does not replace it.
    pub async fn keep_first_estimate(
        &self,
        id: i32,
        wait_ms: u64,
        results_ms: u64,
    ) -> Result<(), DbErr> {
        let ms = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        submission::Entity::update_many()
            .col_expr(
                submission::Column::EstimatedWaitMs,
                Expr::value(ms(wait_ms)),
            )
            .col_expr(
                submission::Column::EstimatedResultsMs,
                Expr::value(ms(results_ms)),
            )
            .filter(submission::Column::Id.eq(id))
            .filter(submission::Column::EstimatedResultsMs.is_null())
            .exec(&self.db)
            .await
            .map(drop)
    }

    /// Fails an item for good, with the reason its owner will read.
    pub async fn fail_item(&self, id: i32, reason: &str) -> Result<(), DbErr> {
        submission::Entity::update_many()
            .col_expr(
                submission::Column::State,
                Expr::value(SubmissionState::Failed),
            )
            .col_expr(submission::Column::FailureReason, Expr::value(reason))
            .col_expr(
                submission::Column::FailureBeforeRerun,
                Expr::value(Option::<String>::None),
            )
            .col_expr(submission::Column::UpdatedAt, Expr::value(self.clock.now()))
            .filter(submission::Column::Id.eq(id))
            .exec(&self.db)
            .await
            .map(drop)
    }

    /// Counts an engine crash against an item; returns how many it has had in this phase.
    pub async fn count_crash(&self, id: i32, phase: Phase) -> Result<i32, DbErr> {
        let column = match phase {
            Phase::Stt => submission::Column::SttCrashes,
            Phase::Evaluation => submission::Column::EvalCrashes,
        };
        submission::Entity::update_many()
            .col_expr(column, Expr::col(column).add(1))
            .filter(submission::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        let row = submission::Entity::find_by_id(id).one(&self.db).await?;
        Ok(row.map_or(0, |s| match phase {
            Phase::Stt => s.stt_crashes,
            Phase::Evaluation => s.eval_crashes,
        }))
    }

    /// Stores a transcript, replacing the old one when an admin asked to transcribe again.
    pub async fn save_transcript(
        &self,
        id: i32,
        result: &Transcript,
        ms: u64,
        made_by: &Provenance,
    ) -> Result<(), Error> {
        let now = self.clock.now();
        let tx = self.db.begin().await?;
        transcript::Entity::delete_many()
            .filter(transcript::Column::SubmissionId.eq(id))
            .exec(&tx)
            .await?;
        submission::Entity::update_many()
            .col_expr(
                submission::Column::Retranscribe,
                Expr::value(Option::<bool>::None),
            )
            .filter(submission::Column::Id.eq(id))
            .exec(&tx)
            .await?;
        transcript::ActiveModel {
            batch_id: Set(Some(made_by.batch_id)),
            engine_run_id: Set(Some(made_by.engine_run_id)),
            submission_id: Set(id),
            text: Set(result.text.clone()),
            segments: Set(Segments(result.segments.clone())),
            language: Set(result.language.clone()),
            model: Set(result.model.clone()),
            ms: Set(i64::try_from(ms).unwrap_or(i64::MAX)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        set_state_on(&tx, now, &[id], SubmissionState::Transcribed).await?;
        Ok(tx.commit().await?)
    }

    pub async fn save_evaluation(
        &self,
        item: &submission::Model,
        result: &Evaluation,
        rubric_version: i32,
        ms: u64,
        made_by: &Provenance,
    ) -> Result<(), Error> {
        let now = self.clock.now();
        let tx = self.db.begin().await?;
        evaluation::ActiveModel {
            submission_id: Set(item.id),
            result: Set(result.clone()),
            rubric_version: Set(rubric_version),
            total: Set(i32::try_from(result.total).unwrap_or(i32::MAX)),
            model: Set(result.model.clone()),
            prompt_version: Set(result.prompt_version.clone()),
            seed: Set(i64::from(result.seed)),
            parallel_sequences: Set(i32::try_from(result.parallel_sequences).unwrap_or(i32::MAX)),
            ms: Set(i64::try_from(ms).unwrap_or(i64::MAX)),
            requested_by: Set(item.rerun_by),
            reason: Set(item.rerun_reason.clone()),
            model_sha256: Set(made_by.model_sha256.clone()),
            decoding: Set(Some(DECODING.into())),
            batch_size: Set(Some(made_by.run_items)),
            batch_id: Set(Some(made_by.batch_id)),
            engine_run_id: Set(Some(made_by.engine_run_id)),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&tx)
        .await?;
        submission::Entity::update_many()
            .col_expr(
                submission::Column::State,
                Expr::value(SubmissionState::Evaluated),
            )
            .col_expr(
                submission::Column::RerunBy,
                Expr::value(Option::<i32>::None),
            )
            .col_expr(
                submission::Column::RerunReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                submission::Column::RerunRubricVersion,
                Expr::value(Option::<i32>::None),
            )
            .col_expr(
                submission::Column::RerunModel,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                submission::Column::FailureBeforeRerun,
                Expr::value(Option::<String>::None),
            )
            .col_expr(submission::Column::UpdatedAt, Expr::value(now))
            .filter(submission::Column::Id.eq(item.id))
            .exec(&tx)
            .await?;
        Ok(tx.commit().await?)
    }
}

/// Moves items to `state` on `conn`, which may be a transaction that also stores a result.
async fn set_state_on(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    ids: &[i32],
    state: SubmissionState,
) -> Result<(), DbErr> {
    submission::Entity::update_many()
        .col_expr(submission::Column::State, Expr::value(state))
        .col_expr(submission::Column::UpdatedAt, Expr::value(now))
        .filter(submission::Column::Id.is_in(ids.iter().copied()))
        .exec(conn)
        .await
        .map(drop)
}
