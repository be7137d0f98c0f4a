//! Time estimates from what was measured, never constants: what each phase of a batch will
//! cost (learned in [`crate::learning`]), and how the queue will be cut into batches. Every
//! waiting item's audio length is known, so the batches ahead of a student and their costs
//! are computed from the real items ahead; a batch that is not full yet is expected to fill
//! at the rate students have been arriving.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::entities::engine_run::{self, EngineOutcome, Phase};
use domain::entities::{evaluation, transcript};
use domain::status::Estimates;
use engine_protocol::Evaluation;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;

use crate::learning::{Answered, Key, Learning, weighted_median};
use crate::store::Store;

/// How much history is replayed at start.
const HISTORY: u64 = 300;

/// Before anything was measured: a small model on a CPU.
pub fn defaults() -> Estimates {
    Estimates {
        stt_load_ms: 1_000.0,
        stt_window_ms: 5_000.0,
        stt_second_ms: 0.0,
        eval_load_ms: 1_000.0,
        eval_fixed_ms: 0.0,
        eval_item_ms: 15_000.0,
        eval_second_ms: 0.0,
        eval_char_ms: 0.0,
        answer_chars: 0.0,
        eval_ratios: Vec::new(),
        finish_fraction: 1.0,
        arrivals_per_min: 0.0,
        stream_ms: 0.0,
        mean_audio_ms: 60_000.0,
    }
}

/// Whisper's 30-second windows in `audio_ms` of audio (at least one).
pub fn windows(audio_ms: i64) -> f64 {
    (audio_ms.max(1) as f64 / 30_000.0).ceil()
}

/// What one item costs its STT phase (without the model load).
pub fn stt_item_ms(e: &Estimates, audio_ms: i64) -> f64 {
    e.stt_window_ms * windows(audio_ms) + e.stt_second_ms * audio_ms.max(0) as f64 / 1000.0
}

/// What one evaluation phase grades: its items (expected ones may be fractions) and their
/// seconds of speech, whose transcripts are read into the prompts.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EvalLoad {
    pub items: f64,
    pub speech_s: f64,
}

impl EvalLoad {
    pub fn of(durations_ms: impl IntoIterator<Item = i64>) -> Self {
        durations_ms
            .into_iter()
            .fold(Self::default(), |load, ms| Self {
                items: load.items + 1.0,
                speech_s: load.speech_s + ms.max(0) as f64 / 1000.0,
            })
    }
}

/// Recent phases measured against the fit before them that scale the fit: fewer would let
/// one phase's noise (a fifth of it, from run to run) move every estimate.
const SCALE_FROM: usize = 3;
const SCALE_OVER: usize = 8;

/// How the fitted evaluation work is scaled to how the last phases ran against it (work done ÷
/// the fit's estimate before each, a weighted median of the last eight): 1 until three were
/// measured. The fit trails the machine: in the lab's runs the class's phases took a median
/// 1.08 times what the fit before each had estimated (BENCHMARKS.md, "Estimates that hold").
pub fn eval_scale(e: &Estimates) -> f64 {
    let recent = &e.eval_ratios[e.eval_ratios.len().saturating_sub(SCALE_OVER)..];
    if recent.len() < SCALE_FROM {
        return 1.0;
    }
    weighted_median(&recent.iter().copied().collect()).unwrap_or(1.0)
}

/// Evaluation work (after the load) for a phase grading `load`, whose answers are expected
/// at their typical length: the fit's, scaled (`eval_scale`).
pub fn eval_work_ms(e: &Estimates, load: EvalLoad) -> f64 {
    eval_scale(e) * fit_work_ms(e, load)
}

/// Evaluation work as the learned costs alone tell it.
pub fn fit_work_ms(e: &Estimates, load: EvalLoad) -> f64 {
    if load.items > 0.0 {
        let written = load.items * e.answer_chars;
        e.eval_fixed_ms
            + e.eval_item_ms * load.items
            + e.eval_second_ms * load.speech_s
            + e.eval_char_ms * written
    } else {
        0.0
    }
}

/// A whole evaluation phase: its model load and its work (none without items).
pub fn eval_phase_ms(e: &Estimates, load: EvalLoad) -> f64 {
    if load.items > 0.0 {
        e.eval_load_ms + eval_work_ms(e, load)
    } else {
        0.0
    }
}

/// A whole batch: STT of `stt_audio` (one entry per item that needs it; none: no STT phase)
/// and the evaluation of `load`. Returns (until the evaluation phase starts, its length).
pub fn batch_ms(e: &Estimates, stt_audio: &[i64], load: EvalLoad) -> (f64, f64) {
    let stt = if stt_audio.is_empty() {
        0.0
    } else {
        e.stt_load_ms + stt_audio.iter().map(|a| stt_item_ms(e, *a)).sum::<f64>()
    };
    (stt, eval_phase_ms(e, load))
}

/// When an item's result is expected, measured from the start of its evaluation phase.
pub fn result_in_eval_ms(e: &Estimates, load: EvalLoad) -> f64 {
    e.eval_load_ms + e.finish_fraction.clamp(0.0, 1.0) * eval_work_ms(e, load)
}

