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
