use std::net::SocketAddr;
use std::sync::Arc;

use domain::Role;
use domain::auth::ManualClock;
use domain::status::SchedulerHandle;
use domain::users::{NewUser, UserService};
use reqwest::{Client, Response, StatusCode};
use sea_orm::DatabaseConnection;
use server::{Application, Config};
use tempfile::TempDir;
use test_kit::engines::engine_bin;
use test_kit::media::silent_wav;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running Viva on a free port with its own data directory.
pub struct TestApp {
    pub addr: SocketAddr,
    pub config: Config,
    /// The clock login throttling waits by; tests move it instead of sleeping.
    pub clock: Arc<ManualClock>,
    /// A second connection to the same database, for arranging and checking state.
    pub db: DatabaseConnection,
    pub scheduler: SchedulerHandle,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    _data: Arc<TempDir>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// A fresh app and a client that has not logged in yet.
    pub async fn with_client() -> (Self, Client) {
        (Self::spawn().await, Self::client())
    }

    /// A fresh app with the student "ada" (password `correct-horse-battery`) and a client
    /// that has not logged in yet.
    pub async fn with_ada() -> (Self, Client) {
        let app = Self::spawn().await;
        app.add_user("ada", Role::Student, "correct-horse-battery")
            .await;
        (app, Self::client())
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> Self {
        let data = Arc::new(tempfile::tempdir().unwrap());
        let mut config = Config {
            data_dir: data.path().to_owned(),
            listen: "127.0.0.1:0".parse().unwrap(),
            ..Config::default()
        };
        // Queued work waits (an hour's linger, a batch larger than any test's) unless a
        // test sets up engines to run it.
        config.scheduler.batch_size = 64;
        config.scheduler.linger_secs = 3600.0;
        // Test uploads are small; the 1 GiB default would fail them whenever the shared CI
        // disk runs low. `upload_limits` tests the refusal itself.
        config.uploads.min_free_mb = 64;
        adjust(&mut config);
        Self::start(config, data, Arc::new(ManualClock::default())).await
    }

    async fn start(mut config: Config, data: Arc<TempDir>, clock: Arc<ManualClock>) -> Self {
        let app = Application::build_with_clock(config.clone(), clock.clone())
            .await
            .unwrap();
        let addr = app.local_addr().unwrap();
        let scheduler = app.scheduler();
        config.listen = addr;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until_stopped(async move {
            let _ = stopped.await;
        }));
        let db = domain::db::connect(&config.database_url()).await.unwrap();
        Self {
            addr,
            config,
            clock,
            db,
            scheduler,
            stop: Some(stop),
            server: Some(server),
            _data: data,
        }
    }

    /// Stops the server gracefully and starts a new one on the same address and database.
    pub async fn restart(mut self) -> Self {
        self.shut_down().await;
        let config = self.config.clone();
        Self::start(config, self._data.clone(), self.clock.clone()).await
    }

