//! Learning the engines' costs from what was measured, robustly: recent samples are kept per
//! model file and thread count (another model or thread count costs differently), newer ones
//! weigh more, and a fit is redone without the samples far off it, so one slow run (a cold
//! disk, another program on the CPU for a minute) moves an estimate little and briefly.
//!
//! - model load: the median of the last loads;
//! - STT: engine ms ≈ a · 30 s windows + b · seconds of audio (Whisper pads each window, and
//!   decodes in proportion to the speech), a weighted least-squares fit;
//! - evaluation: phase work after the load ≈ c + d · items (the items are decoded together),
//!   the same kind of fit; and the share of that work after which an item's result
//!   typically arrives (they do not all wait for the last one).

use std::collections::{HashMap, VecDeque};

use domain::entities::engine_run::Phase;
use domain::status::Estimates;

use crate::estimates::{defaults, windows};

const LOADS_KEPT: usize = 7;
const ITEMS_KEPT: usize = 60;
const PHASES_KEPT: usize = 12;
const FRACTIONS_KEPT: usize = 60;
/// Each older sample weighs this much less than the next newer one.
const DECAY: f64 = 0.93;
/// Residuals beyond this many robust standard deviations are left out of the refit.
const OUTLIER_SIGMAS: f64 = 3.0;
const TRIM_ROUNDS: usize = 3;
/// Evaluation work is split into fixed and per-item parts only from batches of clearly
/// different sizes; mostly full batches (10, 10, 9) would make the split a guess.
const EVAL_SIZES_APART: f64 = 3.0;

/// Which engine setup a sample was measured on.
pub type Key = (String, u32);

#[derive(Debug, Default, Clone)]
struct Samples {
    loads: VecDeque<f64>,
    /// STT: (windows, audio seconds, engine ms).
    stt: VecDeque<(f64, f64, f64)>,
    /// Evaluation: (items, work ms after the load).
    eval: VecDeque<(f64, f64)>,
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

    /// A finished evaluation phase of `items`: its work after the load, and when each
    /// result came (ms after the load).
    pub fn eval_phase(&mut self, key: &Key, items: usize, work_ms: f64, results_after_ms: &[f64]) {
        if items == 0 || !(work_ms.is_finite() && work_ms > 0.0) {
            return;
        }
        let samples = self.at(Phase::Evaluation, key);
        keep(&mut samples.eval, (items as f64, work_ms), PHASES_KEPT);
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
            if let Some((c, d)) = fit_eval(&s.eval) {
                e.eval_fixed_ms = c;
                e.eval_item_ms = d;
            }
            if let Some(f) = weighted_median(&s.fractions) {
                e.finish_fraction = f;
            }
        }
        e
    }
}

/// Newest last; each older one weighs `DECAY` times the next.
fn weights(n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| DECAY.powi((n - 1 - i) as i32))
}

