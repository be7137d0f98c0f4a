use domain::Role;
use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

use crate::helpers::TestApp;

fn session_cookie(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("viva_session="))
        .expect("a session cookie")
}

#[tokio::test]
async fn a_session_survives_a_server_restart() {
    let app = TestApp::spawn().await;
    let client = app.logged_in("ada", Role::Student).await;
    let app = app.restart().await;
    assert_eq!(app.whoami(&client).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn logout_ends_the_session_even_for_a_copied_cookie() {
    let (app, client) = TestApp::with_ada().await;
    let login = app.login(&client, "ada", "correct-horse-battery").await;
    let cookie = session_cookie(&login);
    let cookie = cookie.split(';').next().unwrap().to_owned();

    let logout = app.call(&client, "/api/logout", &[]).await;
    assert!(logout.status().is_success());
    assert_eq!(app.whoami(&client).await, None);

    // Someone who copied the cookie before logout gets nothing with it.
    let replay = reqwest::Client::new()
        .post(app.url("/api/whoami"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.text().await.unwrap(), "null");
}

#[tokio::test]
async fn the_session_id_changes_at_login() {
    let (app, client) = TestApp::with_ada().await;
    app.add_user("bob", Role::Student, "correct-horse-battery")
        .await;
    let first = session_cookie(&app.login(&client, "ada", "correct-horse-battery").await);
    let second = session_cookie(&app.login(&client, "bob", "correct-horse-battery").await);
    assert_ne!(first.split(';').next(), second.split(';').next());
    assert_eq!(app.whoami(&client).await.as_deref(), Some("bob"));
}

#[tokio::test]
async fn session_cookies_are_http_only_and_same_site_lax_and_secure_when_configured() {
    let (app, client) = TestApp::with_ada().await;
    let cookie = session_cookie(&app.login(&client, "ada", "correct-horse-battery").await);
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");

    let tls = TestApp::spawn_with(|c| c.secure_cookies = true).await;
    tls.add_user("ada", Role::Student, "correct-horse-battery")
        .await;
    let cookie = session_cookie(
        &tls.login(&TestApp::client(), "ada", "correct-horse-battery")
            .await,
    );
    assert!(cookie.contains("Secure"), "{cookie}");
}
