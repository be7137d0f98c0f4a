//! Learning the engines' costs from what was measured, robustly: recent samples are kept per
//! model file and thread count (another model or thread count costs differently), newer ones
//! weigh more, and a fit is redone without the samples far off it, so one slow run (a cold
//! disk, another program on the CPU for a minute) moves an estimate little and briefly.
//!
//! - model load: the median of the last loads;
//! - STT: an item's cost to its phase (since the result before it) ≈ a · 30 s windows +
//!   b · seconds of audio (Whisper pads each window, and decodes in proportion to the
//!   speech), a weighted least-squares fit;
//! - evaluation: phase work after the load ≈ c + d · items + g · seconds of speech, with
//!   the terms that predict held-out phases best (see `fit_eval`); and the share of that
//!   work after which an item's result typically arrives (not all wait for the last).

use std::collections::{HashMap, VecDeque};

use domain::entities::engine_run::Phase;
use domain::status::Estimates;

use crate::estimates::{EvalLoad, defaults, windows};

mod fit;
use fit::weighted_median;

const LOADS_KEPT: usize = 7;
const ITEMS_KEPT: usize = 60;
const PHASES_KEPT: usize = 12;
const FRACTIONS_KEPT: usize = 60;

/// Which engine setup a sample was measured on.
pub type Key = (String, u32);

#[derive(Debug, Default, Clone)]
struct Samples {
    loads: VecDeque<f64>,
    /// STT: (windows, audio seconds, ms the item cost its phase).
    stt: VecDeque<(f64, f64, f64)>,
    /// Evaluation: (items, seconds of speech, work ms after the load).
    eval: VecDeque<(f64, f64, f64)>,
    /// Evaluation: the share of the phase's work after which each item's result came.
    fractions: VecDeque<f64>,
}

