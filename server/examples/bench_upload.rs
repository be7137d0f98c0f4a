//! Benchmark: one 1 GiB upload, generated on the fly by the client (a 16 kHz mono WAV of
//! noise, so it is a real recording all the way through probing and extraction), to a
//! release `viva` on loopback. Prints the server's memory before and after, and throughput.
//!   cargo run --release -p server --example bench_upload -- VIVA_BIN
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use domain::Role;
use domain::users::{NewUser, UserService};
use migrations::{Migrator, MigratorTrait};

const GIB: u64 = 1024 * 1024 * 1024;
const CHUNK: usize = 256 * 1024;

#[tokio::main]
async fn main() {
    let viva = PathBuf::from(std::env::args().nth(1).expect("VIVA_BIN"));
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("viva.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {data:?}\nlisten = \"127.0.0.1:{port}\"\n\
             [uploads]\nmax_mb = 2048\nmax_duration_secs = 100000\n\
             [scheduler]\nlinger_secs = 3600.0\nbatch_size = 64\n"
        ),
    )
    .unwrap();
    let url = format!("sqlite://{}?mode=rwc", data.join("viva.db").display());
    let db = domain::db::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let new = |name: &str, role| NewUser::parse(name, name, role, "password-1234").unwrap();
    let teacher = UserService::create(&db, new("teacher", Role::Instructor))
        .await
        .unwrap()
        .id;
    UserService::create(&db, new("student", Role::Student))
        .await
        .unwrap();
    let criterion = domain::labs::Criterion {
        name: "All".into(),
        description: String::new(),
        max_points: 10,
    };
    let lab = domain::labs::LabSessionService::create(
        &db,
        teacher,
        domain::labs::NewLabSession {
            title: "Bench".into(),
            instructions: "Explain.".into(),
            rubric: domain::labs::Rubric::parse(vec![criterion]).unwrap(),
            language: "en".into(),
            release_mode: domain::entities::lab_session::ReleaseMode::Automatic,
            join_code: None,
        },
    )
    .await
    .unwrap()
    .id;

    let mut server = Command::new(&viva)
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let mut up = false;
    for _ in 0..200 {
        if let Ok(r) = client
            .post(format!("{base}/api/login"))
            .form(&[("username", "student"), ("password", "password-1234")])
            .send()
            .await
        {
            up = r.status().is_success() || r.status().is_redirection();
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "cannot log in");
    let before = kb(server.id(), "VmRSS:");
    let peak_before = kb(server.id(), "VmHWM:");

    let started = Instant::now();
    let body = reqwest::Body::wrap_stream(futures::stream::unfold(0u64, |sent| async move {
        if sent >= GIB + 44 {
            return None;
        }
        let chunk = if sent == 0 {
            wav_header(GIB as u32)
        } else {
            noise(sent, CHUNK)
        };
        let next = sent + chunk.len() as u64;
        Some((Ok::<_, std::io::Error>(chunk), next))
    }));
    let response = client
        .post(format!("{base}/api/lab-sessions/{lab}/upload?name=big.wav"))
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let answer = response.text().await.unwrap();
    let took = started.elapsed();
    let after = kb(server.id(), "VmRSS:");
    let peak_after = kb(server.id(), "VmHWM:");
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(status, 201, "{answer}");

    let mib = (GIB + 44) as f64 / (1024.0 * 1024.0);
    println!("| measure | value | goal |");
    println!("|---|---|---|");
    println!(
        "| upload | 1 GiB WAV (16 kHz mono noise), streamed by the client, accepted and queued | |"
    );
    println!(
        "| total time (stream to disk + SHA-256, ffprobe, ffmpeg extraction, silence check) | {:.1} s | |",
        took.as_secs_f64()
    );
    println!(
        "| end-to-end throughput | {:.0} MiB/s | |",
        mib / took.as_secs_f64()
    );
    println!(
        "| server RSS before → after | {:.1} → {:.1} MB | |",
        before as f64 / 1024.0,
        after as f64 / 1024.0
    );
    println!(
        "| server peak RSS (VmHWM) increase | {:.1} MB | < 32 MB |",
        (peak_after.saturating_sub(peak_before)) as f64 / 1024.0
    );
}

fn kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

fn wav_header(data: u32) -> Vec<u8> {
    let mut h = b"RIFF".to_vec();
    h.extend_from_slice(&(36u32.wrapping_add(data)).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&[1, 0, 1, 0]);
    h.extend_from_slice(&16_000u32.to_le_bytes());
    h.extend_from_slice(&32_000u32.to_le_bytes());
    h.extend_from_slice(&[2, 0, 16, 0]);
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data.to_le_bytes());
    h
}

/// Quiet noise (xorshift), different in every chunk.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let sample = ((x >> 48) as i16) / 8;
        out.extend_from_slice(&sample.to_le_bytes());
    }
    out
}