fn weighted_median(values: &VecDeque<f64>) -> Option<f64> {
    let mut pairs: Vec<(f64, f64)> = values.iter().copied().zip(weights(values.len())).collect();
    if pairs.is_empty() {
        return None;
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let half = pairs.iter().map(|p| p.1).sum::<f64>() / 2.0;
    let mut seen = 0.0;
    for (value, weight) in &pairs {
        seen += weight;
        if seen >= half {
            return Some(*value);
        }
    }
    pairs.last().map(|p| p.0)
}

/// Weighted least squares of y ≈ p·x1 + q·x2 (no intercept), both ≥ 0, refitted without the
/// samples far off the fit until none is left out (at most a few rounds). None when the
/// samples cannot tell p and q apart.
fn fit_two(rows: &[(f64, f64, f64)]) -> Option<(f64, f64)> {
    let solve = |rows: &[(f64, f64, f64, f64)]| {
        let (mut s11, mut s12, mut s22, mut s1y, mut s2y) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for &(x1, x2, y, w) in rows {
            s11 += w * x1 * x1;
            s12 += w * x1 * x2;
            s22 += w * x2 * x2;
            s1y += w * x1 * y;
            s2y += w * x2 * y;
        }
        let det = s11 * s22 - s12 * s12;
        if det.abs() <= 1e-9 * (s11 * s22).max(1e-12) {
            return None;
        }
        Some(((s1y * s22 - s2y * s12) / det, (s11 * s2y - s12 * s1y) / det))
    };
    let mut kept: Vec<(f64, f64, f64, f64)> = rows
        .iter()
        .zip(weights(rows.len()))
        .map(|(&(x1, x2, y), w)| (x1, x2, y, w))
        .collect();
    let mut fit = solve(&kept)?;
    for _ in 0..TRIM_ROUNDS {
        let (p, q) = fit;
        let off = |&(x1, x2, y, _): &(f64, f64, f64, f64)| (y - p * x1 - q * x2).abs();
        let residuals: VecDeque<f64> = kept.iter().map(off).collect();
        let mad = weighted_median(&residuals).unwrap_or(0.0);
        // A tiny floor, so that samples all but on the fit still leave out one far off it.
        let limit = OUTLIER_SIGMAS * 1.4826 * mad.max(1e-6 * p.abs().max(q.abs()).max(1.0));
        let before = kept.len();
        kept.retain(|row| off(row) <= limit);
        if kept.len() == before {
            break;
        }
        fit = solve(&kept)?;
    }
    // A cost is never negative: such a fit means the samples cannot tell the two apart.
    (fit.0 >= 0.0 && fit.1 >= 0.0).then_some(fit)
}

/// STT cost per window and per second; with samples that cannot separate the two (all the
/// same length, say), all of it per window.
fn fit_stt(samples: &VecDeque<(f64, f64, f64)>) -> Option<(f64, f64)> {
    let rows: Vec<(f64, f64, f64)> = samples.iter().copied().collect();
    fit_two(&rows).or_else(|| {
        let per_window: VecDeque<f64> = rows.iter().map(|(w, _, ms)| ms / w.max(1.0)).collect();
        weighted_median(&per_window).map(|a| (a, 0.0))
    })
}

/// Evaluation work: fixed per phase and per item; from batches of about one size, all of it
/// per item.
fn fit_eval(samples: &VecDeque<(f64, f64)>) -> Option<(f64, f64)> {
    let rows: Vec<(f64, f64, f64)> = samples.iter().map(|&(n, ms)| (1.0, n, ms)).collect();
    let sizes = samples.iter().map(|s| s.0);
    let spread = sizes.clone().fold(f64::MIN, f64::max) - sizes.fold(f64::MAX, f64::min);
    let split = if spread >= EVAL_SIZES_APART {
        fit_two(&rows)
    } else {
        None
    };
    split.or_else(|| {
        let per_item: VecDeque<f64> = samples.iter().map(|(n, ms)| ms / n.max(1.0)).collect();
        weighted_median(&per_item).map(|d| (0.0, d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> Key {
        ("m.bin".into(), 2)
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
        learning.eval_phase(
            &key(),
            4,
            40_000.0,
            &[30_000.0, 30_000.0, 35_000.0, 40_000.0],
        );
        let e = learning.estimates(&key(), &key());
        assert_eq!(e.eval_load_ms, 920.0);
        assert_eq!(
            e.eval_item_ms, 10_000.0,
            "one batch size: all of it per item"
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
    fn evaluation_work_is_fixed_plus_per_item_once_batch_sizes_differ() {
        let mut learning = Learning::default();
        for n in [2usize, 5, 10, 3, 8] {
            let at = vec![1.0; n];
            learning.eval_phase(&key(), n, 4_000.0 + 1_500.0 * n as f64, &at);
        }
        let e = learning.estimates(&key(), &key());
        assert!((e.eval_fixed_ms - 4_000.0).abs() < 1.0, "{e:?}");
        assert!((e.eval_item_ms - 1_500.0).abs() < 1.0, "{e:?}");
    }
}
