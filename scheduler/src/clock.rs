//! The scheduler's notion of "now": the wall-clock time it records and estimates from, and
//! the monotonic instants its linger and engine timeouts are measured in.
//!
//! Production runs on the system clock. Tests run on a [`ManualClock`] that only moves when
//! told to, so a linger of a minute or an item timeout can be crossed without waiting for it.
//! Only the cycle's own rules read this clock: waits that protect real resources (a process
//! given time to exit, a database retried after an error, the queue polled for other
//! processes' work) stay on real time, because a frozen clock must never wedge them.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::time::Instant;

/// Where the time comes from; cheap to clone, every clone reads the same time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    manual: Option<ManualClock>,
}

impl Clock {
    /// The real clock: `Utc::now()` and tokio's `Instant::now()`.
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// Wall-clock time, for what is recorded and shown.
    pub fn now(&self) -> DateTime<Utc> {
        match &self.manual {
            None => Utc::now(),
            Some(manual) => manual.utc_at_start + manual.elapsed(),
        }
    }

    /// Wall-clock time as Unix milliseconds, the unit of the status snapshot.
    pub fn now_ms(&self) -> u64 {
        unix_ms(self.now())
    }

    /// Monotonic time, for deadlines.
    pub fn instant(&self) -> Instant {
        match &self.manual {
            None => Instant::now(),
            Some(manual) => manual.instant_at_start + manual.elapsed(),
        }
    }

    /// Completes once [`Clock::instant`] has reached `deadline`.
    pub async fn sleep_until(&self, deadline: Instant) {
        match &self.manual {
            None => tokio::time::sleep_until(deadline).await,
            Some(manual) => {
                let mut offset = manual.offset.subscribe();
                // The borrow `wait_for` returns is dropped at once: it must not live across an await.
                let reached = offset
                    .wait_for(|elapsed| manual.instant_at_start + *elapsed >= deadline)
                    .await
                    .is_ok();
                if !reached {
                    // The sender lives as long as any clone of this clock, so this is
                    // unreachable; a deadline that can no longer come never completes.
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

/// A clock that stands still until [`ManualClock::advance`] moves it. Hand it to
/// `Scheduler::start_with_clock` through [`ManualClock::clock`] and keep this handle.
#[derive(Debug, Clone)]
pub struct ManualClock {
    utc_at_start: DateTime<Utc>,
    instant_at_start: Instant,
    offset: Arc<watch::Sender<Duration>>,
}

impl ManualClock {
    /// A clock that reads `start` until it is advanced.
    pub fn starting_at(start: DateTime<Utc>) -> Self {
        Self {
            utc_at_start: start,
            instant_at_start: Instant::now(),
            offset: Arc::new(watch::Sender::new(Duration::ZERO)),
        }
    }

    /// A clock that reads the present moment until it is advanced.
    pub fn starting_now() -> Self {
        Self::starting_at(Utc::now())
    }

    /// Moves time on by `by`, waking every sleeper whose deadline that reaches.
    pub fn advance(&self, by: Duration) {
        self.offset.send_modify(|elapsed| *elapsed += by);
    }

    /// The scheduler's view of this clock.
    pub fn clock(&self) -> Clock {
        Clock {
            manual: Some(self.clone()),
        }
    }

    fn elapsed(&self) -> Duration {
        *self.offset.borrow()
    }
}

/// A moment as Unix milliseconds, the unit of the status snapshot (0 before 1970).
pub fn unix_ms(at: DateTime<Utc>) -> u64 {
    u64::try_from(at.timestamp_millis()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_stands_still_until_advanced() {
        let manual = ManualClock::starting_now();
        let clock = manual.clock();
        let (t0, i0) = (clock.now(), clock.instant());
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!((clock.now(), clock.instant()), (t0, i0));
        manual.advance(Duration::from_secs(90));
        assert_eq!(clock.now() - t0, chrono::Duration::seconds(90));
        assert_eq!(clock.instant() - i0, Duration::from_secs(90));
    }

    #[tokio::test]
    async fn a_sleeper_wakes_when_the_clock_passes_its_deadline() {
        let manual = ManualClock::starting_now();
        let clock = manual.clock();
        let deadline = clock.instant() + Duration::from_secs(60);
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(deadline).await }
        });
        manual.advance(Duration::from_secs(30));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!sleeper.is_finished(), "half way is not there yet");
        manual.advance(Duration::from_secs(30));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .unwrap()
            .unwrap();
    }
}
