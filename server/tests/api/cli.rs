//! The `viva` binary itself: user administration, configuration errors, the demo, and a
//! graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use reqwest::StatusCode;
use test_kit::engines::run_with_stdin;

use crate::helpers::TestApp;

fn viva(data: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_viva"));
    command
        .env("VIVA_DATA_DIR", data)
        .env("VIVA_LISTEN", "127.0.0.1:0")
        .env_remove("RUST_LOG")
        .current_dir(data);
    command
}

/// Runs `viva args…` with `stdin` as its standard input.
fn run(data: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = viva(data);
    command.args(args);
    run_with_stdin(command, stdin)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `viva args…` expecting it to fail with `message` on its standard error.
fn assert_refused(data: &Path, args: &[&str], stdin: &str, message: &str) {
    let output = run(data, args, stdin);
    assert!(!output.status.success(), "{args:?} succeeded");
    let stderr = text(&output.stderr);
    assert!(stderr.contains(message), "{stderr}");
}

/// A long-running `viva` command; killed if a test fails before stopping it.
struct Serving {
    child: Child,
    url: String,
    printed: Vec<String>,
}

impl Serving {
    /// Starts `viva args…` and waits until it says where it serves.
    fn start(data: &Path, args: &[&str]) -> Self {
        let child = viva(data)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut serving = Serving {
            child,
            url: String::new(),
            printed: Vec::new(),
        };
        let stdout = serving.child.stdout.take().unwrap();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("Viva is running at ") {
                serving.url = rest.split(' ').next().unwrap().to_owned();
                return serving;
            }
            serving.printed.push(line);
        }
        panic!("viva exited before serving: {:?}", serving.printed);
    }

    fn stop_with_sigterm(mut self) {
        let kill = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = self.child.wait().unwrap();
        assert!(
            status.success(),
            "viva should exit cleanly on SIGTERM, got {status}"
        );
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[test]
fn user_commands_read_passwords_from_stdin_and_manage_accounts() {
    let data = tempfile::tempdir().unwrap();
    let added = run(
        data.path(),
        &[
            "user",
            "add",
            "--role",
            "admin",
            "--display-name",
            "Ada L",
            "ada",
        ],
        "first-password\n",
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(text(&added.stdout).contains("Created admin \"ada\""));

    let add_student = |name: &'static str| ["user", "add", "--role", "student", name];
    assert_refused(
        data.path(),
        &add_student("ADA"),
        "other-password\n",
        "already taken",
    );
    assert_refused(
        data.path(),
        &add_student("bob"),
        "short\n",
        "at least 8 characters",
    );
    assert_refused(data.path(), &add_student("bob"), "", "no password on stdin");

    assert!(
        run(
            data.path(),
            &["user", "add", "--role", "student", "bob"],
            "bob-password\n"
        )
        .status
        .success()
    );
    assert!(
        run(
            data.path(),
            &["user", "passwd", "bob"],
            "new-bob-password\n"
        )
        .status
        .success()
    );
    assert!(
        run(data.path(), &["user", "disable", "bob"], "")
            .status
            .success()
    );

    let list = text(&run(data.path(), &["user", "list"], "").stdout);
    let rows: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split_whitespace().take(3).collect())
        .collect();
    assert_eq!(
        rows,
        [["ada", "admin", "active"], ["bob", "student", "disabled"]]
    );

    let missing = run(data.path(), &["user", "disable", "nobody"], "");
    assert!(text(&missing.stderr).contains("no user named \"nobody\""));
    let last_admin = run(data.path(), &["user", "disable", "ada"], "");
    assert!(text(&last_admin.stderr).contains("last active admin"));
}

#[test]
fn an_invalid_setting_stops_start_up_with_a_message_naming_the_key() {
    let data = tempfile::tempdir().unwrap();
    let migrated = run(data.path(), &["migrate"], "");
    assert!(migrated.status.success(), "{}", text(&migrated.stderr));

    let mut command = viva(data.path());
    let output = command
        .env("VIVA_SESSION_IDLE_DAYS", "forever")
        .arg("serve")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("SESSION_IDLE_DAYS"),
        "{}",
        text(&output.stderr)
    );

    std::fs::write(
        data.path().join("viva.toml"),
        "[login]\nbase_delay_secs = 0\n",
    )
    .unwrap();
    let output = viva(data.path()).arg("serve").output().unwrap();
    assert!(!output.status.success());
    assert!(
        text(&output.stderr).contains("`login.base_delay_secs`"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test]
async fn serve_stops_gracefully_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let viva = Serving::start(data.path(), &["serve"]);
    let response = reqwest::get(format!("{}/favicon.svg", viva.url))
        .await
        .unwrap();
    assert_ne!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    viva.stop_with_sigterm();
}

#[tokio::test]
async fn demo_seeds_an_admin_two_instructors_and_thirty_students_with_working_passwords() {
    let data = tempfile::tempdir().unwrap();
    let viva = Serving::start(data.path(), &["demo"]);
    let url = viva.url.clone();
    let printed = viva.printed.clone();
    let admin_line = printed
        .iter()
        .find(|l| l.trim_start().starts_with("admin "))
        .expect("the admin's password");
    let admin_password = admin_line.split_whitespace().last().unwrap();

    let client = TestApp::client();
    let login = client
        .post(format!("{url}/api/login"))
        .form(&[("username", "admin"), ("password", admin_password)])
        .send()
        .await
        .unwrap();
    assert!(login.status().is_success());
    let users: Vec<serde_json::Value> = client
        .post(format!("{url}/api/admin/users"))
        .form(&[("search", ""), ("role", "")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let count = |role: &str| users.iter().filter(|u| u["role"] == role).count();
    assert_eq!(
        (count("admin"), count("instructor"), count("student")),
        (1, 2, 30)
    );
    let seeded = "Demo lab session 1: \"Demo lab: measuring g with a pendulum\"";
    assert!(printed.iter().any(|l| l.starts_with(seeded)), "{printed:?}");
    viva.stop_with_sigterm();

    // A second run reuses the accounts and prints the same passwords.
    let again = Serving::start(data.path(), &["demo"]);
    assert_eq!(printed, again.printed);
    again.stop_with_sigterm();
}
