//! Building the status [`Snapshot`] from the database and what only the running cycle knows
//! (the engine's pid, per-item progress, when the item in flight started). It reads, never
//! writes; publishing is [`crate::live::LiveStatus`]'s job.

use std::collections::HashMap;

use domain::entities::engine_run::Phase;
use domain::entities::lab_session::ReleaseMode;
use domain::entities::submission;
use domain::status::{
    BatchItem, CurrentBatch, EngineInfo, Estimates, FinishedItem, Owner, QueuedItem, Snapshot,
};
use sea_orm::DbErr;

use crate::clock::unix_ms;
use crate::forecast::{plan_queue, time_left};
use crate::store::Store;

/// How many finished items the snapshot remembers, so a student sees "done" even after their
/// batch is gone from the GPU.
const RECENT: u64 = 200;

/// What the cycle knows that the database does not.
#[derive(Debug, Clone, Default)]
pub struct LiveState {
    pub batch: Option<LiveBatch>,
    pub paused: bool,
    pub estimates: Estimates,
}

#[derive(Debug, Clone)]
pub struct LiveBatch {
    pub batch_id: i32,
    pub seq: i32,
    pub phase: Phase,
    pub phase_started_ms: u64,
    pub engine: Option<EngineInfo>,
    pub percent: HashMap<i32, u8>,
    /// When the item in flight started (Unix ms).
    pub item_started_ms: Option<u64>,
}

/// How the queue is cut into batches: from the settings in force.
#[derive(Debug, Clone, Copy)]
pub struct QueueShape {
    pub batch_size: u32,
    pub linger_ms: u64,
}

/// The snapshot at `now` (Unix ms, from the scheduler's clock).
pub async fn build(
    store: &Store,
    shape: &QueueShape,
    live: &LiveState,
    now: u64,
) -> Result<Snapshot, DbErr> {
    let members = match &live.batch {
        Some(b) => store.members(b.batch_id).await?,
        None => Vec::new(),
    };
    let queue = store.waiting().await?;
    let recent = store.recent(RECENT).await?;
    let all: Vec<&submission::Model> = members.iter().chain(&queue).chain(&recent).collect();
    let ids: Vec<i32> = members.iter().chain(&queue).map(|s| s.id).collect();
    let transcripts = store.transcripts(&ids).await?;
    let needs_stt = |s: &submission::Model| crate::store::needs_stt(s, &transcripts);
    let names = store
        .display_names(all.iter().map(|s| s.student_id))
        .await?;
    let owners = store
        .lab_owners(all.iter().map(|s| s.lab_session_id))
        .await?;
    // Graded results their students cannot see yet (after-review labs, flagged results).
    let recent_ids: Vec<i32> = recent.iter().map(|s| s.id).collect();
    let held = domain::review::held_for_review(store.db(), &recent_ids).await?;
    let owner = |s: &submission::Model| {
        let (instructor_id, release) = owners
            .get(&s.lab_session_id)
            .copied()
            .unwrap_or((0, ReleaseMode::Automatic));
        Owner {
            submission_id: s.id,
            student_id: s.student_id,
            student_name: names.get(&s.student_id).cloned().unwrap_or_default(),
            lab_session_id: s.lab_session_id,
            instructor_id,
            // A finished item: whether its student sees the grade now. One still under way:
            // whether its lab will hold it for review.
            review_first: if s.state.is_final() {
                held.contains(&s.id)
            } else {
                release == ReleaseMode::AfterReview
            },
        }
    };
    let mut estimates = live.estimates.clone();
    let (stream, mean_audio_ms) = store.arrivals(now).await?;
    estimates.arrivals_per_min = stream.per_minute;
    estimates.stream_ms = stream.lasted_ms as f64;
    if let Some(mean) = mean_audio_ms {
        estimates.mean_audio_ms = mean;
    }
    let estimates = &estimates;

    let current = live.batch.as_ref().map(|b| {
        let mut items: Vec<BatchItem> = members
            .iter()
            .map(|s| BatchItem {
                owner: owner(s),
                state: s.state,
                needs_stt: needs_stt(s),
                duration_ms: s.duration_ms,
                percent: b.percent.get(&s.id).copied().unwrap_or(0),
                failure: s.failure_reason.clone(),
                results_ms: 0,
            })
            .collect();
        let left = time_left(b, &items, estimates, now);
        for item in items.iter_mut().filter(|i| !i.state.is_final()) {
            item.results_ms = left.result_ms(estimates);
        }
        CurrentBatch {
            batch_id: b.batch_id,
            seq: b.seq,
            phase: b.phase,
            phase_started_ms: b.phase_started_ms,
            items,
            engine: b.engine.clone(),
            remaining_ms: left.end_ms(estimates),
        }
    });

    let next_seq = match &live.batch {
        Some(b) => b.seq + 1,
        None => store.last_seq().await? + 1,
    };
    let ahead = current.as_ref().map_or(0, |c| c.remaining_ms) as f64;
    let plans = plan_queue(&queue, shape, estimates, ahead, now, |s| needs_stt(s));
    let mut queued = Vec::with_capacity(queue.len());
    for (s, plan) in queue.iter().zip(plans) {
        queued.push(QueuedItem {
            owner: owner(s),
            needs_stt: needs_stt(s),
            duration_ms: s.duration_ms,
            queued_ms: unix_ms(s.queued_at),
            batch_seq: next_seq + plan.batch,
            slot: plan.slot,
            batch_items: plan.batch_items,
            wait_ms: plan.wait_ms,
            results_ms: plan.results_ms,
        });
    }

    let seqs = store
        .batch_seqs(recent.iter().filter_map(|s| s.batch_id))
        .await?;
    let recent = recent
        .iter()
        .map(|s| FinishedItem {
            owner: owner(s),
            state: s.state,
            failure: s.failure_reason.clone(),
            batch_seq: s.batch_id.and_then(|b| seqs.get(&b).copied()).unwrap_or(0),
            finished_ms: unix_ms(s.updated_at),
        })
        .collect();

    Ok(Snapshot {
        at_ms: now,
        batch_size: shape.batch_size,
        paused: live.paused,
        current,
        queue: queued,
        recent,
        estimates: estimates.clone(),
    })
}
