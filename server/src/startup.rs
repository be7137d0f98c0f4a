//! Building the application from its configuration and running it until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use domain::auth::{Authenticator, Clock, LoginThrottle, SystemClock, ThrottlePolicy};
use leptos::prelude::LeptosOptions;
use migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower_sessions::session_store::ExpiredDeletion;

use scheduler::Scheduler;

use crate::Config;
use crate::http::{self, AppState, DbSessionStore, RouterSettings, UploadLimits, UploadsInFlight};

/// How often expired sessions are purged from the database.
const SESSION_PURGE_EVERY: Duration = Duration::from_secs(60 * 60);

pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    sessions: DbSessionStore,
    scheduler: Scheduler,
    /// Cancelled at shutdown, so that long-lived responses (status streams) end and the
    /// graceful shutdown is not kept waiting by them.
    shutdown: CancellationToken,
}

/// Before the scheduler starts: leftover files go, and queued work whose audio is gone fails.
async fn sweep_media(db: &DatabaseConnection, dir: &std::path::Path) -> anyhow::Result<()> {
    let swept = domain::media_sweep::sweep(db, dir)
        .await
        .context("cannot sweep the media folder")?;
    if !swept.orphan_files.is_empty() || !swept.failed_submissions.is_empty() {
        tracing::warn!(
            removed_files = swept.orphan_files.len(),
            failed_submissions = ?swept.failed_submissions,
            "media folder swept at start"
        );
    }
    Ok(())
}

/// Opens (creating if needed) the database and brings its schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let db = domain::db::connect(&config.database_url())
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url()))?;
    Migrator::up(&db, None)
        .await
        .context("database migration failed")?;
    Ok(db)
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// As [`Application::build`], with the clock that login throttling measures waits by.
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let db = open_database(&config).await?;
        let listener = TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {} (config key `listen`)", config.listen))?;
        let listen = listener.local_addr()?;

        let join_throttle = Arc::new(LoginThrottle::new(
            login_policy(&config, config.login.max_failures_per_user),
            clock.clone(),
        ));
        let auth = Arc::new(authenticator(&config, clock));
        sweep_media(&db, &config.data_dir.join("media")).await?;
        // Installed before anything counts, so nothing counted is lost.
        http::metrics_recorder();
        let scheduler = Scheduler::start(db.clone(), config.scheduler.clone(), &config.data_dir);
        let shutdown = CancellationToken::new();
        let state = AppState {
            leptos_options: leptos_options(&config, listen),
            server: app::guard::ServerContext {
                db: db.clone(),
                auth,
                join_throttle,
                scheduler: scheduler.handle(),
                session_ends: tokio::sync::broadcast::channel(256).0,
                max_recording_secs: config.uploads.max_duration_secs,
                engines: Arc::new(scheduler::ModelChecker::new(
                    config.scheduler.clone(),
                    &config.data_dir,
                )),
            },
            shutdown: shutdown.clone(),
            uploads: UploadLimits {
                media_dir: config.data_dir.join("media"),
                max_bytes: config.uploads.max_mb * 1024 * 1024,
                media: domain::media::MediaLimits {
                    max_duration: Duration::from_secs(config.uploads.max_duration_secs),
                    tool_timeout: Duration::from_secs(config.uploads.tool_timeout_secs),
                },
                min_free_bytes: config.uploads.min_free_mb.saturating_mul(1024 * 1024),
                max_attempts: config.uploads.max_attempts,
            },
            uploads_in_flight: UploadsInFlight::new(config.uploads.max_concurrent_per_user),
            stream_slots: http::StreamSlots::new(
                config.status.max_streams_per_user,
                config.status.max_streams,
            ),
        };
        let sessions = DbSessionStore::new(db);
        let settings = RouterSettings {
            secure_cookies: config.secure_cookies,
            session_idle: config.session_idle(),
            trusted_proxies: http::TrustedProxies(Arc::new(config.trusted_proxies.clone())),
            metrics_from: Arc::new(config.metrics_from.clone()),
        };
        let router = http::router(state, sessions.clone(), &settings);
        Ok(Self {
            listener,
            router,
            sessions,
            scheduler,
            shutdown,
        })
    }

    /// The running scheduler's handle (status, and "something was queued").
    pub fn scheduler(&self) -> domain::status::SchedulerHandle {
        self.scheduler.handle()
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish and stops the
    /// background tasks it owns.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let stop = self.shutdown;
        let purge = spawn_session_purge(self.sessions, stop.clone());
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let signalled = stop.clone();
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(async move {
                shutdown.await;
                signalled.cancel();
            })
            .await;
        stop.cancel();
        // The engine in flight is stopped and its item goes back to the queue.
        self.scheduler.stop().await;
        purge.await.context("session purge task failed")?;
        served.context("HTTP server failed")
    }
}

fn login_policy(config: &Config, max_failures: u32) -> ThrottlePolicy {
    ThrottlePolicy {
        max_failures,
        base_delay: Duration::from_secs(config.login.base_delay_secs),
        max_delay: Duration::from_secs(config.login.max_delay_secs),
        ..ThrottlePolicy::default()
    }
}

fn authenticator(config: &Config, clock: Arc<dyn Clock>) -> Authenticator {
    let policy = |max_failures| login_policy(config, max_failures);
    Authenticator::new(
        LoginThrottle::new(policy(config.login.max_failures_per_user), clock.clone()),
        LoginThrottle::new(policy(config.login.max_failures_per_address), clock),
    )
}

fn leptos_options(config: &Config, listen: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("viva")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(listen)
        .build()
}

fn spawn_session_purge(sessions: DbSessionStore, stop: CancellationToken) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SESSION_PURGE_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {
                    if let Err(e) = sessions.delete_expired().await {
                        tracing::error!(error = %e, "cannot purge expired sessions");
                    }
                }
                () = stop.cancelled() => return,
            }
        }
    })
}

/// Completes on Ctrl-C (SIGINT) or SIGTERM (systemd's stop). The handlers are installed when
/// this is called, not when the future is first polled, so a signal sent as soon as the
/// server says it is running already stops it gracefully.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let listen = |kind: SignalKind, name: &'static str| {
        let installed = signal(kind);
        async move {
            match installed {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for {name}");
                    std::future::pending::<()>().await;
                }
            }
        }
    };
    let interrupt = listen(SignalKind::interrupt(), "Ctrl-C");
    let terminate = listen(SignalKind::terminate(), "SIGTERM");
    async move {
        tokio::select! {
            () = interrupt => {},
            () = terminate => {},
        }
        tracing::info!("shutting down");
    }
}
