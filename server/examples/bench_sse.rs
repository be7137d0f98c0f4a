//! Benchmark: 500 students follow the live status over SSE while the queue moves (scripted
//! fake engine). Prints update latency (server snapshot time to client receipt) p50/p99 and
//! the server's resident memory. Run by `scripts/bench-scheduler`:
//!   cargo run --release -p server --example bench_sse -- VIVA_BIN FAKE_ENGINE [CLIENTS]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::Role;
use domain::users::{NewUser, UserService};
use migrations::{Migrator, MigratorTrait};
use tokio::sync::Mutex;

const ITEMS: usize = 20;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let viva = PathBuf::from(args.next().expect("VIVA_BIN"));
    let fake = PathBuf::from(args.next().expect("FAKE_ENGINE"));
    let clients: usize = args.next().map_or(500, |n| n.parse().unwrap());

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let script = dir.path().join("script.json");
    std::fs::write(&script, r#"{"load_ms": 50, "item_ms": 150}"#).unwrap();
    let port = free_port();
    let config = dir.path().join("viva.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {data:?}\nlisten = \"127.0.0.1:{port}\"\n\
             [login]\nmax_failures_per_address = 100000\n\
             [scheduler]\nbatch_size = 5\nlinger_secs = 0.0\n\
             [scheduler.stt]\nprogram = {fake:?}\nargs = [\"stt\", {script:?}]\n\
             [scheduler.eval]\nprogram = {fake:?}\nargs = [\"eval\", {script:?}]\n"
        ),
    )
    .unwrap();

    let url = format!("sqlite://{}?mode=rwc", data.join("viva.db").display());
    let db = domain::db::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    eprintln!("creating {clients} students…");
    let teacher = UserService::create(
        &db,
        NewUser::parse("teacher", "T", Role::Instructor, "password-1234").unwrap(),
    )
    .await
    .unwrap()
    .id;
    let mut students = Vec::new();
    for i in 0..clients {
        let name = format!("s{i:04}");
        let new = NewUser::parse(&name, &name, Role::Student, "password-1234").unwrap();
        students.push((name, UserService::create(&db, new).await.unwrap().id));
    }
    let lab = domain::labs::LabSessionService::create(
        &db,
        teacher,
        domain::labs::NewLabSession {
            title: "Bench".into(),
            instructions: "Explain.".into(),
            rubric: domain::labs::Rubric::parse(vec![domain::labs::Criterion {
                name: "All".into(),
                description: String::new(),
                max_points: 10,
            }])
            .unwrap(),
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
    wait_until_up(&base).await;
    let idle_rss = rss_kb(server.id());

    eprintln!("logging in and connecting {clients} SSE clients…");
    let latencies = Arc::new(Mutex::new(Vec::<u64>::new()));
    let connected = Arc::new(tokio::sync::Semaphore::new(0));
    let mut tasks = Vec::new();
    let mut logged_in = Vec::new();
    for (name, _) in &students {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .unwrap();
        let login = client
            .post(format!("{base}/api/login"))
            .form(&[("username", name.as_str()), ("password", "password-1234")])
            .send()
            .await
            .unwrap();
        assert!(login.status().is_success() || login.status().is_redirection());
        logged_in.push(client);
    }
    let login_rss = rss_kb(server.id());
    for client in logged_in {
        let mut response = client
            .get(format!("{base}/api/status/events"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let latencies = latencies.clone();
        let connected = connected.clone();
        tasks.push(tokio::spawn(async move {
            let mut buffer = String::new();
            let mut first = true;
            while let Ok(Some(chunk)) = response.chunk().await {
                let received = now_ms();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let event: String = buffer.drain(..end + 2).collect();
                    let Some(data) = event.lines().find_map(|l| l.strip_prefix("data: ")) else {
                        continue;
                    };
                    let view: serde_json::Value = serde_json::from_str(data).unwrap();
                    if first {
                        // The connect-time view is not an update.
                        first = false;
                        connected.add_permits(1);
                        continue;
                    }
                    let at = view["at_ms"].as_u64().unwrap();
                    latencies.lock().await.push(received.saturating_sub(at));
                }
            }
        }));
    }
    let _ = connected.acquire_many(clients as u32).await.unwrap();
    let connected_rss = rss_kb(server.id());

    eprintln!("queueing {ITEMS} submissions…");
    let started = Instant::now();
    let wav = dir.path().join("a.wav");
    write_silence(&wav);
    let mut ids = Vec::new();
    for (_, id) in students.iter().take(ITEMS) {
        let sub = domain::submissions::SubmissionService::enqueue(
            &db,
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
            .count(&db)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
    }
    // Let the last updates arrive.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let busy_rss = rss_kb(server.id());
    let peak_rss = peak_kb(server.id());
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
        idle_rss as f64 / 1024.0
    );
    println!(
        "| server RSS after {clients} logins (argon2id, 19 MiB each) | {:.1} MB |",
        login_rss as f64 / 1024.0
    );
    println!(
        "| server RSS with {clients} clients connected | {:.1} MB |",
        connected_rss as f64 / 1024.0
    );
    println!(
        "| server RSS after the queue drained | {:.1} MB |",
        busy_rss as f64 / 1024.0
    );
    println!(
        "| server peak RSS (VmHWM) | {:.1} MB (goal ≤ 150 MB) |",
        peak_rss as f64 / 1024.0
    );
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until_up(base: &str) {
    for _ in 0..200 {
        if reqwest::get(format!("{base}/api/status/events"))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("viva did not start");
}

fn status_kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

fn rss_kb(pid: u32) -> u64 {
    status_kb(pid, "VmRSS:")
}

fn peak_kb(pid: u32) -> u64 {
    status_kb(pid, "VmHWM:")
}

fn write_silence(path: &std::path::Path) {
    let data = 32_000u32;
    let mut bytes = b"RIFF".to_vec();
    bytes.extend_from_slice(&(36 + data).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&[1, 0, 1, 0]);
    bytes.extend_from_slice(&16_000u32.to_le_bytes());
    bytes.extend_from_slice(&32_000u32.to_le_bytes());
    bytes.extend_from_slice(&[2, 0, 16, 0]);
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data.to_le_bytes());
    bytes.resize(44 + data as usize, 0);
    std::fs::write(path, bytes).unwrap();
}
