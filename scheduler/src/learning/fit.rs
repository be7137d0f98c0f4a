//! Robust fits of costs to what was measured: newer samples weigh more, a fit is redone
//! without the samples far off it, and a fit whose terms the samples cannot tell apart is
//! refused rather than guessed.

use std::collections::VecDeque;

/// Each older sample weighs this much less than the next newer one.
const DECAY: f64 = 0.93;
/// Residuals beyond this many robust standard deviations are left out of the refit.
const OUTLIER_SIGMAS: f64 = 3.0;
const TRIM_ROUNDS: usize = 3;
/// Samples beyond the number of terms needed before one is judged an outlier: with fewer,
/// noise alone would leave good samples out.
const TRIM_MIN_SPARE: usize = 6;
/// A term is told apart from the terms before it only if at least this share of it is not
/// explained by them in the samples (1 − R²): below that, noise decides the split.
const MIN_APART: f64 = 0.02;

/// Newest last; each older one weighs `DECAY` times the next.
pub fn weights(n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| DECAY.powi((n - 1 - i) as i32))
}

/// The weighted median of `values` (newest last), or None when there are none.
pub fn weighted_median(values: &VecDeque<f64>) -> Option<f64> {
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

/// The weighted median of `y / x` over the rows with x > 0: all of a cost in one term.
pub fn ratio(rows: &[(f64, f64)]) -> Option<f64> {
    let ratios: VecDeque<f64> = rows
        .iter()
        .filter(|(x, _)| *x > 0.0)
        .map(|(x, y)| y / x)
        .collect();
    weighted_median(&ratios)
}

/// Weighted least squares of y ≈ Σ cₖ·xₖ (rows newest last), without the samples far off a
/// fit of the others (one at a time, at most a few). None when the samples cannot tell the
/// terms apart, or a cost comes out negative (which says the same). At least one sample more
/// than terms is asked for: as many fit any noise exactly.
pub fn robust<const K: usize>(rows: &[([f64; K], f64)]) -> Option<[f64; K]> {
    robust_from(rows, K + 1)
}

/// [`robust`] from as few as `least` samples: `K` gives the exact fit through them, which is
/// what a held-out sample is predicted from when only that many are left.
pub fn robust_from<const K: usize>(rows: &[([f64; K], f64)], least: usize) -> Option<[f64; K]> {
    if rows.len() < least.max(K) {
        return None;
    }
    let mut kept: Vec<Row<K>> = rows
        .iter()
        .zip(weights(rows.len()))
        .map(|(&(x, y), w)| (x, y, w))
        .collect();
    for _ in 0..TRIM_ROUNDS {
        // Too few samples to tell an outlier from noise.
        if kept.len() < K + TRIM_MIN_SPARE {
            break;
        }
        match farthest_off(&kept) {
            Some(i) => {
                kept.remove(i);
            }
            None => break,
        }
    }
    let fit = solve(&kept)?;
    fit.iter().all(|c| *c >= 0.0).then_some(fit)
}

/// (x, y, weight)
type Row<const K: usize> = ([f64; K], f64, f64);

/// How well this model predicts a sample it was not fitted on: the mean relative error over
/// the samples, each left out in turn (newer ones weigh more). None with too few samples to
/// judge (each fit left needs as many samples as terms, and is then exact), or when half of
/// those fits or more cannot tell the terms apart. The folds left are enough to rank the
/// models by.
pub fn held_out_error<const K: usize>(rows: &[([f64; K], f64)]) -> Option<f64> {
    if rows.len() < K + 1 {
        return None;
    }
    let (mut sum, mut weight, mut judged) = (0.0, 0.0, 0);
    for (i, w) in weights(rows.len()).enumerate() {
        let (x, y) = rows[i];
        let others: Vec<([f64; K], f64)> = rows
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, r)| *r)
            .collect();
        let Some(fit) = robust_from(&others, K) else {
            continue;
        };
        sum += w * (dot(&fit, &x) - y).abs() / y.abs().max(1.0);
        weight += w;
        judged += 1;
    }
    (2 * judged > rows.len()).then(|| sum / weight)
}

