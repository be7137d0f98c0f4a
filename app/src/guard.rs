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
    /// Wrong join codes per student: guessing codes is slowed like guessing passwords.
    pub join_throttle: Arc<domain::auth::LoginThrottle>,
    /// Told when sessions end here (logout, log out everywhere, an account change), so the
    /// status streams of those sessions end at once instead of at their next check.
    pub session_ends: tokio::sync::broadcast::Sender<SessionEnd>,
    /// The running GPU scheduler: its live status, and where to say "queued".
    pub scheduler: domain::status::SchedulerHandle,
    /// The longest recording an upload may hold (`uploads.max_duration_secs`): the browser's
    /// recorder stops there.
    pub max_recording_secs: u64,
    /// The configured engines: run-time settings' defaults, model files, model checks.
    pub engines: Arc<dyn domain::scheduler_settings::EngineSetup>,
}

/// The address a request came from: the peer, or behind a trusted proxy the client it
/// forwarded for. Put in every request's extensions by the server's edge layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub std::net::IpAddr);

/// Sessions that just ended: one, or every session of a user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionEnd {
    Session(String),
    User(i32),
}

impl ServerContext {
    /// Ends the open status streams of `end` (no stream listening is fine).
    pub fn announce(&self, end: SessionEnd) {
        let _ = self.session_ends.send(end);
    }
}

/// The session key holding the logged-in user's id.
pub const USER_ID: &str = "user_id";
/// The user's session epoch when this session was made; a newer epoch ends it.
pub const USER_EPOCH: &str = "epoch";
/// When this session was last extended, in Unix minutes.
const LAST_SEEN: &str = "seen";
/// A session in use is extended at most this often (each extension is a database write).
const EXTEND_EVERY_MINUTES: i64 = 5;

/// Writes the logged-in user into a fresh session id.
pub async fn start_session(
    session: &Session,
    user: &domain::entities::user::Model,
) -> Result<(), AppError> {
    // A new id at login, so a session id planted before login is worthless after it.
    session.cycle_id().await.map_err(AppError::internal)?;
    session
        .insert(USER_ID, user.id)
        .await
        .map_err(AppError::internal)?;
    remember_epoch(session, user).await
}

/// Keeps this session alive across a change that ends the user's other sessions.
pub async fn remember_epoch(
    session: &Session,
    user: &domain::entities::user::Model,
) -> Result<(), AppError> {
    session
        .insert(USER_EPOCH, user.session_epoch)
        .await
        .map_err(AppError::internal)?;
    session
        .insert(LAST_SEEN, now_minutes())
        .await
        .map_err(AppError::internal)
}

fn now_minutes() -> i64 {
    chrono::Utc::now().timestamp() / 60
}

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
/// A session older than the user's last password, role or enabled change (their session
/// epoch) ends here too; one in use has its idle timeout extended.
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
    // Sessions made before epochs existed carry none: epoch 0, every account's first.
    let epoch = session_epoch(session).await?;
    let user = domain::access::enabled_user(db, id)
        .await?
        .filter(|u| u.session_epoch == epoch);
    match user {
        Some(user) => {
            extend(session).await?;
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

/// For a long-lived response (a status stream): whether the session it was opened with still
/// stands (not logged out or expired) and its user is still enabled, in the same role and
/// session epoch.
pub async fn session_still_valid(
    db: &DatabaseConnection,
    session_id: &str,
    user: &CurrentUser,
    epoch: i32,
) -> Result<bool, AppError> {
    let now = chrono::Utc::now().timestamp();
    let session = domain::sessions::SessionService::load(db, session_id, now)
        .await
        .map_err(AppError::internal)?;
    if session.is_none() {
        return Ok(false);
    }
    let account = domain::access::enabled_user(db, user.id).await?;
    Ok(account.is_some_and(|u| u.session_epoch == epoch && CurrentUser::from(u).role == user.role))
}

/// The epoch stored in `session` (0 for sessions older than epochs).
pub async fn session_epoch(session: &Session) -> Result<i32, AppError> {
    Ok(session
        .get::<i32>(USER_EPOCH)
        .await
        .map_err(AppError::internal)?
        .unwrap_or(0))
}

/// Slides the idle timeout: the session is saved again (new expiry) when it was last
/// extended more than a few minutes ago. tower-sessions saves only modified sessions.
async fn extend(session: &Session) -> Result<(), AppError> {
    let seen = session
        .get::<i64>(LAST_SEEN)
        .await
        .map_err(AppError::internal)?
        .unwrap_or(0);
    let now = now_minutes();
    if now - seen >= EXTEND_EVERY_MINUTES {
        session
            .insert(LAST_SEEN, now)
            .await
            .map_err(AppError::internal)?;
    }
    Ok(())
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
