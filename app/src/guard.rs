//! The one access guard. Every server function starts with `require_role(..)` (or
//! `require_user()`), so access is decided on the server, never only in the UI.

use std::sync::Arc;

use axum::http::Extensions;
use axum::http::request::Parts;
use domain::auth::Authenticator;
use leptos::prelude::use_context;
use sea_orm::DatabaseConnection;
use tower_sessions::Session;

use crate::AppError;
use crate::dto::{CurrentUser, Role};

/// What server functions need from the running server, given to them as Leptos context.
#[derive(Clone)]
pub struct ServerContext {
    pub db: DatabaseConnection,
    pub auth: Arc<Authenticator>,
    /// The running GPU scheduler: its live status, and where to say "queued".
    pub scheduler: domain::status::SchedulerHandle,
}

/// The session key holding the logged-in user's id.
pub const USER_ID: &str = "user_id";

pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>()
        .ok_or_else(|| AppError::internal("ServerContext missing from context"))
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(AppError::internal)
}

/// The logged-in, still-enabled user, if any. Reads the user row on every call, so disabling
/// an account or changing its role takes effect on the very next request.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let session = session().await?;
    let ctx = server_context()?;
    // Leptos gives server functions a copy of the request's parts, extensions included.
    let request = use_context::<Parts>()
        .map(|p| p.extensions)
        .unwrap_or_default();
    user_from_session(&ctx.db, &session, &request).await
}

/// The one lookup behind both doors: server functions reach it through [`current_user`], plain
/// axum routes through the server's `AuthUser` extractor. A session whose account is gone or
/// disabled is flushed, so its cookie stops counting at once. The user found is named in the
/// request's span (see [`RequestSpan`]), so every later log line of the request names them.
pub async fn user_from_session(
    db: &DatabaseConnection,
    session: &Session,
    request: &Extensions,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(id) = session
        .get::<i32>(USER_ID)
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    match domain::access::enabled_user(db, id).await? {
        Some(user) => {
            if let Some(RequestSpan(span)) = request.get::<RequestSpan>() {
                span.record("user_id", user.id);
            }
            Ok(Some(user.into()))
        }
        None => {
            session.flush().await.map_err(AppError::internal)?;
            Ok(None)
        }
    }
}

/// The span the server opened for this request (it declares an empty `user_id`), kept in the
/// request's extensions. `tracing::Span::current()` would not do: by the time the guard runs,
/// layers such as the session layer have entered spans of their own inside it.
#[derive(Clone)]
pub struct RequestSpan(pub tracing::Span);

pub async fn require_user() -> Result<CurrentUser, AppError> {
    current_user().await?.ok_or(AppError::Unauthorized)
}

/// The caller, if they hold at least `min` (roles are ordered: admin > instructor > student).
pub async fn require_role(min: Role) -> Result<CurrentUser, AppError> {
    let user = require_user().await?;
    if user.role >= min {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// What the access rules in `domain::access` need to know about the caller.
impl From<&CurrentUser> for domain::access::Viewer {
    fn from(user: &CurrentUser) -> Self {
        Self {
            id: user.id,
            role: user.role.into(),
        }
    }
}
