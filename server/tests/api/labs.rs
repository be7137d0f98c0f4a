//! Lab sessions and results across users: instructors see and change only their own lab
//! sessions, students only their own submissions; the rubric is validated at its fields.

use domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, invalid_fields, lab_form, lab_session, with_a_submission};

/// Every instructor function that takes a lab session id, with valid other arguments.
const ON_A_LAB_SESSION: &[(&str, &[(&str, &str)])] = &[
    ("/api/instructor/lab", &[]),
    (
        "/api/instructor/lab/save",
        &[
            ("title", "Taken over"),
            ("instructions", "x"),
            ("release_mode", "automatic"),
            ("join_code", ""),
            ("language", "en"),
            ("deadline", ""),
            (
                "criteria",
                r#"[{"name":"A","description":"","max_points":5}]"#,
            ),
        ],
    ),
    ("/api/instructor/lab/open", &[("open", "false")]),
    ("/api/instructor/lab/results", &[]),
];

#[tokio::test]
async fn an_instructor_can_neither_read_nor_change_another_instructors_lab_session() {
    let app = TestApp::spawn().await;
    let owner = app
        .add_user("owner", Role::Instructor, "a-long-password")
        .await;
    let lab = lab_session(&app.db, owner).await;
    let other = app.logged_in("other", Role::Instructor).await;
    let id = lab.to_string();
    for (path, args) in ON_A_LAB_SESSION {
        let mut form = vec![("id", id.as_str())];
        form.extend_from_slice(args);
        let (status, body) = app.call_error(&other, path, &form).await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!("NotFound")),
            "{path}"
        );
    }
    let unchanged = domain::labs::LabSessionService::get(&app.db, lab)
        .await
        .unwrap();
    assert_eq!(unchanged.title, "Lab");
    assert!(unchanged.open);
    // And the list shows only one's own.
    let response = app.call(&other, "/api/instructor/labs", &[]).await;
    assert_eq!(response.json::<Value>().await.unwrap(), json!([]));
}

#[tokio::test]
async fn an_instructor_creates_edits_closes_and_reopens_a_lab_session() {
    let app = TestApp::spawn().await;
    let teacher = app.logged_in("teacher", Role::Instructor).await;
    let criteria = r#"[{"name":"Method","description":"How","max_points":4},{"name":"Result","description":"What","max_points":6}]"#;
    let save = |id: &'static str, title: &'static str| {
        [
            ("id", id),
            ("title", title),
            ("instructions", "Explain the pendulum."),
            ("release_mode", "review"),
            ("join_code", "PEND-1"),
            ("language", "de"),
            ("deadline", "2031-05-04T18:30"),
            ("criteria", criteria),
        ]
    };
    let response = app
        .call(&teacher, "/api/instructor/lab/save", &save("0", "Pendulum"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id: i32 = response.json().await.unwrap();
    let id_text: &'static str = Box::leak(id.to_string().into_boxed_str());
    let response = app
        .call(
            &teacher,
            "/api/instructor/lab/save",
            &save(id_text, "Pendulum, part 2"),
        )
        .await;
    assert_eq!(response.json::<i32>().await.unwrap(), id);
    let form: Value = app
        .call_json(&teacher, "/api/instructor/lab", &[("id", id_text)])
        .await;
    assert_eq!(form["title"], "Pendulum, part 2");
    assert_eq!(form["release_mode"], "review");
    assert_eq!(form["join_code"], "PEND-1");
    assert_eq!(form["language"], "de");
    assert_eq!(form["deadline"], "2031-05-04T18:30");
    assert_eq!(form["criteria"][1]["max_points"], 6);
    let closed = app
        .call(
            &teacher,
            "/api/instructor/lab/open",
            &[("id", id_text), ("open", "false")],
        )
        .await;
    assert_eq!(closed.status(), StatusCode::OK);
    assert!(
        !domain::labs::LabSessionService::get(&app.db, id)
            .await
            .unwrap()
            .open
    );
    app.call(
        &teacher,
        "/api/instructor/lab/open",
        &[("id", id_text), ("open", "true")],
    )
    .await;
    assert!(
        domain::labs::LabSessionService::get(&app.db, id)
            .await
            .unwrap()
            .open
    );
}

#[tokio::test]
async fn each_bad_rubric_is_refused_with_a_message_at_its_field() {
    let app = TestApp::spawn().await;
    let teacher = app.logged_in("teacher", Role::Instructor).await;
    let cases: &[(&str, &str, &str)] = &[
        ("no criteria", "[]", "criteria"),
        ("21 criteria", &twenty_one(), "criteria"),
        (
            "an empty name",
            r#"[{"name":" ","description":"","max_points":5}]"#,
            "criteria[0].name",
        ),
        (
            "a repeated name",
            r#"[{"name":"A","description":"","max_points":5},{"name":"a","description":"","max_points":5}]"#,
            "criteria[1].name",
        ),
        (
            "0 points",
            r#"[{"name":"A","description":"","max_points":0}]"#,
            "criteria[0].max_points",
        ),
        (
            "101 points",
            r#"[{"name":"A","description":"","max_points":101}]"#,
            "criteria[0].max_points",
        ),
    ];
    for (what, criteria, field) in cases {
        let form = lab_form("0", "Lab", "", criteria);
        let (status, body) = app
            .call_error(&teacher, "/api/instructor/lab/save", &form)
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}");
        let fields = invalid_fields(&body);
        assert!(fields.contains(field), "{what}: {body}");
    }
    let one_criterion = r#"[{"name":"A","description":"","max_points":5}]"#;
    let form = lab_form("0", "  ", "", one_criterion);
    let (status, body) = app
        .call_error(&teacher, "/api/instructor/lab/save", &form)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["Invalid"][0]["field"], "title");
    assert!(
        domain::labs::LabSessionService::for_owner(&app.db, 1)
            .await
            .unwrap()
            .is_empty()
    );
}

