//! The web edge: every response carries a request id; the plain routes (upload, media, status
//! stream) find their caller through the one extractor, so anonymous callers and disabled
//! accounts are refused there exactly as server functions refuse them; who may see a
//! submission is one rule for the recording and the server function; an internal error tells
//! the browser nothing about its cause.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, OnceLock};

use domain::Role;
use domain::users::UserService;
use reqwest::{Client, Response, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_of, with_a_submission};

fn request_id(response: &Response) -> String {
    let id = response
        .headers()
        .get("x-request-id")
        .unwrap_or_else(|| panic!("no x-request-id on {}", response.url()))
        .to_str()
        .unwrap()
        .to_owned();
    assert!(!id.is_empty());
    id
}

/// The three plain routes, called by `client`: (route, response).
async fn plain_routes(
    app: &TestApp,
    client: &Client,
    lab: i32,
    sub: i32,
) -> Vec<(String, Response)> {
    let media = format!("/api/submissions/{sub}/media");
    let upload = format!("/api/lab-sessions/{lab}/upload?name=talk.mp4");
    vec![
        (media.clone(), app.get(client, &media).await),
        (
            "/api/status/events".into(),
            app.get(client, "/api/status/events").await,
        ),
        (
            upload.clone(),
            client
                .post(app.url(&upload))
                .body(vec![0u8; 16])
                .send()
                .await
                .unwrap(),
        ),
    ]
}

#[tokio::test]
async fn every_response_carries_a_request_id_of_its_own() {
    let app = TestApp::spawn().await;
    let client = TestApp::client();
    let mut ids = HashSet::new();
    let responses = [
        app.get(&client, "/").await,
        app.get(&client, "/no/such/page").await,
        app.call(&client, "/api/whoami", &[]).await,
        app.call(&client, "/api/student/labs", &[]).await,
        app.get(&client, "/api/submissions/1/media").await,
        app.get(&client, "/api/status/events").await,
    ];
    for response in &responses {
        assert!(ids.insert(request_id(response)), "ids are not reused");
    }
    // An id set by a proxy in front of Viva is kept, so both logs can be matched.
    let response = client
        .get(app.url("/"))
        .header("x-request-id", "from-the-proxy")
        .send()
        .await
        .unwrap();
    assert_eq!(request_id(&response), "from-the-proxy");
}

#[tokio::test]
async fn plain_routes_refuse_anonymous_callers_and_disabled_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let (ada, lab, sub) = with_a_submission(&app, dir.path()).await;

    for (route, response) in plain_routes(&app, &TestApp::client(), lab, sub).await {
        let (status, body) = error_of(response).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, json!("Unauthorized")),
            "anonymous → {route}"
        );
    }
    // While enabled, Ada gets through the extractor (the upload then fails on its content).
    let answered: Vec<_> = plain_routes(&app, &ada, lab, sub)
        .await
        .into_iter()
        .map(|(_, r)| r.status())
        .collect();
    assert_eq!(
        answered,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::UNPROCESSABLE_ENTITY
        ]
    );

    let ada_id = app.user_id("ada").await;
    UserService::set_disabled(&app.db, ada_id, true)
        .await
        .unwrap();
    for (route, response) in plain_routes(&app, &ada, lab, sub).await {
        let (status, body) = error_of(response).await;
        assert_eq!(
            (status, body),
            (StatusCode::UNAUTHORIZED, json!("Unauthorized")),
            "disabled → {route}"
        );
    }
    // Enabling the account again does not revive the session the refusal ended.
    UserService::set_disabled(&app.db, ada_id, false)
        .await
        .unwrap();
    assert_eq!(app.whoami(&ada).await, None);
}

#[tokio::test]
async fn a_submission_is_seen_by_its_student_its_instructor_and_admins_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let (ada, _, sub) = with_a_submission(&app, dir.path()).await;
    let teacher = TestApp::client();
    app.assert_login(&teacher, "teach", "a-long-password").await;
    let admin = app.logged_in("root", Role::Admin).await;
    let other_teacher = app.logged_in("other", Role::Instructor).await;
    let eve = app.logged_in("eve", Role::Student).await;
    let id = sub.to_string();

    for (who, client, allowed) in [
        ("student", &ada, true),
        ("instructor", &teacher, true),
        ("admin", &admin, true),
        ("another instructor", &other_teacher, false),
        ("another student", &eve, false),
    ] {
        let expected = if allowed {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        let recording = app
            .get(client, &format!("/api/submissions/{id}/media"))
            .await;
        assert_eq!(recording.status(), expected, "{who}: recording");
        let shown = app
            .call(client, "/api/student/submission", &[("id", &id)])
            .await;
        assert_eq!(shown.status(), expected, "{who}: submission");
        if !allowed {
            assert_eq!(shown.json::<Value>().await.unwrap(), json!("NotFound"));
        }
    }
}

/// Every log line of this test binary, as text. A global subscriber, not a thread-local one:
/// tracing caches per call site whether anyone listens, and tests running beside this one on
/// other threads (with no subscriber) would make a scoped subscriber miss spans now and then.
/// Lines are told apart by their request ids, which are unique.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn global() -> &'static Captured {
        static LOG: OnceLock<Captured> = OnceLock::new();
        LOG.get_or_init(|| {
            let log = Captured::default();
            let subscriber = tracing_subscriber::fmt()
                .with_writer(log.clone())
                .with_ansi(false)
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            log
        })
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn an_internal_error_answers_with_a_generic_body_and_is_logged_with_its_request() {
    let log = Captured::global();
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let (ada, _, sub) = with_a_submission(&app, dir.path()).await;
    // A broken database: reading a submission back now fails inside sea-orm.
    app.db
        .execute_unprepared("DROP TABLE transcripts")
        .await
        .unwrap();
    let id = sub.to_string();

    let recording = app.get(&ada, &format!("/api/submissions/{id}/media")).await;
    let recording_id = request_id(&recording);
    let shown = app
        .call(&ada, "/api/student/submission", &[("id", &id)])
        .await;
    let shown_id = request_id(&shown);
    for response in [recording, shown] {
        let status = response.status();
        let body = response.text().await.unwrap();
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body, r#""Internal""#, "the cause stays in the server's log");
    }

    // Each cause is logged once, inside its request's span: route, request id and user.
    let log = log.text();
    let user = format!("user_id={}", app.user_id("ada").await);
    for (route, request) in [
        ("/api/submissions/{id}/media", recording_id),
        ("/api/student/submission", shown_id),
    ] {
        let line = log
            .lines()
            .find(|l| l.contains("internal error") && l.contains(&request))
            .unwrap_or_else(|| panic!("no internal error logged for {route}:\n{log}"));
        assert!(line.contains("route=") && line.contains(route), "{line}");
        assert!(line.contains(&user), "{line}");
        assert!(line.contains("transcripts"), "the cause: {line}");
    }
}
