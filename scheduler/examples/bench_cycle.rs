//! Benchmark of the GPU cycle on the real engines and models: 30 submissions of generated
//! speech (10–60 s each), batch size 10, linger 0, against the per-request baseline (batch
//! size 1). Prints: lab wall time ÷ the engines' own process time, model loads per batch,
//! total time of both, and the error of each student's estimate (made at queue entry) of
//! when their results arrive. SCENARIO `quiet` (the default) runs alone; `hog` runs beside
//! one CPU-bound process (a busy shell loop) for the whole run; `arrivals` is the product
//! brief's lab instead: 30 students uploading one after another into one lab session with the
//! demo's settings (see `bench_cycle/arrivals.rs`). Run by `scripts/bench-scheduler`:
//!   cargo run -p scheduler --example bench_cycle -- BIN_DIR MODELS_DIR [THREADS] [SCENARIO]
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A benchmark prints its table on stdout.
#![allow(clippy::print_stdout)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use domain::Role;
use domain::entities::lab_session::ReleaseMode;
use domain::entities::{engine_run, evaluation};
use domain::labs::{Criterion, LabSessionService, NewLabSession, Rubric, RubricRules};
use domain::submissions::{NewSubmission, SubmissionService};
use scheduler::{EngineConfig, Scheduler, SchedulerConfig};
use sea_orm::{DatabaseConnection, EntityTrait};
use test_kit::db::TestDb;

// Beside this file, not in examples/ itself, where cargo would take it for an example.
#[path = "bench_cycle/arrivals.rs"]
mod arrivals;
#[path = "bench_cycle/clips.rs"]
mod clips;
#[path = "bench_cycle/phases.rs"]
mod phases;
#[path = "bench_cycle/steal.rs"]
mod steal;
#[path = "bench_cycle/told.rs"]
mod told;

use clips::{Clip, clip};

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let bins = PathBuf::from(args.next().expect("BIN_DIR"));
    let models = PathBuf::from(args.next().expect("MODELS_DIR"));
    let threads: u32 = args.next().map_or(2, |t| t.parse().unwrap());
    let scenario = args.next().unwrap_or_else(|| "quiet".into());
    // One CPU-bound process beside the engines for the whole run.
    let mut hog = (scenario == "hog").then(|| {
        std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .unwrap()
    });
    let clips_dir = std::env::temp_dir().join("viva-bench-clips");
    std::fs::create_dir_all(&clips_dir).unwrap();

    eprintln!("generating speech…");
    let warmup: Vec<Clip> = (0..10)
        .map(|i| clip(&clips_dir, 100 + i, 10 + (i as u32 * 7) % 21))
        .collect();
    // A lab that has graded before: a batch of short clips, then a few long ones.
    let warmup_long: Vec<Clip> = (0..4)
        .map(|i| clip(&clips_dir, 110 + i, 45 + 5 * i as u32))
        .collect();
    let clips: Vec<Clip> = (0..30)
        .map(|i| clip(&clips_dir, i, 10 + (i as u32 * 17) % 51))
        .collect();
    let audio_s: i64 = clips.iter().map(|c| c.duration_ms).sum::<i64>() / 1000;

    if scenario == "arrivals" {
        let lab = Lab::new(&bins, &models, threads, 10, 15.0).await;
        eprintln!("warm-up batches (history for the estimates)…");
        lab.run(&warmup).await;
        lab.run(&warmup_long).await;
        eprintln!("30 students arriving one after another…");
        arrivals::run(&lab, &clips, threads).await;
        return;
    }
    eprintln!("batch size 10: warm-up batches (history for the estimates)…");
    let batched = Lab::new(&bins, &models, threads, 10, 0.0).await;
    batched.run(&warmup).await;
    batched.run(&warmup_long).await;
    eprintln!("batch size 10: 30 submissions…");
    let ticks = steal::now();
    let measured = batched.run(&clips).await;
    let stolen = steal::since(ticks);

    let skip_baseline = std::env::var_os("BENCH_SKIP_BASELINE").is_some();
    let baseline = if skip_baseline {
        None
    } else {
        eprintln!("batch size 1 (the per-request baseline): 30 submissions…");
        let single = Lab::new(&bins, &models, threads, 1, 0.0).await;
        Some(single.run(&clips).await)
    };

    if let Some(hog) = hog.as_mut() {
        let _ = hog.kill();
        let _ = hog.wait();
    }
    let ratio = measured.wall.as_secs_f64() / measured.engine_s;
    let beside = if scenario == "hog" {
        ", beside one CPU-bound process (`sh -c 'while :; do :; done'`)"
    } else {
        ", nothing else running"
    };
    println!(
        "30 submissions, {audio_s} s of speech in all (10–60 s each), {threads} threads{beside}\n"
    );
    println!("| measure | value | goal |");
    println!("|---|---|---|");
    println!(
        "| lab wall time, batch size 10 | {:.1} s | |",
        measured.wall.as_secs_f64()
    );
    println!(
        "| sum of engine process time | {:.1} s | |",
        measured.engine_s
    );
    println!("| wall ÷ engine time | {ratio:.3} | ≤ 1.05 |");
    println!("| CPU time taken by the VM's host meanwhile (steal) | {stolen:.1} % | |");
    println!(
        "| engine processes (model loads) per batch | {:.2} ({} runs, {} batches) | 2 |",
        measured.runs as f64 / measured.batches as f64,
        measured.runs,
        measured.batches
    );
    if let Some(baseline) = &baseline {
        println!(
            "| total time, batch size 1 (swap per request) | {:.1} s ({} runs) | |",
            baseline.wall.as_secs_f64(),
            baseline.runs
        );
        println!(
            "| batch size 1 ÷ batch size 10 | {:.2}× | |",
            baseline.wall.as_secs_f64() / measured.wall.as_secs_f64()
        );
    }
    println!(
        "| MAPE of the results-time estimate at queue entry, batch size 10 | {:.1} % | ≤ 15 % |",
        measured.mape
    );
    if let Some(baseline) = &baseline {
        println!(
            "| MAPE of the results-time estimate at queue entry, batch size 1 (no history) | {:.1} % | |",
            baseline.mape
        );
    }
    println!(
        "| MAPE of the wait estimate (until the batch starts) at queue entry, batch size 10, the {} items that waited | {:.1} % | ≤ 15 % |",
        measured.waited, measured.wait_mape
    );
    told::print_batches(&measured.per_batch);
    told::print_learned(measured.learned.as_ref());
    phases::print(&batched.db, None).await;
}

