//! Learning the engines' costs from what was measured, robustly: recent samples are kept per
//! model file and thread count (another model or thread count costs differently), newer ones
//! weigh more, and a fit is redone without the samples far off it, so one slow run (a cold
//! disk, another program on the CPU for a minute) moves an estimate little and briefly.
//!
//! - model load: the median of the last loads;
//! - STT: an item's cost to its phase (since the result before it) ≈ a · 30 s windows +
//!   b · seconds of audio (Whisper pads each window, and decodes in proportion to the
//!   speech), a weighted least-squares fit, or all of it in the term that fits best where
//!   the two cannot be told apart or one comes out negative;
//! - evaluation: phase work after the load ≈ c + d · items + g · seconds of speech + q ·
//!   characters written, all four kept and drawn towards an even split by as much as the
//!   phases' noise leaves their own split in doubt (see `eval_fit`); the answers' typical
//!   length (a weighted median: one answer that runs to every field's limit does not move
//!   it); the share of the work after which an item's result typically arrives (not all
//!   wait for the last); and how each phase ran against the fit of the phases before it
//!   (every phase's estimate is scaled by them, and one running past it ends as they did).

use std::collections::{HashMap, VecDeque};

use domain::entities::engine_run::Phase;
use domain::status::Estimates;

use crate::estimates::{EvalLoad, defaults, fit_work_ms, windows};

mod eval_fit;
mod fit;
use eval_fit::{PhaseSample, fit_eval};
pub(crate) use fit::{median_of_weighted, weighted_median};

const LOADS_KEPT: usize = 7;
const ITEMS_KEPT: usize = 60;
const PHASES_KEPT: usize = 12;
const FRACTIONS_KEPT: usize = 60;
const ANSWERS_KEPT: usize = 60;
const RATIOS_KEPT: usize = 30;

/// Which engine setup a sample was measured on.
pub type Key = (String, u32);

#[derive(Debug, Default, Clone)]
struct Samples {
    loads: VecDeque<f64>,
    /// STT: (windows, audio seconds, ms the item cost its phase).
    stt: VecDeque<(f64, f64, f64)>,
    eval: VecDeque<PhaseSample>,
    /// Evaluation: the share of the phase's work after which each item's result came.
    fractions: VecDeque<f64>,
    /// Evaluation: the characters written for each item.
    answers: VecDeque<f64>,
    /// Evaluation: each phase's work ÷ what the fit of the phases before it estimated (from
    /// the third phase on).
    ratios: VecDeque<f64>,
}

/// One result of an evaluation phase: when it came (ms after the model load), and the
/// characters the model wrote for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answered {
    pub after_ms: f64,
    pub chars: f64,
}

fn keep<T>(queue: &mut VecDeque<T>, value: T, most: usize) {
    queue.push_back(value);
    while queue.len() > most {
        queue.pop_front();
    }
}

impl Samples {
    /// The evaluation estimates these samples tell.
    fn fill_eval(&self, e: &mut Estimates) {
        if let Some(load) = weighted_median(&self.loads) {
            e.eval_load_ms = load;
        }
        if let Some(costs) = fit_eval(&self.eval) {
            e.eval_fixed_ms = costs.fixed;
            e.eval_item_ms = costs.item;
            e.eval_second_ms = costs.second;
            e.eval_char_ms = costs.char;
        }
        // The median, not the mean: one answer looping to every field's limit would
        // otherwise price every answer to come.
        if let Some(chars) = weighted_median(&self.answers) {
            e.answer_chars = chars;
        }
        if let Some(f) = weighted_median(&self.fractions) {
            e.finish_fraction = f;
        }
        e.eval_ratios = self.ratios.iter().copied().collect();
    }
}

#[derive(Debug, Default, Clone)]
pub struct Learning {
    samples: HashMap<(Phase, Key), Samples>,
}

impl Learning {
    fn at(&mut self, phase: Phase, key: &Key) -> &mut Samples {
        self.samples.entry((phase, key.clone())).or_default()
    }

