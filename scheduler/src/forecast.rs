//! Forecasts for the live status: when the running batch's items get their results and the
//! batch ends, and for each waiting item when its batch starts and when its result comes.
//! A waiting batch that is not full yet starts when it fills (at the rate students have
//! been arriving, for as long again as they have been) or when its linger ends, never
//! before the GPU is free, and holds the students expected to join it meanwhile.
//! Evaluation decodes a batch's items together; an item's result is expected at the learned
//! share of that phase, not at its end.

use domain::entities::engine_run::Phase;
use domain::entities::submission::{self, SubmissionState};
use domain::status::{BatchItem, Estimates};

use crate::clock::unix_ms;
use crate::estimates::{
    EvalLoad, batch_ms, eval_scale, fit_work_ms, result_in_eval_ms, stt_item_ms,
};
use crate::learning::median_of_weighted;
use crate::snapshot::{LiveBatch, QueueShape};

/// Where the running batch stands: how long until its evaluation phase starts (negative once
/// it has been running that long), and what it evaluates.
pub struct TimeLeft {
    until_eval_ms: f64,
    graded: EvalLoad,
}

impl TimeLeft {
    /// When the batch is expected to end.
    pub fn end_ms(&self, e: &Estimates) -> u64 {
        self.left_ms(e, 1.0)
    }

    /// When its items' results are expected: as the end (`left_ms` at the results' share of
    /// the work), never after the end, and at the end once even the late phases' results
    /// would have come.
    pub fn result_ms(&self, e: &Estimates) -> u64 {
        let end = self.end_ms(e);
        match self.left_ms(e, e.finish_fraction.clamp(0.0, 1.0)) {
            0 => end,
            left => left.min(end),
        }
    }

    /// What is left until `share` of the evaluation work is done: as the phases ahead are
    /// told (the fit, scaled by `eval_scale`), and once that is past, as the recent phases
    /// that ran later than that did (`late_left_ms`). Weighing every recent phase so before
    /// the estimate's end too told the students in a phase's last seconds its shortest
    /// ways, and missed more in the benchmark's replays (BENCHMARKS.md, thirteenth stop).
    fn left_ms(&self, e: &Estimates, share: f64) -> u64 {
        if self.graded.items <= 0.0 {
            return self.until_eval_ms.max(0.0) as u64;
        }
        let fit = share * fit_work_ms(e, self.graded);
        let left = self.until_eval_ms + e.eval_load_ms + eval_scale(e) * fit;
        if left > 0.0 {
            return left as u64;
        }
        // The work done so far: the phase's time less its load.
        let done = -(self.until_eval_ms + e.eval_load_ms);
        late_left_ms(&e.eval_ratios, fit, done) as u64
    }
}

/// What is left of evaluation work that the fit put at `fit_ms` and that has run `done_ms`,
/// past its estimate, from the recent phases that ran later than that (`ratios`: work done ÷
/// the fit's): the median of what they ran on for, each weighed by its inverse; 0 when none
/// did. (A student told 8 s who waits 2 s is off by 300 %, one told 2 s who waits 8 s by 75 %:
/// the estimate that misses least, as a share of the wait, leans to the short overruns.) An
/// overrun weighs as a second at most: a past phase that ended a moment after this point says
/// little more than one that ended a second after, and would otherwise tell everyone 0 s.
fn late_left_ms(ratios: &[f64], fit_ms: f64, done_ms: f64) -> f64 {
    let overruns = ratios
        .iter()
        .map(|r| r * fit_ms - done_ms)
        .filter(|left| *left > 0.0)
        .map(|left| (left, 1.0 / left.max(1_000.0)))
        .collect();
    median_of_weighted(overruns).unwrap_or(0.0)
}

/// The running batch: what is left of its STT phase (the load, then the audio not yet
/// transcribed, less what the item in flight has spent), then its evaluation phase.
pub fn time_left(b: &LiveBatch, items: &[BatchItem], e: &Estimates, now: u64) -> TimeLeft {
    let graded = EvalLoad::of(
        items
            .iter()
            .filter(|i| !matches!(i.state, SubmissionState::Failed))
            .map(|i| i.duration_ms),
    );
    let in_phase = now.saturating_sub(b.phase_started_ms) as f64;
    let loaded = b.engine.as_ref().is_some_and(|e| e.load_ms.is_some());
    let until_eval_ms = match b.phase {
        Phase::Stt => {
            let load = if loaded {
                0.0
            } else {
                (e.stt_load_ms - in_phase).max(0.0)
            };
            let left: f64 = items
                .iter()
                .filter(|i| i.needs_stt && !i.state.is_final())
                .filter(|i| !matches!(i.state, SubmissionState::Transcribed))
                .map(|i| stt_item_ms(e, i.duration_ms))
                .sum();
            let spent = b.item_started_ms.map_or(0, |t| now.saturating_sub(t)) as f64;
            load + (left - spent).max(0.0)
        }
        Phase::Evaluation => -in_phase,
    };
    TimeLeft {
        until_eval_ms,
        graded,
    }
}