fn twenty_one() -> String {
    let list: Vec<Value> = (0..21)
        .map(|i| json!({"name": format!("c{i}"), "description": "", "max_points": 1}))
        .collect();
    Value::from(list).to_string()
}

#[tokio::test]
async fn a_student_cannot_read_another_students_submission_or_recording() {
    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let (ada, _, sub) = with_a_submission(&app, dir.path()).await;
    let eve = app.logged_in("eve", Role::Student).await;
    let id = sub.to_string();

    let mine = app
        .call(&ada, "/api/student/submission", &[("id", &id)])
        .await;
    assert_eq!(mine.status(), StatusCode::OK);
    let (status, body) = app
        .call_error(&eve, "/api/student/submission", &[("id", &id)])
        .await;
    assert_eq!((status, body), (StatusCode::NOT_FOUND, json!("NotFound")));
    let recording = app.get(&eve, &format!("/api/submissions/{id}/media")).await;
    assert_eq!(recording.status(), StatusCode::NOT_FOUND);
    let anonymous = app
        .get(&TestApp::client(), &format!("/api/submissions/{id}/media"))
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    // Eve's list of lab sessions shows no attempt of Ada's.
    let labs: Value = app.call_json(&eve, "/api/student/labs", &[]).await;
    assert_eq!(labs[0]["latest"], Value::Null);
    let labs: Value = app.call_json(&ada, "/api/student/labs", &[]).await;
    assert_eq!(labs[0]["latest"]["submission_id"], sub);
}

#[tokio::test]
async fn a_student_sees_a_graded_result_only_when_it_is_released() {
    use domain::entities::lab_session::{self, ReleaseMode};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    let dir = tempfile::tempdir().unwrap();
    let app = TestApp::spawn().await;
    let (ada, lab, sub) = with_a_submission(&app, dir.path()).await;
    crate::rubric_versions::store_graded_result(&app.db, sub, 1).await;

    // Released at once, but this result is flagged (evidence not in its transcript, a
    // transcript of seven words): it waits for the instructor.
    let id = sub.to_string();
    let view: Value = app
        .call_json(&ada, "/api/student/submission", &[("id", &id)])
        .await;
    assert_eq!(view["outcome"], json!({"kind": "awaiting_review"}));
    assert!(
        !view.to_string().contains("Good start"),
        "no grade before release"
    );
    assert_eq!(view["segments"][1]["start_ms"], 2000);

    let mut review: lab_session::ActiveModel = lab_session::Entity::find_by_id(lab)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    review.release_mode = Set(ReleaseMode::AfterReview);
    review.update(&app.db).await.unwrap();
    let teacher = TestApp::client();
    app.assert_login(&teacher, "teach", "a-long-password").await;
    app.call(&teacher, "/api/review/accept", &[("id", &id)])
        .await;
    let view: Value = app
        .call_json(&ada, "/api/student/submission", &[("id", &id)])
        .await;
    assert_eq!(
        view["outcome"],
        json!({"kind": "awaiting_review"}),
        "reviewed, not released"
    );

    app.call(&teacher, "/api/review/release", &[("id", &id)])
        .await;
    let view: Value = app
        .call_json(&ada, "/api/student/submission", &[("id", &id)])
        .await;
    assert_eq!(view["outcome"]["kind"], "released");
    assert_eq!(view["outcome"]["total"], 6);
    assert_eq!(view["outcome"]["max_total"], 10);
    assert_eq!(view["outcome"]["criteria"][1]["evidence_verified"], false);
}
