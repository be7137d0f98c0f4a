use std::time::Duration;

use domain::Role;
use reqwest::StatusCode;

use crate::helpers::{TestApp, error_of};

#[tokio::test]
async fn login_succeeds_and_the_session_knows_the_user() {
    let (app, client) = TestApp::with_ada().await;
    assert_eq!(app.whoami(&client).await, None);

    let response = app.login(&client, "ada", "correct-horse-battery").await;
    assert!(response.status().is_success());
    assert_eq!(response.headers()["location"], "/");
    assert_eq!(app.whoami(&client).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let (app, client) = TestApp::with_ada().await;

    let wrong_password = app.login_error(&client, "ada", "wrong-horse-battery").await;
    let unknown_user = app
        .login_error(&client, "nobody", "wrong-horse-battery")
        .await;
    assert_eq!(wrong_password.0, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_password, unknown_user);
    assert_eq!(app.whoami(&client).await, None);
}

#[tokio::test]
async fn usernames_are_case_insensitive_and_may_be_unicode() {
    let app = TestApp::spawn().await;
    app.add_user("Zoë.Ünal", Role::Student, "correct-horse-battery")
        .await;
    let client = TestApp::client();
    app.assert_login(&client, "zoË.üNAL", "correct-horse-battery")
        .await;
    assert_eq!(app.whoami(&client).await.as_deref(), Some("Zoë.Ünal"));
}

#[tokio::test]
async fn throttling_starts_after_five_failures_and_lifts() {
    let (app, client) = TestApp::with_ada().await;
    for _ in 0..5 {
        assert_eq!(
            app.login(&client, "ada", "guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }

    // Even the right password is refused while the wait lasts, with a clear retry time.
    let (status, body) = app
        .login_error(&client, "ada", "correct-horse-battery")
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["TooManyAttempts"]["retry_after_secs"], 2);

    app.clock.advance(Duration::from_secs(2));
    app.assert_login(&client, "ada", "correct-horse-battery")
        .await;
}

#[tokio::test]
async fn the_wait_doubles_with_each_failure_after_the_fifth() {
    let (app, client) = TestApp::with_client().await;
    let mut waits = Vec::new();
    for _ in 0..10 {
        let response = app.login(&client, "ada", "guess").await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let (_, body) = error_of(response).await;
            let wait = body["TooManyAttempts"]["retry_after_secs"]
                .as_u64()
                .unwrap();
            waits.push(wait);
            app.clock.advance(Duration::from_secs(wait));
        }
    }
    // Attempts 1-5 fail; then each refused attempt, once waited out, is followed by one more
    // failure, which doubles the next wait.
    assert_eq!(waits, [2, 4, 8]);
}

#[tokio::test]
async fn one_client_address_guessing_many_usernames_is_throttled_too() {
    let app = TestApp::spawn_with(|c| c.login.max_failures_per_address = 5).await;
    let client = TestApp::client();
    for i in 0..5 {
        let status = app
            .login(&client, &format!("user{i}"), "guess")
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.login(&client, "user9", "guess").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn bad_login_input_gets_a_clear_message_and_nothing_panics() {
    let (app, client) = TestApp::with_client().await;
    let long = "x".repeat(10_000);
    let cases: [(&str, &str, &str); 5] = [
        ("", "some-password", "Enter a username."),
        ("ada", "", "Enter your password."),
        (&long, "some-password", "at most 64 characters"),
        ("ada", &long, "at most 128 characters"),
        (
            "ada lovelace",
            "some-password",
            "letters, digits and . _ - @ only",
        ),
    ];
    for (username, password, expected) in cases {
        let (status, body) = app.login_error(&client, username, password).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{username:.10}/{password:.10}"
        );
        assert!(
            body.to_string().contains(expected),
            "{body} lacks {expected:?}"
        );
    }
    // The server is still fine.
    assert_eq!(app.whoami(&client).await, None);
}

#[tokio::test]
async fn a_disabled_account_cannot_log_in_and_its_session_ends() {
    let (app, client) = TestApp::with_ada().await;
    let id = app.user_id("ada").await;
    app.assert_login(&client, "ada", "correct-horse-battery")
        .await;

    domain::users::UserService::set_disabled(&app.db, id, true)
        .await
        .unwrap();
    assert_eq!(app.whoami(&client).await, None);
    let (status, body) = app
        .login_error(&client, "ada", "correct-horse-battery")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body, "AccountDisabled");
}
