//! What a student is told: their predicted batch start and result, as the live status the
//! scheduler publishes shows it (Unix ms).

use std::collections::HashMap;

use domain::status::Snapshot;

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
    pub told_last: f64,
    pub real_last: f64,
}

/// The batch-size-10 run's batches, told against real.
pub fn print_batches(batches: &[BatchTimes]) {
    println!("\nBatch size 10, seconds from queue entry, told at entry and as it ran:\n");
    println!("| batch | told: start | real: start | told: last result | real: last result |");
    println!("|---|---|---|---|---|");
    for (i, b) in batches.iter().enumerate() {
        let (from, to) = b.told_start;
        println!(
            "| {} | {from:.0}–{to:.0} s | {:.0} s | {:.0} s | {:.0} s |",
            i + 1,
            b.real_start,
            b.told_last,
            b.real_last
        );
    }
}
