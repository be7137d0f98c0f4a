//! What an evaluation phase's work (after the model load) is made of: a part paid once a
//! phase (the shared prompt), a part per item (its own prompt and sequence), per second of
//! speech (each transcript is read into its prompt) and per character the model writes
//! (each one a decoding step). How much each term carries depends on the model, the machine
//! and what students say, so it is learned from the phases measured.

use std::collections::VecDeque;

use super::fit;

/// One finished evaluation phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseSample {
    pub items: f64,
    pub speech_s: f64,
    /// Characters the model wrote in all its answers.
    pub written: f64,
    pub work_ms: f64,
}

/// Milliseconds of evaluation work per phase, per item, per second of speech and per
/// character written.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct EvalCosts {
    pub fixed: f64,
    pub item: f64,
    pub second: f64,
    pub char: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    Fixed,
    Item,
    Second,
    Char,
}

use Term::{Char, Fixed, Item, Second};

const ALL: [Term; 4] = [Fixed, Item, Second, Char];

impl Term {
    fn of(self, s: &PhaseSample) -> f64 {
        match self {
            Fixed => 1.0,
            Item => s.items,
            Second => s.speech_s,
            Char => s.written,
        }
    }
}

impl EvalCosts {
    fn from_terms<const K: usize>(terms: [Term; K], fit: [f64; K]) -> Self {
        let mut costs = Self::default();
        for (term, value) in terms.into_iter().zip(fit) {
            match term {
                Fixed => costs.fixed = value,
                Item => costs.item = value,
                Second => costs.second = value,
                Char => costs.char = value,
            }
        }
        costs
    }
}

/// A richer model of the evaluation work must predict this much better (its held-out error
/// times this) to be taken: a term that only fits the noise does not earn its place.
const BETTER_BY: f64 = 0.95;

/// The costs that predict the phases best. Each model (a set of the four terms) is judged by
/// how well it predicts the phases it was not fitted on. Two phases cannot judge any model of
/// more than one term; all four are real, so two phases that differ are split among them as
/// evenly as they allow (`fit::even_split`), leaving out a term the split would make
/// negative (the two phases cannot tell it from the others). With one phase, or two alike,
/// all of it per item.
pub fn fit_eval(samples: &VecDeque<PhaseSample>) -> Option<EvalCosts> {
    if let [a, b] = samples.iter().copied().collect::<Vec<_>>()[..] {
        let rows = [a, b].map(|s| (ALL.map(|t| t.of(&s)), s.work_ms));
        if let Some(split) = fit::even_split_nonnegative(&rows) {
            return Some(EvalCosts::from_terms(ALL, split));
        }
        // Two phases judge nothing well: a lone re-run then costs one item's share.
        return all_per_item(samples);
    }
    let candidates = [
        // Per item before fixed: from phases all of one size the two predict alike, and a
        // lone re-run then costs one item's share, not a full batch.
        judge(samples, [Item]),
        judge(samples, [Fixed]),
        judge(samples, [Second]),
        judge(samples, [Char]),
        judge(samples, [Fixed, Item]),
        judge(samples, [Item, Second]),
        judge(samples, [Fixed, Second]),
        judge(samples, [Fixed, Char]),
        judge(samples, [Item, Char]),
        judge(samples, [Second, Char]),
        judge(samples, [Fixed, Item, Second]),
        judge(samples, [Fixed, Item, Char]),
        judge(samples, [Fixed, Second, Char]),
        judge(samples, [Item, Second, Char]),
        judge(samples, ALL),
    ];
    // Simpler models first: a richer one is taken only if it predicts better.
    let best = candidates.into_iter().flatten().fold(
        None,
        |best: Option<(EvalCosts, f64)>, (costs, error)| match best {
            Some((_, kept)) if error >= kept * BETTER_BY - 1e-6 => best,
            _ => Some((costs, error)),
        },
    );
    best.map(|(costs, _)| costs)
        .or_else(|| all_per_item(samples))
}

/// All of the evaluation work per item: what is left when the phases cannot tell the terms
/// apart.
fn all_per_item(samples: &VecDeque<PhaseSample>) -> Option<EvalCosts> {
    let per_item: Vec<(f64, f64)> = samples.iter().map(|s| (s.items, s.work_ms)).collect();
    fit::ratio(&per_item).map(|item| EvalCosts {
        item,
        ..EvalCosts::default()
    })
}

/// One model of the evaluation work: its fit to every sample, and its held-out error.
fn judge<const K: usize>(
    samples: &VecDeque<PhaseSample>,
    terms: [Term; K],
) -> Option<(EvalCosts, f64)> {
    let rows: Vec<([f64; K], f64)> = samples
        .iter()
        .map(|s| (terms.map(|t| t.of(s)), s.work_ms))
        .collect();
    let error = fit::held_out_error(&rows)?;
    fit::robust(&rows).map(|fit| (EvalCosts::from_terms(terms, fit), error))
}