struct Lab {
    db: DatabaseConnection,
    _dir: tempfile::TempDir,
    scheduler: Scheduler,
    student: i32,
    lab: i32,
}

struct Measured {
    wall: Duration,
    engine_s: f64,
    runs: usize,
    batches: usize,
    mape: f64,
    /// Over the items that waited for an earlier batch: the error of the estimated wait.
    wait_mape: f64,
    waited: usize,
    per_batch: Vec<told::BatchTimes>,
    /// What the estimates had learned when the students were told.
    learned: Option<domain::status::Estimates>,
}

impl Lab {
    async fn new(
        bins: &Path,
        models: &Path,
        threads: u32,
        batch_size: u32,
        linger_secs: f64,
    ) -> Self {
        let kit = TestDb::fresh().await;
        let ids = [
            kit.user("teacher", Role::Instructor).await,
            kit.user("student", Role::Student).await,
        ];
        let TestDb { db, dir, .. } = kit;
        let criterion = |name: &str, max_points| Criterion {
            name: name.into(),
            description: format!("{name} is explained clearly"),
            max_points,
        };
        let rubric = Rubric::parse(vec![
            criterion("Method", 4),
            criterion("Result", 4),
            criterion("Errors", 2),
        ])
        .unwrap();
        let lab =
            LabSessionService::create(
                &db,
                ids[0],
                NewLabSession {
                    title: "Pendulum".into(),
                    instructions:
                        "Explain how you measured g with a pendulum and how good your result is."
                            .into(),
                    rubric,
                    language: "en".into(),
                    release_mode: ReleaseMode::Automatic,
                    join_code: None,
                    deadline: None,
                },
            )
            .await
            .unwrap()
            .id;
        let engine = |program: &str, model: &str| EngineConfig {
            program: bins.join(program),
            args: vec!["run".into()],
            model: models.join(model),
            threads,
            use_gpu: false,
            item_timeout_secs: 900,
            phase_timeout_secs: 7200,
        };
        let config = SchedulerConfig {
            batch_size,
            linger_secs,
            eval_seed: 42,
            stt: engine("viva-stt", "ggml-tiny.en.bin"),
            eval: engine("viva-eval", "SmolLM2-135M-Instruct.Q4_1.gguf"),
        };
        let scheduler = Scheduler::start(db.clone(), config, dir.path());
        Self {
            db,
            _dir: dir,
            scheduler,
            student: ids[1],
            lab,
        }
    }

