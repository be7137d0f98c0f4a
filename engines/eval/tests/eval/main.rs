//! `viva-eval` as the scheduler uses it: a real process and the real SmolLM2 model (from
//! `scripts/models`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod grading;
mod loops;
mod support;
