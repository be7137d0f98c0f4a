//! The admin's tools over HTTP: the history, a re-run with its diff, settings checked by a
//! real load (the engine's `check` command) and kept across a restart, pause and cancel,
//! and `/metrics`.

use std::time::Duration;

use domain::Role;
use domain::entities::engine_run::{self, Phase};
use domain::status::Snapshot;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{TALK, TestApp, enqueue, fake_scheduler, lab_session};

const WITHIN: Duration = Duration::from_secs(60);

pub async fn wait_until(app: &TestApp, done: impl Fn(&Snapshot) -> bool) {
    let mut updates = app.scheduler.subscribe();
    let waited = tokio::time::timeout(WITHIN, async {
        loop {
            if done(&updates.borrow_and_update()) {
                return;
            }
            updates.changed().await.unwrap();
        }
    })
    .await;
    assert!(
        waited.is_ok(),
        "timed out; last status: {:#?}",
        app.scheduler.snapshot()
    );
}

pub fn finished(id: i32, batch_seq: i32) -> impl Fn(&Snapshot) -> bool {
    move |s| {
        s.current.is_none()
            && s.queue.is_empty()
            && s.recent.iter().any(|r| {
                r.owner.submission_id == id && r.batch_seq == batch_seq && r.state.is_final()
            })
    }
}

pub struct Lab {
    pub app: TestApp,
    pub admin: reqwest::Client,
    pub lab: i32,
    pub sub: i32,
    _dir: tempfile::TempDir,
}

/// An app on the fake engines whose LLM folder holds `configured.gguf` and `other.gguf`,
/// with one graded submission and a logged-in admin.
pub async fn graded_lab() -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::fs::write(models.join("configured.gguf"), b"weights one").unwrap();
    std::fs::write(models.join("other.gguf"), b"weights two").unwrap();
    let mut scheduler = fake_scheduler(dir.path(), 10, json!({"load_ms": 5, "item_ms": 5}));
    scheduler.eval.model = models.join("configured.gguf");
    let app = TestApp::spawn_with(|c| c.scheduler = scheduler).await;
    let teacher = app
        .add_user("teach", Role::Instructor, "a-long-password")
        .await;
    let lab = lab_session(&app.db, teacher).await;
    let student = app.add_user("ada", Role::Student, "a-long-password").await;
    let sub = enqueue(&app.db, dir.path(), student, lab, TALK).await;
    app.scheduler.notify_queued();
    wait_until(&app, finished(sub, 1)).await;
    let admin = app.logged_in("root", Role::Admin).await;
    Lab {
        app,
        admin,
        lab,
        sub,
        _dir: dir,
    }
}

/// Re-runs the evaluation of `lab`'s graded submission with `model` ("" for the configured
/// one) and waits for it to finish, in batch 2.
pub async fn rerun_and_wait(lab: &Lab, model: &str, reason: &str) {
    let id = lab.sub.to_string();
    let said: String = lab
        .app
        .call_json(
            &lab.admin,
            "/api/admin/rerun",
            &[
                ("target", "submission"),
                ("id", &id),
                ("mode", "evaluation_only"),
                ("rubric", "current"),
                ("model", model),
                ("reason", reason),
            ],
        )
        .await;
    assert!(said.starts_with("1 queued"), "{said}");
    lab.app.scheduler.notify_queued();
    wait_until(&lab.app, finished(lab.sub, 2)).await;
}

