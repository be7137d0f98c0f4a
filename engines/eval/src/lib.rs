//! The evaluation engine behind `viva-eval` (see `main.rs`). A library so that its tests can
//! check the binary's answers with the engine's own rules (`evidence`) instead of a copy.

mod answer;
mod decode;
pub mod evidence;
mod grammar;
mod prompt;
pub mod repetition;
pub mod run;