    pub fn load(&mut self, phase: Phase, key: &Key, ms: f64) {
        if ms.is_finite() && ms >= 0.0 {
            keep(&mut self.at(phase, key).loads, ms, LOADS_KEPT);
        }
    }

    pub fn stt_item(&mut self, key: &Key, audio_ms: i64, ms: f64) {
        if ms.is_finite() && ms >= 0.0 {
            let sample = (windows(audio_ms), audio_ms.max(0) as f64 / 1000.0, ms);
            keep(&mut self.at(Phase::Stt, key).stt, sample, ITEMS_KEPT);
        }
    }

    /// A finished evaluation phase of `load`: its work after the model load, and its results.
    pub fn eval_phase(&mut self, key: &Key, load: EvalLoad, work_ms: f64, results: &[Answered]) {
        if !(load.items > 0.0 && work_ms.is_finite() && work_ms > 0.0) {
            return;
        }
        let samples = self.at(Phase::Evaluation, key);
        // Measured against a fit of two phases or more: one phase is all per item, which
        // says nothing of how the fit runs.
        if samples.eval.len() >= 2 {
            let mut before = defaults();
            samples.fill_eval(&mut before);
            let estimated = fit_work_ms(&before, load);
            if estimated > 0.0 {
                keep(&mut samples.ratios, work_ms / estimated, RATIOS_KEPT);
            }
        }
        // The items without a result (failed) are taken to have written like the others.
        let written: f64 = results.iter().map(|r| r.chars.max(0.0)).sum();
        let sample = PhaseSample {
            items: load.items,
            speech_s: load.speech_s.max(0.0),
            written: written * load.items / (results.len().max(1) as f64),
            work_ms,
        };
        keep(&mut samples.eval, sample, PHASES_KEPT);
        for r in results {
            let fraction = (r.after_ms / work_ms).clamp(0.0, 1.0);
            keep(&mut samples.fractions, fraction, FRACTIONS_KEPT);
            keep(&mut samples.answers, r.chars.max(0.0), ANSWERS_KEPT);
        }
    }

    /// The estimates for the engines in force: `stt` and `eval` name their model and threads.
    pub fn estimates(&self, stt: &Key, eval: &Key) -> Estimates {
        let mut e = defaults();
        if let Some(s) = self.samples.get(&(Phase::Stt, stt.clone())) {
            if let Some(load) = weighted_median(&s.loads) {
                e.stt_load_ms = load;
            }
            if let Some((a, b)) = fit_stt(&s.stt) {
                e.stt_window_ms = a;
                e.stt_second_ms = b;
            }
        }
        if let Some(s) = self.samples.get(&(Phase::Evaluation, eval.clone())) {
            s.fill_eval(&mut e);
        }
        e
    }
}

/// STT cost per window and per second. Where the samples cannot separate the two (all the
/// same length, say) or one comes out negative, all of it in the one term that is off the
/// samples least (per window when both are): beside a CPU-bound process, Whisper's cost
/// followed the seconds of audio, and charging it per window missed long clips by a third.
fn fit_stt(samples: &VecDeque<(f64, f64, f64)>) -> Option<(f64, f64)> {
    let rows: Vec<([f64; 2], f64)> = samples.iter().map(|&(w, s, ms)| ([w, s], ms)).collect();
    if let Some([a, b]) = fit::robust(&rows) {
        return Some((a, b));
    }
    let ratio_of = |term: fn(&(f64, f64, f64)) -> (f64, f64)| {
        fit::ratio(&samples.iter().map(term).collect::<Vec<_>>())
    };
    let per_window = ratio_of(|&(w, _, ms)| (w, ms))?;
    let per_second = ratio_of(|&(_, s, ms)| (s, ms));
    let off = |(a, b): (f64, f64)| {
        let misses = samples
            .iter()
            .map(|&(w, s, ms)| (ms - a * w - b * s).abs())
            .collect();
        weighted_median(&misses).unwrap_or(f64::INFINITY)
    };
    let by_window = (per_window, 0.0);
    Some(match per_second {
        Some(b) if off((0.0, b)) < off(by_window) => (0.0, b),
        _ => by_window,
    })
}

#[cfg(test)]
mod tests;
