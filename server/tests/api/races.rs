//! Parallel requests that once raced: login attempts are counted before their password check,
//! and two admins demoting each other at once cannot leave the lab without one.

use domain::Role;
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn of_300_parallel_wrong_passwords_at_most_the_limit_get_a_password_check() {
    let (app, _) = TestApp::with_ada().await;
    let app = std::sync::Arc::new(app);
    let attempts = (0..300).map(|_| {
        let app = app.clone();
        tokio::spawn(async move { app.login_status("ada", "a-wrong-guess").await })
    });
    let mut checked = 0;
    let mut refused = 0;
    for attempt in attempts {
        match attempt.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("unexpected answer {other}"),
        }
    }
    assert!(
        checked <= 5,
        "{checked} attempts reached the password check"
    );
    assert_eq!(checked + refused, 300);
}

#[tokio::test]
async fn a_success_never_clears_other_usernames_failures_from_the_same_address() {
    let app = TestApp::spawn_with(|c| c.login.max_failures_per_address = 5).await;
    app.add_user("ada", Role::Student, "correct-horse-battery")
        .await;
    let client = TestApp::client();
    for i in 0..4 {
        let status = app
            .login(&client, &format!("user{i}"), "guess")
            .await
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    app.assert_login(&TestApp::client(), "ada", "correct-horse-battery")
        .await;
    // The address's four failures stand: one more makes five, and then it waits.
    assert_eq!(
        app.login(&client, "user4", "guess").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login(&client, "user5", "guess").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn a_right_password_clears_its_own_usernames_failures() {
    let app = TestApp::spawn_with(|c| c.login.max_failures_per_address = 5).await;
    app.add_user("ada", Role::Student, "correct-horse-battery")
        .await;
    let client = TestApp::client();
    app.add_user("bob", Role::Student, "correct-horse-battery")
        .await;
    for _ in 0..3 {
        let status = app.login(&client, "ada", "guess").await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    app.assert_login(&client, "ada", "correct-horse-battery")
        .await;
    // Ada's three failures are gone; the address keeps them (3 of 5).
    assert_eq!(
        app.login(&client, "bob", "guess").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    use domain::users::UserService;
    let app = TestApp::spawn().await;
    let is_admin = async |id| {
        let user = UserService::find_by_id(&app.db, id).await.unwrap().unwrap();
        user.role == Role::Admin && !user.disabled
    };
    let mut survivor = None;
    for round in 0..10 {
        let a = app
            .add_user(&format!("a{round}"), Role::Admin, "pw-long-enough")
            .await;
        let b = app
            .add_user(&format!("b{round}"), Role::Admin, "pw-long-enough")
            .await;
        // Only this round's two are active admins.
        if let Some(old) = survivor {
            UserService::set_disabled(&app.db, old, true).await.unwrap();
        }
        let (first, second) = tokio::join!(
            UserService::set_role(&app.db, a, Role::Instructor),
            UserService::set_role(&app.db, b, Role::Instructor),
        );
        assert!(
            first.is_ok() != second.is_ok(),
            "round {round}: exactly one demotion may succeed"
        );
        let (a_admin, b_admin) = (is_admin(a).await, is_admin(b).await);
        assert!(a_admin != b_admin, "round {round}: one admin must be left");
        survivor = Some(if a_admin { a } else { b });
    }
}
