//! How fast students are uploading now, for the batches expected to fill behind them.
//!
//! The rate is that of the current stream of uploads only, counted up to now: the newest
//! arrivals back to the first gap far longer than the stream's own (a class that uploaded
//! minutes ago is not part of a stream starting now), at most [`COUNTED`] of them. A stream
//! that stopped makes the rate fall as the silence grows.
//!
//! How long the stream has gone on matters as much: nothing says when it ends, so it is
//! expected to go on about as long again as it has, from its first upload to its newest (a
//! class uploading for two minutes keeps coming; thirty uploads in one second are not a class
//! that keeps coming for minutes, however long the silence after them).

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

/// The current stream of uploads.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stream {
    /// Arrivals per minute.
    pub per_minute: f64,
    /// From its first arrival to its newest (0 when there is no stream; at most the few
    /// minutes of arrivals read).
    pub lasted_ms: u64,
}

/// The current stream, from arrival times newest first (ms since the epoch).
pub fn current(newest_first: &[u64], now_ms: u64) -> Stream {
    debug_assert!(
        newest_first.windows(2).all(|p| p[0] >= p[1]),
        "newest first"
    );
    let Some(&newest) = newest_first.first() else {
        return Stream::default();
    };
    if now_ms.saturating_sub(newest) > PAUSE_MS {
        return Stream::default();
    }
    let gaps: Vec<u64> = newest_first
        .windows(2)
        .map(|p| p[0].saturating_sub(p[1]))
        .collect();
    let counted = &gaps[..gaps.len().min(COUNTED - 1)];
    // The stream's own pace is the median gap, so one long gap cannot set it.
    let longest = median(counted).map_or(PAUSE_MS, |m| {
        m.saturating_mul(GAP_SPREAD).clamp(MIN_SPAN_MS, PAUSE_MS)
    });
    let in_stream = |gaps: &[u64]| gaps.iter().take_while(|&&gap| gap <= longest).count();
    let stream_gaps = in_stream(counted);
    if stream_gaps == 0 {
        return Stream::default();
    }
    let span_ms = now_ms
        .saturating_sub(newest_first[stream_gaps])
        .max(MIN_SPAN_MS);
    Stream {
        per_minute: stream_gaps as f64 * 60_000.0 / span_ms as f64,
        lasted_ms: newest.saturating_sub(newest_first[in_stream(&gaps)]),
    }
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
        assert!((current(&times, now).per_minute - 10.0).abs() < 1e-9);
    }

    #[test]
    fn one_upload_well_after_a_stream_starts_no_stream_of_its_own() {
        // One every 6 s, then one 100 s later: not a stream at that student's pace.
        let mut times: Vec<u64> = (0..4).map(|i| T + i * 6_000).collect();
        times.push(T + 118_000);
        times.reverse();
        assert_eq!(current(&times, T + 118_000).per_minute, 0.0);
    }

    #[test]
    fn uneven_gaps_give_the_mean_pace() {
        let times = [T + 17_000, T + 12_000, T + 4_000, T];
        assert!((current(&times, T + 17_000).per_minute - 3.0 * 60.0 / 17.0).abs() < 1e-9);
    }

    #[test]
    fn a_lone_upload_after_a_pause_says_nothing_of_a_rate() {
        let times = [T + 200_000, T, T, T];
        assert_eq!(current(&times, T + 200_000).per_minute, 0.0);
    }

    #[test]
    fn the_rate_falls_as_the_silence_after_a_stream_grows() {
        let times: Vec<u64> = (0..5).rev().map(|i| T + i * 6_000).collect();
        let at_once = current(&times, T + 24_000).per_minute;
        let later = current(&times, T + 60_000).per_minute;
        assert!((at_once - 10.0).abs() < 1e-9);
        assert!(later < at_once / 2.0, "{later}");
        assert_eq!(current(&times, T + 24_000 + PAUSE_MS + 1).per_minute, 0.0);
    }

    #[test]
    fn a_stream_has_lasted_since_its_first_arrival_before_the_counted_ones() {
        // Four uploads 75 s before twenty at one every 6 s.
        let mut times: Vec<u64> = vec![T; 4];
        times.extend((0..20).map(|i| T + 75_000 + i * 6_000));
        times.reverse();
        let now = T + 75_000 + 19 * 6_000 + 3_000;
        let stream = current(&times, now);
        assert!((stream.per_minute - 4.0 * 60_000.0 / 27_000.0).abs() < 1e-9);
        assert_eq!(stream.lasted_ms, 19 * 6_000);
    }

    #[test]
    fn a_burst_has_lasted_its_own_second_however_long_the_silence_after() {
        let mut times: Vec<u64> = (0..30).rev().map(|i| T + i * 34).collect();
        times.extend([T - 100_000, T - 100_000]);
        for silence in [0, 30_000, 100_000] {
            let stream = current(&times, T + 29 * 34 + silence);
            assert!(stream.per_minute > 0.0);
            assert_eq!(stream.lasted_ms, 29 * 34);
        }
    }

    #[test]
    fn uploads_in_the_same_instant_give_a_bounded_rate() {
        let times = [T, T, T, T, T];
        assert!((current(&times, T).per_minute - 24.0).abs() < 1e-9);
    }
}
