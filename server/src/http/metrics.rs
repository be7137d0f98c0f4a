//! `/metrics` in the Prometheus text format: for admins' sessions, or without a login from
//! the configured local addresses (`metrics_from`). Counters and histograms come through the
//! `metrics` facade from wherever they happen; the queue depth is read from the database at
//! each scrape, so it is never stale.

use std::sync::{Arc, OnceLock};

use app::AppError;
use app::guard::ClientAddress;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use domain::entities::submission::{self, SubmissionState};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use sea_orm::{ActiveEnum, ColumnTrait, EntityTrait, Iterable, QuerySelect};

use super::AppState;
use super::extractor::AuthUser;

/// Seconds: an upload's extraction to a long evaluation phase.
const BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0,
];

/// The process's one recorder, installed the first time it is asked for (tests start many
/// servers in one process; they share it).
pub fn recorder() -> Option<&'static PrometheusHandle> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let installed = PrometheusBuilder::new()
                .set_buckets(BUCKETS)
                .and_then(PrometheusBuilder::install_recorder);
            match installed {
                Ok(handle) => Some(handle),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot install the metrics recorder");
                    None
                }
            }
        })
        .as_ref()
}

pub async fn metrics(
    State(state): State<AppState>,
    Extension(allowed): Extension<Arc<Vec<ipnet::IpNet>>>,
    client: Option<Extension<ClientAddress>>,
    user: Result<AuthUser, AppError>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let local =
        client.is_some_and(|Extension(ClientAddress(ip))| allowed.iter().any(|n| n.contains(&ip)));
    // A browser on this machine is "local" too: only a request without a session cookie
    // (a scraper) gets in by address, so a student's session on the lab PC does not. A
    // request a proxy forwarded is never a local scraper, whatever address the proxy has.
    let forwarded = ["forwarded", "x-forwarded-for", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    let scraper = local && !forwarded && !headers.contains_key(header::COOKIE);
    if !scraper {
        let AuthUser(user) = user?;
        if user.role != app::dto::Role::Admin {
            return Err(AppError::Forbidden);
        }
    }
    let handle = recorder().ok_or_else(|| AppError::internal("no metrics recorder"))?;
    queue_depth(&state).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle.render(),
    )
        .into_response())
}

async fn queue_depth(state: &AppState) -> Result<(), AppError> {
    let counts: Vec<(SubmissionState, i64)> = submission::Entity::find()
        .select_only()
        .column(submission::Column::State)
        .column_as(submission::Column::Id.count(), "n")
        .group_by(submission::Column::State)
        .into_tuple()
        .all(&state.server.db)
        .await
        .map_err(domain::DomainError::from)?;
    for s in SubmissionState::iter() {
        let n = counts
            .iter()
            .find(|(state, _)| *state == s)
            .map_or(0, |(_, n)| *n);
        let label = s.to_value();
        metrics::gauge!("viva_queue_depth", "state" => label).set(n as f64);
    }
    Ok(())
}
