//! The scheduler's reads and writes. Every state change is committed as it happens, so the
//! database is always a true picture to resume from: a transcript or evaluation is stored in
//! the same transaction that moves its submission on, and is never computed twice.

use std::collections::HashMap;

use chrono::Utc;
use domain::entities::batch::{self, BatchState};
use domain::entities::engine_run::{self, EngineOutcome, Phase};
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, lab_session, transcript, user};
use engine_protocol::{Evaluation, Segments, Transcript};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait,
};

pub type Db = DatabaseConnection;

/// After a crash or restart: engine runs still marked running are over; items caught in
/// flight go back one step, so their phase takes them again. Returns the pids of those runs.
pub async fn recover(db: &Db) -> Result<Vec<i32>, DbErr> {
    let running = engine_run::Entity::find()
        .filter(engine_run::Column::Outcome.is_null())
        .all(db)
        .await?;
    engine_run::Entity::update_many()
        .col_expr(
            engine_run::Column::Outcome,
            Expr::value(EngineOutcome::Interrupted),
        )
        .col_expr(engine_run::Column::EndedAt, Expr::value(Utc::now()))
        .col_expr(
            engine_run::Column::Detail,
            Expr::value("the server stopped while this engine ran"),
        )
        .filter(engine_run::Column::Outcome.is_null())
        .exec(db)
        .await?;
    for (from, to) in [
        (SubmissionState::Transcribing, SubmissionState::InBatch),
        (SubmissionState::Evaluating, SubmissionState::Transcribed),
    ] {
        submission::Entity::update_many()
            .col_expr(submission::Column::State, Expr::value(to))
            .filter(submission::Column::State.eq(from))
            .exec(db)
            .await?;
    }
    Ok(running.into_iter().filter_map(|r| r.pid).collect())
}

pub async fn unfinished_batch(db: &Db) -> Result<Option<batch::Model>, DbErr> {
    batch::Entity::find()
        .filter(batch::Column::State.ne(BatchState::Done))
        .order_by_asc(batch::Column::Seq)
        .one(db)
        .await
}

/// Waiting submissions in FIFO order.
pub async fn waiting(db: &Db) -> Result<Vec<submission::Model>, DbErr> {
    submission::Entity::find()
        .filter(submission::Column::State.eq(SubmissionState::Queued))
        .order_by_asc(submission::Column::QueuedAt)
        .order_by_asc(submission::Column::Id)
        .all(db)
        .await
}

pub async fn last_seq(db: &Db) -> Result<i32, DbErr> {
    Ok(batch::Entity::find()
        .order_by_desc(batch::Column::Seq)
        .one(db)
        .await?
        .map_or(0, |b| b.seq))
}

