//! Rubric versions: an edited rubric is a new version, old versions stay as they were, and a
//! grade is always read against the version it was made with. Existing data is migrated.

use domain::Role;
use domain::entities::submission::{self, SubmissionState};
use domain::entities::{evaluation, lab_session, transcript};
use domain::labs::LabSessionService;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, Set};
use serde_json::{Value, json};

use crate::helpers::{TestApp, enqueue, lab_form};

/// As the scheduler leaves a submission: a transcript, an evaluation graded against
/// `rubric_version`, state evaluated. Method 4 and Result 2 points, total 6.
pub async fn store_graded_result(db: &DatabaseConnection, sub: i32, rubric_version: i32) {
    let now = chrono::Utc::now();
    transcript::ActiveModel {
        submission_id: Set(sub),
        text: Set("I measured the method and the result.".into()),
        segments: Set(serde_json::from_value(json!([
            {"start_ms": 0, "end_ms": 2000, "text": "I measured the method"},
            {"start_ms": 2000, "end_ms": 4000, "text": "and the result."}
        ]))
        .unwrap()),
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
            {"criterion": "Method", "points": 4, "evidence": "the method", "evidence_verified": true, "comment": "clear"},
            {"criterion": "Result", "points": 2, "evidence": "made up", "evidence_verified": false, "comment": "vague"}
        ],
        "feedback": "Good start.", "total": 6, "model": "test", "prompt_version": "t", "seed": 1, "parallel_sequences": 1
    });
    evaluation::ActiveModel {
        submission_id: Set(sub),
        result: Set(serde_json::from_value(result).unwrap()),
        rubric_version: Set(rubric_version),
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
    row.update(db).await.unwrap();
}

fn form<'a>(id: &'a str, criteria: &'a str) -> [(&'static str, &'a str); 8] {
    lab_form(id, "Pendulum", "Explain the pendulum.", criteria)
}

#[tokio::test]
async fn an_edited_rubric_is_a_new_version_and_old_grades_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let teacher = app.logged_in("teacher", Role::Instructor).await;
    let v1 = r#"[{"name":"Method","description":"How","max_points":5},{"name":"Result","description":"What","max_points":5}]"#;
    let id: i32 = app
        .call_json(&teacher, "/api/instructor/lab/save", &form("0", v1))
        .await;
    let id_text = id.to_string();
    let ada = app.logged_in("ada", Role::Student).await;
    let sub = enqueue(&app.db, dir.path(), app.user_id("ada").await, id, "talk").await;
    store_graded_result(&app.db, sub, 1).await;

    // Saving the same rubric again (other fields changed) makes no new version.
    app.call(&teacher, "/api/instructor/lab/save", &form(&id_text, v1))
        .await;
    assert_eq!(
        LabSessionService::get(&app.db, id)
            .await
            .unwrap()
            .rubric_version,
        1
    );

    let v2 = r#"[{"name":"Method","description":"How","max_points":8},{"name":"Result","description":"What","max_points":8},{"name":"Units","description":"SI","max_points":4}]"#;
    let saved = app
        .call(&teacher, "/api/instructor/lab/save", &form(&id_text, v2))
        .await;
    assert!(saved.status().is_success());
    let lab = LabSessionService::get(&app.db, id).await.unwrap();
    assert_eq!(lab.rubric_version, 2);
    assert_eq!(lab.rubric.max_total(), 20);
    let versions = LabSessionService::rubric_versions(&app.db, id)
        .await
        .unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2]
    );
    assert_eq!(
        versions[0].rubric.max_total(),
        10,
        "version 1 is kept as it was"
    );

    let board: Value = app
        .call_json(&teacher, "/api/instructor/lab/results", &[("id", &id_text)])
        .await;
    assert_eq!(board["rubric_version"], 2);
    assert_eq!(board["rows"][0]["rubric_version"], 1);
    assert_eq!(board["criteria"].as_array().unwrap().len(), 3);

    // The student's grade, once released, is read against version 1: out of 10, not 20.
    let sub_text = sub.to_string();
    app.call(&teacher, "/api/review/accept", &[("id", &sub_text)])
        .await;
    app.call(&teacher, "/api/review/release", &[("id", &sub_text)])
        .await;
    let view: Value = app
        .call_json(&ada, "/api/student/submission", &[("id", &sub.to_string())])
        .await;
    assert_eq!(view["outcome"]["max_total"], 10);
    assert_eq!(view["outcome"]["criteria"][0]["max_points"], 5);
    assert_eq!(view["outcome"]["rubric_version"], 1);
    assert_eq!(view["outcome"]["rubric_is_current"], false);
}

