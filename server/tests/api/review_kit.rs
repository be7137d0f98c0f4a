//! A lab session with one evaluated submission, as the scheduler leaves it, for the review
//! tests: its transcript, the AI's draft and the lab's release mode are chosen per test.

use domain::Role;
use domain::entities::lab_session::{self, ReleaseMode};
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, transcript};
use reqwest::Client;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, enqueue, lab_session};

/// A lab talk long enough not to be flagged as short.
pub const TALK: [(u64, &str); 3] = [
    (
        0,
        "We measured the period of the pendulum ten times for each length.",
    ),
    (
        4000,
        "Then we plotted the square of the period against the length of the string.",
    ),
    (
        9000,
        "The slope gave us g within two percent of the textbook value, which we trust.",
    ),
];

pub struct Reviewed {
    pub app: TestApp,
    pub teacher: Client,
    pub student: Client,
    pub lab: i32,
    pub sub: i32,
    _dir: tempfile::TempDir,
}

impl Reviewed {
    /// Instructor "teach" owns a lab (Method and Result, 5 points each) releasing as `mode`;
    /// student "ada" has one submission saying `talk`, graded Method 4 (evidence in the
    /// first line), Result 2 (evidence in the third).
    pub async fn new(mode: ReleaseMode, talk: &[(u64, &str)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let app = TestApp::spawn().await;
        let teacher_id = app
            .add_user("teach", Role::Instructor, "a-long-password")
            .await;
        let lab = lab_session(&app.db, teacher_id).await;
        let mut row: lab_session::ActiveModel = lab_session::Entity::find_by_id(lab)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        row.release_mode = Set(mode);
        row.update(&app.db).await.unwrap();
        let student = app.logged_in("ada", Role::Student).await;
        let sub = enqueue(&app.db, dir.path(), app.user_id("ada").await, lab, "x").await;
        store_evaluated(&app.db, sub, talk).await;
        let teacher = TestApp::client();
        app.assert_login(&teacher, "teach", "a-long-password").await;
        Self {
            app,
            teacher,
            student,
            lab,
            sub,
            _dir: dir,
        }
    }

    pub fn id(&self) -> String {
        self.sub.to_string()
    }

    /// What the student's own submission page gets.
    pub async fn student_view(&self) -> Value {
        self.app
            .call_json(
                &self.student,
                "/api/student/submission",
                &[("id", &self.id())],
            )
            .await
    }

    pub async fn review_page(&self, client: &Client) -> Value {
        self.app
            .call_json(client, "/api/review/submission", &[("id", &self.id())])
            .await
    }

    /// The lab's review list, as the lab page shows it.
    pub async fn results(&self) -> Value {
        self.app
            .call_json(
                &self.teacher,
                "/api/instructor/lab/results",
                &[("id", &self.lab.to_string())],
            )
            .await
    }

    /// The instructor takes the AI's draft and releases it.
    pub async fn accept_and_release(&self) {
        for path in ["/api/review/accept", "/api/review/release"] {
            let response = self
                .app
                .call(&self.teacher, path, &[("id", &self.id())])
                .await;
            assert!(response.status().is_success(), "{path}");
        }
    }

    /// Saves points and comments for (Method, Result) and the feedback.
    pub async fn save(
        &self,
        points: [u32; 2],
        comments: [&str; 2],
        feedback: &str,
    ) -> reqwest::Response {
        let grade =
            json!({"points": points, "comments": comments, "feedback": feedback}).to_string();
        self.app
            .call(
                &self.teacher,
                "/api/review/save",
                &[("id", &self.id()), ("grade", &grade)],
            )
            .await
    }
}

async fn store_evaluated(db: &sea_orm::DatabaseConnection, sub: i32, talk: &[(u64, &str)]) {
    let now = chrono::Utc::now();
    let segments: Vec<Value> = talk
        .iter()
        .map(|(at, text)| json!({"start_ms": at, "end_ms": at + 4000, "text": text}))
        .collect();
    transcript::ActiveModel {
        submission_id: Set(sub),
        text: Set(talk.iter().map(|(_, t)| *t).collect::<Vec<_>>().join(" ")),
        segments: Set(serde_json::from_value(json!(segments)).unwrap()),
        language: Set("en".into()),
        model: Set("test".into()),
        ms: Set(10),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let result = json!({
        "criteria": [
            {"criterion": "Method", "points": 4, "evidence": "the period of the pendulum",
             "evidence_verified": true, "evidence_ms": 0, "comment": "clear"},
            {"criterion": "Result", "points": 2, "evidence": "The slope gave us g",
             "evidence_verified": true, "evidence_ms": 9000, "comment": "vague"}
        ],
        "feedback": "Good start.", "total": 6, "model": "test", "prompt_version": "t", "seed": 1,
        "parallel_sequences": 1
    });
    evaluation::ActiveModel {
        submission_id: Set(sub),
        result: Set(serde_json::from_value(result).unwrap()),
        rubric_version: Set(1),
        total: Set(6),
        model: Set("test".into()),
        prompt_version: Set("t".into()),
        seed: Set(1),
        parallel_sequences: Set(1),
        ms: Set(10),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .unwrap();
    let mut row: submission::ActiveModel = submission::Entity::find_by_id(sub)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.state = Set(SubmissionState::Evaluated);
    row.duration_ms = Set(13_000);
    row.update(db).await.unwrap();
}
