use domain::Role;
use domain::users::{UserFilter, UserService};
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;

use crate::helpers::{TestApp, invalid_fields};

/// A fresh app and its logged-in admin, "root".
async fn admin_app() -> (TestApp, Client) {
    let app = TestApp::spawn().await;
    let admin = app.logged_in("root", Role::Admin).await;
    (app, admin)
}

/// A fresh app, its logged-in admin, and the id (as form text) of the student "ada".
async fn admin_and_ada() -> (TestApp, Client, String) {
    let (app, admin) = admin_app().await;
    let ada = app
        .add_user("ada", Role::Student, "correct-horse-battery")
        .await
        .to_string();
    (app, admin, ada)
}

/// Calls the admin function that sets `field` of user `id`; each such function is named
/// after its field.
async fn set_field(app: &TestApp, admin: &Client, field: &str, id: &str, value: &str) -> Response {
    let path = format!("/api/admin/users/{field}");
    app.call(admin, &path, &[("id", id), (field, value)]).await
}

/// The form of the admin's create-user function.
fn new_user<'a>(
    username: &'a str,
    display_name: &'a str,
    role: &'a str,
    password: &'a str,
) -> [(&'static str, &'a str); 4] {
    [
        ("username", username),
        ("display_name", display_name),
        ("role", role),
        ("password", password),
    ]
}

async fn user_count(app: &TestApp) -> usize {
    UserService::list(&app.db, &UserFilter::default())
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn admin_creates_a_user_who_can_then_log_in() {
    let (app, admin) = admin_app().await;
    let form = new_user("Zoë", "Zoë Ünal 李", "instructor", "");
    let response = app.call(&admin, "/api/admin/users/create", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let issued: Value = response.json().await.unwrap();
    assert_eq!(issued["role"], "instructor");
    assert_eq!(issued["display_name"], "Zoë Ünal 李");
    let password = issued["password"]
        .as_str()
        .expect("a generated password, shown once");

    let zoe = TestApp::client();
    assert!(app.login(&zoe, "zoë", password).await.status().is_success());
    assert_eq!(app.whoami(&zoe).await.as_deref(), Some("Zoë"));
}

#[tokio::test]
async fn a_username_differing_only_in_case_is_refused() {
    let (app, admin) = admin_app().await;
    let form = new_user("ROOT", "Again", "student", "another-password");
    let (status, body) = app
        .call_error(&admin, "/api/admin/users/create", &form)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("already taken"), "{body}");
    assert_eq!(user_count(&app).await, 1);
}

#[tokio::test]
async fn bad_new_user_fields_are_all_reported_at_once() {
    let (app, admin) = admin_app().await;
    let long = "n".repeat(10_000);
    let form = new_user(&long, "", "student", "short");
    let (status, body) = app
        .call_error(&admin, "/api/admin/users/create", &form)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        invalid_fields(&body),
        ["username", "display_name", "password"]
    );

    let bad_role = new_user("x", "X", "wizard", "");
    let (status, _) = app
        .call_error(&admin, "/api/admin/users/create", &bad_role)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(user_count(&app).await, 1);
}

#[tokio::test]
async fn admin_disables_a_user_who_then_cannot_log_in() {
    let (app, admin, id) = admin_and_ada().await;
    let response = set_field(&app, &admin, "disabled", &id, "true").await;
    assert_eq!(response.status(), StatusCode::OK);
    let (status, _) = app
        .login_error(&TestApp::client(), "ada", "correct-horse-battery")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    set_field(&app, &admin, "disabled", &id, "false").await;
    assert!(
        app.login_status("ada", "correct-horse-battery")
            .await
            .is_success()
    );
}

