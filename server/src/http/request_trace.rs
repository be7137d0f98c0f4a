//! One id and one span per request. Every request gets an `x-request-id` (a UUID v4, or the
//! one a proxy in front of us already set), echoed on the response so a user's report or a
//! proxy log can be matched to our log lines. The span carries the method, the route, the
//! path, that id, and the user id once the guard or the `AuthUser` extractor has found the
//! user (see `app::guard::user_from_session`); every log line of the request, an internal
//! error's cause included, is written inside it.
//!
//! The span only ever holds ids and routes: never a query string, a body or a cookie.

use app::guard::RequestSpan;
use axum::Router;
use axum::body::Body;
use axum::extract::MatchedPath;
use axum::http::Request;
use axum::middleware::Next;
use axum::response::Response;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::trace::TraceLayer;

/// Wraps every route of `router` (the fallback included) in the request id and trace layers.
pub fn layer(router: Router) -> Router {
    // `Router::layer` wraps what is already there, so the last layer runs first: the id is
    // set before the span is made (the span records it) and copied onto the response after;
    // the span is kept in the request just inside the trace layer, while it is current.
    router
        .layer(axum::middleware::from_fn(keep_span))
        .layer(TraceLayer::new_for_http().make_span_with(make_span::<Body>))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
}

/// Runs inside the trace layer, where the request's span is the current one, and keeps it in
/// the request so the guard can record the user id on it (see [`RequestSpan`]).
async fn keep_span(mut request: Request<Body>, next: Next) -> Response {
    request
        .extensions_mut()
        .insert(RequestSpan(tracing::Span::current()));
    next.run(request).await
}

fn make_span<B>(request: &Request<B>) -> tracing::Span {
    let path = request.uri().path();
    // The route template (`/api/submissions/{id}/media`) groups requests of one handler; the
    // fallback (pages and files not routed by axum) has none, so the path stands in.
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(path, MatchedPath::as_str);
    let request_id = request
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        path,
        request_id,
        user_id = tracing::field::Empty,
    )
}
