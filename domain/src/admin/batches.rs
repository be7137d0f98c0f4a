//! The admin's history of batches (each phase's times, the engine processes with pid, model
//! and hash, how they ended, retries and failures) and the GPU timeline: which phase held
//! the GPU when, so the phase lock can be seen at a glance.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::history::{MAX_PAGE, PAGE_SIZE, Page, day_range};
use crate::DomainError;
use crate::entities::batch;
use crate::entities::engine_run::{self, EngineOutcome, Phase};
use crate::entities::submission::{self, SubmissionState};

#[derive(Debug, Clone, PartialEq)]
pub struct BatchLine {
    pub batch: batch::Model,
    /// Submissions it was formed with.
    pub size: u64,
    /// Its submissions that failed and were not re-run since.
    pub failed: u64,
    /// Every engine process of the batch, in the order they started.
    pub runs: Vec<engine_run::Model>,
}

impl BatchLine {
    /// Engine processes beyond the first of each phase: the retries after a failure.
    pub fn retries(&self) -> usize {
        let first = |phase| self.runs.iter().any(|r| r.phase == phase) as usize;
        self.runs.len() - first(Phase::Stt) - first(Phase::Evaluation)
    }
}

/// A page of batches formed on the UTC days `from` to `to` (both included), newest first.
pub async fn batches(
    db: &impl ConnectionTrait,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    page: u64,
) -> Result<Page<BatchLine>, DomainError> {
    let (from, to) = day_range(from, to);
    let mut within = Condition::all();
    if let Some(from) = from {
        within = within.add(batch::Column::CreatedAt.gte(from));
    }
    if let Some(to) = to {
        within = within.add(batch::Column::CreatedAt.lt(to));
    }
    let query = batch::Entity::find().filter(within);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(batch::Column::Seq)
        .offset(page.min(MAX_PAGE) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok(Page {
        rows: lines(db, rows).await?,
        page,
        pages: total.div_ceil(PAGE_SIZE).max(1),
        total,
    })
}

/// The lines of `rows`: sizes, failures and engine runs.
pub async fn lines(
    db: &impl ConnectionTrait,
    rows: Vec<batch::Model>,
) -> Result<Vec<BatchLine>, DomainError> {
    let ids: Vec<i32> = rows.iter().map(|b| b.id).collect();
    let mut counts: HashMap<(i32, bool), u64> = HashMap::new();
    let states: Vec<(i32, SubmissionState)> = submission::Entity::find()
        .select_only()
        .columns([submission::Column::BatchId, submission::Column::State])
        .filter(submission::Column::BatchId.is_in(ids.clone()))
        .into_tuple()
        .all(db)
        .await?;
    for (batch, state) in states {
        *counts
            .entry((batch, state == SubmissionState::Failed))
            .or_default() += 1;
    }
    let mut runs: HashMap<i32, Vec<engine_run::Model>> = HashMap::new();
    for run in engine_run::Entity::find()
        .filter(engine_run::Column::BatchId.is_in(ids))
        .order_by_asc(engine_run::Column::Id)
        .all(db)
        .await?
    {
        runs.entry(run.batch_id).or_default().push(run);
    }
    Ok(rows
        .into_iter()
        .map(|b| {
            let failed = counts.get(&(b.id, true)).copied().unwrap_or(0);
            let now_in = failed + counts.get(&(b.id, false)).copied().unwrap_or(0);
            BatchLine {
                // Batches formed before the count was kept: the submissions still in it.
                size: b.items.map_or(now_in, |n| u64::try_from(n).unwrap_or(0)),
                failed,
                runs: runs.remove(&b.id).unwrap_or_default(),
                batch: b,
            }
        })
        .collect())
}

/// One stretch of GPU time held by one phase of one batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Band {
    pub batch_seq: i32,
    pub phase: Phase,
    pub start: DateTime<Utc>,
    /// None while it runs.
    pub end: Option<DateTime<Utc>>,
}

/// An engine process that did not finish cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub at: DateTime<Utc>,
    pub phase: Phase,
    pub outcome: Option<EngineOutcome>,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GpuTimeline {
    pub bands: Vec<Band>,
    pub failures: Vec<Failure>,
}

/// The phases that held the GPU in `[since, until)`, oldest first, and the failures.
pub async fn gpu_timeline(
    db: &impl ConnectionTrait,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<GpuTimeline, DomainError> {
    let overlapping = Condition::any()
        .add(batch::Column::EvalEndedAt.gte(since))
        .add(batch::Column::EvalEndedAt.is_null())
        .add(batch::Column::SttEndedAt.gte(since));
    let batches = batch::Entity::find()
        .filter(overlapping)
        .filter(batch::Column::CreatedAt.lt(until))
        .order_by_asc(batch::Column::Seq)
        .all(db)
        .await?;
    let mut bands = Vec::new();
    for b in &batches {
        for (phase, start, end) in [
            (Phase::Stt, b.stt_started_at, b.stt_ended_at),
            (Phase::Evaluation, b.eval_started_at, b.eval_ended_at),
        ] {
            if let Some(start) = start {
                bands.push(Band {
                    batch_seq: b.seq,
                    phase,
                    start,
                    end,
                });
            }
        }
    }
    let failures = engine_run::Entity::find()
        .filter(engine_run::Column::StartedAt.lt(until))
        .filter(engine_run::Column::EndedAt.gte(since))
        .filter(engine_run::Column::Outcome.ne(EngineOutcome::Finished))
        .order_by_asc(engine_run::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|r| {
            Some(Failure {
                at: r.ended_at?,
                phase: r.phase,
                outcome: r.outcome,
                detail: r.detail,
            })
        })
        .collect();
    Ok(GpuTimeline { bands, failures })
}