/// The sample farthest off the fit of all the others, if it is beyond `OUTLIER_SIGMAS` of
/// their own spread. Fitting without it keeps one slow run from tilting the fit it is
/// judged by. (Their spread is in-sample, so smaller than a left-out error's: hence the
/// `TRIM_MIN_SPARE` samples asked for before anything is left out.)
fn farthest_off<const K: usize>(rows: &[Row<K>]) -> Option<usize> {
    let off = |fit: &[f64; K], (x, y, _): &Row<K>| (y - dot(fit, x)).abs();
    (0..rows.len())
        .filter_map(|i| {
            let others: Vec<Row<K>> = rows
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, r)| *r)
                .collect();
            let fit = solve(&others)?;
            let spread: VecDeque<f64> = others.iter().map(|r| off(&fit, r)).collect();
            let mad = weighted_median(&spread)?;
            // A tiny floor, so that samples all but on the fit still show one far off it.
            let scale = fit.iter().fold(1.0_f64, |m, c| m.max(c.abs()));
            let limit = OUTLIER_SIGMAS * 1.4826 * mad.max(1e-6 * scale);
            let distance = off(&fit, &rows[i]) / limit;
            (distance > 1.0).then_some((i, distance))
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(i, _)| i)
}

/// From two samples, the costs that explain both with each term carrying as even a share as
/// they allow: the smallest solution once each term is measured by its mean size in them
/// (so "fixed", "per item" and "per second" are compared as parts of a phase, not as
/// numbers in different units). Two samples cannot pick one term out of several; this
/// assumes least. A term absent from both is 0. None when the two samples are alike; a cost
/// may come out negative (see [`even_split_nonnegative`]).
pub fn even_split<const K: usize>(rows: &[([f64; K], f64); 2]) -> Option<[f64; K]> {
    let scale: [f64; K] = std::array::from_fn(|k| (rows[0].0[k].abs() + rows[1].0[k].abs()) / 2.0);
    let scaled = |x: &[f64; K]| -> [f64; K] {
        std::array::from_fn(|k| if scale[k] > 0.0 { x[k] / scale[k] } else { 0.0 })
    };
    let (a, b) = (scaled(&rows[0].0), scaled(&rows[1].0));
    // x = Aᵀ (A Aᵀ)⁻¹ y, with A Aᵀ a 2 × 2 matrix.
    let (aa, ab, bb) = (dot(&a, &a), dot(&a, &b), dot(&b, &b));
    let det = aa * bb - ab * ab;
    if !(det.is_finite() && det > MIN_APART * aa * bb) {
        return None;
    }
    let ya = (bb * rows[0].1 - ab * rows[1].1) / det;
    let yb = (aa * rows[1].1 - ab * rows[0].1) / det;
    let costs: [f64; K] = std::array::from_fn(|k| {
        if scale[k] > 0.0 {
            (ya * a[k] + yb * b[k]) / scale[k]
        } else {
            0.0
        }
    });
    costs.iter().all(|c| c.is_finite()).then_some(costs)
}

/// [`even_split`] with no negative cost: a term the split would make negative is left out
/// (most negative first), since these two samples cannot tell it from the others, and the
/// rest split again. None when the terms left cannot explain both.
pub fn even_split_nonnegative<const K: usize>(rows: &[([f64; K], f64); 2]) -> Option<[f64; K]> {
    let mut rows = *rows;
    for _ in 0..K {
        let costs = even_split(&rows)?;
        let most_negative = (0..K)
            .filter(|&k| costs[k] < 0.0)
            .min_by(|&a, &b| costs[a].total_cmp(&costs[b]));
        let Some(k) = most_negative else {
            return Some(costs);
        };
        for row in &mut rows {
            row.0[k] = 0.0;
        }
    }
    None
}

fn dot<const K: usize>(c: &[f64; K], x: &[f64; K]) -> f64 {
    c.iter().zip(x).map(|(a, b)| a * b).sum()
}

