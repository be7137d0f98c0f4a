//! Login throttling: after `max_failures` failed logins for one username or from one client
//! address, each further attempt must wait, and the wait doubles with every new failure.
//!
//! Kept in memory on purpose: it only needs to slow guessing down, and a restart clearing it
//! is harmless. It never blocks a request; it answers "retry after" at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::Clock;

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    /// Failures allowed before the first delay.
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

    /// `Err(wait)` if any of `keys` is locked now.
    pub fn check(&self, keys: &[String]) -> Result<(), Duration> {
        let now = self.clock.now();
        let table = self.table();
        let wait = keys
            .iter()
            .filter_map(|k| table.get(k)?.locked_until)
            .filter_map(|until| until.checked_duration_since(now))
            .filter(|d| !d.is_zero())
            .max();
        match wait {
            Some(d) => Err(d),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, keys: &[String]) {
        let now = self.clock.now();
        let policy = self.policy;
        let mut table = self.table();
        if table.len() > PRUNE_ABOVE {
            table.retain(|_, f| now.duration_since(f.last) < policy.forget_after);
        }
        for key in keys {
            let entry = table.entry(key.clone()).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(entry.last) >= policy.forget_after {
                entry.count = 0;
            }
            entry.count += 1;
            entry.last = now;
            if entry.count >= policy.max_failures {
                entry.locked_until = Some(now + policy.delay_after(entry.count));
            }
        }
    }

    pub fn record_success(&self, keys: &[String]) {
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
    fn five_failures_lock_and_the_lock_lifts() {
        let (clock, t) = throttle();
        let keys = ["user:ada".to_owned()];
        for _ in 0..4 {
            t.record_failure(&keys);
            assert!(t.check(&keys).is_ok());
        }
        t.record_failure(&keys);
        assert_eq!(t.check(&keys), Err(Duration::from_secs(2)));
        clock.advance(Duration::from_secs(2));
        assert!(t.check(&keys).is_ok());
    }

    #[test]
    fn each_further_failure_doubles_the_wait_up_to_the_cap() {
        let (_, t) = throttle();
        let keys = ["ip:10.0.0.1".to_owned()];
        for _ in 0..6 {
            t.record_failure(&keys);
        }
        assert_eq!(t.check(&keys), Err(Duration::from_secs(4)));
        for _ in 0..30 {
            t.record_failure(&keys);
        }
        assert_eq!(t.check(&keys), Err(Duration::from_secs(15 * 60)));
    }

    #[test]
    fn success_clears_and_other_keys_are_unaffected() {
        let (_, t) = throttle();
        let ada = ["user:ada".to_owned()];
        for _ in 0..5 {
            t.record_failure(&ada);
        }
        assert!(t.check(&["user:bob".to_owned()]).is_ok());
        t.record_success(&ada);
        assert!(t.check(&ada).is_ok());
    }
}
