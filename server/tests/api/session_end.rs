//! Sessions end when they should: on a password, role or enabled change of their user (a new
//! session epoch), on "log out everywhere", and after the idle time, which slides with use.

use domain::Role;
use domain::entities::session;
use domain::users::{NewPassword, UserService};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

use crate::helpers::TestApp;

#[tokio::test]
async fn a_password_role_or_enabled_change_ends_the_users_other_sessions() {
    let app = TestApp::spawn().await;
    let phone = app.logged_in("ada", Role::Student).await;
    let id = app.user_id("ada").await;
    let laptop = TestApp::client();

    app.assert_login(&laptop, "ada", "correct-horse-battery")
        .await;
    let password = NewPassword::parse("a-new-long-password").unwrap();
    UserService::set_password(&app.db, id, password)
        .await
        .unwrap();
    assert_eq!(app.whoami(&phone).await, None);
    assert_eq!(app.whoami(&laptop).await, None);

    app.assert_login(&laptop, "ada", "a-new-long-password")
        .await;
    UserService::set_role(&app.db, id, Role::Instructor)
        .await
        .unwrap();
    assert_eq!(app.whoami(&laptop).await, None);

    app.assert_login(&laptop, "ada", "a-new-long-password")
        .await;
    UserService::set_disabled(&app.db, id, true).await.unwrap();
    UserService::set_disabled(&app.db, id, false).await.unwrap();
    assert_eq!(
        app.whoami(&laptop).await,
        None,
        "re-enabling does not revive it"
    );
}

#[tokio::test]
async fn an_admin_changing_their_own_password_keeps_the_session_they_used() {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("root", Role::Admin).await;
    let other_device = TestApp::client();
    app.assert_login(&other_device, "root", "correct-horse-battery")
        .await;
    let id = app.user_id("root").await.to_string();

    let response = app
        .call(
            &admin,
            "/api/admin/users/password",
            &[("id", &id), ("password", "another-long-password")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.whoami(&admin).await.as_deref(), Some("root"));
    assert_eq!(app.whoami(&other_device).await, None);
}

#[tokio::test]
async fn log_out_everywhere_ends_every_session_of_the_user_only() {
    let app = TestApp::spawn().await;
    let phone = app.logged_in("ada", Role::Student).await;
    let laptop = TestApp::client();
    app.assert_login(&laptop, "ada", "correct-horse-battery")
        .await;
    let bob = app.logged_in("bob", Role::Student).await;

    let response = app.call(&phone, "/api/logout-everywhere", &[]).await;
    assert!(response.status().is_success() || response.status().is_redirection());
    assert_eq!(app.whoami(&phone).await, None);
    assert_eq!(app.whoami(&laptop).await, None);
    assert_eq!(app.whoami(&bob).await.as_deref(), Some("bob"));
    // Anonymous callers cannot use it.
    let (status, _) = app
        .call_error(&TestApp::client(), "/api/logout-everywhere", &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_session_in_use_slides_its_idle_expiry() {
    let app = TestApp::spawn().await;
    let client = app.logged_in("ada", Role::Student).await;
    let now = chrono::Utc::now().timestamp();

    // As if logged in six days ago and last extended then: one day of idle time left.
    let row = session::Entity::find().one(&app.db).await.unwrap().unwrap();
    let mut data: serde_json::Value = serde_json::from_str(&row.data).unwrap();
    data["seen"] = serde_json::json!((now - 6 * 86_400) / 60);
    let mut aged: session::ActiveModel = row.into();
    aged.data = Set(data.to_string());
    aged.expires_at = Set(now + 86_400);
    aged.update(&app.db).await.unwrap();

    assert_eq!(app.whoami(&client).await.as_deref(), Some("ada"));
    let row = session::Entity::find().one(&app.db).await.unwrap().unwrap();
    let idle = 7 * 86_400;
    assert!(
        row.expires_at >= now + idle - 60,
        "the expiry stayed at {} (now {now})",
        row.expires_at
    );
}
