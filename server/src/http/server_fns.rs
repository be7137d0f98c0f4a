//! Runs server functions and gives their errors the right HTTP status.
//!
//! Leptos answers every failed server function with 500. Here, in the one place where
//! outcomes meet HTTP, the encoded [`AppError`] is read back and the status it stands for
//! (401, 403, 422, 429, …) is set, so clients and tests see honest statuses.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use leptos::prelude::provide_context;
use leptos_axum::handle_server_fns_with_context;

use super::AppState;
use app::AppError;

/// Error bodies are small JSON documents; anything larger is not ours to reinterpret.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn handle(State(state): State<AppState>, request: Request) -> Response {
    let server = state.server.clone();
    let response = handle_server_fns_with_context(move || provide_context(server.clone()), request)
        .await
        .into_response();
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    }
    Response::from_parts(parts, Body::from(bytes))
}
