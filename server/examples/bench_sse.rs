//! Benchmark: 500 students follow the live status over SSE while the queue moves (scripted
//! fake engine). Prints update latency (server snapshot time to client receipt) p50/p99 and
//! the server's resident memory. Run by `scripts/bench-scheduler`:
//!   cargo run --release -p server --example bench_sse -- VIVA_BIN FAKE_ENGINE [CLIENTS]
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A benchmark prints its table on stdout.
#![allow(clippy::print_stdout)]

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::Role;
use support::{kb, mb};
use tokio::sync::Mutex;

const ITEMS: usize = 20;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let viva = PathBuf::from(args.next().expect("VIVA_BIN"));
    let fake = PathBuf::from(args.next().expect("FAKE_ENGINE"));
    let clients: usize = args.next().map_or(500, |n| n.parse().unwrap());

    let scratch = tempfile::tempdir().unwrap();
    let script = scratch.path().join("script.json");
    std::fs::write(&script, r#"{"load_ms": 50, "item_ms": 150}"#).unwrap();
    let site = support::site(&format!(
        "[login]\nmax_failures_per_address = 100000\n\
         [scheduler]\nbatch_size = 5\nlinger_secs = 0.0\n\
         [scheduler.stt]\nprogram = {fake:?}\nargs = [\"stt\", {script:?}]\n\
         [scheduler.eval]\nprogram = {fake:?}\nargs = [\"eval\", {script:?}]\n"
    ))
    .await;
    let (db, lab) = (&site.db, site.lab);
    eprintln!("creating {clients} students…");
    let mut students = Vec::new();
    for i in 0..clients {
        let name = format!("s{i:04}");
        let id = support::user(db, &name, Role::Student).await;
        students.push((name, id));
    }
    let mut server = support::serve(&viva, &site).await;
    let idle_rss = kb(server.id(), "VmRSS:");

    eprintln!("logging in and connecting {clients} SSE clients…");
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let connected = Arc::new(tokio::sync::Semaphore::new(0));
    let mut tasks = Vec::new();
    let mut logged_in = Vec::new();
    for (name, _) in &students {
        logged_in.push(support::logged_in(&site, name).await);
    }
    let login_rss = kb(server.id(), "VmRSS:");
    for client in logged_in {
        tasks.push(support::open_stream(&site, &client, &latencies, &connected).await);
    }
    let _ = connected.acquire_many(clients as u32).await.unwrap();
    let connected_rss = kb(server.id(), "VmRSS:");

    eprintln!("queueing {ITEMS} submissions…");
    let started = Instant::now();
    let wav = scratch.path().join("a.wav");
    let mut silence = support::wav_header(32_000);
    silence.resize(44 + 32_000, 0);
    std::fs::write(&wav, silence).unwrap();
    let mut ids = Vec::new();
    for (_, id) in students.iter().take(ITEMS) {
        let sub = domain::submissions::SubmissionService::enqueue(
            db,
            domain::submissions::NewSubmission {
                student_id: *id,
                lab_session_id: lab,
                original_name: "a.wav".into(),
                media_path: None,
                media_sha256: None,
                audio_path: wav.display().to_string(),
                duration_ms: 1000,
            },
        )
        .await
        .unwrap();
        ids.push(sub.id);
    }
    // The server is another process: it finds the work on its idle recheck.
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
        let open = domain::entities::submission::Entity::find()
            .filter(
                domain::entities::submission::Column::State
                    .ne(domain::entities::submission::SubmissionState::Evaluated),
            )
            .count(db)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
    }
    // Let the last updates arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let busy_rss = kb(server.id(), "VmRSS:");
    let peak_rss = kb(server.id(), "VmHWM:");
    let took = started.elapsed();
    server.kill().unwrap();
    server.wait().unwrap();
    for task in tasks {
        task.abort();
    }

    let mut samples = latencies.lock().await.clone();
    samples.sort_unstable();
    let pct = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    println!("| measure | value |");
    println!("|---|---|");
    println!("| SSE clients (one logged-in student each) | {clients} |");
    println!(
        "| submissions processed | {ITEMS} in {:.1} s |",
        took.as_secs_f64()
    );
    println!("| updates received | {} |", samples.len());
    println!("| update latency p50 | {} ms |", pct(0.50));
    println!("| update latency p99 | {} ms (goal ≤ 100 ms) |", pct(0.99));
    println!(
        "| update latency max | {} ms |",
        samples.last().copied().unwrap_or(0)
    );
    println!(
        "| server RSS idle, before clients | {:.1} MB |",
        mb(idle_rss)
    );
    println!(
        "| server RSS after {clients} logins (argon2id, 19 MiB each) | {:.1} MB |",
        mb(login_rss)
    );
    println!(
        "| server RSS with {clients} clients connected | {:.1} MB |",
        mb(connected_rss)
    );
    println!(
        "| server RSS after the queue drained | {:.1} MB |",
        mb(busy_rss)
    );
    println!(
        "| server peak RSS (VmHWM) | {:.1} MB (goal ≤ 150 MB) |",
        mb(peak_rss)
    );
}
