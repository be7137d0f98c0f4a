//! How fast students are uploading now, for the batches expected to fill behind them.
//!
//! The rate is that of the current stream of uploads only, counted up to now: the newest
//! arrivals back to the first gap far longer than the stream's own (a class that uploaded
//! minutes ago is not part of a stream starting now), at most [`COUNTED`] of them. A stream
//! that stopped makes the rate fall as the silence grows.

/// With no gap of the stream to compare with, a gap longer than this ends it.
const PAUSE_MS: u64 = 120_000;
/// A gap this many times the stream's median gap (at least [`MIN_SPAN_MS`], at most
/// [`PAUSE_MS`]) ends it.
const GAP_SPREAD: u64 = 4;
/// The rate is taken over the last this many arrivals of the stream.
const COUNTED: usize = 5;
/// Uploads in the same instant are not an infinite rate: the shortest span they are taken
/// to cover, and the shortest gap that may end a stream.
const MIN_SPAN_MS: u64 = 10_000;

/// Arrivals per minute, from arrival times newest first (ms since the epoch).
pub fn per_minute(newest_first: &[u64], now_ms: u64) -> f64 {
    debug_assert!(
        newest_first.windows(2).all(|p| p[0] >= p[1]),
        "newest first"
    );
    let Some(&newest) = newest_first.first() else {
        return 0.0;
    };
    if now_ms.saturating_sub(newest) > PAUSE_MS {
        return 0.0;
    }
    let gaps: Vec<u64> = newest_first
        .windows(2)
        .take(COUNTED - 1)
        .map(|p| p[0].saturating_sub(p[1]))
        .collect();
    // The stream's own pace is the median gap, so one long gap cannot set it.
    let longest = median(&gaps).map_or(PAUSE_MS, |m| {
        m.saturating_mul(GAP_SPREAD).clamp(MIN_SPAN_MS, PAUSE_MS)
    });
    let stream_gaps = gaps.iter().take_while(|&&gap| gap <= longest).count();
    let oldest = newest_first[stream_gaps];
    let span_ms = now_ms.saturating_sub(oldest).max(MIN_SPAN_MS);
    stream_gaps as f64 * 60_000.0 / span_ms as f64
}

fn median(values: &[u64]) -> Option<u64> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    sorted.get(sorted.len() / 2).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1_000_000_000;

    #[test]
    fn a_stream_a_minute_after_other_uploads_has_its_own_rate() {
        // Four uploads 75 s before a stream of one every 6 s.
        let mut times: Vec<u64> = vec![T; 4];
        times.extend((0..4).map(|i| T + 75_000 + i * 6_000));
        times.reverse();
        let now = T + 75_000 + 18_000;
        assert!((per_minute(&times, now) - 10.0).abs() < 1e-9);
    }

    #[test]
    fn one_upload_well_after_a_stream_starts_no_stream_of_its_own() {
        // One every 6 s, then one 100 s later: not a stream at that student's pace.
        let mut times: Vec<u64> = (0..4).map(|i| T + i * 6_000).collect();
        times.push(T + 118_000);
        times.reverse();
        assert_eq!(per_minute(&times, T + 118_000), 0.0);
    }

    #[test]
    fn uneven_gaps_give_the_mean_pace() {
        let times = [T + 17_000, T + 12_000, T + 4_000, T];
        assert!((per_minute(&times, T + 17_000) - 3.0 * 60.0 / 17.0).abs() < 1e-9);
    }

    #[test]
    fn a_lone_upload_after_a_pause_says_nothing_of_a_rate() {
        let times = [T + 200_000, T, T, T];
        assert_eq!(per_minute(&times, T + 200_000), 0.0);
    }

    #[test]
    fn the_rate_falls_as_the_silence_after_a_stream_grows() {
        let times: Vec<u64> = (0..5).rev().map(|i| T + i * 6_000).collect();
        let at_once = per_minute(&times, T + 24_000);
        let later = per_minute(&times, T + 60_000);
        assert!((at_once - 10.0).abs() < 1e-9);
        assert!(later < at_once / 2.0, "{later}");
        assert_eq!(per_minute(&times, T + 24_000 + PAUSE_MS + 1), 0.0);
    }

    #[test]
    fn uploads_in_the_same_instant_give_a_bounded_rate() {
        let times = [T, T, T, T, T];
        assert!((per_minute(&times, T) - 24.0).abs() < 1e-9);
    }
}
