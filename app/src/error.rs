//! The one error type of every server function. Its variants are outcomes a user can
//! understand; internal causes are logged on the server and never sent to the browser.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please log in first.")]
    Unauthorized,
    #[error("You do not have access to this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("Unknown username or wrong password.")]
    InvalidCredentials,
    #[error("This account is disabled. Ask your lab's admin to enable it.")]
    AccountDisabled,
    #[error("Too many failed logins. Try again in {retry_after_secs} seconds.")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error("{}", summary(.0))]
    Invalid(Vec<FieldMessage>),
    #[error("This file is larger than the limit of {max_mb} MB.")]
    TooLarge { max_mb: u64 },
    /// Too many live status pages are open (for this user, or on the server).
    #[error("Too many live status pages are open. Close a few tabs and reload.")]
    TooManyStreams,
    /// The server's disk is (nearly) full: the upload was refused and nothing was kept.
    #[error("The server is out of storage, so nothing was kept. Please tell your admin.")]
    OutOfStorage,
    /// The request clashes with work already under way (a second upload at once, say).
    #[error("{0}")]
    Conflict(String),
    #[error(
        "Something went wrong on the server. Please try again; if it persists, tell your admin."
    )]
    Internal,
    /// The request itself could not be read (bad arguments, or the server was unreachable).
    #[error("The request could not be handled: {0}")]
    Request(String),
}

fn summary(errors: &[FieldMessage]) -> String {
    let lines: Vec<_> = errors.iter().map(|e| e.message.as_str()).collect();
    lines.join(" ")
}

impl AppError {
    /// Field errors, if this is a validation error.
    pub fn fields(&self) -> &[FieldMessage] {
        match self {
            AppError::Invalid(errors) => errors,
            _ => &[],
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::Request(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<domain::DomainError> for AppError {
    fn from(e: domain::DomainError) -> Self {
        use domain::DomainError as D;
        match e {
            D::Invalid(errors) => AppError::Invalid(
                errors
                    .into_iter()
                    .map(|e| FieldMessage {
                        field: e.field,
                        message: e.message,
                    })
                    .collect(),
            ),
            D::NotFound => AppError::NotFound,
            D::InvalidCredentials => AppError::InvalidCredentials,
            D::AccountDisabled => AppError::AccountDisabled,
            D::Throttled { retry_after } => AppError::TooManyAttempts {
                // Round up: "0 seconds" would invite an immediate, still-throttled retry.
                retry_after_secs: retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0),
            },
            D::Database(_) | D::Internal(_) => AppError::internal(e),
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status of this outcome. The only place an `AppError` becomes a status: plain
    /// routes answer through [`IntoResponse`](axum::response::IntoResponse) below, and the
    /// server-function middleware (`server/src/http/server_fns.rs`) calls this too.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode as S;
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => S::UNAUTHORIZED,
            AppError::Forbidden | AppError::AccountDisabled => S::FORBIDDEN,
            AppError::NotFound => S::NOT_FOUND,
            AppError::TooManyAttempts { .. } | AppError::TooManyStreams => S::TOO_MANY_REQUESTS,
            AppError::Invalid(_) => S::UNPROCESSABLE_ENTITY,
            AppError::TooLarge { .. } => S::PAYLOAD_TOO_LARGE,
            AppError::Conflict(_) => S::CONFLICT,
            AppError::OutOfStorage => S::INSUFFICIENT_STORAGE,
            AppError::Request(_) => S::BAD_REQUEST,
            AppError::Internal => S::INTERNAL_SERVER_ERROR,
        }
    }

    /// One message about one field, as a 422.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldMessage {
            field: field.into(),
            message: message.into(),
        }])
    }

    /// Logs an unexpected failure with its cause and returns the opaque `Internal` outcome.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        // Logged inside the request's span, which carries the method, route, request id and
        // (once the guard or extractor has found them) the user id; the browser only ever
        // sees the generic `Internal`.
        tracing::error!(%cause, "internal error");
        AppError::Internal
    }
}

/// Plain axum routes return `Result<_, AppError>`: the status from [`AppError::status`] and
/// the same JSON body a failed server function has, so the browser decodes both alike.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        (self.status(), axum::Json(self)).into_response()
    }
}
