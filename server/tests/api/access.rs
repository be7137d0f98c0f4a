//! Who may call which server function. The table lists every server function; a new one
//! that is not added here fails `every_server_function_is_in_the_access_table`.

use std::collections::BTreeSet;

use domain::Role;
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Access {
    Anyone,
    AtLeast(Role),
}

/// Form arguments that parse, so the guard (not argument parsing) decides the answer.
type Args = &'static [(&'static str, &'static str)];

/// (path, who may call it, valid arguments).
const SERVER_FUNCTIONS: &[(&str, Access, Args)] = &[
    (
        "/api/login",
        Access::Anyone,
        &[("username", "x"), ("password", "y")],
    ),
    ("/api/logout", Access::Anyone, &[]),
    (
        "/api/logout-everywhere",
        Access::AtLeast(Role::Student),
        &[],
    ),
    ("/api/whoami", Access::Anyone, &[]),
    ("/api/status", Access::AtLeast(Role::Student), &[]),
    ("/api/student/labs", Access::AtLeast(Role::Student), &[]),
    (
        "/api/student/join",
        Access::AtLeast(Role::Student),
        &[("code", "NOPE")],
    ),
    (
        "/api/student/submission",
        Access::AtLeast(Role::Student),
        &[("id", "1")],
    ),
    (
        "/api/instructor/labs",
        Access::AtLeast(Role::Instructor),
        &[],
    ),
    (
        "/api/instructor/lab",
        Access::AtLeast(Role::Instructor),
        &[("id", "1")],
    ),
    (
        "/api/instructor/lab/save",
        Access::AtLeast(Role::Instructor),
        &[
            ("id", "0"),
            ("title", "Lab"),
            ("instructions", "Explain."),
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
    (
        "/api/instructor/lab/open",
        Access::AtLeast(Role::Instructor),
        &[("id", "1"), ("open", "false")],
    ),
    (
        "/api/instructor/lab/results",
        Access::AtLeast(Role::Instructor),
        &[("id", "1")],
    ),
    (
        "/api/review/submission",
        Access::AtLeast(Role::Instructor),
        &[("id", "1")],
    ),
    (
        "/api/review/save",
        Access::AtLeast(Role::Instructor),
        &[("id", "1"), ("grade", "{}")],
    ),
    (
        "/api/review/accept",
        Access::AtLeast(Role::Instructor),
        &[("id", "1")],
    ),
    (
        "/api/review/release",
        Access::AtLeast(Role::Instructor),
        &[("id", "1")],
    ),
    (
        "/api/review/release-all",
        Access::AtLeast(Role::Instructor),
        &[("lab", "1")],
    ),
    (
        "/api/review/answer-regrade",
        Access::AtLeast(Role::Instructor),
        &[("id", "1"), ("request", "1"), ("answer", "x")],
    ),
    (
        "/api/review/insights",
        Access::AtLeast(Role::Instructor),
        &[("lab", "1")],
    ),
    (
        "/api/student/regrade",
        Access::AtLeast(Role::Student),
        &[("id", "1"), ("criterion", "Method"), ("note", "x")],
    ),
    (
        "/api/admin/users",
        Access::AtLeast(Role::Admin),
        &[("search", ""), ("role", "")],
    ),
    (
        "/api/admin/history",
        Access::AtLeast(Role::Admin),
        &[
            ("query[lab_session]", ""),
            ("query[instructor]", ""),
            ("query[from]", ""),
            ("query[to]", ""),
            ("query[state]", ""),
            ("query[page]", "0"),
        ],
    ),
    (
        "/api/admin/history/filters",
        Access::AtLeast(Role::Admin),
        &[],
    ),
    (
        "/api/admin/runs",
        Access::AtLeast(Role::Admin),
        &[("id", "1")],
    ),
    (
        "/api/admin/runs/diff",
        Access::AtLeast(Role::Admin),
        &[("submission", "1"), ("left", "1"), ("right", "2")],
    ),
    (
        "/api/admin/rerun",
        Access::AtLeast(Role::Admin),
        &[
            ("target", "all_failed"),
            ("id", "0"),
            ("mode", "evaluation_only"),
            ("rubric", "current"),
            ("model", ""),
            ("reason", "x"),
        ],
    ),
    (
        "/api/admin/cancel",
        Access::AtLeast(Role::Admin),
        &[("id", "1"), ("reason", "")],
    ),
    ("/api/admin/settings", Access::AtLeast(Role::Admin), &[]),
    (
        "/api/admin/settings/save",
        Access::AtLeast(Role::Admin),
        &[
            ("settings[batch_size]", "0"),
            ("settings[linger_secs]", "0"),
            ("settings[stt_model]", "a.bin"),
            ("settings[eval_model]", "b.gguf"),
            ("settings[threads]", "1"),
            ("settings[use_gpu]", "false"),
            ("settings[item_timeout_secs]", "30"),
            ("settings[phase_timeout_secs]", "120"),
        ],
    ),
    (
        "/api/admin/pause",
        Access::AtLeast(Role::Admin),
        &[("paused", "false")],
    ),
    (
        "/api/admin/users/create",
        Access::AtLeast(Role::Admin),
        &[
            ("username", "newbie"),
            ("display_name", "New"),
            ("role", "student"),
            ("password", ""),
        ],
    ),
    (
        "/api/admin/users/role",
        Access::AtLeast(Role::Admin),
        &[("id", "1"), ("role", "admin")],
    ),
    (
        "/api/admin/users/disabled",
        Access::AtLeast(Role::Admin),
        &[("id", "1"), ("disabled", "true")],
    ),
    (
        "/api/admin/users/password",
        Access::AtLeast(Role::Admin),
        &[("id", "1"), ("password", "")],
    ),
    (
        "/api/admin/users/import",
        Access::AtLeast(Role::Admin),
        &[("csv", "mallory,Mallory,,admin\n")],
    ),
];

#[tokio::test]
async fn every_server_function_is_in_the_access_table() {
    let _app = TestApp::spawn().await;
    let registered: BTreeSet<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    let listed: BTreeSet<&str> = SERVER_FUNCTIONS.iter().map(|(path, _, _)| *path).collect();
    assert_eq!(
        registered, listed,
        "add new server functions to SERVER_FUNCTIONS with their access rule"
    );
}

#[tokio::test]
async fn restricted_server_functions_answer_unauthorized_to_anonymous_and_forbidden_to_lesser_roles()
 {
    let app = TestApp::spawn().await;
    let anonymous = TestApp::client();
    let student = app.logged_in("stu", Role::Student).await;
    let instructor = app.logged_in("ins", Role::Instructor).await;
    let callers = [(Role::Student, &student), (Role::Instructor, &instructor)];

    let mut checked = 0;
    for (path, access, args) in SERVER_FUNCTIONS {
        let Access::AtLeast(min) = *access else {
            continue;
        };
        let (status, body) = app.call_error(&anonymous, path, args).await;
        assert_eq!(
            (status, body.as_str()),
            (StatusCode::UNAUTHORIZED, Some("Unauthorized")),
            "anonymous → {path}"
        );
        for (role, client) in callers.iter().filter(|(role, _)| *role < min) {
            let (status, body) = app.call_error(client, path, args).await;
            assert_eq!(
                (status, body.as_str()),
                (StatusCode::FORBIDDEN, Some("Forbidden")),
                "{role:?} → {path}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 6);
    // None of the refused calls changed anything.
    let users = domain::users::UserService::list(&app.db, &Default::default())
        .await
        .unwrap();
    let names: Vec<_> = users
        .iter()
        .map(|u| (u.username.as_str(), u.role, u.disabled))
        .collect();
    assert_eq!(
        names,
        [
            ("ins", Role::Instructor, false),
            ("stu", Role::Student, false)
        ]
    );
}

#[tokio::test]
async fn an_admin_passes_the_guard_of_every_admin_function() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("root", Role::Admin).await;
    app.add_user("target", Role::Student, "correct-horse-battery")
        .await;
    for (path, access, args) in SERVER_FUNCTIONS {
        if *access != Access::AtLeast(Role::Admin) {
            continue;
        }
        // id 1 is the admin; aim changes at the student (id 2) instead.
        let args: Vec<_> = args
            .iter()
            .map(|&(k, v)| if k == "id" { (k, "2") } else { (k, v) })
            .collect();
        let status = app.call(&admin, path, &args).await.status();
        // The history's functions look up submissions that this empty app lacks: a 404 or
        // 422 is their answer after the guard let the admin in.
        let looked_up = matches!(
            status,
            StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
        ) && [
            "/api/admin/runs",
            "/api/admin/runs/diff",
            "/api/admin/cancel",
            "/api/admin/settings/save",
        ]
        .contains(path);
        assert!(status.is_success() || looked_up, "admin → {path}: {status}");
    }
}
