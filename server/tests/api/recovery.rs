//! `kill -9` of the whole server mid-phase, then a restart: every submission ends done
//! exactly once, and nothing finished before the kill is redone.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use domain::Role;
use domain::entities::engine_run::{self, EngineOutcome};
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, transcript};
use domain::users::{NewUser, UserService};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{DatabaseConnection, EntityTrait};
use serde_json::json;

use crate::helpers::{enqueue, fake_scheduler, lab_session};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(config: &Path) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_viva"))
        .arg("--config")
        .arg(config)
        .arg("serve")
        .env_remove("RUST_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Server(child)
}

/// Polls the database (the server is another process) until `done` holds.
async fn poll<T>(
    db: &DatabaseConnection,
    what: &str,
    done: impl Fn(&[submission::Model]) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(90);
    let mut every = tokio::time::interval(Duration::from_millis(20));
    loop {
        every.tick().await;
        let subs = submission::Entity::find().all(db).await.unwrap();
        if let Some(found) = done(&subs) {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}: {subs:#?}"
        );
    }
}

/// Starts the server and kills it (SIGKILL) once one submission has reached `done` while
/// another is in `busy`, that is in the middle of a phase.
async fn kill_mid_phase(setup: &Setup, what: &str, done: SubmissionState, busy: SubmissionState) {
    let mut server = serve(&setup.config);
    poll(&setup.db, what, |subs| {
        let finished = subs.iter().any(|s| s.state == done);
        let working = subs.iter().any(|s| s.state == busy);
        (finished && working).then_some(())
    })
    .await;
    server.0.kill().unwrap();
    server.0.wait().unwrap();
}

struct Setup {
    _dir: tempfile::TempDir,
    config: std::path::PathBuf,
    db: DatabaseConnection,
    ids: Vec<i32>,
}

async fn setup(items: usize) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let mut scheduler = fake_scheduler(dir.path(), 4, json!({"load_ms": 50, "item_ms": 300}));
    scheduler.linger_secs = 0.0;
    let config = dir.path().join("viva.toml");
    let toml = format!(
        "data_dir = {data:?}\nlisten = \"127.0.0.1:0\"\n[scheduler]\nbatch_size = 4\nlinger_secs = 0.0\n\
         [scheduler.stt]\nprogram = {p:?}\nargs = {sa:?}\nmodel = \"fake.bin\"\nthreads = 1\n\
         [scheduler.eval]\nprogram = {p:?}\nargs = {ea:?}\nmodel = \"fake.bin\"\nthreads = 1\n",
        p = scheduler.stt.program,
        sa = scheduler.stt.args,
        ea = scheduler.eval.args,
    );
    std::fs::write(&config, toml).unwrap();
    let url = format!("sqlite://{}?mode=rwc", data.join("viva.db").display());
    let db = domain::db::connect(&url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    let user = |name: &str, role| NewUser::parse(name, name, role, "a-long-password").unwrap();
    let teacher = UserService::create(&db, user("teacher", Role::Instructor))
        .await
        .unwrap()
        .id;
    let lab = lab_session(&db, teacher).await;
    let mut ids = Vec::new();
    for i in 0..items {
        let student = UserService::create(&db, user(&format!("s{i}"), Role::Student))
            .await
            .unwrap()
            .id;
        ids.push(enqueue(&db, dir.path(), student, lab, &format!("talk {i}")).await);
    }
    Setup {
        _dir: dir,
        config,
        db,
        ids,
    }
}

async fn finished_once(setup: &Setup) {
    poll(&setup.db, "every submission evaluated", |subs| {
        subs.iter()
            .all(|s| s.state == SubmissionState::Evaluated)
            .then_some(())
    })
    .await;
    let transcripts = transcript::Entity::find().all(&setup.db).await.unwrap();
    let evaluations = evaluation::Entity::find().all(&setup.db).await.unwrap();
    for id in &setup.ids {
        assert_eq!(
            transcripts
                .iter()
                .filter(|t| t.submission_id == *id)
                .count(),
            1
        );
        assert_eq!(
            evaluations
                .iter()
                .filter(|e| e.submission_id == *id)
                .count(),
            1
        );
    }
    // The last engine's end is recorded just after its last result: wait for it.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let runs = loop {
        let runs = engine_run::Entity::find().all(&setup.db).await.unwrap();
        if runs.iter().all(|r| r.outcome.is_some()) || tokio::time::Instant::now() > deadline {
            break runs;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(
        runs.iter()
            .any(|r| r.outcome == Some(EngineOutcome::Interrupted))
    );
    assert!(
        runs.iter().all(|r| r.outcome.is_some()),
        "no run is left marked running"
    );
}

#[tokio::test]
async fn a_server_killed_mid_stt_resumes_without_redoing_finished_transcripts() {
    let setup = setup(8).await;
    // Kill once one transcript is stored and another item is being transcribed.
    kill_mid_phase(
        &setup,
        "mid-STT",
        SubmissionState::Transcribed,
        SubmissionState::Transcribing,
    )
    .await;
    let before: HashMap<i32, i32> = transcript::Entity::find()
        .all(&setup.db)
        .await
        .unwrap()
        .into_iter()
        .map(|t| (t.submission_id, t.id))
        .collect();
    assert!(!before.is_empty());

    let _server = serve(&setup.config);
    finished_once(&setup).await;
    for (submission, id) in before {
        let kept = transcript::Entity::find_by_id(id)
            .one(&setup.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            kept.submission_id, submission,
            "a finished transcript was redone"
        );
    }
}

#[tokio::test]
async fn a_server_killed_mid_evaluation_resumes_without_redoing_finished_evaluations() {
    let setup = setup(8).await;
    kill_mid_phase(
        &setup,
        "mid-evaluation",
        SubmissionState::Evaluated,
        SubmissionState::Evaluating,
    )
    .await;
    let before: Vec<i32> = evaluation::Entity::find()
        .all(&setup.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    assert!(!before.is_empty());

    let _server = serve(&setup.config);
    finished_once(&setup).await;
    for id in before {
        assert!(
            evaluation::Entity::find_by_id(id)
                .one(&setup.db)
                .await
                .unwrap()
                .is_some()
        );
    }
}
