//! What a student is told: their predicted batch start and result, as the live status the
//! scheduler publishes shows it (Unix ms).

use std::collections::HashMap;

use domain::status::{Estimates, Snapshot};

/// (batch start, result) predicted for `id`, if the snapshot holds it (in the running batch
/// or the queue).
pub fn of(snapshot: &Snapshot, id: i32) -> Option<(u64, u64)> {
    if let Some(current) = &snapshot.current
        && let Some(item) = current.items.iter().find(|i| i.owner.submission_id == id)
    {
        return Some((snapshot.at_ms, snapshot.at_ms + item.results_ms));
    }
    let q = snapshot
        .queue
        .iter()
        .find(|q| q.owner.submission_id == id)?;
    Some((snapshot.at_ms + q.wait_ms, snapshot.at_ms + q.results_ms))
}

/// Every one of `ids`' predictions, or none if the snapshot does not hold them all yet.
pub fn all(snapshot: &Snapshot, ids: &[i32]) -> HashMap<i32, (u64, u64)> {
    ids.iter()
        .map(|id| of(snapshot, *id).map(|t| (*id, t)))
        .collect::<Option<HashMap<_, _>>>()
        .unwrap_or_default()
}

/// One batch as its items were told at queue entry and as it ran, seconds after entry.
pub struct BatchTimes {
    /// The earliest and latest start told to its items.
    pub told_start: (f64, f64),
    pub real_start: f64,
    /// The earliest and latest result told to its items, and as they came.
    pub told_result: (f64, f64),
    pub real_result: (f64, f64),
}

/// The batch-size-10 run's batches, told against real.
pub fn print_batches(batches: &[BatchTimes]) {
    println!("\nBatch size 10, seconds from queue entry, told at entry and as it ran:\n");
    println!("| batch | told: start | real: start | told: results | real: results |");
    println!("|---|---|---|---|---|");
    let span = |(from, to): (f64, f64)| format!("{from:.0}–{to:.0} s");
    for (i, b) in batches.iter().enumerate() {
        println!(
            "| {} | {} | {:.0} s | {} | {} |",
            i + 1,
            span(b.told_start),
            b.real_start,
            span(b.told_result),
            span(b.real_result)
        );
    }
}

/// The costs the estimates had learned when the students were told, in seconds.
pub fn print_learned(e: Option<&Estimates>) {
    let Some(e) = e else { return };
    println!(
        "\nLearned: STT load {:.1} s, {:.2} s a window + {:.3} s a second of audio; evaluation \
         load {:.1} s, {:.1} s a phase + {:.2} s an item + {:.3} s a second of speech + {:.1} ms a \
         character written (answers typically {:.0}), results at {:.0} % of the work",
        e.stt_load_ms / 1000.0,
        e.stt_window_ms / 1000.0,
        e.stt_second_ms / 1000.0,
        e.eval_load_ms / 1000.0,
        e.eval_fixed_ms / 1000.0,
        e.eval_item_ms / 1000.0,
        e.eval_second_ms / 1000.0,
        e.eval_char_ms,
        e.answer_chars,
        100.0 * e.finish_fraction
    );
}
