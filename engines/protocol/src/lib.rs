//! What Viva's scheduler and its engine processes (`viva-stt`, `viva-eval`) say to each other.
//!
//! The scheduler writes one JSON [`Request`] on the engine's stdin; the engine answers with
//! one JSON [`Event`] per line on stdout and exits. stderr is free-form log text. This crate
//! is serde types and small helpers only: it must never depend on a model library or the web
//! stack, so both sides can link it. Its types are also the one definition of what the
//! database stores as JSON (rubrics, transcript segments, evaluations): with the `sea-orm`
//! feature they are typed column values, and the browser side (`app`) reads them too.

mod engine;
mod event;
mod lock;
mod request;
mod wire;

pub use engine::{elapsed_ms, model_name, serve};
pub use event::{Event, EventWriter, unix_ms};
pub use lock::GpuLock;
pub use request::{
    Criterion, EvalItem, EvalSettings, Evaluation, LANGUAGES, Request, Rubric, Scored, Segment,
    Segments, SttItem, SttSettings, Transcript,
};
pub use wire::{ProtocolError, read_request};

/// Bumped whenever a message changes shape; an engine refuses any other version.
pub const PROTOCOL_VERSION: u32 = 1;
