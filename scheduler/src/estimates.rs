//! Time estimates learned from what was measured, never constants: model load times, STT
//! engine time per second of audio, and evaluation time per item, each an exponentially
//! weighted mean over recorded history, seeded with defaults until there is some.
//! Because every waiting item's audio length is known, the batches ahead of a student and
//! their costs can be computed exactly: a wait is a sum over the real items ahead.

use chrono::{DateTime, Utc};
use domain::entities::engine_run::{self, EngineOutcome, Phase};
use domain::entities::transcript;
use domain::status::Estimates;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::store::Store;

/// Weight of the newest measurement.
const ALPHA: f64 = 0.3;
/// How much history is replayed at start.
const HISTORY: u64 = 200;

/// Before anything was measured: a small model on a CPU.
pub fn defaults() -> Estimates {
    Estimates {
        stt_load_ms: 1_000.0,
        stt_window_ms: 5_000.0,
        eval_load_ms: 1_000.0,
        eval_item_ms: 15_000.0,
    }
}

fn learn(mean: &mut f64, sample: f64) {
    if sample.is_finite() && sample >= 0.0 {
        *mean = ALPHA * sample + (1.0 - ALPHA) * *mean;
    }
}

pub fn learn_load(estimates: &mut Estimates, phase: Phase, ms: u64) {
    match phase {
        Phase::Stt => learn(&mut estimates.stt_load_ms, ms as f64),
        Phase::Evaluation => learn(&mut estimates.eval_load_ms, ms as f64),
    }
}

/// Whisper's 30-second windows in `audio_ms` of audio (at least one).
pub fn windows(audio_ms: i64) -> f64 {
    (audio_ms.max(1) as f64 / 30_000.0).ceil()
}

/// One transcribed item: `ms` of engine time for `audio_ms` of audio.
pub fn learn_stt(estimates: &mut Estimates, ms: u64, audio_ms: i64) {
    learn(&mut estimates.stt_window_ms, ms as f64 / windows(audio_ms));
}

/// One finished evaluation phase: its time after loading, shared by its items (they are
/// decoded together, so per-item engine times overlap and do not add up).
pub fn learn_eval_phase(estimates: &mut Estimates, work_ms: u64, items: usize) {
    if items > 0 {
        learn(&mut estimates.eval_item_ms, work_ms as f64 / items as f64);
    }
}

fn span_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> u64 {
    u64::try_from((to - from).num_milliseconds()).unwrap_or(0)
}

/// Replays recorded history, oldest first, over the defaults.
pub async fn from_history(store: &Store) -> Result<Estimates, DbErr> {
    let db = store.db();
    let mut estimates = defaults();
    let mut runs = engine_run::Entity::find()
        .filter(engine_run::Column::Outcome.eq(EngineOutcome::Finished))
        .order_by_desc(engine_run::Column::Id)
        .limit(HISTORY)
        .all(db)
        .await?;
    runs.reverse();
    for run in &runs {
        let load = run.load_ms.and_then(|ms| u64::try_from(ms).ok());
        if let Some(load) = load {
            learn_load(&mut estimates, run.phase, load);
        }
        if let (Phase::Evaluation, Some(ended)) = (run.phase, run.ended_at) {
            let work = span_ms(run.started_at, ended).saturating_sub(load.unwrap_or(0));
            learn_eval_phase(
                &mut estimates,
                work,
                usize::try_from(run.items).unwrap_or(0),
            );
        }
    }
    let mut done = transcript::Entity::find()
        .order_by_desc(transcript::Column::Id)
        .limit(HISTORY)
        .all(db)
        .await?;
    done.reverse();
    let items = store.by_ids(done.iter().map(|t| t.submission_id)).await?;
    for t in done {
        if let Some(item) = items.get(&t.submission_id) {
            learn_stt(
                &mut estimates,
                u64::try_from(t.ms).unwrap_or(0),
                item.duration_ms,
            );
        }
    }
    Ok(estimates)
}

/// What a batch will cost: `stt_windows` of audio to transcribe (none: no STT phase)
/// and `items` to evaluate.
pub fn batch_ms(estimates: &Estimates, stt_items: usize, stt_windows: f64, items: usize) -> f64 {
    let stt = if stt_items > 0 {
        estimates.stt_load_ms + estimates.stt_window_ms * stt_windows
    } else {
        0.0
    };
    let eval = if items > 0 {
        estimates.eval_load_ms + estimates.eval_item_ms * items as f64
    } else {
        0.0
    };
    stt + eval
}
