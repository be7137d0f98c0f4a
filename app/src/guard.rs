//! The one access guard. Every server function starts with `require_role(..)` (or
//! `require_user()`), so access is decided on the server, never only in the UI.

use std::sync::Arc;

use domain::auth::Authenticator;
use domain::users::UserService;
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
    let Some(id) = session
        .get::<i32>(USER_ID)
        .await
        .map_err(AppError::internal)?
    else {
        return Ok(None);
    };
    let ctx = server_context()?;
    match UserService::find_by_id(&ctx.db, id).await? {
        Some(user) if !user.disabled => Ok(Some(user.into())),
        _ => {
            session.flush().await.map_err(AppError::internal)?;
            Ok(None)
        }
    }
}

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
