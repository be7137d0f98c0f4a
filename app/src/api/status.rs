//! The caller's live status, once (for the first paint); the stream of updates is the
//! server's SSE endpoint `/api/status/events`. Any logged-in user.

use leptos::prelude::*;

use crate::AppError;
use crate::status::StatusView;

#[server(prefix = "/api", endpoint = "status")]
pub async fn my_status() -> Result<StatusView, AppError> {
    let user = crate::guard::require_user().await?;
    let ctx = crate::guard::server_context()?;
    let snapshot = ctx.scheduler.snapshot();
    Ok(crate::status::projection::project(
        &snapshot, user.id, user.role,
    ))
}
