//! What the upload tests share: recordings made for them, and a lab session with a
//! logged-in student to upload to.

use std::path::{Path, PathBuf};

use domain::Role;
use domain::entities::submission;
use reqwest::{Client, StatusCode};
use sea_orm::EntityTrait;
use serde_json::Value;
use test_kit::media;

use crate::helpers::{TestApp, lab_session};

/// Recordings made for the test: (name, path).
pub struct Media {
    dir: tempfile::TempDir,
}

impl Media {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A short MP4 with a tone as its sound.
    pub fn video(&self, secs: u32) -> PathBuf {
        media::tone_video(secs, &self.path(&format!("talk{secs}.mp4")))
    }

    pub fn video_without_audio(&self) -> PathBuf {
        media::video_without_sound(&self.path("mute.mp4"))
    }

    pub fn silent_recording(&self) -> PathBuf {
        media::silent_recording(2, &self.path("silence.webm"))
    }

    pub fn truncated(&self) -> PathBuf {
        let good = std::fs::read(self.video(3)).unwrap();
        let out = self.path("truncated.mp4");
        std::fs::write(&out, &good[..good.len() / 3]).unwrap();
        out
    }

    pub fn text_as_mp4(&self) -> PathBuf {
        let out = self.path("notes.mp4");
        std::fs::write(&out, "these are my notes, not a video\n".repeat(100)).unwrap();
        out
    }

    pub fn empty(&self) -> PathBuf {
        let out = self.path("empty.mp4");
        std::fs::write(&out, b"").unwrap();
        out
    }
}

pub struct Lab {
    pub app: TestApp,
    pub student: Client,
    pub lab: i32,
}

pub async fn lab_with(adjust: impl FnOnce(&mut server::Config)) -> Lab {
    let app = TestApp::spawn_with(adjust).await;
    let student = app.logged_in("sam", Role::Student).await;
    let teacher = app
        .add_user("teach", Role::Instructor, "a-long-password")
        .await;
    let lab = lab_session(&app.db, teacher).await;
    Lab { app, student, lab }
}

impl Lab {
    pub async fn upload(&self, client: &Client, file: &Path, name: &str) -> (StatusCode, Value) {
        let bytes = std::fs::read(file).unwrap();
        let url = self
            .app
            .url(&format!("/api/lab-sessions/{}/upload", self.lab));
        let url = reqwest::Url::parse_with_params(&url, &[("name", name)]).unwrap();
        let response = client.post(url).body(bytes).send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn rows(&self) -> Vec<submission::Model> {
        submission::Entity::find().all(&self.app.db).await.unwrap()
    }

    pub fn stored_files(&self) -> Vec<PathBuf> {
        let dir = self.app.config.data_dir.join("media");
        match std::fs::read_dir(dir) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// What the browser shows: the error's own words, lower-cased for matching.
pub fn message(body: &Value) -> String {
    serde_json::from_value::<app::AppError>(body.clone())
        .map(|e| e.to_string().to_lowercase())
        .unwrap_or_else(|_| panic!("not an AppError: {body}"))
}

/// A lab session of a new instructor, "owner", titled "Coded lab".
pub async fn lab_session_with(
    app: &TestApp,
    join_code: Option<&str>,
    deadline: Option<chrono::DateTime<chrono::Utc>>,
) -> i32 {
    use domain::labs::{Criterion, LabSessionService, NewLabSession, Rubric, RubricRules};
    let owner = app
        .add_user("owner", Role::Instructor, "a-long-password")
        .await;
    let rubric = Rubric::parse(vec![Criterion {
        name: "All".into(),
        description: String::new(),
        max_points: 5,
    }])
    .unwrap();
    let new = NewLabSession {
        title: "Coded lab".into(),
        instructions: "Explain.".into(),
        rubric,
        language: "en".into(),
        release_mode: domain::entities::lab_session::ReleaseMode::Automatic,
        join_code: join_code.map(str::to_owned),
        deadline,
    };
    LabSessionService::create(&app.db, owner, new)
        .await
        .unwrap()
        .id
}
