//! Where log lines go. Every request's lines are written inside its span (method, route,
//! request id, user id: see `http::request_trace`); failed requests (5xx) are logged at
//! `error` by the trace layer, and `RUST_LOG=info,tower_http=debug` adds one line per
//! request and response, an access log.

use tracing_subscriber::EnvFilter;

/// Logs to stderr; `RUST_LOG` overrides the default level.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // A second init (tests start several apps in one process) is harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