/// One waiting item's forecast.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// 0 for the next batch, 1 for the one after, …
    pub batch: i32,
    pub slot: u32,
    pub batch_items: u32,
    pub wait_ms: u64,
    pub results_ms: u64,
}

/// The batches the cycle will form from `queue` (in queue order), as positions in it: each
/// takes the head and the next items that want the same LLM (one evaluation engine serves a
/// batch; see `Store::form_batch`).
fn cut(queue: &[submission::Model], size: usize) -> Vec<Vec<usize>> {
    let mut left: Vec<usize> = (0..queue.len()).collect();
    let mut batches = Vec::new();
    while let Some(&head) = left.first() {
        let model = &queue[head].rerun_model;
        let batch: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&i| queue[i].rerun_model == *model)
            .take(size)
            .collect();
        left.retain(|i| !batch.contains(i));
        batches.push(batch);
    }
    batches
}

/// Cuts `queue` into batches behind the running one (which frees the GPU in `ahead_ms`) and
/// forecasts each item; the plans are in queue order.
pub fn plan_queue(
    queue: &[submission::Model],
    shape: &QueueShape,
    e: &Estimates,
    ahead_ms: f64,
    now: u64,
    needs_stt: impl Fn(&submission::Model) -> bool,
) -> Vec<Plan> {
    let size = shape.batch_size.max(1) as usize;
    let per_ms = e.arrivals_per_min.max(0.0) / 60_000.0;
    // The stream is expected to go on as long again as it has, and to bring no one after.
    let arriving_within = |ms: f64| per_ms * ms.min(e.stream_ms.max(0.0));
    let mut ahead = ahead_ms;
    let mut plans: Vec<Option<Plan>> = vec![None; queue.len()];
    for (k, positions) in cut(queue, size).into_iter().enumerate() {
        let chunk: Vec<&submission::Model> = positions.iter().map(|&i| &queue[i]).collect();
        let mut start = ahead;
        let mut joining = 0.0;
        // New uploads join a batch that is not full, unless it is for another LLM.
        if chunk.len() < size && chunk[0].rerun_model.is_none() {
            let missing = (size - chunk.len()) as f64;
            let linger_left =
                (unix_ms(chunk[0].queued_at) + shape.linger_ms).saturating_sub(now) as f64;
            // (A stream that brings exactly the students missing is not cut short by rounding.)
            let filled = if per_ms > 0.0 && arriving_within(f64::INFINITY) >= missing - 1e-9 {
                missing / per_ms
            } else {
                f64::INFINITY
            };
            start = ahead.max(linger_left.min(filled));
            joining = arriving_within(start).min(missing);
        }
        let audio: Vec<i64> = chunk
            .iter()
            .filter(|s| needs_stt(s))
            .map(|s| s.duration_ms)
            .collect();
        let queued = EvalLoad::of(chunk.iter().map(|s| s.duration_ms));
        let graded = EvalLoad {
            items: queued.items + joining,
            speech_s: queued.speech_s + joining * e.mean_audio_ms / 1000.0,
        };
        let (mut stt, eval) = batch_ms(e, &audio, graded);
        if joining > 0.0 {
            let load = if audio.is_empty() { e.stt_load_ms } else { 0.0 };
            stt += load + joining * stt_item_ms(e, e.mean_audio_ms as i64);
        }
        let results = start + stt + result_in_eval_ms(e, graded);
        for (slot, &i) in positions.iter().enumerate() {
            plans[i] = Some(Plan {
                batch: i32::try_from(k).unwrap_or(i32::MAX),
                slot: u32::try_from(slot + 1).unwrap_or(u32::MAX),
                batch_items: u32::try_from(chunk.len()).unwrap_or(u32::MAX),
                wait_ms: start as u64,
                results_ms: results as u64,
            });
        }
        ahead = start + stt + eval;
    }
    plans.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests;