/// Takes the first `size` waiting items into a new batch, in one transaction.
pub async fn form_batch(db: &Db, size: u32) -> Result<Option<batch::Model>, DbErr> {
    let tx = domain::db::begin_write(db).await?;
    let ids: Vec<i32> = submission::Entity::find()
        .filter(submission::Column::State.eq(SubmissionState::Queued))
        .order_by_asc(submission::Column::QueuedAt)
        .order_by_asc(submission::Column::Id)
        .limit(u64::from(size))
        .all(&tx)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    if ids.is_empty() {
        return Ok(None);
    }
    let seq = batch::Entity::find()
        .order_by_desc(batch::Column::Seq)
        .one(&tx)
        .await?
        .map_or(0, |b| b.seq)
        + 1;
    let created = batch::ActiveModel {
        seq: Set(seq),
        state: Set(BatchState::Stt),
        created_at: Set(Utc::now()),
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
        .col_expr(submission::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(submission::Column::Id.is_in(ids))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(Some(created))
}

pub async fn members(db: &Db, batch_id: i32) -> Result<Vec<submission::Model>, DbErr> {
    submission::Entity::find()
        .filter(submission::Column::BatchId.eq(batch_id))
        .order_by_asc(submission::Column::QueuedAt)
        .order_by_asc(submission::Column::Id)
        .all(db)
        .await
}

pub async fn by_ids(
    db: &Db,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, submission::Model>, DbErr> {
    Ok(submission::Entity::find()
        .filter(submission::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect())
}

pub async fn transcripts(db: &Db, ids: &[i32]) -> Result<HashMap<i32, transcript::Model>, DbErr> {
    Ok(transcript::Entity::find()
        .filter(transcript::Column::SubmissionId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.submission_id, t))
        .collect())
}

pub async fn lab_sessions(
    db: &Db,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, lab_session::Model>, DbErr> {
    Ok(lab_session::Entity::find()
        .filter(lab_session::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect())
}

pub async fn display_names(
    db: &Db,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, String>, DbErr> {
    Ok(user::Entity::find()
        .filter(user::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect())
}

/// Recently finished submissions, newest first.
pub async fn recent(db: &Db, limit: u64) -> Result<Vec<submission::Model>, DbErr> {
    submission::Entity::find()
        .filter(
            submission::Column::State.is_in([SubmissionState::Evaluated, SubmissionState::Failed]),
        )
        .order_by_desc(submission::Column::UpdatedAt)
        .limit(limit)
        .all(db)
        .await
}

pub async fn set_batch_state(db: &Db, id: i32, state: BatchState) -> Result<(), DbErr> {
    let now = Utc::now();
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
    row.update(db).await.map(drop)
}

pub async fn mark_phase_started(db: &Db, id: i32, phase: Phase) -> Result<(), DbErr> {
    let column = match phase {
        Phase::Stt => batch::Column::SttStartedAt,
        Phase::Evaluation => batch::Column::EvalStartedAt,
    };
    batch::Entity::update_many()
        .col_expr(column, Expr::value(Utc::now()))
        .filter(batch::Column::Id.eq(id))
        .filter(column.is_null())
        .exec(db)
        .await
        .map(drop)
}

pub async fn set_state(
    db: &impl ConnectionTrait,
    ids: &[i32],
    state: SubmissionState,
) -> Result<(), DbErr> {
    submission::Entity::update_many()
        .col_expr(submission::Column::State, Expr::value(state))
        .col_expr(submission::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(submission::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await
        .map(drop)
}

pub async fn fail(db: &Db, id: i32, reason: &str) -> Result<(), DbErr> {
    submission::Entity::update_many()
        .col_expr(
            submission::Column::State,
            Expr::value(SubmissionState::Failed),
        )
        .col_expr(submission::Column::FailureReason, Expr::value(reason))
        .col_expr(submission::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(submission::Column::Id.eq(id))
        .exec(db)
        .await
        .map(drop)
}

/// Counts an engine crash against an item; returns how many it has had in this phase.
pub async fn count_crash(db: &Db, id: i32, phase: Phase) -> Result<i32, DbErr> {
    let column = match phase {
        Phase::Stt => submission::Column::SttCrashes,
        Phase::Evaluation => submission::Column::EvalCrashes,
    };
    submission::Entity::update_many()
        .col_expr(column, Expr::col(column).add(1))
        .filter(submission::Column::Id.eq(id))
        .exec(db)
        .await?;
    let row = submission::Entity::find_by_id(id).one(db).await?;
    Ok(row.map_or(0, |s| match phase {
        Phase::Stt => s.stt_crashes,
        Phase::Evaluation => s.eval_crashes,
    }))
}

pub async fn start_run(
    db: &Db,
    batch_id: i32,
    phase: Phase,
    model: &str,
    items: usize,
) -> Result<engine_run::Model, DbErr> {
    engine_run::ActiveModel {
        batch_id: Set(batch_id),
        phase: Set(phase),
        pid: Set(None),
        model: Set(model.to_owned()),
        items: Set(i32::try_from(items).unwrap_or(i32::MAX)),
        started_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await
}

pub async fn set_run_pid(db: &Db, run: i32, pid: Option<u32>) -> Result<(), DbErr> {
    let pid = pid.and_then(|p| i32::try_from(p).ok());
    engine_run::ActiveModel {
        id: Set(run),
        pid: Set(pid),
        ..Default::default()
    }
    .update(db)
    .await
    .map(drop)
}

pub async fn set_run_loaded(db: &Db, run: i32, ms: u64) -> Result<(), DbErr> {
    engine_run::ActiveModel {
        id: Set(run),
        load_ms: Set(Some(i64::try_from(ms).unwrap_or(i64::MAX))),
        ..Default::default()
    }
    .update(db)
    .await
    .map(drop)
}

pub async fn end_run(
    db: &Db,
    run: i32,
    outcome: EngineOutcome,
    detail: Option<String>,
) -> Result<(), DbErr> {
    engine_run::ActiveModel {
        id: Set(run),
        ended_at: Set(Some(Utc::now())),
        outcome: Set(Some(outcome)),
        detail: Set(detail),
        ..Default::default()
    }
    .update(db)
    .await
    .map(drop)
}

pub async fn save_transcript(db: &Db, id: i32, result: &Transcript, ms: u64) -> Result<(), DbErr> {
    let tx = db.begin().await?;
    transcript::ActiveModel {
        submission_id: Set(id),
        text: Set(result.text.clone()),
        segments: Set(Segments(result.segments.clone())),
        language: Set(result.language.clone()),
        model: Set(result.model.clone()),
        ms: Set(i64::try_from(ms).unwrap_or(i64::MAX)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&tx)
    .await?;
    set_state(&tx, &[id], SubmissionState::Transcribed).await?;
    tx.commit().await
}

/// The version number of a lab session's current rubric.
pub async fn rubric_version(db: &Db, lab_id: i32) -> Result<i32, DbErr> {
    lab_session::Entity::find_by_id(lab_id)
        .one(db)
        .await?
        .map(|l| l.rubric_version)
        .ok_or_else(|| DbErr::RecordNotFound(format!("lab session {lab_id}")))
}

pub async fn save_evaluation(
    db: &Db,
    item: &submission::Model,
    result: &Evaluation,
    rubric_version: i32,
    ms: u64,
) -> Result<(), DbErr> {
    let tx = db.begin().await?;
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
        created_at: Set(Utc::now()),
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
        .col_expr(submission::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(submission::Column::Id.eq(item.id))
        .exec(&tx)
        .await?;
    tx.commit().await
}
