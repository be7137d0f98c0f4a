//! `GET /api/submissions/{id}/media`: a submission's uploaded recording, with range requests
//! so the browser can seek (a click on a transcript line plays from there). Only its student,
//! the lab session's instructor, and admins; anyone else gets 404, not a hint that it exists.

use app::guard::USER_ID;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use domain::Role;
use domain::results::ResultService;
use domain::users::UserService;
use tower::ServiceExt;
use tower_http::services::ServeFile;
use tower_sessions::Session;

use super::AppState;

pub async fn media(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<i32>,
    request: Request,
) -> Response {
    let db = &state.server.db;
    let Ok(Some(user_id)) = session.get::<i32>(USER_ID).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let Ok(Some(user)) = UserService::find_by_id(db, user_id).await else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    if user.disabled {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    let Ok(detail) = ResultService::detail(db, id).await else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let allowed = match user.role {
        Role::Student => detail.submission.student_id == user.id,
        Role::Instructor => detail.lab.owner_id == user.id,
        Role::Admin => true,
    };
    let Some(path) = detail.submission.media_path.filter(|_| allowed) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match ServeFile::new(path).oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(e) => {
            tracing::error!(error = %e, "cannot serve a recording");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