#[tokio::test]
async fn admin_changes_a_role_and_resets_a_password() {
    let (app, admin, id) = admin_and_ada().await;
    let row: Value = set_field(&app, &admin, "role", &id, "instructor")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(row["role"], "instructor");

    let issued: Value = set_field(&app, &admin, "password", &id, "")
        .await
        .json()
        .await
        .unwrap();
    let password = issued["password"].as_str().unwrap();
    assert_eq!(
        app.login_status("ada", "correct-horse-battery").await,
        StatusCode::UNAUTHORIZED
    );
    assert!(app.login_status("ada", password).await.is_success());
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_disabled() {
    let (app, admin) = admin_app().await;
    for (path, key, value) in [
        ("/api/admin/users/role", "role", "student"),
        ("/api/admin/users/disabled", "disabled", "true"),
    ] {
        let (status, body) = app
            .call_error(&admin, path, &[("id", "1"), (key, value)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.to_string().contains("last active admin"), "{body}");
    }
    assert_eq!(app.whoami(&admin).await.as_deref(), Some("root"));
}

#[tokio::test]
async fn admin_lists_users_by_search_and_role() {
    let (app, admin) = admin_app().await;
    app.add_user("ada", Role::Student, "correct-horse-battery")
        .await;
    app.add_user("adele", Role::Instructor, "correct-horse-battery")
        .await;
    app.add_user("bob", Role::Student, "correct-horse-battery")
        .await;
    let list = |search: &'static str, role: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let rows: Vec<Value> = app
                .call_json(
                    admin,
                    "/api/admin/users",
                    &[("search", search), ("role", role)],
                )
                .await;
            rows.iter()
                .map(|r| r["username"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("", "").await, ["ada", "adele", "bob", "root"]);
    assert_eq!(list("AD", "").await, ["ada", "adele"]);
    assert_eq!(list("ad", "student").await, ["ada"]);
    assert_eq!(list("", "admin").await, ["root"]);
}

#[tokio::test]
async fn a_good_class_list_is_imported_with_generated_passwords() {
    let (app, admin) = admin_app().await;
    let csv = "username,display_name,password,role\nada,Ada Lovelace,,\nzoë,\"Ünal, Zoë\",given-password,\nmrs.t,Mrs T,,instructor\n";
    let response = app
        .call(&admin, "/api/admin/users/import", &[("csv", csv)])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let issued: Vec<Value> = response.json().await.unwrap();
    assert_eq!(issued.len(), 3);
    assert_eq!(issued[1]["display_name"], "Ünal, Zoë");
    assert_eq!(
        issued[1]["password"],
        Value::Null,
        "a given password is not echoed"
    );
    assert_eq!(issued[2]["role"], "instructor");

    let ada_password = issued[0]["password"].as_str().unwrap();
    assert!(app.login_status("ada", ada_password).await.is_success());
    assert!(app.login_status("ZOË", "given-password").await.is_success());
    assert_eq!(user_count(&app).await, 4);
}

#[tokio::test]
async fn a_class_list_with_one_bad_row_imports_nothing_and_names_the_row() {
    let (app, admin) = admin_app().await;
    app.add_user("taken", Role::Student, "correct-horse-battery")
        .await;
    let cases = [
        ("ada,Ada\nbob,Bob,,wizard\n", "line 2", "Unknown role"),
        ("ada,Ada\n,Nameless\n", "line 2", "Enter a username."),
        (
            "ada,Ada\nADA,Ada again\n",
            "line 2",
            "already appears on line 1",
        ),
        ("ada,Ada\nTaken,Someone\n", "line 2", "already taken"),
        (
            "ada,Ada\nbob,Bob,short\n",
            "line 2",
            "at least 8 characters",
        ),
        (
            "username,display_name\nada,Ada\nbob,\n",
            "line 3",
            "Enter a display name.",
        ),
    ];
    for (csv, line, message) in cases {
        let (status, body) = app
            .call_error(&admin, "/api/admin/users/import", &[("csv", csv)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{csv}");
        let errors = body["Invalid"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{body}");
        assert_eq!(errors[0]["field"], line, "{csv}");
        assert!(
            errors[0]["message"].as_str().unwrap().contains(message),
            "{body}"
        );
    }
    assert_eq!(user_count(&app).await, 2, "nothing was imported");
}

#[tokio::test]
async fn oversized_empty_or_malformed_class_lists_get_a_clear_message() {
    let (app, admin) = admin_app().await;
    let huge: String = (0..10_000)
        .map(|i| format!("student{i},Student {i}\n"))
        .collect();
    let binary = String::from_utf8_lossy(&[0xff, 0x00, 0x10, b',', 0x9f]).into_owned();
    let cases = [
        (huge.as_str(), "at most 1000 rows"),
        ("", "no rows"),
        ("\"a,b\n\"c", "username"),
        (binary.as_str(), "username"),
    ];
    for (csv, expected) in cases {
        let (status, body) = app
            .call_error(&admin, "/api/admin/users/import", &[("csv", csv)])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{expected}");
        assert!(
            body.to_string().contains(expected),
            "{body} lacks {expected}"
        );
    }
    assert_eq!(user_count(&app).await, 1);
}
