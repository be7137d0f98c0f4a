//! Join codes cannot be guessed: they have a minimum length, and wrong codes are throttled
//! per student like wrong passwords.

use std::time::Duration;

use domain::Role;
use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::upload_kit::lab_session_with;

#[tokio::test]
async fn wrong_join_codes_are_throttled_and_a_right_one_then_waits_too() {
    let app = TestApp::spawn().await;
    let sam = app.logged_in("sam", Role::Student).await;
    lab_session_with(&app, Some("PEND-1"), None).await;
    for guess in ["AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE"] {
        let (status, _) = app
            .call_error(&sam, "/api/student/join", &[("code", guess)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{guess}");
    }
    let (status, body) = app
        .call_error(&sam, "/api/student/join", &[("code", "PEND-1")])
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");

    // Another student is not slowed by Sam's guesses.
    let ada = app.logged_in("ada", Role::Student).await;
    let joined = app
        .call(&ada, "/api/student/join", &[("code", "PEND-1")])
        .await;
    assert_eq!(joined.status(), StatusCode::OK);

    app.clock.advance(Duration::from_secs(2));
    let joined = app
        .call(&sam, "/api/student/join", &[("code", "pend-1")])
        .await;
    assert_eq!(joined.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_instructor_cannot_set_a_short_join_code() {
    let app = TestApp::spawn().await;
    let teacher = app.logged_in("teach", Role::Instructor).await;
    let mut form = crate::helpers::lab_form(
        "0",
        "Lab",
        "Explain.",
        r#"[{"name":"A","description":"","max_points":5}]"#,
    );
    form[4] = ("join_code", "ab1");
    let (status, body) = app
        .call_error(&teacher, "/api/instructor/lab/save", &form)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(crate::helpers::invalid_fields(&body), ["join_code"]);
}
