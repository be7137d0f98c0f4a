//! Building the status [`Snapshot`] from the database and what only the running cycle knows
//! (the engine's pid, per-item progress, when the item in flight started). It reads, never
//! writes; publishing is [`crate::live::LiveStatus`]'s job.

use std::collections::HashMap;

use domain::entities::engine_run::Phase;
use domain::entities::lab_session::ReleaseMode;
use domain::entities::submission::{self, SubmissionState};
use domain::status::{
    BatchItem, CurrentBatch, EngineInfo, Estimates, FinishedItem, Owner, QueuedItem, Snapshot,
};
use sea_orm::DbErr;

use crate::estimates::{batch_ms, windows};
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
    let estimates = &live.estimates;

    let current = live.batch.as_ref().map(|b| {
        let items: Vec<BatchItem> = members
            .iter()
            .map(|s| BatchItem {
                owner: owner(s),
                state: s.state,
                needs_stt: needs_stt(s),
                duration_ms: s.duration_ms,
                percent: b.percent.get(&s.id).copied().unwrap_or(0),
                failure: s.failure_reason.clone(),
            })
            .collect();
        let remaining_ms = remaining_ms(b, &items, estimates, now);
        CurrentBatch {
            batch_id: b.batch_id,
            seq: b.seq,
            phase: b.phase,
            phase_started_ms: b.phase_started_ms,
            items,
            engine: b.engine.clone(),
            remaining_ms,
        }
    });

    let mut ahead_ms = current.as_ref().map_or(0, |c| c.remaining_ms);
    if current.is_none() && (queue.len() as u64) < u64::from(shape.batch_size) {
        // An idle GPU with a part-filled batch waits for the linger to end first.
        if let Some(oldest) = queue.first() {
            let ends = ms(oldest.queued_at) + shape.linger_ms;
            ahead_ms += ends.saturating_sub(now);
        }
    }
    let next_seq = match &live.batch {
        Some(b) => b.seq + 1,
        None => store.last_seq().await? + 1,
    };
    let mut queued = Vec::with_capacity(queue.len());
    let size = shape.batch_size.max(1) as usize;
    for (k, chunk) in queue.chunks(size).enumerate() {
        let stt: Vec<_> = chunk.iter().filter(|s| needs_stt(s)).collect();
        let windows: f64 = stt.iter().map(|s| windows(s.duration_ms)).sum();
        let cost = batch_ms(estimates, stt.len(), windows, chunk.len()) as u64;
        for (slot, s) in chunk.iter().enumerate() {
            queued.push(QueuedItem {
                owner: owner(s),
                needs_stt: needs_stt(s),
                duration_ms: s.duration_ms,
                queued_ms: ms(s.queued_at),
                batch_seq: next_seq + i32::try_from(k).unwrap_or(i32::MAX - next_seq),
                slot: u32::try_from(slot + 1).unwrap_or(u32::MAX),
                batch_items: u32::try_from(chunk.len()).unwrap_or(u32::MAX),
                wait_ms: ahead_ms,
                results_ms: ahead_ms + cost,
            });
        }
        ahead_ms += cost;
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
            finished_ms: ms(s.updated_at),
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

/// The current batch's remaining time: what is left of its STT phase (load, then the audio
/// not yet transcribed, less what the item in flight has already spent), then its
/// evaluation phase, less what has already run of it.
fn remaining_ms(b: &LiveBatch, items: &[BatchItem], e: &Estimates, now: u64) -> u64 {
    let to_evaluate = items
        .iter()
        .filter(|i| {
            !matches!(
                i.state,
                SubmissionState::Evaluated | SubmissionState::Failed
            )
        })
        .count();
    let eval_total = if to_evaluate > 0 {
        e.eval_load_ms + e.eval_item_ms * to_evaluate as f64
    } else {
        0.0
    };
    let in_phase = now.saturating_sub(b.phase_started_ms) as f64;
    let loaded = b.engine.as_ref().is_some_and(|e| e.load_ms.is_some());
    let remaining = match b.phase {
        Phase::Stt => {
            let load = if loaded {
                0.0
            } else {
                (e.stt_load_ms - in_phase).max(0.0)
            };
            let left: f64 = items
                .iter()
                .filter(|i| i.needs_stt && !i.state.is_final())
                .map(|i| windows(i.duration_ms))
                .sum();
            let spent = b.item_started_ms.map_or(0, |t| now.saturating_sub(t)) as f64;
            load + (e.stt_window_ms * left - spent).max(0.0) + eval_total
        }
        Phase::Evaluation => (eval_total - in_phase).max(0.0),
    };
    remaining as u64
}

fn ms(at: chrono::DateTime<chrono::Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use domain::status::Owner;

    use super::*;
    use crate::estimates::defaults;

    const START: u64 = 1_000_000;

    fn item(state: SubmissionState, needs_stt: bool) -> BatchItem {
        BatchItem {
            owner: Owner {
                submission_id: 1,
                student_id: 1,
                student_name: String::new(),
                lab_session_id: 1,
                instructor_id: 1,
                review_first: false,
            },
            state,
            needs_stt,
            duration_ms: 30_000,
            percent: 0,
            failure: None,
        }
    }

    fn batch(phase: Phase) -> LiveBatch {
        LiveBatch {
            batch_id: 1,
            seq: 1,
            phase,
            phase_started_ms: START,
            engine: None,
            percent: HashMap::new(),
            item_started_ms: None,
        }
    }

    #[test]
    fn a_batch_in_its_stt_phase_costs_both_phases_and_counts_down_while_loading() {
        let e = defaults();
        let items = [
            item(SubmissionState::InBatch, true),
            item(SubmissionState::InBatch, true),
        ];
        let whole = e.stt_load_ms + 2.0 * e.stt_window_ms + e.eval_load_ms + 2.0 * e.eval_item_ms;
        let b = batch(Phase::Stt);
        assert_eq!(remaining_ms(&b, &items, &e, START), whole as u64);
        assert_eq!(
            remaining_ms(&b, &items, &e, START + 500),
            whole as u64 - 500
        );
    }

    #[test]
    fn a_batch_in_its_evaluation_phase_counts_down_to_zero() {
        let e = defaults();
        let items = [
            item(SubmissionState::Transcribed, false),
            item(SubmissionState::Failed, true),
        ];
        let eval = e.eval_load_ms + e.eval_item_ms;
        let b = batch(Phase::Evaluation);
        assert_eq!(
            remaining_ms(&b, &items, &e, START + 3_000),
            eval as u64 - 3_000
        );
        assert_eq!(remaining_ms(&b, &items, &e, START + eval as u64 + 1), 0);
    }
}
