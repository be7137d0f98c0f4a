//! Supervision of one engine process: start it with its request, hand over its events one
//! at a time, enforce the per-item and per-phase timeouts, and end it the way its ending
//! calls for. It knows nothing of the database; what an event means is the phase's business.

use std::sync::Arc;
use std::time::Duration;

use engine_protocol::Event;
use serde_json::Value;
use tokio::sync::Notify;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::EngineConfig;
use crate::engine::EngineProcess;

/// How long a process that is done (or gave up) may take to exit on its own. Real time, not
/// the scheduler's clock: it is the real process that needs it.
const EXIT_GRACE: Duration = Duration::from_secs(10);

/// What a running engine must listen to besides its own output.
#[derive(Debug, Clone)]
pub struct Signals {
    /// The server is shutting down.
    pub stop: CancellationToken,
    /// Someone joined the queue.
    pub queued: Arc<Notify>,
}

/// How one engine process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEnd {
    Finished,
    /// It reported a whole-run error.
    Failed(String),
    /// It crashed, closed its output early, or broke the protocol.
    Crashed(String),
    TimedOut(String),
    /// The server is shutting down.
    Stopped,
}

/// What happened next while an engine ran.
pub enum Step {
    Event(Event<Value>),
    /// Someone joined the queue: their position is news even mid-phase.
    Queued,
    Ended(EngineEnd),
}

pub struct Supervisor {
    process: EngineProcess,
    clock: Clock,
    signals: Signals,
    item_timeout_secs: u64,
    phase_timeout_secs: u64,
    item_timeout: Duration,
    phase_deadline: Instant,
    item_deadline: Instant,
}

impl Supervisor {
    /// Starts the engine with `request` on its stdin; the phase clock starts now.
    pub async fn spawn(
        engine: &EngineConfig,
        request: &[u8],
        clock: Clock,
        signals: Signals,
    ) -> std::io::Result<Self> {
        let process = EngineProcess::spawn(engine, request).await?;
        let now = clock.instant();
        Ok(Self {
            process,
            clock,
            signals,
            item_timeout_secs: engine.item_timeout_secs,
            phase_timeout_secs: engine.phase_timeout_secs,
            item_timeout: engine.item_timeout(),
            phase_deadline: now + engine.phase_timeout(),
            item_deadline: now + engine.item_timeout(),
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.process.pid()
    }

    /// Waits for the engine's next event, a stop, news of the queue, or a timeout.
    pub async fn next(&mut self) -> Step {
        loop {
            let deadline = self.phase_deadline.min(self.item_deadline);
            let line = tokio::select! {
                () = self.signals.stop.cancelled() => return Step::Ended(EngineEnd::Stopped),
                () = self.signals.queued.notified() => return Step::Queued,
                () = self.clock.sleep_until(deadline) => return Step::Ended(self.timed_out()),
                // `next_line` is cancel safe: a line half read stays buffered.
                line = self.process.next_line() => line,
            };
            let line = match line {
                Err(e) => {
                    let why = format!("its output could not be read: {e}");
                    return Step::Ended(EngineEnd::Crashed(why));
                }
                Ok(None) => {
                    return Step::Ended(EngineEnd::Crashed("it exited before finishing".into()));
                }
                Ok(Some(line)) => line,
            };
            match serde_json::from_str::<Event<Value>>(&line) {
                Ok(event) => {
                    // Any event is progress: the item timeout starts again.
                    self.item_deadline = self.clock.instant() + self.item_timeout;
                    return Step::Event(event);
                }
                Err(e) => {
                    let start: String = line.chars().take(200).collect();
                    tracing::warn!(error = %e, start, "an engine wrote a line that is not an event");
                }
            }
        }
    }

    fn timed_out(&self) -> EngineEnd {
        if self.clock.instant() >= self.phase_deadline {
            EngineEnd::TimedOut(format!(
                "the phase took longer than {} s",
                self.phase_timeout_secs
            ))
        } else {
            EngineEnd::TimedOut(format!("no progress for {} s", self.item_timeout_secs))
        }
    }

    /// Ends the process as `end` calls for, and returns `end` with what its exit adds to the
    /// reason (a crash is reported with the exit status, e.g. "signal: 9").
    pub async fn shut_down(mut self, end: EngineEnd) -> EngineEnd {
        match end {
            EngineEnd::Finished => {
                let exit = tokio::time::timeout(EXIT_GRACE, self.process.wait()).await;
                if !matches!(exit, Ok(Ok(status)) if status.success()) {
                    self.process.kill().await;
                }
                EngineEnd::Finished
            }
            EngineEnd::Failed(message) => {
                // It reported its own error: let it exit as it would, but never wait forever.
                let _ = tokio::time::timeout(EXIT_GRACE, self.process.wait()).await;
                self.process.kill().await;
                EngineEnd::Failed(message)
            }
            EngineEnd::Crashed(why) => {
                self.process.kill().await;
                let status = self
                    .process
                    .wait()
                    .await
                    .map(|s| s.to_string())
                    .unwrap_or_default();
                let tail = self.process.stderr_tail().await;
                if tail.is_empty() {
                    EngineEnd::Crashed(format!("{why} ({status})"))
                } else {
                    let tail = tail.join("\n");
                    EngineEnd::Crashed(format!("{why} ({status}); its stderr ended:\n{tail}"))
                }
            }
            end @ (EngineEnd::TimedOut(_) | EngineEnd::Stopped) => {
                self.process.kill().await;
                end
            }
        }
    }
}
