//! The admin's hand on the running queue, over HTTP: pause and cancel, and who may read
//! `/metrics`.

use domain::entities::evaluation;
use domain::entities::submission::{self, SubmissionState};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde_json::Value;

use crate::admin_tools::{finished, graded_lab, wait_until};
use crate::helpers::{TALK, TestApp, enqueue};

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
    let id = queued.to_string();
    let cancelled = lab
        .app
        .call(
            &lab.admin,
            "/api/admin/cancel",
            &[("id", &id), ("reason", "duplicate")],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
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

    // A cancelled re-run goes back to its graded state, its evaluation kept.
    let sub = lab.sub.to_string();
    let form = [
        ("target", "submission"),
        ("id", sub.as_str()),
        ("mode", "evaluation_only"),
        ("rubric", "current"),
        ("model", ""),
        ("reason", "again"),
    ];
    lab.app
        .call_json::<String>(&lab.admin, "/api/admin/rerun", &form)
        .await;
    lab.app
        .call(
            &lab.admin,
            "/api/admin/cancel",
            &[("id", &sub), ("reason", "")],
        )
        .await;
    let row = submission::Entity::find_by_id(lab.sub)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.state, SubmissionState::Evaluated);
    let evaluations = evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.eq(lab.sub))
        .all(&lab.app.db)
        .await
        .unwrap();
    assert_eq!(evaluations.len(), 1);

    // A cancelled re-run of a failed submission leaves it failed, with its reason, even
    // when an older evaluation exists (it used to come back "evaluated", its failure lost).
    let mut failed: submission::ActiveModel = row.into();
    failed.state = Set(SubmissionState::Failed);
    failed.failure_reason = Set(Some("the evaluation engine stopped".into()));
    failed.update(&lab.app.db).await.unwrap();
    let all_failed = [
        ("target", "all_failed"),
        ("id", "0"),
        ("mode", "evaluation_only"),
        ("rubric", "current"),
        ("model", ""),
        ("reason", "the engine is fixed"),
    ];
    let said: String = lab
        .app
        .call_json(&lab.admin, "/api/admin/rerun", &all_failed)
        .await;
    assert!(said.starts_with("1 queued"), "{said}");
    let cancelled = lab
        .app
        .call(
            &lab.admin,
            "/api/admin/cancel",
            &[("id", &sub), ("reason", "")],
        )
        .await;
    assert_eq!(cancelled.status(), StatusCode::OK);
    let row = submission::Entity::find_by_id(lab.sub)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.state, SubmissionState::Failed);
    assert_eq!(
        row.failure_reason.as_deref(),
        Some("the evaluation engine stopped")
    );
    assert_eq!(
        row.failure_before_rerun, None,
        "nothing is left to give back"
    );

    // A failed first upload keeps its own reason too (it used to read "cancelled").
    let retranscribe = [
        ("target", "submission"),
        ("id", id.as_str()),
        ("mode", "retranscribe"),
        ("rubric", "current"),
        ("model", ""),
        ("reason", "try again"),
    ];
    let said: String = lab
        .app
        .call_json(&lab.admin, "/api/admin/rerun", &retranscribe)
        .await;
    assert!(said.starts_with("1 queued"), "{said}");
    lab.app
        .call(
            &lab.admin,
            "/api/admin/cancel",
            &[("id", &id), ("reason", "")],
        )
        .await;
    let first = submission::Entity::find_by_id(queued)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (first.state, first.failure_reason.as_deref()),
        (
            SubmissionState::Failed,
            Some("cancelled by an administrator: duplicate")
        )
    );

    // A re-run that runs and succeeds leaves nothing to give back.
    lab.app
        .call(&lab.admin, "/api/admin/pause", &[("paused", "false")])
        .await;
    let said: String = lab
        .app
        .call_json(&lab.admin, "/api/admin/rerun", &all_failed)
        .await;
    assert!(said.starts_with("1 queued"), "{said}");
    lab.app.scheduler.notify_queued();
    wait_until(&lab.app, finished(lab.sub, 2)).await;
    let row = submission::Entity::find_by_id(lab.sub)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (row.state, row.failure_before_rerun),
        (SubmissionState::Evaluated, None)
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
