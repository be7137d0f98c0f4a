//! The lab as students live it: 30 students upload one after another (one every 6 s, about
//! 3 minutes in all) into one lab session with the demo's settings (batch size 10, linger
//! 15 s). Right after each upload, the student's estimate is read from the live status the
//! scheduler publishes (what their status stream shows), and compared with when their batch
//! started and when their result arrived.

use std::collections::HashMap;
use std::time::Duration;

use domain::entities::{batch, evaluation, submission};
use domain::submissions::{NewSubmission, SubmissionService};
use sea_orm::EntityTrait;

use super::Lab;
use super::clips::Clip;

const EVERY: Duration = Duration::from_secs(6);

/// (entered, estimated batch start, estimated result), Unix ms, and where the GPU was then.
type Told = (u64, u64, u64, String);

pub async fn run(lab: &Lab, clips: &[Clip], threads: u32) {
    let handle = lab.scheduler.handle();
    let mut updates = handle.subscribe();
    let mut told: HashMap<i32, Told> = HashMap::new();
    let mut order = Vec::new();
    // What the first student was told from: the lab's history, and no stream yet.
    let mut first_learned = None;
    let ticks = super::steal::now();
    for (i, c) in clips.iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(EVERY).await;
        }
        let new = NewSubmission {
            student_id: lab.student,
            lab_session_id: lab.lab,
            original_name: format!("student{i}.wav"),
            media_path: None,
            media_sha256: None,
            audio_path: c.audio.display().to_string(),
            duration_ms: c.duration_ms,
        };
        // `enqueue`, not `submit`: one benchmark account stands for 30 students, and a
        // student's new upload would replace their queued one.
        let entered = engine_protocol::unix_ms();
        let id = SubmissionService::enqueue(&lab.db, new).await.unwrap().id;
        handle.notify_queued();
        let estimate = loop {
            let snapshot = updates.borrow_and_update().clone();
            if let Some(found) = super::told::of(&snapshot, id) {
                if i == 0 {
                    first_learned = Some(snapshot.estimates.clone());
                }
                // Every estimate's inputs, for replaying other estimators on this run.
                eprintln!(
                    "estimates at student {}: {}",
                    i + 1,
                    serde_json::to_string(&snapshot.estimates).unwrap()
                );
                break (found, gpu_at(&snapshot));
            }
            updates.changed().await.unwrap();
        };
        let ((start, result), gpu) = estimate;
        told.insert(id, (entered, start, result, gpu));
        order.push(id);
    }
    loop {
        let snapshot = updates.borrow_and_update().clone();
        let all_done = order
            .iter()
            .all(|id| snapshot.recent.iter().any(|r| r.owner.submission_id == *id));
        if all_done && snapshot.current.is_none() {
            break;
        }
        updates.changed().await.unwrap();
    }
    let stolen = super::steal::since(ticks);
    report(lab, &order, &told, threads, stolen).await;
    super::told::print_learned(first_learned.as_ref());
}