fn keep<T>(queue: &mut VecDeque<T>, value: T, most: usize) {
    queue.push_back(value);
    while queue.len() > most {
        queue.pop_front();
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

    /// A finished evaluation phase of `load`: its work after the model load, and when each
    /// result came (ms after the model load).
    pub fn eval_phase(
        &mut self,
        key: &Key,
        load: EvalLoad,
        work_ms: f64,
        results_after_ms: &[f64],
    ) {
        if !(load.items > 0.0 && work_ms.is_finite() && work_ms > 0.0) {
            return;
        }
        let samples = self.at(Phase::Evaluation, key);
        let sample = (load.items, load.speech_s.max(0.0), work_ms);
        keep(&mut samples.eval, sample, PHASES_KEPT);
        for at in results_after_ms {
            keep(
                &mut samples.fractions,
                (at / work_ms).clamp(0.0, 1.0),
                FRACTIONS_KEPT,
            );
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
            if let Some(load) = weighted_median(&s.loads) {
                e.eval_load_ms = load;
            }
            if let Some((c, d, g)) = fit_eval(&s.eval) {
                e.eval_fixed_ms = c;
                e.eval_item_ms = d;
                e.eval_second_ms = g;
            }
            if let Some(f) = weighted_median(&s.fractions) {
                e.finish_fraction = f;
            }
        }
        e
    }
}

/// STT cost per window and per second; with samples that cannot separate the two (all the
/// same length, say), all of it per window.
fn fit_stt(samples: &VecDeque<(f64, f64, f64)>) -> Option<(f64, f64)> {
    let rows: Vec<([f64; 2], f64)> = samples.iter().map(|&(w, s, ms)| ([w, s], ms)).collect();
    if let Some([a, b]) = fit::robust(&rows) {
        return Some((a, b));
    }
    let per_window: Vec<(f64, f64)> = samples.iter().map(|&(w, _, ms)| (w, ms)).collect();
    fit::ratio(&per_window).map(|a| (a, 0.0))
}

/// A richer model of the evaluation work must predict this much better (its held-out error
/// times this) to be taken: a term that only fits the noise does not earn its place.
const BETTER_BY: f64 = 0.95;

/// (fixed, per item, per second of speech) ms of evaluation work.
type EvalCosts = (f64, f64, f64);

/// Evaluation work as (fixed, per item, per second of speech). How much of it each term
/// carries depends on the model, the machine and what students say (long answers decoded
/// together, or long transcripts read into the prompts), so each model of the work is
/// judged by how well it predicts the phases it was not fitted on, and the best one is
/// taken. Two phases cannot judge any model of more than one term; all three are real
/// (decoding in parallel pays the shared prompt and the longest answer once a phase, each
/// item's answer, and each transcript read), so two phases that differ are split evenly
/// among them (`fit::even_split`). With one phase, or two alike, all of it per item.
fn fit_eval(samples: &VecDeque<(f64, f64, f64)>) -> Option<EvalCosts> {
    if let [(n0, s0, w0), (n1, s1, w1)] = samples.iter().copied().collect::<Vec<_>>()[..] {
        let rows = [([1.0, n0, s0], w0), ([1.0, n1, s1], w1)];
        if let Some([c, d, g]) = fit::even_split(&rows) {
            return Some((c, d, g));
        }
        // Two phases judge nothing well: a lone re-run then costs one item's share.
        return all_per_item(samples);
    }
    let candidates = [
        // Per item before fixed: from phases all of one size the two predict alike, and a
        // lone re-run then costs one item's share, not a full batch.
        judge(samples, |n, _| [n], |[d]| (0.0, d, 0.0)),
        judge(samples, |_, _| [1.0], |[c]| (c, 0.0, 0.0)),
        judge(samples, |_, s| [s], |[g]| (0.0, 0.0, g)),
        judge(samples, |n, _| [1.0, n], |[c, d]| (c, d, 0.0)),
        judge(samples, |n, s| [n, s], |[d, g]| (0.0, d, g)),
        judge(samples, |_, s| [1.0, s], |[c, g]| (c, 0.0, g)),
        judge(samples, |n, s| [1.0, n, s], |[c, d, g]| (c, d, g)),
    ];
    // Simpler models first: a richer one is taken only if it predicts better.
    let best = candidates.into_iter().flatten().fold(
        None,
        |best: Option<(EvalCosts, f64)>, (costs, error)| match best {
            Some((_, kept)) if error >= kept * BETTER_BY - 1e-6 => best,
            _ => Some((costs, error)),
        },
    );
    if let Some((costs, _)) = best {
        return Some(costs);
    }
    all_per_item(samples)
}

/// All of the evaluation work per item: what is left when the phases cannot tell the terms
/// apart.
fn all_per_item(samples: &VecDeque<(f64, f64, f64)>) -> Option<EvalCosts> {
    let per_item: Vec<(f64, f64)> = samples.iter().map(|&(n, _, ms)| (n, ms)).collect();
    fit::ratio(&per_item).map(|d| (0.0, d, 0.0))
}

/// One model of the evaluation work: its fit to every sample, and its held-out error.
fn judge<const K: usize>(
    samples: &VecDeque<(f64, f64, f64)>,
    terms: impl Fn(f64, f64) -> [f64; K],
    costs: impl Fn([f64; K]) -> EvalCosts,
) -> Option<(EvalCosts, f64)> {
    let rows: Vec<([f64; K], f64)> = samples
        .iter()
        .map(|&(n, s, ms)| (terms(n, s), ms))
        .collect();
    let error = fit::held_out_error(&rows)?;
    fit::robust(&rows).map(|fit| (costs(fit), error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        ("m.bin".into(), 2)
    }

    /// Learns one evaluation phase per (items, seconds of speech), its work given by `work`.
    fn learned_from(phases: &[(u32, f64)], work: impl Fn(f64, f64) -> f64) -> Estimates {
        let mut learning = Learning::default();
        for &(n, s) in phases {
            let items = f64::from(n);
            let load = EvalLoad { items, speech_s: s };
            learning.eval_phase(&key(), load, work(items, s), &[1.0]);
        }
        learning.estimates(&key(), &key())
    }

    #[test]
    fn stt_cost_is_split_into_windows_and_seconds_and_one_slow_item_barely_moves_it() {
        let mut learning = Learning::default();
        // 800 ms a window and 40 ms a second of audio, 10 s to 60 s clips.
        for i in 0..20 {
            let audio_ms = 10_000 + (i * 2_500) as i64;
            let ms = 800.0 * windows(audio_ms) + 40.0 * audio_ms as f64 / 1000.0;
            learning.stt_item(&key(), audio_ms, ms);
        }
        learning.stt_item(&key(), 20_000, 50_000.0);
        let e = learning.estimates(&key(), &key());
        assert!((e.stt_window_ms - 800.0).abs() < 40.0, "{e:?}");
        assert!((e.stt_second_ms - 40.0).abs() < 3.0, "{e:?}");
    }

    #[test]
    fn the_first_measurement_replaces_the_default_and_a_load_outlier_is_ignored() {
        let mut learning = Learning::default();
        for ms in [900.0, 950.0, 20_000.0, 920.0] {
            learning.load(Phase::Evaluation, &key(), ms);
        }
        let four = EvalLoad {
            items: 4.0,
            speech_s: 100.0,
        };
        let after = [30_000.0, 30_000.0, 35_000.0, 40_000.0];
        learning.eval_phase(&key(), four, 40_000.0, &after);
        let e = learning.estimates(&key(), &key());
        assert_eq!(e.eval_load_ms, 920.0);
        assert_eq!(
            (e.eval_fixed_ms, e.eval_item_ms, e.eval_second_ms),
            (0.0, 10_000.0, 0.0),
            "one batch: all of it per item"
        );
        assert_eq!(e.finish_fraction, 0.875);
        let other = learning.estimates(&key(), &("other.gguf".into(), 2));
        assert_eq!(
            other.eval_item_ms,
            defaults().eval_item_ms,
            "learned per model"
        );
    }

    #[test]
    fn two_phases_that_differ_share_the_cost_among_fixed_per_item_and_per_second() {
        // A batch of ten and one of four long recordings, as a lab's first two batches (the
        // benchmark's warm-up, measured).
        let mut learning = Learning::default();
        let phases = [(10.0, 162.0, 58_000.0), (4.0, 205.0, 38_400.0)];
        for (items, speech_s, work) in phases {
            learning.eval_phase(&key(), EvalLoad { items, speech_s }, work, &[1.0]);
        }
        let e = learning.estimates(&key(), &key());
        for (items, speech_s, work) in phases {
            let told = crate::estimates::eval_work_ms(&e, EvalLoad { items, speech_s });
            assert!((told - work).abs() < 1.0, "both phases explained: {e:?}");
        }
        assert!(e.eval_fixed_ms > 0.0 && e.eval_item_ms > 0.0 && e.eval_second_ms > 0.0);
        let one = crate::estimates::eval_work_ms(&e, EvalLoad::of([20_000]));
        assert!(
            one > 10_000.0,
            "a lone item costs more than a tenth of ten: {one}"
        );
        let longer = EvalLoad {
            items: 10.0,
            speech_s: 280.0,
        };
        let ten_longer = crate::estimates::eval_work_ms(&e, longer);
        assert!(
            ten_longer > 60_000.0,
            "longer transcripts cost more: {ten_longer}"
        );
        // Two of one size tell the speech's cost, and share the rest evenly.
        let same = learned_from(&[(10, 162.0), (10, 250.0)], |n, s| 1_000.0 * n + 10.0 * s);
        assert!((same.eval_second_ms - 10.0).abs() < 1e-6, "{same:?}");
        assert!((same.eval_fixed_ms + 10.0 * same.eval_item_ms - 10_000.0).abs() < 1e-6);
        // Two alike: all of it per item.
        let alike = learned_from(&[(10, 162.0), (10, 162.0)], |n, s| 1_000.0 * n + 10.0 * s);
        assert_eq!(
            (alike.eval_fixed_ms, alike.eval_second_ms),
            (0.0, 0.0),
            "{alike:?}"
        );
        assert!((alike.eval_item_ms - 1_162.0).abs() < 1e-6, "{alike:?}");
        // Nearly alike, which no split can be told from: per item too, not a fixed cost that
        // would charge a lone re-run a whole batch.
        let mut near = Learning::default();
        for (items, speech_s, work) in [(10.0, 100.0, 60_000.0), (8.0, 80.0, 58_000.0)] {
            near.eval_phase(&key(), EvalLoad { items, speech_s }, work, &[1.0]);
        }
        let near = near.estimates(&key(), &key());
        assert_eq!(
            (near.eval_fixed_ms, near.eval_second_ms),
            (0.0, 0.0),
            "{near:?}"
        );
        assert!((6_000.0..=7_250.0).contains(&near.eval_item_ms), "{near:?}");
    }

    #[test]
    fn three_phases_can_judge_a_fixed_and_a_per_item_cost() {
        let e = learned_from(&[(10, 162.0), (4, 205.0), (3, 60.0)], |n, _| {
            20_000.0 + 4_000.0 * n
        });
        assert!((e.eval_fixed_ms - 20_000.0).abs() < 1.0, "{e:?}");
        assert!((e.eval_item_ms - 4_000.0).abs() < 1.0, "{e:?}");
        assert_eq!(e.eval_second_ms, 0.0, "{e:?}");
    }

    #[test]
    fn evaluation_work_is_split_into_fixed_per_item_and_per_second_once_batches_differ() {
        let phases = [
            (2, 30.0),
            (5, 160.0),
            (10, 200.0),
            (3, 90.0),
            (8, 300.0),
            (6, 60.0),
        ];
        let e = learned_from(&phases, |n, s| 4_000.0 + 1_500.0 * n + 300.0 * s);
        assert!((e.eval_fixed_ms - 4_000.0).abs() < 1.0, "{e:?}");
        assert!((e.eval_item_ms - 1_500.0).abs() < 1.0, "{e:?}");
        assert!((e.eval_second_ms - 300.0).abs() < 0.1, "{e:?}");
    }

    #[test]
    fn work_that_does_not_grow_with_speech_is_not_charged_to_it() {
        // Long answers decoded together: fixed plus per item, whatever the transcripts' length.
        let phases = [
            (10, 162.0),
            (4, 205.0),
            (3, 80.0),
            (9, 242.0),
            (10, 251.0),
            (8, 232.0),
        ];
        let e = learned_from(&phases, |n, _| 18_000.0 + 6_000.0 * n);
        assert!((e.eval_fixed_ms - 18_000.0).abs() < 1.0, "{e:?}");
        assert!((e.eval_item_ms - 6_000.0).abs() < 1.0, "{e:?}");
        assert_eq!(e.eval_second_ms, 0.0, "{e:?}");
    }

    #[test]
    fn without_recorded_lengths_evaluation_work_is_fixed_plus_per_item() {
        let phases = [(2, 0.0), (5, 0.0), (10, 0.0), (3, 0.0), (8, 0.0)];
        let e = learned_from(&phases, |n, _| 4_000.0 + 1_500.0 * n);
        assert!((e.eval_fixed_ms - 4_000.0).abs() < 1.0, "{e:?}");
        assert!((e.eval_item_ms - 1_500.0).abs() < 1.0, "{e:?}");
        assert_eq!(e.eval_second_ms, 0.0);
    }
}