/// The normal equations, by elimination in order. A pivot is what is left of a term once the
/// terms before it are taken out; compared with the term's own size it is 1 − R².
fn solve<const K: usize>(rows: &[Row<K>]) -> Option<[f64; K]> {
    // Fewer samples than terms leave a term free (its pivot is zero); callers ask for more.
    if rows.len() < K {
        return None;
    }
    let mut a = [[0.0; K]; K];
    let mut b = [0.0; K];
    for (x, y, w) in rows {
        for i in 0..K {
            for j in 0..K {
                a[i][j] += w * x[i] * x[j];
            }
            b[i] += w * x[i] * y;
        }
    }
    let own: [f64; K] = std::array::from_fn(|i| a[i][i]);
    for k in 0..K {
        let pivot = a[k][k];
        if !(pivot > 0.0 && pivot >= MIN_APART * own[k]) {
            return None;
        }
        let above = a[k];
        for i in k + 1..K {
            let f = a[i][k] / pivot;
            for (cell, upper) in a[i].iter_mut().zip(above).skip(k) {
                *cell -= f * upper;
            }
            b[i] -= f * b[k];
        }
    }
    let mut c = [0.0; K];
    for k in (0..K).rev() {
        let known: f64 = (k + 1..K).map(|j| a[k][j] * c[j]).sum();
        c[k] = (b[k] - known) / a[k][k];
    }
    c.iter().all(|v| v.is_finite()).then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_terms_are_recovered_and_one_far_off_sample_is_left_out() {
        let mut rows: Vec<([f64; 3], f64)> = [
            (2.0, 30.0),
            (5.0, 160.0),
            (10.0, 200.0),
            (3.0, 90.0),
            (8.0, 300.0),
        ]
        .iter()
        .map(|&(n, s)| ([1.0, n, s], 4_000.0 + 500.0 * n + 300.0 * s))
        .collect();
        for (n, s) in [(7.0, 50.0), (9.0, 250.0), (1.0, 20.0)] {
            rows.push(([1.0, n, s], 4_000.0 + 500.0 * n + 300.0 * s));
        }
        rows.push(([1.0, 6.0, 100.0], 400_000.0));
        rows.push(([1.0, 4.0, 120.0], 4_000.0 + 2_000.0 + 36_000.0));
        let [c, d, g] = robust(&rows).unwrap();
        assert!((c - 4_000.0).abs() < 1.0, "{c}");
        assert!((d - 500.0).abs() < 0.1, "{d}");
        assert!((g - 300.0).abs() < 0.01, "{g}");
    }

    #[test]
    fn terms_the_samples_cannot_tell_apart_are_refused() {
        // Every batch of ten with the same speech: fixed, per item and per second are one.
        let same: Vec<([f64; 3], f64)> = (0..5)
            .map(|i| ([1.0, 10.0, 200.0], 60_000.0 + i as f64))
            .collect();
        assert_eq!(robust(&same), None);
        // Two sizes only, speech in proportion: per item and per second are one.
        let proportional: Vec<([f64; 2], f64)> = [(5.0, 100.0), (10.0, 200.0), (5.0, 100.0)]
            .iter()
            .map(|&(n, s)| ([n, s], 300.0 * s))
            .collect();
        assert_eq!(robust(&proportional), None);
    }

    #[test]
    fn two_samples_split_the_cost_evenly_between_the_terms_they_allow() {
        // A phase of ten short recordings and one of four long ones: fixed, per item and per
        // second all explain part of it, and the split reproduces both.
        let rows = [
            ([1.0, 10.0, 162.0], 58_000.0),
            ([1.0, 4.0, 205.0], 38_400.0),
        ];
        let costs = even_split(&rows).unwrap();
        for (x, y) in rows {
            assert!((dot(&costs, &x) - y).abs() < 1e-6, "{costs:?}");
        }
        assert!(costs.iter().all(|c| *c > 0.0), "{costs:?}");
        // A term the split would make negative is left out, and the rest explain both: the
        // longer recordings took less per item, so their seconds cost nothing here.
        let negative = [
            ([1.0, 10.0, 100.0], 40_000.0),
            ([1.0, 4.0, 150.0], 18_000.0),
        ];
        assert!(even_split(&negative).unwrap().iter().any(|c| *c < 0.0));
        let kept = even_split_nonnegative(&negative).unwrap();
        assert!(kept.iter().all(|c| *c >= 0.0), "{kept:?}");
        assert_eq!(kept.iter().filter(|c| **c == 0.0).count(), 1, "{kept:?}");
        for (x, y) in negative {
            assert!((dot(&kept, &x) - y).abs() < 1e-6, "{kept:?}");
        }
        // More items in less time: without the per-item cost, the fixed one alone cannot
        // explain both.
        let shrinking = [([1.0, 10.0], 5_000.0), ([1.0, 20.0], 4_000.0)];
        assert_eq!(even_split_nonnegative(&shrinking), None);
        // Alike samples say nothing of a split; a term both lack costs nothing.
        assert_eq!(even_split(&[([1.0, 10.0], 5.0), ([2.0, 20.0], 10.0)]), None);
        let no_speech = even_split(&[([1.0, 10.0, 0.0], 60.0), ([1.0, 4.0, 0.0], 30.0)]).unwrap();
        assert_eq!(no_speech[2], 0.0);
        assert!((no_speech[0] + 10.0 * no_speech[1] - 60.0).abs() < 1e-9);
    }

    #[test]
    fn a_negative_cost_is_refused_and_a_ratio_is_robust() {
        let rows = [([1.0, 2.0], 10.0), ([1.0, 4.0], 4.0), ([1.0, 6.0], 0.0)];
        assert_eq!(robust(&rows), None);
        let ratios = [(10.0, 100.0), (20.0, 200.0), (10.0, 5_000.0)];
        assert_eq!(ratio(&ratios), Some(10.0));
    }
}
