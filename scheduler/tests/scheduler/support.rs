use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use domain::Role;
use domain::entities::batch;
use domain::entities::engine_run;
use domain::entities::submission::{self, SubmissionState};
use domain::labs::{Criterion, LabSessionService, NewLabSession, Rubric, RubricRules};
use domain::status::{SchedulerHandle, Snapshot};
use domain::submissions::{NewSubmission, SubmissionService};
use scheduler::{EngineConfig, SchedulerConfig};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use serde_json::Value;
use tempfile::TempDir;
use test_kit::db::TestDb;
pub use test_kit::engines::engine_bin;
use test_kit::media::{self, wav_ms};

/// A lab with its own database: one instructor, one lab session, some students.
pub struct Lab {
    pub db: DatabaseConnection,
    pub dir: TempDir,
    pub lab_session: i32,
    pub students: Vec<i32>,
}

pub async fn lab(students: usize) -> Lab {
    let kit = TestDb::fresh().await;
    let instructor = kit.user("teacher", Role::Instructor).await;
    let mut ids = Vec::new();
    for i in 0..students {
        ids.push(kit.user(&format!("student{i:02}"), Role::Student).await);
    }
    let rubric = Rubric::parse(vec![
        Criterion {
            name: "Method".into(),
            description: "Explains how the measurement was made".into(),
            max_points: 4,
        },
        Criterion {
            name: "Result".into(),
            description: "States what was measured".into(),
            max_points: 6,
        },
    ])
    .unwrap();
    let TestDb { db, dir, .. } = kit;
    let lab_session = LabSessionService::create(
        &db,
        instructor,
        NewLabSession {
            title: "Lab 1".into(),
            instructions: "Explain what you measured and how.".into(),
            rubric,
            ..NewLabSession::standard("Lab 1")
        },
    )
    .await
    .unwrap()
    .id;
    Lab {
        db,
        dir,
        lab_session,
        students: ids,
    }
}

impl Lab {
    /// Queues a submission of `student` with `audio` (a 16 kHz mono WAV).
    pub async fn enqueue(&self, student: usize, audio: &Path) -> i32 {
        let duration_ms = wav_ms(audio);
        SubmissionService::enqueue(
            &self.db,
            NewSubmission {
                student_id: self.students[student],
                lab_session_id: self.lab_session,
                original_name: "talk.mp4".into(),
                media_path: None,
                media_sha256: None,
                audio_path: audio.display().to_string(),
                duration_ms,
            },
        )
        .await
        .unwrap()
        .id
    }

    /// Queues one second of silence (transcript "x") from each of the first `count` students.
    pub async fn enqueue_silent(&self, count: usize) -> Vec<i32> {
        let mut ids = Vec::new();
        for i in 0..count {
            let wav = self.silent_wav(&format!("s{i}"), 1, "x");
            ids.push(self.enqueue(i, &wav).await);
        }
        ids
    }

    /// Writes `secs` of silence as 16 kHz mono WAV; the fake engine reads `<wav>.txt` as
    /// its transcript.
    pub fn silent_wav(&self, name: &str, secs: u32, transcript: &str) -> PathBuf {
        let path = media::silent_wav(&self.dir.path().join(format!("{name}.wav")), secs * 1000);
        std::fs::write(format!("{}.txt", path.display()), transcript).unwrap();
        path
    }

    /// Scheduler settings that run the scripted fake engine for both phases.
    pub fn fake_config(&self, batch_size: u32, linger_secs: f64, script: Value) -> SchedulerConfig {
        let script_path = self.dir.path().join("script.json");
        std::fs::write(&script_path, script.to_string()).unwrap();
        let engine = |phase: &str| EngineConfig {
            program: engine_bin("viva-fake-engine"),
            args: vec![phase.into(), script_path.display().to_string()],
            model: PathBuf::from("fake.bin"),
            threads: 1,
            use_gpu: false,
            item_timeout_secs: 30,
            phase_timeout_secs: 120,
        };
        SchedulerConfig {
            batch_size,
            linger_secs,
            eval_seed: 7,
            stt: engine("stt"),
            eval: engine("eval"),
        }
    }

    pub async fn submissions(&self) -> Vec<submission::Model> {
        submission::Entity::find()
            .order_by_asc(submission::Column::Id)
            .all(&self.db)
            .await
            .unwrap()
    }

    pub async fn submission(&self, id: i32) -> submission::Model {
        submission::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .unwrap()
            .unwrap()
    }

    /// Engine runs in start order, with their batch's sequence number.
    pub async fn runs(&self) -> Vec<(i32, engine_run::Model)> {
        let runs = engine_run::Entity::find()
            .order_by_asc(engine_run::Column::Id)
            .all(&self.db)
            .await
            .unwrap();
        let mut out = Vec::new();
        for run in runs {
            let seq = batch::Entity::find_by_id(run.batch_id)
                .one(&self.db)
                .await
                .unwrap()
                .unwrap()
                .seq;
            out.push((seq, run));
        }
        out
    }
}

/// Waits, following the scheduler's own status channel, until `done` holds for a snapshot.
pub async fn wait_for(
    handle: &SchedulerHandle,
    within: Duration,
    done: impl Fn(&Snapshot) -> bool,
) -> Arc<Snapshot> {
    let mut updates = handle.subscribe();
    let waited = tokio::time::timeout(within, async {
        loop {
            let snapshot = updates.borrow_and_update().clone();
            if done(&snapshot) {
                return snapshot;
            }
            updates.changed().await.unwrap();
        }
    })
    .await;
    match waited {
        Ok(snapshot) => snapshot,
        Err(_) => panic!("timed out; last status: {:#?}", handle.snapshot()),
    }
}

/// Every one of `ids` has reached a final state and the GPU is idle.
pub fn all_finished(ids: &[i32]) -> impl Fn(&Snapshot) -> bool + '_ {
    move |s| {
        s.current.is_none()
            && s.queue.is_empty()
            && ids.iter().all(|id| {
                s.recent
                    .iter()
                    .any(|r| r.owner.submission_id == *id && r.state.is_final())
            })
    }
}

pub fn kill_9(pid: u32) {
    let status = std::process::Command::new("kill")
        .args(["-9", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

pub fn states(subs: &[submission::Model]) -> Vec<SubmissionState> {
    subs.iter().map(|s| s.state).collect()
}

/// The phase lock, read from `engine_runs`: exactly one STT then one evaluation process per
/// batch, batch after batch, and no process starting before the previous one ended.
pub fn assert_phase_locked(runs: &[(i32, engine_run::Model)], batches: i32) {
    use domain::entities::engine_run::Phase;
    let order: Vec<(i32, Phase)> = runs.iter().map(|(seq, r)| (*seq, r.phase)).collect();
    let expected: Vec<(i32, Phase)> = (1..=batches)
        .flat_map(|seq| [(seq, Phase::Stt), (seq, Phase::Evaluation)])
        .collect();
    assert_eq!(
        order, expected,
        "exactly two engine processes per batch, STT before evaluation, batch after batch"
    );
    for pair in runs.windows(2) {
        let (before, after) = (&pair[0].1, &pair[1].1);
        assert!(
            before.ended_at.unwrap() <= after.started_at,
            "run {} ended at {:?}, after run {} started at {:?}",
            before.id,
            before.ended_at,
            after.id,
            after.started_at
        );
    }
}
