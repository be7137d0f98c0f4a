//! Scheduler tests against a real SQLite file and real engine processes: the scripted
//! `viva-fake-engine` for the cycle's rules and faults, `viva-stt` and `viva-eval` on the
//! real models for the real path. `scripts/test` builds the engine binaries first.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin;
mod cycle;
mod faults;
mod learning;
mod real;
mod support;
