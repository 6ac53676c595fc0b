//! Response hardening applied to everything: a Content-Security-Policy whose per-response
//! nonce is the only way an inline script runs, no framing, no sniffing, no referrer leaks,
//! HSTS over https, `no-store` unless a handler chose its own caching; and the 16 KiB body
//! limit, enforced before any handler runs.

use std::sync::{Arc, LazyLock};

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use leptos::nonce::Nonce;

use crate::{config::Config, error::Error};

/// Not among `http`'s names; a constant, since a name given as text is parsed on every use.
const CROSS_ORIGIN_OPENER_POLICY: HeaderName = HeaderName::from_static("cross-origin-opener-policy");

/// Requests with larger bodies are refused with 413 before any handler sees them.
pub const BODY_LIMIT: usize = 16 * 1024;

pub async fn harden(State(config): State<Arc<Config>>, mut request: Request, next: Next) -> Response {
    let declared_length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    // Leptos picks this nonce up (see `startup`) for the scripts it renders.
    let nonce = Nonce::new();
    let mut response = if declared_length.is_some_and(|length| length > BODY_LIMIT as u64) {
        Error::PayloadTooLarge.into_response()
    } else {
        request.extensions_mut().insert(nonce.clone());
        next.run(request).await
    };
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce, &config.service_origins)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert(
        CROSS_ORIGIN_OPENER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if config.is_https() {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=63072000; includeSubDomains"),
        );
    }
    // Nothing is cached unless its handler says so (the JWKS, the files under /pkg): API
    // answers are personal or carry tokens, and every page carries nonces (CSP, DPoP) that
    // must not be handed out twice.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// `services`: the product's own services the pages may call (`LATCH_SERVICE_ORIGINS`).
fn content_security_policy(nonce: &Nonce, services: &[String]) -> String {
    // `cargo leptos watch` reloads the page over a websocket on another port. The process
    // environment does not change, so it is read once rather than on every response.
    static DEV_RELOAD: LazyLock<&str> = LazyLock::new(|| {
        if std::env::var_os("LEPTOS_WATCH").is_some() {
            " ws:"
        } else {
            ""
        }
    });
    let dev_reload = *DEV_RELOAD;
    let services: String = services.iter().map(|origin| format!(" {origin}")).collect();
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; \
         connect-src 'self'{services}{dev_reload}; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}
