//! `GET /api/submissions/{id}/media`: a submission's uploaded recording, with range requests
//! so the browser can seek (a click on a transcript line plays from there). Who may see it is
//! `domain::access`'s rule (its student, the lab session's instructor, admins); anyone else
//! gets 404, not a hint that it exists.

use app::AppError;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::Response;
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::AppState;
use super::extractor::AuthUser;

pub async fn media(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    Path(id): Path<i32>,
    request: Request,
) -> Result<Response, AppError> {
    let detail = domain::access::visible_submission(&state.server.db, (&user).into(), id).await?;
    // The schema allows a submission with audio only; it has no recording to play back.
    let path = detail.submission.media_path.ok_or(AppError::NotFound)?;
    let response = ServeFile::new(path)
        .oneshot(request)
        .await
        .map_err(AppError::internal)?;
    Ok(response.map(Body::new))
}
