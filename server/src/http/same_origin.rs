//! Cross-site request forgery: a state-changing request (any method but GET, HEAD and
//! OPTIONS: server functions, uploads, login, logout) is refused when the browser says it
//! comes from another site. Browsers send `Sec-Fetch-Site` (and `Origin` on every POST);
//! a request with neither is not from a browser page (the CLI, curl) and carries no
//! ambient cookie risk worth refusing it for.

use app::AppError;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub async fn same_origin_only(request: Request<Body>, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let authority = request.uri().authority().map(|a| a.as_str().to_owned());
    if safe || from_this_site(request.headers(), authority.as_deref()) {
        next.run(request).await
    } else {
        tracing::warn!(path = request.uri().path(), "refused a cross-site request");
        AppError::Forbidden.into_response()
    }
}

/// `authority`: the request's own host and port when its URI carries them (HTTP/2 sends
/// `:authority` instead of a `Host` header).
fn from_this_site(headers: &HeaderMap, authority: Option<&str>) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text("sec-fetch-site") {
        // "none": typed into the address bar or a bookmark.
        return matches!(site, "same-origin" | "none");
    }
    match text(header::ORIGIN.as_str()) {
        // The origin's host and port must be the one this request was sent to.
        Some(origin) => {
            let own = text(header::HOST.as_str()).or(authority);
            let claimed = origin.split_once("://").map(|(_, rest)| rest);
            claimed.is_some() && claimed == own
        }
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::from_this_site;
    use axum::http::HeaderMap;

    fn from_this_site_(headers: &HeaderMap) -> bool {
        from_this_site(headers, None)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn another_sites_page_is_refused_and_ours_and_non_browsers_pass() {
        assert!(!from_this_site_(&headers(&[(
            "sec-fetch-site",
            "cross-site"
        )])));
        assert!(!from_this_site_(&headers(&[(
            "sec-fetch-site",
            "same-site"
        )])));
        assert!(from_this_site_(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        let host = ("host", "lab.example:3000");
        assert!(from_this_site_(&headers(&[
            host,
            ("origin", "http://lab.example:3000")
        ])));
        assert!(!from_this_site_(&headers(&[
            host,
            ("origin", "http://evil.example")
        ])));
        assert!(!from_this_site_(&headers(&[host, ("origin", "null")])));
        assert!(from_this_site_(&headers(&[host])));
        let origin = headers(&[("origin", "https://lab.example")]);
        assert!(
            from_this_site(&origin, Some("lab.example")),
            "HTTP/2 :authority"
        );
        assert!(!from_this_site(&origin, Some("other.example")));
    }
}
