//! The web edge's defences: cross-site requests refused, security headers on every
//! response, and `X-Forwarded-For` believed only from a trusted proxy.

use domain::Role;
use reqwest::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_cross_site_form_post_to_login_is_refused() {
    let (app, client) = TestApp::with_ada().await;
    let form = [("username", "ada"), ("password", "correct-horse-battery")];
    let from_evil = client
        .post(app.url("/api/login"))
        .header("origin", "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(from_evil.status(), StatusCode::FORBIDDEN);
    let fetch_metadata = client
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(fetch_metadata.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.whoami(&client).await, None);

    // The same form from Viva's own page works.
    let own = client
        .post(app.url("/api/login"))
        .header("origin", format!("http://{}", app.addr))
        .header("sec-fetch-site", "same-origin")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert!(own.status().is_success() || own.status().is_redirection());
    assert_eq!(app.whoami(&client).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn cross_site_uploads_and_logouts_are_refused_too() {
    let app = TestApp::spawn().await;
    let ada = app.logged_in("ada", Role::Student).await;
    for path in ["/api/lab-sessions/1/upload", "/api/logout"] {
        let response = ada
            .post(app.url(path))
            .header("sec-fetch-site", "cross-site")
            .body("x")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.whoami(&ada).await.as_deref(), Some("ada"));
}

#[tokio::test]
async fn pages_carry_a_policy_that_allows_only_their_own_scripts() {
    let app = TestApp::spawn().await;
    let page = app.get(&TestApp::client(), "/login").await;
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers.contains_key("referrer-policy"));
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(policy.contains("'wasm-unsafe-eval'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    // Every inline script of the page carries the policy's nonce.
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce in the page's policy");
    let html = page.text().await.unwrap();
    let scripts = html.matches("<script").count();
    assert!(scripts > 0);
    assert_eq!(
        html.matches(&format!("nonce=\"{nonce}\"")).count(),
        scripts,
        "{html}"
    );

    // Server functions and files get the policy without a nonce.
    let api = app.call(&TestApp::client(), "/api/whoami", &[]).await;
    let policy = api.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        policy.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{policy}"
    );
    assert_eq!(api.headers()["x-frame-options"], "DENY");
}

/// Five failed logins "from" `address` (as the forwarded header says), then one more.
async fn sixth_login_from(app: &TestApp, first: &str, then: &str) -> StatusCode {
    let client = TestApp::client();
    for i in 0..5 {
        let status = client
            .post(app.url("/api/login"))
            .header("x-forwarded-for", first)
            .form(&[
                ("username", format!("user{i}").as_str()),
                ("password", "guess"),
            ])
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    client
        .post(app.url("/api/login"))
        .header("x-forwarded-for", then)
        .form(&[("username", "user9"), ("password", "guess")])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    // No trusted proxy: the header is the client's own claim and is ignored.
    let direct = TestApp::spawn_with(|c| c.login.max_failures_per_address = 5).await;
    assert_eq!(
        sixth_login_from(&direct, "192.0.2.1", "192.0.2.2").await,
        StatusCode::TOO_MANY_REQUESTS
    );

    let proxied = TestApp::spawn_with(|c| {
        c.login.max_failures_per_address = 5;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    assert_eq!(
        sixth_login_from(&proxied, "192.0.2.1", "192.0.2.2").await,
        StatusCode::UNAUTHORIZED,
        "another client behind the proxy is not throttled for the first one's failures"
    );
    let client = TestApp::client();
    let status = client
        .post(proxied.url("/api/login"))
        .header("x-forwarded-for", "192.0.2.1")
        .form(&[("username", "user8"), ("password", "guess")])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}
