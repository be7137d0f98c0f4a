//! Gives failed server functions the right HTTP status.
//!
//! Leptos answers every failed server function with 500 and a `serverfnerror` header. Here
//! the encoded [`AppError`] is read back and given the status [`AppError::status`] assigns it
//! (the same mapping plain routes answer with), so clients and tests see honest statuses
//! (401, 403, 422, 429, …). The body is left as it is, so the browser still decodes it.

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use app::AppError;

/// Error bodies are small JSON documents; anything larger is not ours to reinterpret.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match to_bytes(body, MAX_ERROR_BODY).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return AppError::internal(format!("unreadable server function error: {e}"))
                .into_response();
        }
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = error.status();
    }
    Response::from_parts(parts, Body::from(bytes))
}
