//! Login throttling: after `max_failures` attempts that did not succeed, for one username or
//! from one client address, each further attempt must wait, and the wait doubles with every
//! new failure. An attempt counts from the moment it starts (before the slow password
//! check), so parallel guesses cannot slip past; a success takes its own count back.
//!
//! Kept in memory on purpose: it only needs to slow guessing down, and a restart clearing it
//! is harmless. It never blocks a request; it answers "retry after" at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Clock;

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Attempts (failed, or still being checked) allowed before the first delay.
    pub max_failures: u32,
    /// The first delay; each further failure doubles it.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A key with no failure for this long starts afresh.
    pub forget_after: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            base_delay: Duration::from_secs(2),
            max_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// An attempt counted by [`LoginThrottle::try_attempt`]: what to restore if it succeeds.
#[derive(Debug)]
pub struct Attempt {
    /// Per key: the lock before this attempt, and the lock this attempt set (if any).
    keys: Vec<(String, Option<Instant>, Option<Instant>)>,
}

/// Bounds the table so that a spray of made-up usernames cannot grow it without limit.
const PRUNE_ABOVE: usize = 10_000;

pub struct LoginThrottle {
    policy: ThrottlePolicy,
    clock: Arc<dyn Clock>,
    failures: Mutex<HashMap<String, Failures>>,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy, clock: Arc<dyn Clock>) -> Self {
        Self {
            policy,
            clock,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt for every key, unless one of them is locked now (`Err(wait)`).
    /// The check and the count are one step under the lock, so parallel attempts cannot all
    /// pass the check before any of them is counted: at most `max_failures` get through.
    pub fn try_attempt(&self, keys: &[String]) -> Result<Attempt, Duration> {
        let now = self.clock.now();
        let policy = self.policy;
        let mut table = self.table();
        let wait = keys
            .iter()
            .filter_map(|k| table.get(k)?.locked_until)
            .filter_map(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max();
        if let Some(wait) = wait {
            return Err(wait);
        }
        if table.len() > PRUNE_ABOVE {
            table.retain(|_, f| now.duration_since(f.last) < policy.forget_after);
        }
        let mut attempt = Attempt { keys: Vec::new() };
        for key in keys {
            let entry = table.entry(key.clone()).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(entry.last) >= policy.forget_after {
                entry.count = 0;
            }
            let before = entry.locked_until;
            entry.count += 1;
            entry.last = now;
            if entry.count >= policy.max_failures {
                entry.locked_until = Some(now + policy.delay_after(entry.count));
            }
            let set = entry.locked_until.filter(|_| entry.locked_until != before);
            attempt.keys.push((key.clone(), before, set));
        }
        Ok(attempt)
    }

    /// Takes back an attempt that succeeded (or never got checked): its count goes, and the
    /// lock it set (if no later attempt changed it) is back to what it was. The key's other
    /// failures stay, as when one user logs in from an address others failed from.
    pub fn undo_attempt(&self, attempt: Attempt) {
        let mut table = self.table();
        for (key, before, set) in attempt.keys {
            let Some(entry) = table.get_mut(&key) else {
                continue;
            };
            entry.count = entry.count.saturating_sub(1);
            if set.is_some() && entry.locked_until == set {
                entry.locked_until = before;
            }
            if entry.count == 0 {
                table.remove(&key);
            }
        }
    }

    /// Forgets every failure of `keys` (the right password for that username).
    pub fn clear(&self, keys: &[String]) {
        let mut table = self.table();
        for key in keys {
            table.remove(key);
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Failures>> {
        // A panic while holding the lock cannot leave the table inconsistent; keep using it.
        self.failures.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl ThrottlePolicy {
    fn delay_after(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(self.max_failures).min(20);
        self.base_delay
            .saturating_mul(1 << doublings)
            .min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ManualClock;

    fn throttle() -> (Arc<ManualClock>, LoginThrottle) {
        let clock = Arc::new(ManualClock::default());
        (
            clock.clone(),
            LoginThrottle::new(ThrottlePolicy::default(), clock),
        )
    }

    #[test]
    fn five_attempts_pass_then_the_lock_refuses_and_lifts() {
        let (clock, t) = throttle();
        let keys = ["user:ada".to_owned()];
        for _ in 0..5 {
            assert!(t.try_attempt(&keys).is_ok());
        }
        assert_eq!(t.try_attempt(&keys).unwrap_err(), Duration::from_secs(2));
        clock.advance(Duration::from_secs(2));
        assert!(t.try_attempt(&keys).is_ok());
        // The sixth counted attempt doubles the wait.
        assert_eq!(t.try_attempt(&keys).unwrap_err(), Duration::from_secs(4));
    }

    #[test]
    fn the_wait_doubles_up_to_the_cap() {
        let (clock, t) = throttle();
        let keys = ["ip:10.0.0.1".to_owned()];
        for _ in 0..40 {
            let _ = t.try_attempt(&keys);
            clock.advance(Duration::from_secs(16 * 60));
            // Within forget_after, so the count keeps growing.
        }
        assert!(t.try_attempt(&keys).is_ok());
        assert_eq!(
            t.try_attempt(&keys).unwrap_err(),
            Duration::from_secs(15 * 60)
        );
    }

    #[test]
    fn undoing_an_attempt_keeps_the_other_failures_of_the_key() {
        let (_, t) = throttle();
        let address = ["ip:10.0.0.1".to_owned()];
        for _ in 0..4 {
            t.try_attempt(&address).unwrap();
        }
        // A fifth attempt, which succeeds: taken back, the four failures stay.
        let success = t.try_attempt(&address).unwrap();
        t.undo_attempt(success);
        t.try_attempt(&address).unwrap();
        assert!(t.try_attempt(&address).is_err());
        t.clear(&address);
        assert!(t.try_attempt(&address).is_ok());
        assert!(t.try_attempt(&["user:bob".to_owned()]).is_ok());
    }

    #[test]
    fn a_success_after_an_expired_lock_leaves_no_new_lock() {
        let (clock, t) = throttle();
        let address = ["ip:10.0.0.1".to_owned()];
        for _ in 0..5 {
            t.try_attempt(&address).unwrap();
        }
        clock.advance(Duration::from_secs(2));
        let success = t.try_attempt(&address).unwrap();
        t.undo_attempt(success);
        // The next person behind the same address is not made to wait.
        assert!(t.try_attempt(&address).is_ok());
    }
}
