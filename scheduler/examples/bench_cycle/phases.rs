//! Each batch's phases as they ran (the warm-up batch included): what the estimates had to
//! predict, so that a miss can be traced to the STT or the evaluation phase.

use std::collections::HashMap;

use domain::entities::{batch, evaluation, submission};
use sea_orm::{DatabaseConnection, EntityTrait};

/// `origin_ms` (Unix ms; `arrivals`: the first upload) adds when each phase started and the
/// evaluation ended, in seconds after it.
pub async fn print(db: &DatabaseConnection, origin_ms: Option<u64>) {
    let subs = submission::Entity::find().all(db).await.unwrap();
    let evaluations = evaluation::Entity::find().all(db).await.unwrap();
    let done: HashMap<i32, i64> = evaluations
        .iter()
        .map(|e| (e.submission_id, e.created_at.timestamp_millis()))
        .collect();
    let written = written(&evaluations);
    let mut batches = batch::Entity::find().all(db).await.unwrap();
    batches.sort_by_key(|b| b.seq);
    println!("\nEach batch as it ran (results: seconds after its evaluation phase started):\n");
    println!(
        "| batch | items | speech | STT phase | evaluation phase | first result | last result \
         | answers written: all, longest | STT from, evaluation from–to |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let clock = |b: &batch::Model| {
        let Some(origin) = origin_ms else {
            return "–".to_owned();
        };
        let at = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map_or("–".to_owned(), |t| {
                format!(
                    "{:.1}",
                    (t.timestamp_millis() - origin as i64) as f64 / 1000.0
                )
            })
        };
        format!(
            "{}, {}–{} s",
            at(b.stt_started_at),
            at(b.eval_started_at),
            at(b.eval_ended_at)
        )
    };
    let secs = |from: Option<chrono::DateTime<chrono::Utc>>,
                to: Option<chrono::DateTime<chrono::Utc>>| {
        match (from, to) {
            (Some(f), Some(t)) => format!("{:.1} s", (t - f).num_milliseconds() as f64 / 1000.0),
            _ => "–".into(),
        }
    };
    for b in &batches {
        let items: Vec<&submission::Model> =
            subs.iter().filter(|s| s.batch_id == Some(b.id)).collect();
        let speech: i64 = items.iter().map(|s| s.duration_ms).sum::<i64>() / 1000;
        let eval_start = b.eval_started_at.map(|t| t.timestamp_millis()).unwrap_or(0);
        let after: Vec<f64> = items
            .iter()
            .filter_map(|s| done.get(&s.id))
            .map(|t| (t - eval_start) as f64 / 1000.0)
            .collect();
        let first = after.iter().copied().fold(f64::INFINITY, f64::min);
        let last = after.iter().copied().fold(0.0, f64::max);
        let (first, last) = if after.is_empty() {
            ("–".to_owned(), "–".to_owned())
        } else {
            (format!("{first:.1} s"), format!("{last:.1} s"))
        };
        let chars: Vec<usize> = items
            .iter()
            .filter_map(|s| written.get(&s.id).copied())
            .collect();
        println!(
            "| {} | {} | {speech} s | {} | {} | {first} | {last} | {}, {} chars | {} |",
            b.seq,
            items.len(),
            secs(b.stt_started_at, b.stt_ended_at),
            secs(b.eval_started_at, b.eval_ended_at),
            chars.iter().sum::<usize>(),
            chars.iter().max().copied().unwrap_or(0),
            clock(b),
        );
    }
}

/// What the model wrote for each submission, in characters: each one is decoding work, and
/// the longest answer holds its phase.
pub fn written(evaluations: &[evaluation::Model]) -> HashMap<i32, usize> {
    evaluations
        .iter()
        .map(|e| (e.submission_id, e.result.written_chars()))
        .collect()
}