pub fn key(model: &str, threads: Option<i32>) -> Key {
    (
        model.to_owned(),
        threads.and_then(|t| u32::try_from(t).ok()).unwrap_or(0),
    )
}

fn span_ms(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_milliseconds().max(0) as f64
}

/// Replays recorded history, oldest first: loads and evaluation phases from the engine runs,
/// STT items from the transcripts, results' times within their phase from the evaluations
/// (and the speech an evaluation phase graded, from the items it graded).
pub async fn from_history(store: &Store) -> Result<Learning, DbErr> {
    let db = store.db();
    let mut learning = Learning::default();
    let mut runs = engine_run::Entity::find()
        .filter(engine_run::Column::Outcome.eq(EngineOutcome::Finished))
        .order_by_desc(engine_run::Column::Id)
        .limit(HISTORY)
        .all(db)
        .await?;
    runs.reverse();
    let run_ids: Vec<i32> = runs.iter().map(|r| r.id).collect();
    // Per engine run: when each result came, for which item, and what it wrote.
    let mut results: HashMap<i32, Vec<(DateTime<Utc>, i32, usize)>> = HashMap::new();
    let made: Vec<(Option<i32>, DateTime<Utc>, i32, Value)> = evaluation::Entity::find()
        .select_only()
        .columns([
            evaluation::Column::EngineRunId,
            evaluation::Column::CreatedAt,
            evaluation::Column::SubmissionId,
            evaluation::Column::Result,
        ])
        .filter(evaluation::Column::EngineRunId.is_in(run_ids.clone()))
        .order_by_asc(evaluation::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    for (run, at, submission, result) in made {
        // A result stored in a shape this version cannot read is left out (as live learning
        // leaves out a result it could not store) rather than keeping the scheduler from
        // starting.
        let written = serde_json::from_value::<Evaluation>(result).map(|e| e.written_chars());
        if let (Some(run), Ok(written)) = (run, written) {
            results
                .entry(run)
                .or_default()
                .push((at, submission, written));
        }
    }
    let graded = store
        .by_ids(results.values().flatten().map(|(_, s, _)| *s))
        .await?;
    let keys: HashMap<i32, Key> = runs
        .iter()
        .map(|r| (r.id, key(&r.model, r.threads)))
        .collect();
    for run in &runs {
        let key = &keys[&run.id];
        let load = run.load_ms.unwrap_or(0) as f64;
        if run.load_ms.is_some() {
            learning.load(run.phase, key, load);
        }
        let made = results.get(&run.id).map(Vec::as_slice).unwrap_or_default();
        if let (Phase::Evaluation, Some(ended), false) = (run.phase, run.ended_at, made.is_empty())
        {
            let loaded = run.started_at + chrono::Duration::milliseconds(load as i64);
            let answered: Vec<Answered> = made
                .iter()
                .map(|(t, _, written)| Answered {
                    after_ms: span_ms(loaded, *t),
                    chars: *written as f64,
                })
                .collect();
            // The speech of the items without a result is taken to be like the others'.
            let seen = EvalLoad::of(
                made.iter()
                    .filter_map(|(_, s, _)| graded.get(s))
                    .map(|s| s.duration_ms),
            );
            let items = f64::from(run.items.max(0));
            let speech_s = seen.speech_s * items / seen.items.max(1.0);
            learning.eval_phase(
                key,
                EvalLoad { items, speech_s },
                span_ms(loaded, ended),
                &answered,
            );
        }
    }
    let mut done = transcript::Entity::find()
        .filter(transcript::Column::EngineRunId.is_in(run_ids))
        .order_by_desc(transcript::Column::Id)
        .limit(HISTORY)
        .all(db)
        .await?;
    done.reverse();
    let items = store.by_ids(done.iter().map(|t| t.submission_id)).await?;
    // What each item cost its phase, as live: since the result before it in its run (or the
    // load), which counts what passes between items as well as the engine's own time. A run
    // without a recorded load (as live), or whose first transcripts are older than those
    // read, gives the engine's own time.
    let cut_short = (done.len() as u64 >= HISTORY)
        .then(|| done.first().and_then(|t| t.engine_run_id))
        .flatten();
    let mut previous: HashMap<i32, DateTime<Utc>> = runs
        .iter()
        .filter(|r| r.phase == Phase::Stt && Some(r.id) != cut_short)
        .filter_map(|r| {
            let load = chrono::Duration::milliseconds(r.load_ms?);
            Some((r.id, r.started_at + load))
        })
        .collect();
    for t in done {
        let key = t.engine_run_id.and_then(|r| keys.get(&r));
        let last = t.engine_run_id.and_then(|r| previous.get_mut(&r));
        let since = last.map(|at| std::mem::replace(at, t.created_at));
        let took = since.map_or(t.ms as f64, |from| span_ms(from, t.created_at));
        if let (Some(item), Some(key)) = (items.get(&t.submission_id), key) {
            learning.stt_item(key, item.duration_ms, took);
        }
    }
    Ok(learning)
}
