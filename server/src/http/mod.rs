//! The HTTP surface: one router holding the Leptos pages, the server functions under `/api`,
//! the plain routes (upload, media, status stream), the built front end's files, and around
//! all of them the session layer and the request id and trace layers. Leptos registers every
//! server function's route itself (with the same context as the pages). Plain routes find
//! their caller through the [`AuthUser`] extractor and fail with `AppError`, like server
//! functions do.

mod client_address;
mod exports;
mod extractor;
mod media;
mod metrics;
mod request_trace;
mod same_origin;
mod security_headers;
mod server_fns;
mod session_store;
mod status_events;
mod stream_slots;
mod upload;

use axum::Router;
use axum::extract::FromRef;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use app::guard::ServerContext;
use app::{App, shell};

pub use client_address::TrustedProxies;
pub use extractor::AuthUser;
pub use metrics::recorder as metrics_recorder;
pub use session_store::DbSessionStore;
pub use stream_slots::StreamSlots;
pub use upload::{UploadLimits, UploadsInFlight};

/// Everything a request handler may need; cloned cheaply per request.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub server: ServerContext,
    /// Cancelled when the server shuts down; ends the status streams.
    pub shutdown: tokio_util::sync::CancellationToken,
    pub uploads: UploadLimits,
    pub uploads_in_flight: UploadsInFlight,
    /// Open status streams, capped per user and in all.
    pub stream_slots: StreamSlots,
}

pub struct RouterSettings {
    pub secure_cookies: bool,
    pub session_idle: std::time::Duration,
    pub trusted_proxies: TrustedProxies,
    pub metrics_from: std::sync::Arc<Vec<ipnet::IpNet>>,
}

pub fn router(state: AppState, sessions: DbSessionStore, settings: &RouterSettings) -> Router {
    let routes = generate_route_list(App);
    let server = state.server.clone();
    let idle = time::Duration::try_from(settings.session_idle).unwrap_or(time::Duration::days(7));
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("viva_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(idle));

    let router = Router::new()
        .route(
            "/metrics",
            axum::routing::get(metrics::metrics)
                .layer(axum::Extension(settings.metrics_from.clone())),
        )
        .route(
            "/api/status/events",
            axum::routing::get(status_events::status_events),
        )
        .route(
            "/api/submissions/{id}/media",
            axum::routing::get(media::media),
        )
        .route(
            "/api/submissions/{id}/{file}",
            axum::routing::get(exports::transcript_file),
        )
        .route(
            "/api/lab-sessions/{id}/grades.csv",
            axum::routing::get(exports::grades_csv),
        )
        .route(
            "/api/lab-sessions/{id}/export.zip",
            axum::routing::get(exports::lab_zip),
        )
        .route(
            "/api/lab-sessions/{id}/upload",
            axum::routing::post(upload::upload).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .leptos_routes_with_context(&state, routes, move || provide_context(server.clone()), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(axum::middleware::from_fn(server_fns::error_status))
        .layer(session_layer)
        .layer(axum::middleware::from_fn(same_origin::same_origin_only))
        .layer(axum::middleware::from_fn_with_state(
            settings.trusted_proxies.clone(),
            client_address::client_address,
        ))
        .layer(axum::middleware::from_fn(
            security_headers::security_headers,
        ))
        .with_state(state);
    request_trace::layer(router)
}
