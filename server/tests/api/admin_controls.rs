//! The admin's hand on the running queue, over HTTP: pause and cancel, and who may read
//! `/metrics`.

use domain::entities::submission::{self, SubmissionState};
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use serde_json::Value;

use crate::admin_tools::{graded_lab, wait_until};
use crate::helpers::{TALK, TestApp, enqueue};
use crate::rerun_cancel::cancel;

#[tokio::test]
async fn a_pause_shows_in_everyones_status_and_a_queued_submission_can_be_cancelled() {
    let lab = graded_lab().await;
    let paused = lab
        .app
        .call(&lab.admin, "/api/admin/pause", &[("paused", "true")])
        .await;
    assert_eq!(paused.status(), StatusCode::OK);
    wait_until(&lab.app, |s| s.paused).await;
    let student = TestApp::client();
    lab.app
        .assert_login(&student, "ada", "a-long-password")
        .await;
    let status: Value = lab.app.call_json(&student, "/api/status", &[]).await;
    assert_eq!(status["paused"], true);

    let dir = tempfile::tempdir().unwrap();
    let ada = lab.app.user_id("ada").await;
    let queued = enqueue(&lab.app.db, dir.path(), ada, lab.lab, TALK).await;
    lab.app.scheduler.notify_queued();
    wait_until(&lab.app, |s| s.paused && s.queue.len() == 1).await;
    cancel(&lab, queued, "duplicate").await;
    let id = queued.to_string();
    let row = submission::Entity::find_by_id(queued)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.state, SubmissionState::Failed);
    assert_eq!(
        row.failure_reason.as_deref(),
        Some("cancelled by an administrator: duplicate")
    );
    let (status, _) = lab
        .app
        .call_error(
            &lab.admin,
            "/api/admin/cancel",
            &[("id", &id), ("reason", "")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "only a queued one can be cancelled"
    );
}

#[tokio::test]
async fn metrics_answer_admins_and_local_scrapers_but_not_students() {
    let lab = graded_lab().await;
    lab.app.login_status("ada", "wrong password").await;
    let scrape = TestApp::client()
        .get(lab.app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        scrape.status(),
        StatusCode::OK,
        "a local scraper without a session"
    );
    let text = scrape.text().await.unwrap();
    for name in [
        "viva_queue_depth{state=\"evaluated\"} 1",
        "viva_batches_total",
        "viva_phase_seconds_bucket",
        "viva_model_loads_total",
        "viva_login_failures_total",
    ] {
        assert!(text.contains(name), "{name} missing from:\n{text}");
    }
    let as_admin = lab.app.get(&lab.admin, "/metrics").await;
    assert_eq!(as_admin.status(), StatusCode::OK);
    let student = TestApp::client();
    lab.app
        .assert_login(&student, "ada", "a-long-password")
        .await;
    assert_eq!(
        lab.app.get(&student, "/metrics").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn metrics_refuse_a_scraper_from_an_address_not_configured() {
    let app = TestApp::spawn_with(|c| c.metrics_from = Vec::new()).await;
    let scrape = TestApp::client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(scrape.status(), StatusCode::UNAUTHORIZED);
}
