//! The live status stream: each user receives only their own projection, and it moves as
//! the queue moves. The scheduler runs the scripted fake engine.

use std::time::Duration;

use domain::Role;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TALK, TestApp, enqueue, fake_scheduler, lab_session};

/// An app whose fake engine runs one item a batch: 100 ms to load, `item_ms` an item.
async fn with_fake_engine(dir: &std::path::Path, item_ms: u64) -> TestApp {
    let script = json!({"load_ms": 100, "item_ms": item_ms});
    TestApp::spawn_with(|c| c.scheduler = fake_scheduler(dir, 1, script)).await
}

/// One SSE connection, read event by event.
pub struct Stream {
    response: reqwest::Response,
    buffer: String,
    seen: Vec<Value>,
}

impl Stream {
    pub async fn open(app: &TestApp, client: &Client) -> Self {
        let response = app.get(client, "/api/status/events").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"].to_str().unwrap(),
            "text/event-stream"
        );
        Self {
            response,
            buffer: String::new(),
            seen: Vec::new(),
        }
    }

    async fn next(&mut self) -> Value {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let event: String = self.buffer.drain(..end + 2).collect();
                let data: String = event
                    .lines()
                    .filter_map(|l| l.strip_prefix("data: "))
                    .collect();
                if data.is_empty() {
                    continue; // a keep-alive comment
                }
                let view: Value = serde_json::from_str(&data).unwrap();
                self.seen.push(view.clone());
                return view;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(60), self.response.chunk())
                .await
                .expect("no status update within 60 s")
                .unwrap()
                .expect("the stream ended");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Reads updates until one satisfies `done`.
    pub async fn until(&mut self, done: impl Fn(&Value) -> bool) -> Value {
        loop {
            let view = self.next().await;
            if done(&view) {
                return view;
            }
        }
    }
}

pub fn stage_of(view: &Value, submission: i32) -> Option<String> {
    view["mine"]
        .as_array()?
        .iter()
        .find(|m| m["submission_id"] == submission)
        .map(|m| m["stage"]["stage"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn an_anonymous_client_is_refused() {
    let app = TestApp::spawn().await;
    let response = app.get(&TestApp::client(), "/api/status/events").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn students_and_instructors_each_receive_only_their_own_view_as_the_queue_moves() {
    let dir = tempfile::tempdir().unwrap();
    let app = with_fake_engine(dir.path(), 400).await;
    let ada = app.logged_in("ada", Role::Student).await;
    let bob = app.logged_in("bob", Role::Student).await;
    let teacher = app.logged_in("teacher", Role::Instructor).await;
    let (ada_id, bob_id, teacher_id) = (
        app.user_id("ada").await,
        app.user_id("bob").await,
        app.user_id("teacher").await,
    );
    let lab = lab_session(&app.db, teacher_id).await;
    let other_lab = lab_session(
        &app.db,
        app.add_user("other", Role::Instructor, "x-x-x-x-x-x").await,
    )
    .await;

    let mut ada_stream = Stream::open(&app, &ada).await;
    let mut bob_stream = Stream::open(&app, &bob).await;
    let mut teacher_stream = Stream::open(&app, &teacher).await;
    let first = ada_stream.next().await;
    assert_eq!(first["gpu"]["state"], "idle");
    assert_eq!(first["mine"], json!([]));

    // Talks long enough not to be held for review as too short: released at once.
    let ada_sub = enqueue(&app.db, dir.path(), ada_id, lab, &format!("Ada: {TALK}")).await;
    let bob_sub = enqueue(&app.db, dir.path(), bob_id, lab, &format!("Bob: {TALK}")).await;
    let stranger = enqueue(&app.db, dir.path(), bob_id, other_lab, "elsewhere").await;
    app.scheduler.notify_queued();

    // Bob waits behind Ada (batch size 1), then is processed, then done.
    let waiting = bob_stream
        .until(|v| stage_of(v, bob_sub).as_deref() == Some("waiting"))
        .await;
    let bob_item = waiting["mine"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["submission_id"] == bob_sub)
        .unwrap()
        .clone();
    assert_eq!(bob_item["stage"]["batch"], 2);
    assert_eq!(bob_item["stage"]["slot"], 1);
    assert!(bob_item["stage"]["results_secs"].as_u64().unwrap() > 0);
    bob_stream
        .until(|v| stage_of(v, bob_sub).as_deref() == Some("processing"))
        .await;
    bob_stream
        .until(|v| stage_of(v, bob_sub).as_deref() == Some("evaluated"))
        .await;
    ada_stream
        .until(|v| stage_of(v, ada_sub).as_deref() == Some("evaluated"))
        .await;

    // A reconnecting browser is brought up to date by the first event.
    let mut seen_by_ada = std::mem::take(&mut ada_stream.seen);
    drop(ada_stream);
    let mut again = Stream::open(&app, &ada).await;
    let current = again.next().await;
    assert_eq!(stage_of(&current, ada_sub).as_deref(), Some("evaluated"));
    seen_by_ada.extend(again.seen);

    // The teacher saw Ada and Bob of their own lab session, never the other lab's item.
    let saw_both = teacher_stream
        .until(|v| {
            let text = v["batches"].to_string();
            text.contains("ada Display") || text.contains("bob Display")
        })
        .await;
    assert!(saw_both["mine"].as_array().unwrap().is_empty());

    // Nothing of anyone else ever reached a student.
    for view in &seen_by_ada {
        let text = view.to_string();
        assert!(!text.contains("bob"), "ada saw bob: {text}");
        assert!(view["batches"].as_array().unwrap().is_empty());
        assert!(view["admin"].is_null());
        for item in view["mine"].as_array().unwrap() {
            assert_eq!(item["submission_id"], ada_sub);
        }
    }
    for view in &bob_stream.seen {
        assert!(!view.to_string().contains("ada"));
    }
    for view in &teacher_stream.seen {
        for batch in view["batches"].as_array().unwrap() {
            for row in batch["rows"].as_array().unwrap() {
                assert_ne!(row["submission_id"], stranger, "another instructor's item");
                assert_eq!(row["lab_session_id"], lab);
            }
        }
    }
}

#[tokio::test]
async fn an_admin_sees_the_engine_process_and_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let app = with_fake_engine(dir.path(), 2000).await;
    let admin = app.logged_in("root", Role::Admin).await;
    let student = app.add_user("sam", Role::Student, "x-x-x-x-x-x").await;
    let lab = lab_session(
        &app.db,
        app.add_user("t", Role::Instructor, "x-x-x-x-x-x").await,
    )
    .await;
    let mut stream = Stream::open(&app, &admin).await;
    enqueue(&app.db, dir.path(), student, lab, "talk").await;
    app.scheduler.notify_queued();
    let view = stream
        .until(|v| v["admin"]["engine"]["pid"].as_u64().is_some())
        .await;
    assert_eq!(view["admin"]["engine"]["phase"], "stt");
    assert!(view["admin"]["stt_window_ms"].as_u64().is_some());
    assert_eq!(view["batches"][0]["rows"][0]["student"], "sam Display");
}
