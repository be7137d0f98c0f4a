//! What Viva's test suites share: real spoken media made with espeak-ng and ffmpeg and
//! prepared by the real `domain::media` code (`media`), the engine binaries and offline models
//! (`engines`), a fresh migrated SQLite database (`db`) and the standard rubric (`rubric`).
//!
//! A dev-dependency only: nothing here may end up in a shipped binary. Fixtures panic with a
//! message naming what is missing instead of returning errors, as test code does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod db;
pub mod engines;
pub mod media;
pub mod rubric;

use std::process::Command;

/// Runs `program args…` and panics with its stderr if it fails.
pub fn sh(program: &str, args: &[&str]) {
    let output = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (scripts/setup installs it): {e}"));
    assert!(
        output.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs an async function to completion from any test, async or not: on its own thread with
/// its own runtime, since a runtime cannot be entered from inside another.
pub(crate) fn block_on<F>(future: F) -> F::Output
where
    F: std::future::Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap()
                    .block_on(future)
            })
            .join()
            .unwrap()
    })
}
