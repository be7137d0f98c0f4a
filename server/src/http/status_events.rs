//! `GET /api/status/events`: the caller's live status as Server-Sent Events. One task per
//! connection follows the scheduler's `watch` channel and sends the caller's projection
//! whenever it changed. A reconnecting browser gets the current view first, so nothing is
//! missed. Anonymous callers and disabled accounts get 401 from the `AuthUser` extractor.

use std::convert::Infallible;

use app::status::projection::project;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;

use super::AppState;
use super::extractor::AuthUser;

pub async fn status_events(
    State(state): State<AppState>,
    AuthUser(user): AuthUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let role = user.role;
    let updates = state.server.scheduler.subscribe();
    let stop = state.shutdown.clone();
    let stream = futures::stream::unfold(
        (updates, None::<String>, true),
        move |(mut updates, last, first)| {
            let stop = stop.clone();
            async move {
                let mut first = first;
                loop {
                    if !first {
                        tokio::select! {
                            changed = updates.changed() => changed.ok()?,
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
                    if last.as_deref() != Some(json.as_str()) {
                        let event = Event::default().event("status").data(json.clone());
                        return Some((Ok(event), (updates, Some(json), false)));
                    }
                }
            }
        },
    );
    Sse::new(stream).keep_alive(KeepAlive::default())
}
