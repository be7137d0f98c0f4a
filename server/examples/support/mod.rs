//! What the server benchmarks share: a throwaway Viva (config, database, a teacher and a
//! lab session) started as its own process, and reading its memory from /proc.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use domain::Role;
use domain::users::{NewUser, UserService};
use migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;

pub const PASSWORD: &str = "password-1234";

pub struct Site {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub base: String,
    pub db: DatabaseConnection,
    pub lab: i32,
}

/// A data directory with `viva.toml` (plus `extra` TOML), a migrated database, a teacher and
/// one lab session.
pub async fn site(extra: &str) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = dir.path().join("viva.toml");
    let toml = format!("data_dir = {data:?}\nlisten = \"127.0.0.1:{port}\"\n{extra}");
    std::fs::write(&config, toml).unwrap();
    let url = format!("sqlite://{}?mode=rwc", data.join("viva.db").display());
    let db = domain::db::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let teacher = user(&db, "teacher", Role::Instructor).await;
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
            rubric: <domain::labs::Rubric as domain::labs::RubricRules>::parse(vec![criterion])
                .unwrap(),
            language: "en".into(),
            release_mode: domain::entities::lab_session::ReleaseMode::Automatic,
            join_code: None,
            deadline: None,
        },
    )
    .await
    .unwrap()
    .id;
    Site {
        dir,
        config,
        base: format!("http://127.0.0.1:{port}"),
        db,
        lab,
    }
}

pub async fn user(db: &DatabaseConnection, name: &str, role: Role) -> i32 {
    let new = NewUser::parse(name, name, role, PASSWORD).unwrap();
    UserService::create(db, new).await.unwrap().id
}

/// Starts `viva serve` on the site and waits until it answers.
pub async fn serve(viva: &std::path::Path, site: &Site) -> Child {
    let mut child = Command::new(viva)
        .arg("--config")
        .arg(&site.config)
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if reqwest::get(format!("{}/favicon.svg", site.base))
            .await
            .is_ok()
        {
            return child;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("viva did not start");
}

/// A client logged in as `name`.
pub async fn logged_in(site: &Site, name: &str) -> reqwest::Client {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let login = client
        .post(format!("{}/api/login", site.base))
        .form(&[("username", name), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success() || login.status().is_redirection());
    client
}

/// A value in kB from /proc/<pid>/status (`VmRSS:`, `VmHWM:`).
pub fn kb(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

pub fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

/// The header of a 16 kHz mono 16-bit WAV holding `data` bytes of samples.
pub fn wav_header(data: u32) -> Vec<u8> {
    wav_header_with(data, 16_000, 1)
}

/// The header of a 16-bit PCM WAV of `rate` Hz and `channels` holding `data` bytes.
pub fn wav_header_with(data: u32, rate: u32, channels: u16) -> Vec<u8> {
    let block = channels * 2;
    let mut h = b"RIFF".to_vec();
    h.extend_from_slice(&36u32.wrapping_add(data).to_le_bytes());
    h.extend_from_slice(b"WAVEfmt ");
    h.extend_from_slice(&16u32.to_le_bytes());
    h.extend_from_slice(&1u16.to_le_bytes());
    h.extend_from_slice(&channels.to_le_bytes());
    h.extend_from_slice(&rate.to_le_bytes());
    h.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    h.extend_from_slice(&block.to_le_bytes());
    h.extend_from_slice(&16u16.to_le_bytes());
    h.extend_from_slice(b"data");
    h.extend_from_slice(&data.to_le_bytes());
    h
}

/// Opens `client`'s status stream and follows it in a task (see [`follow`]).
pub async fn open_stream(
    site: &Site,
    client: &reqwest::Client,
    latencies: &std::sync::Arc<tokio::sync::Mutex<Vec<u64>>>,
    connected: &std::sync::Arc<tokio::sync::Semaphore>,
) -> tokio::task::JoinHandle<()> {
    let response = client
        .get(format!("{}/api/status/events", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    tokio::spawn(follow(response, latencies.clone(), connected.clone()))
}

/// Reads one status stream, recording each update's latency (snapshot time to receipt).
pub async fn follow(
    mut response: reqwest::Response,
    latencies: std::sync::Arc<tokio::sync::Mutex<Vec<u64>>>,
    connected: std::sync::Arc<tokio::sync::Semaphore>,
) {
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
}

pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A table row: how many, and the 50th, 95th and 100th percentiles (ms).
pub fn row(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    println!(
        "| {name} | {} | {:.1} | {:.1} | {:.1} |",
        ms.len(),
        at(0.5),
        at(0.95),
        at(1.0)
    );
}
