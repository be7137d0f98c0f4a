//! Logging in and out, and asking who is logged in. Open to everyone.

use leptos::prelude::*;

use crate::AppError;
use crate::dto::CurrentUser;

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use crate::guard::{ClientAddress, server_context, session, start_session};

    let ctx = server_context()?;
    let client = use_context::<axum::http::request::Parts>()
        .and_then(|p| p.extensions.get::<ClientAddress>().copied())
        .ok_or_else(|| AppError::internal("the client address layer is missing"))?;
    let user = ctx
        .auth
        .login(&ctx.db, &username, &password, &client.0.to_string())
        .await
        .inspect_err(|_| metrics::counter!("viva_login_failures_total").increment(1))?;
    let session = session().await?;
    start_session(&session, &user).await?;
    tracing::info!(user = %user.username, "logged in");
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = crate::guard::session().await?;
    if let Some(id) = session.id() {
        let end = crate::guard::SessionEnd::Session(id.to_string());
        crate::guard::server_context()?.announce(end);
    }
    session.flush().await.map_err(AppError::internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Ends every session of the caller, on every device, this one included.
#[server(prefix = "/api", endpoint = "logout-everywhere")]
pub async fn logout_everywhere() -> Result<(), AppError> {
    let user = crate::guard::require_user().await?;
    let ctx = crate::guard::server_context()?;
    domain::users::UserService::end_sessions(&ctx.db, user.id).await?;
    ctx.announce(crate::guard::SessionEnd::User(user.id));
    let session = crate::guard::session().await?;
    session.flush().await.map_err(AppError::internal)?;
    tracing::info!(user = user.id, "logged out everywhere");
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, AppError> {
    crate::guard::current_user().await
}
