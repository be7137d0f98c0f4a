//! `AuthUser`: the logged-in, enabled user of a plain axum route. It is the server functions'
//! guard seen from axum: both call [`app::guard::user_from_session`], so a route and a server
//! function can never disagree about who is logged in. A handler that takes an `AuthUser`
//! never runs for an anonymous caller or a disabled account (both get 401 before it starts).

use app::AppError;
use app::dto::CurrentUser;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tower_sessions::Session;

use super::AppState;

/// The caller of a plain route, read from the session and the database on every request.
pub struct AuthUser(pub CurrentUser);

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Only fails if the session layer is missing: a wiring bug, not the caller's fault.
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, why)| AppError::internal(why))?;
        app::guard::user_from_session(&state.server.db, &session, &parts.extensions)
            .await?
            .map(AuthUser)
            .ok_or(AppError::Unauthorized)
    }
}
