//! A status stream lives only as long as its right to: it ends on a logout, a disabled
//! account, a role change or "log out everywhere" (announced at once; changes made outside
//! the server are found by the 30 s database check); and streams are capped per user and in
//! all.

use std::time::Duration;

use domain::Role;
use reqwest::{Client, Response, StatusCode};

use crate::helpers::{TestApp, enqueue, lab_session};

async fn open(app: &TestApp, client: &Client) -> Response {
    let mut stream = app.get(client, "/api/status/events").await;
    assert_eq!(stream.status(), StatusCode::OK);
    // The current view comes first.
    let first = stream.chunk().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).contains("event: status"));
    stream
}

/// `user` gets news: a submission of theirs joins the queue in a lab session of theirs, so
/// their view changes (as a student and as an instructor) and their stream has to push.
async fn news_for(app: &TestApp, dir: &std::path::Path, user: &str) {
    let id = app.user_id(user).await;
    let lab = lab_session(&app.db, id).await;
    enqueue(&app.db, dir, id, lab, "words").await;
    app.scheduler.notify_queued();
}

/// True once the server has ended `stream` (heartbeats and updates before that are skipped).
async fn ends(stream: &mut Response) -> bool {
    let ended = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(_)) = stream.chunk().await {}
    })
    .await;
    ended.is_ok()
}

#[tokio::test]
async fn a_stream_ends_on_logout_disabling_demotion_or_logout_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let ada = app.logged_in("ada", Role::Student).await;
    let mut stream = open(&app, &ada).await;
    app.call(&ada, "/api/logout", &[]).await;
    news_for(&app, dir.path(), "ada").await;
    assert!(ends(&mut stream).await, "after logout");

    let root = app.logged_in("root", Role::Admin).await;
    let bob = app.logged_in("bob", Role::Student).await;
    let mut stream = open(&app, &bob).await;
    let bob_id = app.user_id("bob").await.to_string();
    let disabled = [("id", bob_id.as_str()), ("disabled", "true")];
    app.call(&root, "/api/admin/users/disabled", &disabled)
        .await;
    news_for(&app, dir.path(), "bob").await;
    assert!(ends(&mut stream).await, "after disabling");

    let cy = app.logged_in("cy", Role::Instructor).await;
    let mut stream = open(&app, &cy).await;
    let cy_id = app.user_id("cy").await.to_string();
    let demoted = [("id", cy_id.as_str()), ("role", "student")];
    app.call(&root, "/api/admin/users/role", &demoted).await;
    news_for(&app, dir.path(), "cy").await;
    assert!(ends(&mut stream).await, "after demotion");

    let dee = app.logged_in("dee", Role::Student).await;
    let mut stream = open(&app, &dee).await;
    let phone = TestApp::client();
    app.assert_login(&phone, "dee", "correct-horse-battery")
        .await;
    app.call(&phone, "/api/logout-everywhere", &[]).await;
    news_for(&app, dir.path(), "dee").await;
    assert!(ends(&mut stream).await, "after logging out everywhere");
}

#[tokio::test]
async fn a_stream_whose_session_stands_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let ada = app.logged_in("ada", Role::Student).await;
    let mut stream = open(&app, &ada).await;
    news_for(&app, dir.path(), "ada").await;
    let more = tokio::time::timeout(Duration::from_secs(20), stream.chunk()).await;
    let chunk = more
        .expect("news within 20 s")
        .unwrap()
        .expect("the stream ended");
    assert!(String::from_utf8_lossy(&chunk).contains("event: status"));
}

#[tokio::test]
async fn streams_are_capped_per_user_and_in_all() {
    let app = TestApp::spawn_with(|c| {
        c.status.max_streams_per_user = 2;
        c.status.max_streams = 3;
    })
    .await;
    let ada = app.logged_in("ada", Role::Student).await;
    let _first = open(&app, &ada).await;
    let _second = open(&app, &ada).await;
    let third = app.get(&ada, "/api/status/events").await;
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);

    let bob = app.logged_in("bob", Role::Student).await;
    let _bobs = open(&app, &bob).await;
    let cy = app.logged_in("cy", Role::Student).await;
    let over = app.get(&cy, "/api/status/events").await;
    assert_eq!(over.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn an_idle_stream_carries_heartbeats_so_proxies_keep_it_open() {
    let app = TestApp::spawn().await;
    let ada = app.logged_in("ada", Role::Student).await;
    let mut stream = open(&app, &ada).await;
    // Nothing happens in the queue; a comment line still comes within the heartbeat period.
    // The scheduler's first publish after start may still push a status event before it.
    let beat = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let chunk = stream.chunk().await.unwrap().unwrap();
            let text = String::from_utf8_lossy(&chunk).into_owned();
            if text.starts_with(':') {
                break;
            }
            assert!(text.starts_with("event: status"), "{text:?}");
        }
    })
    .await;
    assert!(beat.is_ok(), "no heartbeat within 20 s");
}
