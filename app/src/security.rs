//! The Content-Security-Policy, defined once: pages get it with the nonce Leptos puts on its
//! inline hydration and streaming scripts; every other response (server functions, files,
//! errors) gets it without one, from the server's header layer.

/// Only Viva's own scripts (and, on pages, the inline scripts carrying `nonce`) may run, and
/// its own WASM may be compiled; nothing may frame a Viva page.
pub fn content_security_policy(nonce: Option<&str>) -> String {
    let inline = nonce.map(|n| format!(" 'nonce-{n}'")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self'{inline} 'wasm-unsafe-eval'; style-src 'self'; \
         img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; \
         base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page's policy, with this render's nonce, on the response being rendered.
#[cfg(feature = "ssr")]
pub fn set_page_policy() {
    use axum::http::{HeaderValue, header};
    use leptos::prelude::use_context;
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(Some(&nonce))) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}