async fn report(lab: &Lab, order: &[i32], told: &HashMap<i32, Told>, threads: u32, stolen: f64) {
    let subs: HashMap<i32, submission::Model> = submission::Entity::find()
        .all(&lab.db)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let batches: HashMap<i32, batch::Model> = batch::Entity::find()
        .all(&lab.db)
        .await
        .unwrap()
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let evaluations = evaluation::Entity::find().all(&lab.db).await.unwrap();
    let done: HashMap<i32, u64> = evaluations
        .iter()
        .map(|e| (e.submission_id, e.created_at.timestamp_millis() as u64))
        .collect();
    let written = super::phases::written(&evaluations);
    let first_entered = order.first().map_or(0, |id| told[id].0);
    let (mut wait_errors, mut result_errors) = (Vec::new(), Vec::new());
    println!(
        "30 students, one every {} s, batch size 10, linger 15 s, {threads} threads\n",
        EVERY.as_secs()
    );
    println!(
        "| student | entered | GPU then | speech | batch | told: start | real: start \
         | told: result | real: result | result in evaluation phase | answer written |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (n, id) in order.iter().enumerate() {
        let &(entered, start, result, ref gpu) = &told[id];
        let batch = subs[id].batch_id.and_then(|b| batches.get(&b)).unwrap();
        let started = batch
            .stt_started_at
            .or(batch.eval_started_at)
            .unwrap()
            .timestamp_millis() as u64;
        let secs = |at: u64| at.saturating_sub(entered) as f64 / 1000.0;
        let (told_start, real_start) = (secs(start), secs(started));
        let (told_result, real_result) = (secs(result), secs(done[id]));
        // Which items wait for the phase's end (answers decoded to their longest) is what
        // the shared finish share cannot know; this column shows it.
        let in_eval = batch.eval_started_at.map_or(0.0, |t| {
            done[id].saturating_sub(t.timestamp_millis() as u64) as f64 / 1000.0
        });
        println!(
            "| {} | {:.1} s | {gpu} | {:.0} s | {} | {told_start:.1} s | {real_start:.1} s \
             | {told_result:.0} s | {real_result:.0} s | {in_eval:.1} s | {} chars |",
            n + 1,
            entered.saturating_sub(first_entered) as f64 / 1000.0,
            subs[id].duration_ms as f64 / 1000.0,
            batch.seq,
            written.get(id).copied().unwrap_or(0)
        );
        if real_start >= 1.0 {
            wait_errors.push(((told_start - real_start) / real_start).abs());
        }
        result_errors.push(((told_result - real_result) / real_result).abs());
    }
    let mape = |e: &[f64]| 100.0 * e.iter().sum::<f64>() / e.len().max(1) as f64;
    let floor = finish_floor(order, told, &subs, &batches, &done);
    println!("\n| measure | value | goal |");
    println!("|---|---|---|");
    println!(
        "| MAPE of the wait estimate, the {} students who waited | {:.1} % | ≤ 15 % |",
        wait_errors.len(),
        mape(&wait_errors)
    );
    println!(
        "| MAPE of the results-time estimate, all {} students | {:.1} % | ≤ 15 % |",
        result_errors.len(),
        mape(&result_errors)
    );
    println!(
        "| the same, were each batch's start and phases known exactly and every result \
         expected at one share of its evaluation phase (this run's median) | {floor:.1} % | |"
    );
    println!("| CPU time taken by the VM's host meanwhile (steal) | {stolen:.1} % | |");
    super::phases::print(&lab.db, Some(first_entered)).await;
}

/// The results-time MAPE left when every batch's start and phase lengths are known exactly
/// and each result is expected at one share of its evaluation phase, the run's median: what
/// the spread of results within a phase costs alone (which answers run long depends on what
/// the student said, not on anything known at upload).
fn finish_floor(
    order: &[i32],
    told: &HashMap<i32, Told>,
    subs: &HashMap<i32, submission::Model>,
    batches: &HashMap<i32, batch::Model>,
    done: &HashMap<i32, u64>,
) -> f64 {
    let ms = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as u64;
    let phases: Vec<(u64, u64, u64, u64)> = order
        .iter()
        .filter_map(|id| {
            let b = batches.get(&subs[id].batch_id?)?;
            let (from, to) = (ms(b.eval_started_at?), ms(b.eval_ended_at?));
            Some((told[id].0, from, to, done[id]))
        })
        .collect();
    let mut shares: Vec<f64> = phases
        .iter()
        .map(|&(_, from, to, at)| {
            at.saturating_sub(from) as f64 / to.saturating_sub(from).max(1) as f64
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    let share = shares.get(shares.len() / 2).copied().unwrap_or(1.0);
    let errors: Vec<f64> = phases
        .iter()
        .map(|&(entered, from, to, at)| {
            let guess = from as f64 + share * to.saturating_sub(from) as f64;
            (guess - at as f64).abs() / at.saturating_sub(entered).max(1) as f64
        })
        .collect();
    100.0 * errors.iter().sum::<f64>() / errors.len().max(1) as f64
}

/// Where the GPU was when a student was told: the running batch, its phase and how long it
/// had been in it (what an estimator could know of the phase under way).
fn gpu_at(snapshot: &domain::status::Snapshot) -> String {
    match &snapshot.current {
        Some(c) => {
            let done = c.items.iter().filter(|i| i.state.is_final()).count();
            format!(
                "batch {} {:?} {:.1} s, {done}/{} done",
                c.seq,
                c.phase,
                snapshot.at_ms.saturating_sub(c.phase_started_ms) as f64 / 1000.0,
                c.items.len()
            )
        }
        None => "idle".into(),
    }
}
