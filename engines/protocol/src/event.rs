//! The events an engine writes, one JSON object per line.

use std::io::Write;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event<R> {
    /// The model is in memory (after the GPU lock was taken). `ms` is the load time, `at_ms`
    /// the wall-clock time (Unix milliseconds) when loading ended.
    Loaded {
        ms: u64,
        model: String,
        device: String,
        at_ms: u64,
    },
    ItemStarted {
        id: i64,
    },
    ItemProgress {
        id: i64,
        percent: u8,
    },
    ItemDone {
        id: i64,
        result: R,
        ms: u64,
    },
    /// This item failed; the engine goes on with the next one.
    ItemFailed {
        id: i64,
        error: String,
    },
    /// Every item was reported; the engine releases the GPU and exits 0 next. `at_ms` is the
    /// wall-clock time (Unix milliseconds).
    Finished {
        ms: u64,
        at_ms: u64,
    },
    /// The whole run failed (bad request, missing model); the engine exits non-zero next.
    Error {
        message: String,
    },
}

/// Now, in Unix milliseconds, for the `at_ms` fields: comparable across processes.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Writes events as JSON lines, flushing each one so the scheduler sees progress at once.
pub struct EventWriter<W: Write> {
    out: W,
}

impl<W: Write> EventWriter<W> {
    pub fn new(out: W) -> Self {
        Self { out }
    }

    pub fn send<R: Serialize>(&mut self, event: &Event<R>) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, event)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}
