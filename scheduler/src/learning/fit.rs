//! Robust fits of costs to what was measured: newer samples weigh more, a fit is redone
//! without the samples far off it, and a fit whose terms the samples cannot tell apart is
//! refused rather than guessed, or (where every term is known to be real) drawn towards an
//! even split by as much as the samples' noise leaves their own split in doubt.

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
/// How far a measured sample is off its cost, as a share of the mean sample (about one
/// standard deviation): the same ten answers took 34–66 s to grade from one benchmark run to
/// the next on the lab's 2-core VM (BENCHMARKS.md, "Estimates that hold"). [`shrunk`] weighs
/// its prior against the samples by it.
const NOISE: f64 = 0.2;

/// Newest last; each older one weighs `DECAY` times the next.
pub fn weights(n: usize) -> impl Iterator<Item = f64> {
    (0..n).map(move |i| DECAY.powi((n - 1 - i) as i32))
}

/// The weighted median of `values` (newest last), or None when there are none.
pub fn weighted_median(values: &VecDeque<f64>) -> Option<f64> {
    median_of_weighted(values.iter().copied().zip(weights(values.len())).collect())
}

/// The median of (value, weight) pairs: the smallest value at which the weight of the values
/// up to it reaches half of all; None when there are none.
pub fn median_of_weighted(mut pairs: Vec<(f64, f64)>) -> Option<f64> {
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
    if rows.len() <= K {
        return None;
    }
    let fit = solve(&trimmed(rows, solve))?;
    fit.iter().all(|c| *c >= 0.0).then_some(fit)
}

/// Like [`robust`], for terms that are all known to be real but that a few noisy samples
/// cannot tell apart: the costs most likely given the samples and a prior that each term
/// carries an even share of the mean sample (each measured by its mean size in them, so a
/// cost per phase, per item or per second is compared as a part of a phase), give or take
/// that share. Against the samples' noise (`NOISE`) that prior weighs about as much as one
/// sample with four terms, less with fewer: a dozen samples move the costs nearly all the
/// way. A term the fit would make negative is left out (the one that takes most from a
/// sample first) and the rest fitted again. None without samples, or when every term is
/// left out.
pub fn shrunk<const K: usize>(rows: &[([f64; K], f64)]) -> Option<[f64; K]> {
    let mut kept = trimmed(rows, ridge);
    for _ in 0..K {
        let costs = ridge(&kept)?;
        let size = mean_size(&kept);
        let most_negative = (0..K)
            .filter(|&k| costs[k] < 0.0)
            .min_by(|&i, &j| (costs[i] * size[i]).total_cmp(&(costs[j] * size[j])));
        let Some(k) = most_negative else {
            return Some(costs);
        };
        for (x, _, _) in &mut kept {
            x[k] = 0.0;
        }
    }
    None
}

/// Each term's mean size in the rows.
fn mean_size<const K: usize>(rows: &[Row<K>]) -> [f64; K] {
    std::array::from_fn(|k| {
        rows.iter().map(|(x, _, _)| x[k].abs()).sum::<f64>() / rows.len().max(1) as f64
    })
}

/// The weighted least squares drawn towards the even split (see [`shrunk`]), in each term's
/// own size (a term absent from every row costs 0); costs may come out negative.
fn ridge<const K: usize>(rows: &[Row<K>]) -> Option<[f64; K]> {
    let size = mean_size(rows);
    let scale = |x: &[f64; K]| -> [f64; K] {
        std::array::from_fn(|k| if size[k] > 0.0 { x[k] / size[k] } else { 0.0 })
    };
    let (mut a, mut b) = normal(rows.iter().map(|(x, y, w)| (scale(x), *y, *w)));
    let terms = size.iter().filter(|s| **s > 0.0).count().max(1) as f64;
    let weight: f64 = rows.iter().map(|(_, _, w)| w).sum();
    if weight <= 0.0 {
        return None;
    }
    let mean = rows.iter().map(|(_, y, w)| w * y).sum::<f64>() / weight;
    // A sample's noise is NOISE of the mean sample; the prior's doubt, an even share of it.
    let prior = (NOISE * terms).powi(2);
    for k in 0..K {
        a[k][k] += prior;
        if size[k] > 0.0 {
            b[k] += prior * mean / terms;
        }
    }
    let scaled = eliminate(a, b, 0.0)?;
    Some(std::array::from_fn(|k| {
        if size[k] > 0.0 {
            scaled[k] / size[k]
        } else {
            0.0
        }
    }))
}

/// The rows weighted (newer ones more) and without the samples far off a `fit` of the
/// others, one at a time, at most a few.
fn trimmed<const K: usize>(
    rows: &[([f64; K], f64)],
    fit: fn(&[Row<K>]) -> Option<[f64; K]>,
) -> Vec<Row<K>> {
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
        match farthest_off(&kept, fit) {
            Some(i) => {
                kept.remove(i);
            }
            None => break,
        }
    }
    kept
}

/// (x, y, weight)
type Row<const K: usize> = ([f64; K], f64, f64);

/// The sample farthest off the fit of all the others, if it is beyond `OUTLIER_SIGMAS` of
/// their own spread. Fitting without it keeps one slow run from tilting the fit it is
/// judged by. (Their spread is in-sample, so smaller than a left-out error's: hence the
/// `TRIM_MIN_SPARE` samples asked for before anything is left out.)
fn farthest_off<const K: usize>(
    rows: &[Row<K>],
    fit: fn(&[Row<K>]) -> Option<[f64; K]>,
) -> Option<usize> {
    let off = |fit: &[f64; K], (x, y, _): &Row<K>| (y - dot(fit, x)).abs();
    (0..rows.len())
        .filter_map(|i| {
            let others: Vec<Row<K>> = rows
                .iter()
                .enumerate()
                .filter(|(j, _)| *j != i)
                .map(|(_, r)| *r)
                .collect();
            let fit = fit(&others)?;
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
    let (a, b) = normal(rows.iter().copied());
    eliminate(a, b, MIN_APART)
}

/// The weighted normal equations of y ≈ Σ cₖ·xₖ.
fn normal<const K: usize>(rows: impl Iterator<Item = Row<K>>) -> ([[f64; K]; K], [f64; K]) {
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
    (a, b)
}

/// Solves a · c = b by elimination in order; None when a pivot is not above `min_apart`
/// times its term's own size.
fn eliminate<const K: usize>(
    mut a: [[f64; K]; K],
    mut b: [f64; K],
    min_apart: f64,
) -> Option<[f64; K]> {
    let own: [f64; K] = std::array::from_fn(|i| a[i][i]);
    for k in 0..K {
        let pivot = a[k][k];
        if !(pivot > 0.0 && pivot >= min_apart * own[k]) {
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
mod tests;
