//! Who pays for a failed engine run. A crash, a timeout or a whole-run error is charged to
//! the items the engine was working on; if it was working on none (it failed while loading,
//! or could not start at all), to every item still pending, since any of them may be the
//! cause. An item charged [`MAX_CRASHES`] times in one phase fails with the reason; the
//! others go to a fresh process. Pure: the counting itself is stored by the caller.

use domain::entities::engine_run::Phase;

/// Crashes of one item, in one phase, after which it fails instead of being retried.
pub const MAX_CRASHES: i32 = 2;

/// The items a failed run is charged to.
pub fn charged_items(in_flight: &[i32], pending: &[i32]) -> Vec<i32> {
    if in_flight.is_empty() {
        pending.to_vec()
    } else {
        in_flight.to_vec()
    }
}

/// What happens to an item that has now been charged `crashes` times in a phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Back to the state before the phase, for a fresh process.
    Retry,
    /// Failed for good.
    Fail,
}

pub fn verdict(crashes: i32) -> Verdict {
    if crashes >= MAX_CRASHES {
        Verdict::Fail
    } else {
        Verdict::Retry
    }
}

/// The reason an item that failed by [`Verdict::Fail`] shows its owner.
pub fn failure_reason(phase: Phase, reason: &str) -> String {
    let engine = match phase {
        Phase::Stt => "speech-to-text",
        Phase::Evaluation => "evaluation",
    };
    format!("the {engine} engine failed twice on this submission: {reason}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_crash_mid_item_is_charged_to_the_items_in_flight_only() {
        assert_eq!(charged_items(&[2], &[1, 2, 3]), [2]);
        assert_eq!(charged_items(&[2, 3], &[1, 2, 3]), [2, 3]);
    }

    #[test]
    fn a_crash_with_nothing_in_flight_is_charged_to_every_pending_item() {
        assert_eq!(charged_items(&[], &[1, 2, 3]), [1, 2, 3]);
        assert!(charged_items(&[], &[]).is_empty());
    }

    #[test]
    fn an_item_is_retried_after_its_first_crash_and_fails_at_the_second() {
        assert_eq!(verdict(1), Verdict::Retry);
        assert_eq!(verdict(MAX_CRASHES), Verdict::Fail);
        assert_eq!(verdict(MAX_CRASHES + 1), Verdict::Fail);
    }

    #[test]
    fn the_failure_reason_names_the_engine_and_the_cause() {
        let reason = failure_reason(Phase::Stt, "it exited (signal: 9)");
        assert_eq!(
            reason,
            "the speech-to-text engine failed twice on this submission: it exited (signal: 9)"
        );
        assert!(failure_reason(Phase::Evaluation, "x").starts_with("the evaluation engine"));
    }
}
