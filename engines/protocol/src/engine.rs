//! What every engine's `run` does around its own work: time it, turn a failed run into one
//! `error` event and a failing exit, and name its model in events.

use std::io::Stdout;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use crate::{Event, EventWriter};

/// Runs `batch` with stdout's event writer and the start time. An `Err` becomes one `error`
/// event and a non-zero exit.
pub fn serve(
    batch: impl FnOnce(&mut EventWriter<Stdout>, Instant) -> Result<(), String>,
) -> ExitCode {
    let started = Instant::now();
    let mut events = EventWriter::new(std::io::stdout());
    match batch(&mut events, started) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            // If stdout itself is gone there is nobody left to tell.
            let _ = events.send::<()>(&Event::Error { message });
            ExitCode::FAILURE
        }
    }
}

pub fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The model's file name, as events report it.
pub fn model_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}