#[tokio::test]
async fn a_rerun_of_one_submission_runs_no_stt_and_its_diff_compares_the_runs() {
    let lab = graded_lab().await;
    let id = lab.sub.to_string();
    rerun_and_wait(&lab, "other.gguf", "try the other model").await;

    let runs = engine_run::Entity::find()
        .order_by_asc(engine_run::Column::Id)
        .all(&lab.app.db)
        .await
        .unwrap();
    let second: Vec<(Phase, String)> = runs
        .iter()
        .filter(|r| r.batch_id != runs[0].batch_id)
        .map(|r| (r.phase, r.model.clone()))
        .collect();
    assert_eq!(
        second,
        [(Phase::Evaluation, "other.gguf".to_owned())],
        "no STT for a re-run"
    );

    let page: Value = lab
        .app
        .call_json(&lab.admin, "/api/admin/runs", &[("id", &id)])
        .await;
    let listed = page["runs"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "the first run is kept beside the re-run");
    assert_eq!(listed[1]["reason"], "try the other model");
    assert_eq!(listed[1]["model"], "fake");
    assert_eq!(listed[1]["model_sha256"].as_str().unwrap().len(), 64);
    let phases: Vec<&str> = page["engine_runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["stt", "evaluation", "evaluation"]);

    let (left, right) = (listed[0]["id"].to_string(), listed[1]["id"].to_string());
    let diff: Value = lab
        .app
        .call_json(
            &lab.admin,
            "/api/admin/runs/diff",
            &[("submission", &id), ("left", &left), ("right", &right)],
        )
        .await;
    let criteria: Vec<&str> = diff
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["criterion"].as_str().unwrap())
        .collect();
    assert_eq!(criteria, ["Method", "Result"]);
    // Without sides, the page's first view: the newest two runs, the first and its re-run.
    let newest: Value = lab
        .app
        .call_json(&lab.admin, "/api/admin/runs/diff", &[("submission", &id)])
        .await;
    assert_eq!(newest, diff);

    // A run of another submission is not part of this one's diff.
    let (status, _) = lab
        .app
        .call_error(
            &lab.admin,
            "/api/admin/runs/diff",
            &[("submission", "999"), ("left", &left), ("right", &right)],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_history_shows_each_batch_with_both_phases_and_filters_by_state() {
    let lab = graded_lab().await;
    let history = |state: &'static str| {
        let app = &lab.app;
        let admin = &lab.admin;
        async move {
            app.call_json::<Value>(
                admin,
                "/api/admin/history",
                &[
                    ("query[lab_session]", ""),
                    ("query[instructor]", ""),
                    ("query[from]", ""),
                    ("query[to]", ""),
                    ("query[state]", state),
                    ("query[page]", "0"),
                ],
            )
            .await
        }
    };
    let all = history("").await;
    assert_eq!(all["total"], 1);
    let line = &all["submissions"][0];
    assert_eq!(line["state"], "evaluated");
    let steps: Vec<&str> = line["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[0].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["STT start", "STT end", "batch start", "evaluated"]);
    assert_ne!(
        line["estimated_results"], "—",
        "the estimate given at queue entry is kept"
    );
    let batch = &all["batches"][0];
    let phases: Vec<&str> = batch["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["secs"].as_str().unwrap())
        .collect();
    assert!(
        phases.iter().all(|p| p.ends_with(" s")),
        "both phases ran: {phases:?}"
    );
    let bands: Vec<&str> = all["timeline"]["bands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["phase"].as_str().unwrap())
        .collect();
    assert_eq!(bands, ["stt", "evaluation"]);

    assert_eq!(history("failed").await["total"], 0);
    let (status, body) = lab
        .app
        .call_error(
            &lab.admin,
            "/api/admin/history",
            &[
                ("query[lab_session]", "x"),
                ("query[instructor]", ""),
                ("query[from]", ""),
                ("query[to]", ""),
                ("query[state]", ""),
                ("query[page]", "0"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}

fn settings_form<'a>(batch_size: &'a str, eval_model: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("settings[batch_size]", batch_size),
        ("settings[linger_secs]", "0"),
        ("settings[stt_model]", "fake.bin"),
        ("settings[eval_model]", eval_model),
        ("settings[threads]", "1"),
        ("settings[use_gpu]", "false"),
        ("settings[item_timeout_secs]", "30"),
        ("settings[phase_timeout_secs]", "120"),
    ]
}

#[tokio::test]
async fn the_history_filters_offer_each_lab_session_and_its_owner_by_name() {
    let lab = graded_lab().await;
    let teacher = lab.app.user_id("teach").await;
    let other = lab
        .app
        .add_user("prof", Role::Instructor, "a-long-password")
        .await;
    let newer = lab_session(&lab.app.db, other).await;
    let filters: Value = lab
        .app
        .call_json(&lab.admin, "/api/admin/history/filters", &[])
        .await;
    assert_eq!(
        filters["labs"],
        json!([
            [newer, format!("Lab · prof Display (#{newer})")],
            [lab.lab, format!("Lab · teach Display (#{})", lab.lab)],
        ]),
        "newest first, told apart by owner and id"
    );
    assert_eq!(
        filters["instructors"],
        json!([
            [other, "prof Display (prof)"],
            [teacher, "teach Display (teach)"]
        ])
    );
}

#[tokio::test]
async fn settings_are_checked_by_a_real_load_and_kept_across_a_restart() {
    let lab = graded_lab().await;
    let (status, body) = lab
        .app
        .call_error(
            &lab.admin,
            "/api/admin/settings/save",
            &settings_form("3", "missing.gguf"),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // Only files in the models folder can be picked.
    let models = lab
        .app
        .config
        .scheduler
        .eval
        .model
        .parent()
        .unwrap()
        .to_owned();
    std::fs::create_dir_all(models.join("broken.gguf")).unwrap();
    let (status, _) = lab
        .app
        .call_error(
            &lab.admin,
            "/api/admin/settings/save",
            &settings_form("3", "broken.gguf"),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a folder is no model file"
    );

    let saved = lab
        .app
        .call(
            &lab.admin,
            "/api/admin/settings/save",
            &settings_form("3", "other.gguf"),
        )
        .await;
    assert_eq!(saved.status(), StatusCode::OK);
    let app = lab.app.restart().await;
    let admin = app.logged_in("root2", Role::Admin).await;
    let page: Value = app.call_json(&admin, "/api/admin/settings", &[]).await;
    assert_eq!(page["current"]["batch_size"], 3);
    assert_eq!(page["current"]["eval_model"], "other.gguf");
    assert_eq!(
        page["eval_models"],
        json!(["configured.gguf", "other.gguf"])
    );
    assert_eq!(page["changes"][0][1], "root Display", "who changed it");
    wait_until(&app, |s| s.batch_size == 3).await;
}
