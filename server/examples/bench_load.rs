//! Benchmark: the lab at its busiest, against a release `viva` on loopback. 500 students
//! hold their live status open while 30 of them upload a real video (an MP4 with sound) at
//! the same moment; then 300 students log in at once. Prints whether every upload was queued
//! exactly once, the status update latency during the uploads, the upload times, the login
//! burst's latency, and the server's memory.
//!   cargo run --release -p server --example bench_load -- VIVA_BIN [STREAMS] [UPLOADS] [LOGINS]
#![allow(clippy::unwrap_used, clippy::expect_used)]
// A benchmark prints its table on stdout.
#![allow(clippy::print_stdout)]

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::Role;
use domain::entities::submission::{self, SubmissionState};
use sea_orm::EntityTrait;
use support::{kb, mb};
use tokio::sync::Mutex;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let viva = PathBuf::from(args.next().expect("VIVA_BIN"));
    let mut count = |default: usize| args.next().map_or(default, |n| n.parse().unwrap());
    let (streams, uploads, logins) = (count(500), count(30), count(300));

    // Nothing is processed: the queue holds every upload, so "queued once" can be counted.
    // Every client is 127.0.0.1: 300 logins at once from one address are more than the
    // default per-address limit (30 attempts in flight) lets through, so it is raised.
    let site = support::site(
        "[login]\nmax_failures_per_address = 1000\n\
         [scheduler]\nlinger_secs = 3600.0\nbatch_size = 64\n",
    )
    .await;
    eprintln!("creating {streams} students and a video…");
    let mut students = Vec::new();
    for i in 0..streams.max(logins) {
        let name = format!("s{i:04}");
        support::user(&site.db, &name, Role::Student).await;
        students.push(name);
    }
    let video = test_kit::media::tone_video(20, &site.dir.path().join("talk.mp4"));
    let video = std::fs::read(video).unwrap();
    let mut server = support::serve(&viva, &site).await;

    eprintln!("logging in {streams} students and opening their status streams…");
    let mut clients = Vec::new();
    for name in students.iter().take(streams) {
        clients.push(support::logged_in(&site, name).await);
    }
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let connected = Arc::new(tokio::sync::Semaphore::new(0));
    let mut readers = Vec::new();
    for client in &clients {
        readers.push(support::open_stream(&site, client, &latencies, &connected).await);
    }
    let _ = connected.acquire_many(streams as u32).await.unwrap();
    let connected_rss = kb(server.id(), "VmRSS:");

    eprintln!("{uploads} uploads at once…");
    let started = Instant::now();
    let url = format!(
        "{}/api/lab-sessions/{}/upload?name=talk.mp4",
        site.base, site.lab
    );
    let sent: Vec<_> = clients
        .iter()
        .take(uploads)
        .map(|client| {
            let request = client.post(&url).body(video.clone());
            tokio::spawn(async move {
                let begun = Instant::now();
                let status = request.send().await.unwrap().status();
                (status, begun.elapsed())
            })
        })
        .collect();
    let mut upload_ms = Vec::new();
    let mut created = 0;
    for upload in sent {
        let (status, took) = upload.await.unwrap();
        created += usize::from(status == 201);
        upload_ms.push(took.as_millis() as u64);
    }
    let all_uploads = started.elapsed();
    // Let the last status updates arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = submission::Entity::find().all(&site.db).await.unwrap();
    let queued = rows
        .iter()
        .filter(|r| r.state == SubmissionState::Queued)
        .count();
    let mut owners: Vec<i32> = rows.iter().map(|r| r.student_id).collect();
    owners.sort_unstable();
    owners.dedup();
    let upload_peak = kb(server.id(), "VmHWM:");

    eprintln!("{logins} logins at once…");
    let begun = Instant::now();
    let attempts: Vec<_> = students
        .iter()
        .take(logins)
        .cloned()
        .map(|name| {
            let base = site.base.clone();
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                let at = Instant::now();
                let status = client
                    .post(format!("{base}/api/login"))
                    .form(&[("username", name.as_str()), ("password", support::PASSWORD)])
                    .send()
                    .await
                    .unwrap()
                    .status();
                (status.is_success() || status.is_redirection(), at.elapsed())
            })
        })
        .collect();
    let mut login_ms = Vec::new();
    let mut logged_in = 0;
    for attempt in attempts {
        let (ok, took) = attempt.await.unwrap();
        logged_in += usize::from(ok);
        login_ms.push(took.as_millis() as u64);
    }
    let burst = begun.elapsed();
    let peak = kb(server.id(), "VmHWM:");
    server.kill().unwrap();
    server.wait().unwrap();
    readers.iter().for_each(tokio::task::JoinHandle::abort);

    let mut status_ms = latencies.lock().await.clone();
    println!("| measure | value |");
    println!("|---|---|");
    println!("| status streams open | {streams} |");
    println!(
        "| uploads at once (20 s MP4 with sound, {} KB) | {uploads}: {created} accepted in {:.1} s |",
        video.len() / 1024,
        all_uploads.as_secs_f64()
    );
    println!(
        "| queue after the uploads | {} rows, {queued} queued, {} students (each upload queued once: {}) |",
        rows.len(),
        owners.len(),
        rows.len() == uploads && queued == uploads && owners.len() == uploads
    );
    println!(
        "| upload time p50 / p99 | {} / {} ms |",
        pct(&mut upload_ms, 0.5),
        pct(&mut upload_ms, 0.99)
    );
    println!(
        "| status updates during the uploads | {} received; latency p50 {} ms, p99 {} ms |",
        status_ms.len(),
        pct(&mut status_ms, 0.5),
        pct(&mut status_ms, 0.99)
    );
    println!(
        "| server RSS with {streams} streams open | {:.1} MB |",
        mb(connected_rss)
    );
    println!(
        "| server peak RSS after the uploads | {:.1} MB |",
        mb(upload_peak)
    );
    println!(
        "| logins at once | {logins}: {logged_in} succeeded in {:.1} s; p50 {} ms, p99 {} ms |",
        burst.as_secs_f64(),
        pct(&mut login_ms, 0.5),
        pct(&mut login_ms, 0.99)
    );
    println!("| server peak RSS at the end | {:.1} MB |", mb(peak));
}

fn pct(samples: &mut [u64], p: f64) -> u64 {
    if samples.is_empty() {
        return 0;
    }
    samples.sort_unstable();
    samples[((samples.len() as f64 - 1.0) * p).round() as usize]
}
