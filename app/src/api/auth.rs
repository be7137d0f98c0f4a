//! Logging in and out, and asking who is logged in. Open to everyone.

use leptos::prelude::*;

use crate::AppError;
use crate::dto::CurrentUser;

#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use crate::guard::{USER_ID, server_context, session};
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;

    let ctx = server_context()?;
    let ConnectInfo(peer) = leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map_err(AppError::internal)?;
    let user = ctx
        .auth
        .login(&ctx.db, &username, &password, &peer.ip().to_string())
        .await?;
    let session = session().await?;
    // A new id at login, so a session id planted before login is worthless after it.
    session.cycle_id().await.map_err(AppError::internal)?;
    session
        .insert(USER_ID, user.id)
        .await
        .map_err(AppError::internal)?;
    tracing::info!(user = %user.username, "logged in");
    leptos_axum::redirect("/");
    Ok(())
}

#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = crate::guard::session().await?;
    session.flush().await.map_err(AppError::internal)?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(prefix = "/api", endpoint = "whoami")]
pub async fn whoami() -> Result<Option<CurrentUser>, AppError> {
    crate::guard::current_user().await
}