    async fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).unwrap();
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap().unwrap();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A browser-like client with its own cookie jar.
    pub fn client() -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Calls a server function the way the browser does (form-encoded POST).
    pub async fn call(&self, client: &Client, path: &str, form: &[(&str, &str)]) -> Response {
        client.post(self.url(path)).form(form).send().await.unwrap()
    }

    /// Calls a server function and decodes its JSON answer.
    pub async fn call_json<T: serde::de::DeserializeOwned>(
        &self,
        client: &Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> T {
        self.call(client, path, form).await.json().await.unwrap()
    }

    /// Calls a server function expected to fail: its status and decoded error.
    pub async fn call_error(
        &self,
        client: &Client,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, serde_json::Value) {
        error_of(self.call(client, path, form).await).await
    }

    /// A plain GET of `path` (media, event streams) with `client`'s cookies.
    pub async fn get(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn add_user(&self, username: &str, role: Role, password: &str) -> i32 {
        let new = NewUser::parse(username, &format!("{username} Display"), role, password).unwrap();
        UserService::create(&self.db, new).await.unwrap().id
    }

    pub async fn login(&self, client: &Client, username: &str, password: &str) -> Response {
        self.call(
            client,
            "/api/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// Logs `client` in, asserting that it worked.
    pub async fn assert_login(&self, client: &Client, username: &str, password: &str) {
        let status = self.login(client, username, password).await.status();
        assert!(status.is_success(), "login of {username} failed: {status}");
    }

    /// A login attempt expected to fail: its status and decoded error.
    pub async fn login_error(
        &self,
        client: &Client,
        username: &str,
        password: &str,
    ) -> (StatusCode, serde_json::Value) {
        error_of(self.login(client, username, password).await).await
    }

    /// The status of a fresh client's login attempt.
    pub async fn login_status(&self, username: &str, password: &str) -> StatusCode {
        self.login(&Self::client(), username, password)
            .await
            .status()
    }

    /// A client logged in as a new user of `role`.
    pub async fn logged_in(&self, username: &str, role: Role) -> Client {
        let client = Self::client();
        self.add_user(username, role, "correct-horse-battery").await;
        self.assert_login(&client, username, "correct-horse-battery")
            .await;
        client
    }

    /// The id of the user called `username`.
    pub async fn user_id(&self, username: &str) -> i32 {
        let name = domain::users::Username::parse(username).unwrap();
        UserService::find_by_username(&self.db, &name)
            .await
            .unwrap()
            .unwrap()
            .id
    }

    /// The logged-in user's username, or None.
    pub async fn whoami(&self, client: &Client) -> Option<String> {
        let response = self.call(client, "/api/whoami", &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        let body: Option<serde_json::Value> = response.json().await.unwrap();
        body.map(|u| u["username"].as_str().unwrap().to_owned())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The error a server function answered with, as the browser would decode it.
pub async fn error_of(response: Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    let body = response.json().await.unwrap();
    (status, body)
}

/// The form that saves lab session `id` ("0": a new one), released automatically, in
/// English, with no join code or deadline.
pub fn lab_form<'a>(
    id: &'a str,
    title: &'a str,
    instructions: &'a str,
    criteria: &'a str,
) -> [(&'static str, &'a str); 8] {
    [
        ("id", id),
        ("title", title),
        ("instructions", instructions),
        ("release_mode", "automatic"),
        ("join_code", ""),
        ("language", "en"),
        ("deadline", ""),
        ("criteria", criteria),
    ]
}

/// The fields an `Invalid` error names, in order.
pub fn invalid_fields(body: &serde_json::Value) -> Vec<&str> {
    body["Invalid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

/// Scheduler settings that run the scripted fake engine for both phases.
pub fn fake_scheduler(
    dir: &std::path::Path,
    batch_size: u32,
    script: serde_json::Value,
) -> scheduler::SchedulerConfig {
    let script_path = dir.join("script.json");
    std::fs::write(&script_path, script.to_string()).unwrap();
    let engine = |phase: &str| scheduler::EngineConfig {
        program: engine_bin("viva-fake-engine"),
        args: vec![phase.into(), script_path.display().to_string()],
        model: "fake.bin".into(),
        threads: 1,
        use_gpu: false,
        item_timeout_secs: 30,
        phase_timeout_secs: 120,
    };
    scheduler::SchedulerConfig {
        batch_size,
        linger_secs: 0.0,
        eval_seed: 1,
        stt: engine("stt"),
        eval: engine("eval"),
    }
}

/// A lab session of `owner` with a two-criterion rubric.
pub async fn lab_session(db: &DatabaseConnection, owner: i32) -> i32 {
    use domain::labs::{Criterion, LabSessionService, NewLabSession, Rubric, RubricRules};
    let criterion = |name: &str| Criterion {
        name: name.into(),
        description: format!("{name} is explained"),
        max_points: 5,
    };
    let rubric = Rubric::parse(vec![criterion("Method"), criterion("Result")]).unwrap();
    let new = NewLabSession {
        title: "Lab".into(),
        instructions: "Explain your lab.".into(),
        rubric,
        language: "en".into(),
        release_mode: domain::entities::lab_session::ReleaseMode::Automatic,
        join_code: None,
        deadline: None,
    };
    LabSessionService::create(db, owner, new).await.unwrap().id
}

/// A lab session of a new instructor with one queued submission of a new student, "ada".
pub async fn with_a_submission(app: &TestApp, dir: &std::path::Path) -> (Client, i32, i32) {
    let teacher = app
        .add_user("teach", Role::Instructor, "a-long-password")
        .await;
    let lab = lab_session(&app.db, teacher).await;
    let ada = app.logged_in("ada", Role::Student).await;
    let sub = enqueue(&app.db, dir, app.user_id("ada").await, lab, "ada's talk").await;
    (ada, lab, sub)
}

/// A lab talk long enough that its result is not flagged as too short for automatic release.
pub const TALK: &str = "We timed ten swings of the pendulum for five lengths of string, plotted \
    the square of the period against the length, and the slope gave us g within two percent.";

/// Queues a submission of one second of silence; the fake engine "hears" `text`.
pub async fn enqueue(
    db: &DatabaseConnection,
    dir: &std::path::Path,
    student: i32,
    lab: i32,
    text: &str,
) -> i32 {
    use domain::submissions::{NewSubmission, SubmissionService};
    let wav = silent_wav(
        &dir.join(format!("{student}-{lab}-{}.wav", rand_suffix())),
        1_000,
    );
    std::fs::write(format!("{}.txt", wav.display()), text).unwrap();
    let new = NewSubmission {
        student_id: student,
        lab_session_id: lab,
        original_name: "talk.mp4".into(),
        media_path: Some(wav.display().to_string()),
        media_sha256: None,
        audio_path: wav.display().to_string(),
        duration_ms: 1000,
    };
    SubmissionService::enqueue(db, new).await.unwrap().id
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}