#[tokio::test]
async fn existing_rubrics_and_grades_become_version_one() {
    use migrations::{Migrator, MigratorTrait};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("old.db").display());
    let db = domain::db::connect(&url).await.unwrap();
    // The schema as it was before rubric versions, with a graded submission in it.
    Migrator::up(&db, Some(3)).await.unwrap();
    let rubric = r#"{"criteria":[{"name":"Method","description":"How","max_points":5},{"name":"Result","description":"What","max_points":5}]}"#;
    let now = "2026-11-01 10:00:00+00:00";
    let segments = r#"[{"start_ms":0,"end_ms":4000,"text":"I measured it."}]"#;
    let evaluation = r#"{"criteria":[{"criterion":"Method","points":4,"evidence":"measured","evidence_verified":true,"comment":"ok"},{"criterion":"Result","points":2,"evidence":"","evidence_verified":false,"comment":"vague"}],"feedback":"Good.","total":6,"model":"smol","prompt_version":"v1","seed":1,"parallel_sequences":1}"#;
    for sql in [
        format!(
            "INSERT INTO users (username, username_key, display_name, role, password_hash, disabled, created_at, updated_at) \
             VALUES ('t', 't', 'T', 'instructor', 'x', false, '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO users (username, username_key, display_name, role, password_hash, disabled, created_at, updated_at) \
             VALUES ('s', 's', 'S', 'student', 'x', false, '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO lab_sessions (owner_id, title, instructions, rubric, language, release_mode, open, created_at, updated_at) \
             VALUES (1, 'Old lab', 'Explain', '{rubric}', 'en', 'automatic', true, '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO submissions (student_id, lab_session_id, original_name, audio_path, duration_ms, state, stt_crashes, eval_crashes, queued_at, created_at, updated_at) \
             VALUES (2, 1, 'talk.mp4', '/data/a.wav', 4000, 'evaluated', 0, 0, '{now}', '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO transcripts (submission_id, text, segments, language, model, ms, created_at) \
             VALUES (1, 'I measured it.', '{segments}', 'en', 'tiny', 10, '{now}')"
        ),
        format!(
            "INSERT INTO evaluations (submission_id, result, total, model, prompt_version, seed, parallel_sequences, ms, created_at) \
             VALUES (1, '{evaluation}', 6, 'smol', 'v1', 1, 1, 10, '{now}')"
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    Migrator::up(&db, None).await.unwrap();

    let lab = lab_session::Entity::find_by_id(1)
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lab.rubric_version, 1);
    assert_eq!(
        lab.rubric.max_total(),
        10,
        "the old TEXT column reads as a typed rubric"
    );
    let versions = LabSessionService::rubric_versions(&db, 1).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!((versions[0].version, versions[0].created_by), (1, Some(1)));
    assert_eq!(versions[0].rubric, lab.rubric);

    // The graded submission reads back typed, against version 1.
    let detail = domain::results::ResultService::detail(&db, 1)
        .await
        .unwrap();
    let graded = detail.evaluation.unwrap();
    assert_eq!(graded.rubric_version, 1);
    assert_eq!(graded.result.total, 6);
    assert_eq!(graded.result.criteria[1].comment, "vague");
    assert_eq!(detail.transcript.unwrap().segments.0[0].end_ms, 4000);
    assert_eq!(detail.rubric, lab.rubric);
}