    /// Queues every clip at once (in one transaction) and waits until all are evaluated.
    async fn run(&self, clips: &[Clip]) -> Measured {
        let runs_before = engine_run::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .len();
        let started = Instant::now();
        let entered_ms = engine_protocol::unix_ms();
        let mut ids = Vec::new();
        // One transaction (the cycle would otherwise cut a batch from the items inserted so
        // far), writing first: one that read first failed once on the scheduler's writes.
        let txn = domain::db::begin_write(&self.db).await.unwrap();
        for c in clips {
            let new = NewSubmission {
                student_id: self.student,
                lab_session_id: self.lab,
                original_name: "talk.wav".into(),
                media_path: None,
                media_sha256: None,
                audio_path: c.audio.display().to_string(),
                duration_ms: c.duration_ms,
            };
            ids.push(SubmissionService::enqueue(&txn, new).await.unwrap().id);
        }
        txn.commit().await.unwrap();
        let handle = self.scheduler.handle();
        handle.notify_queued();
        let mut updates = handle.subscribe();
        // The first snapshot that holds every new item: each one's estimate at queue entry.
        let mut estimates: HashMap<i32, (u64, u64)> = HashMap::new();
        let mut learned = None;
        let mut finished = false;
        while !finished {
            let snapshot = updates.borrow_and_update().clone();
            if estimates.is_empty() {
                estimates = told::all(&snapshot, &ids);
                if !estimates.is_empty() {
                    learned = Some(snapshot.estimates.clone());
                }
            }
            finished = ids
                .iter()
                .all(|id| snapshot.recent.iter().any(|r| r.owner.submission_id == *id))
                && snapshot.current.is_none();
            if !finished {
                updates.changed().await.unwrap();
            }
        }
        let wall = started.elapsed();
        let runs: Vec<_> = engine_run::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .skip(runs_before)
            .collect();
        let engine_s: f64 = runs
            .iter()
            .map(|r| (r.ended_at.unwrap() - r.started_at).num_milliseconds() as f64 / 1000.0)
            .sum();
        let mut batches: Vec<i32> = runs.iter().map(|r| r.batch_id).collect();
        batches.dedup();
        let done: HashMap<i32, u64> = evaluation::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.submission_id, e.created_at.timestamp_millis() as u64))
            .collect();
        let batch_of: HashMap<i32, i32> = domain::entities::submission::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|s| Some((s.id, s.batch_id?)))
            .collect();
        // The items as the scheduler really cut them into batches, in order.
        let mut cut: Vec<(i32, Vec<i32>)> = Vec::new();
        for id in &ids {
            let b = batch_of.get(id).copied().unwrap_or(0);
            match cut.last_mut() {
                Some((last, members)) if *last == b => members.push(*id),
                _ => cut.push((b, vec![*id])),
            }
        }
        let started_at: HashMap<i32, u64> = domain::entities::batch::Entity::find()
            .all(&self.db)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|b| {
                let at = b.stt_started_at.or(b.eval_started_at)?;
                Some((b.id, at.timestamp_millis() as u64))
            })
            .collect();
        let secs = |at: u64| at.saturating_sub(entered_ms) as f64 / 1000.0;
        let mut per_batch: Vec<told::BatchTimes> = Vec::new();
        for (b, chunk) in &cut {
            let told = |pick: fn(&(u64, u64)) -> u64| {
                let told = chunk.iter().filter_map(|id| estimates.get(id).map(pick));
                (told.clone().min().unwrap_or(0), told.max().unwrap_or(0))
            };
            let results = chunk.iter().filter_map(|id| done.get(id));
            per_batch.push(told::BatchTimes {
                told_start: (secs(told(|e| e.0).0), secs(told(|e| e.0).1)),
                real_start: secs(started_at.get(b).copied().unwrap_or(0)),
                told_result: (secs(told(|e| e.1).0), secs(told(|e| e.1).1)),
                real_result: (
                    secs(results.clone().min().copied().unwrap_or(0)),
                    secs(results.max().copied().unwrap_or(0)),
                ),
            });
        }
        let errors: Vec<f64> = ids
            .iter()
            .filter_map(|id| {
                let actual = done.get(id)?.saturating_sub(entered_ms) as f64;
                let estimate = estimates.get(id)?.1.saturating_sub(entered_ms) as f64;
                Some(((estimate - actual) / actual).abs())
            })
            .collect();
        let wait_errors: Vec<f64> = ids
            .iter()
            .filter_map(|id| {
                let started = started_at.get(batch_of.get(id)?)?;
                let actual = started.saturating_sub(entered_ms) as f64;
                let estimate = estimates.get(id)?.0.saturating_sub(entered_ms) as f64;
                (actual >= 1000.0).then(|| ((estimate - actual) / actual).abs())
            })
            .collect();
        assert_eq!(
            errors.len(),
            ids.len(),
            "every submission evaluated and estimated"
        );
        Measured {
            wall,
            engine_s,
            runs: runs.len(),
            batches: batches.len(),
            mape: 100.0 * errors.iter().sum::<f64>() / errors.len() as f64,
            wait_mape: 100.0 * wait_errors.iter().sum::<f64>() / wait_errors.len().max(1) as f64,
            waited: wait_errors.len(),
            per_batch,
            learned,
        }
    }
}
