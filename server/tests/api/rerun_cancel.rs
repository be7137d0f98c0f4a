//! Cancelling a queued re-run gives the submission back what it had: its evaluations, or its
//! failure with its reason. What it remembered for that is gone once the re-run ends.

use domain::entities::evaluation;
use domain::entities::submission::{self, SubmissionState};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::admin_tools::{Lab, finished, graded_lab, wait_until};
use crate::helpers::{TALK, enqueue};

async fn pause(lab: &Lab, paused: bool) {
    let flag = paused.to_string();
    let response = lab
        .app
        .call(&lab.admin, "/api/admin/pause", &[("paused", &flag)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    wait_until(&lab.app, |s| s.paused == paused).await;
}

async fn rerun(lab: &Lab, target: &str, id: i32, mode: &str) {
    let id = id.to_string();
    let said: String = lab
        .app
        .call_json(
            &lab.admin,
            "/api/admin/rerun",
            &[
                ("target", target),
                ("id", &id),
                ("mode", mode),
                ("rubric", "current"),
                ("model", ""),
                ("reason", "once more"),
            ],
        )
        .await;
    assert!(said.starts_with("1 queued"), "{said}");
}

pub async fn cancel(lab: &Lab, id: i32, reason: &str) {
    let id = id.to_string();
    let response = lab
        .app
        .call(
            &lab.admin,
            "/api/admin/cancel",
            &[("id", &id), ("reason", reason)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn row(lab: &Lab, id: i32) -> submission::Model {
    submission::Entity::find_by_id(id)
        .one(&lab.app.db)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_cancelled_rerun_gives_back_the_evaluations_or_the_failure() {
    let lab = graded_lab().await;
    pause(&lab, true).await;

    // Graded: back to its graded state, its one evaluation kept.
    rerun(&lab, "submission", lab.sub, "evaluation_only").await;
    cancel(&lab, lab.sub, "").await;
    let graded = row(&lab, lab.sub).await;
    assert_eq!(graded.state, SubmissionState::Evaluated);
    let evaluations = evaluation::Entity::find()
        .filter(evaluation::Column::SubmissionId.eq(lab.sub))
        .all(&lab.app.db)
        .await
        .unwrap();
    assert_eq!(evaluations.len(), 1);

    // Failed after an evaluation (a re-run that failed): back to failed, with its reason. It
    // used to come back "evaluated", its failure lost.
    let mut failed: submission::ActiveModel = graded.into();
    failed.state = Set(SubmissionState::Failed);
    failed.failure_reason = Set(Some("the evaluation engine stopped".into()));
    failed.update(&lab.app.db).await.unwrap();
    rerun(&lab, "all_failed", 0, "evaluation_only").await;
    cancel(&lab, lab.sub, "").await;
    let back = row(&lab, lab.sub).await;
    assert_eq!(
        (back.state, back.failure_reason.as_deref()),
        (
            SubmissionState::Failed,
            Some("the evaluation engine stopped")
        )
    );
    assert_eq!(back.failure_before_rerun, None, "nothing left to give back");

    // A failed first upload keeps its own reason too (it used to read just "cancelled").
    let media = tempfile::tempdir().unwrap();
    let ada = lab.app.user_id("ada").await;
    let upload = enqueue(&lab.app.db, media.path(), ada, lab.lab, TALK).await;
    cancel(&lab, upload, "duplicate").await;
    rerun(&lab, "submission", upload, "retranscribe").await;
    cancel(&lab, upload, "").await;
    let first = row(&lab, upload).await;
    assert_eq!(
        (first.state, first.failure_reason.as_deref()),
        (
            SubmissionState::Failed,
            Some("cancelled by an administrator: duplicate")
        )
    );

    // A re-run that runs (the upload without a transcript is skipped) and succeeds leaves
    // nothing to give back.
    pause(&lab, false).await;
    rerun(&lab, "all_failed", 0, "evaluation_only").await;
    lab.app.scheduler.notify_queued();
    wait_until(&lab.app, finished(lab.sub, 2)).await;
    let done = row(&lab, lab.sub).await;
    assert_eq!(
        (done.state, done.failure_before_rerun),
        (SubmissionState::Evaluated, None)
    );
}
