//! `GET /api/status/events`: the caller's live status as Server-Sent Events. One task per
//! connection follows the scheduler's `watch` channel and sends the caller's projection
//! whenever it changed. A reconnecting browser gets the current view first, so nothing is
//! missed. Anonymous callers and disabled accounts get 401 from the `AuthUser` extractor.
//!
//! A stream outlives the request that opened it. It ends at once when its session or user is
//! announced as ended (logout, "log out everywhere", an admin's change to the account), and
//! every [`RECHECK_EVERY`] it checks the database that its session still stands and its user
//! is still enabled in the same role and session epoch (expiry, and changes made by the CLI
//! or another process). Checking the database on every push instead cost 500 streams a p99
//! of 196 ms. Streams are capped per user and in all; comment heartbeats keep proxies from
//! cutting an idle one.

use std::convert::Infallible;
use std::time::Duration;

use app::AppError;
use app::guard::{SessionEnd, session_epoch, session_still_valid};
use app::status::projection::project;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::Session;

use super::AppState;
use super::extractor::AuthUser;

/// The longest a stream goes without checking its session and user.
pub const RECHECK_EVERY: Duration = Duration::from_secs(30);
/// Comment lines on an idle stream, well inside common proxy timeouts (60 s).
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);

async fn still_valid(
    db: &sea_orm::DatabaseConnection,
    session_id: &str,
    user: &app::dto::CurrentUser,
    epoch: i32,
) -> bool {
    matches!(
        session_still_valid(db, session_id, user, epoch).await,
        Ok(true)
    )
}

pub async fn status_events(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
    session: Session,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let slot = state.stream_slots.claim(user.id)?;
    let epoch = session_epoch(&session).await?;
    let session_id = session
        .id()
        .map(|id| id.to_string())
        .ok_or(AppError::Unauthorized)?;
    let db = state.server.db.clone();
    let role = user.role;
    let updates = state.server.scheduler.subscribe();
    let ends = state.server.session_ends.subscribe();
    let stop = state.shutdown.clone();
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.reset();
    let stream = futures::stream::unfold(
        (updates, None::<String>, true, recheck, ends, slot),
        move |(mut updates, last, first, mut recheck, mut ends, slot)| {
            let stop = stop.clone();
            let db = db.clone();
            let session_id = session_id.clone();
            let user = user.clone();
            async move {
                let mut first = first;
                loop {
                    if !first {
                        tokio::select! {
                            changed = updates.changed() => changed.ok()?,
                            _ = recheck.tick() => {
                                if !still_valid(&db, &session_id, &user, epoch).await {
                                    return None;
                                }
                                continue;
                            }
                            end = ends.recv() => {
                                let ours = match end {
                                    Ok(SessionEnd::Session(id)) => id == session_id,
                                    Ok(SessionEnd::User(id)) => id == user.id,
                                    // Missed some: look in the database instead.
                                    Err(RecvError::Lagged(_)) => {
                                        !still_valid(&db, &session_id, &user, epoch).await
                                    }
                                    Err(RecvError::Closed) => true,
                                };
                                if ours {
                                    return None;
                                }
                                continue;
                            }
                            () = stop.cancelled() => return None,
                        }
                    }
                    first = false;
                    let snapshot = updates.borrow_and_update().clone();
                    let view = project(&snapshot, user.id, role);
                    let Ok(json) = serde_json::to_string(&view) else {
                        continue;
                    };
                    // Progress elsewhere in the queue often changes nothing of this view.
                    if last.as_deref() == Some(json.as_str()) {
                        continue;
                    }
                    let event = Event::default().event("status").data(json.clone());
                    let state = (updates, Some(json), false, recheck, ends, slot);
                    return Some((Ok(event), state));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(HEARTBEAT_EVERY)))
}
