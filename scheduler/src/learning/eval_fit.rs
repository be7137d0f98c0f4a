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

impl PhaseSample {
    /// Its size in each term (fixed, items, seconds, characters), in the order of `EvalCosts`.
    fn terms(&self) -> [f64; 4] {
        [1.0, self.items, self.speech_s, self.written]
    }
}

impl EvalCosts {
    fn from_terms([fixed, item, second, char]: [f64; 4]) -> Self {
        Self {
            fixed,
            item,
            second,
            char,
        }
    }
}

/// The costs the phases measured tell. All four terms are real, so none is left out for
/// being small; each is drawn towards an even share of a phase by as much as the phases'
/// noise leaves their split in doubt (`fit::shrunk`), which keeps a few phases, one of them
/// slow, from putting all of it on one term. A term the fit would make negative is left out
/// (the phases cannot tell it from the others). With one phase, all of it per item.
pub fn fit_eval(samples: &VecDeque<PhaseSample>) -> Option<EvalCosts> {
    let rows: Vec<([f64; 4], f64)> = samples.iter().map(|s| (s.terms(), s.work_ms)).collect();
    let fit = match rows[..] {
        [] | [_] => None,
        _ => fit::shrunk(&rows),
    };
    fit.map(EvalCosts::from_terms)
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
