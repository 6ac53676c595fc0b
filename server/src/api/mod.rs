//! The HTTP API (its wire types are `app::contract`): routes and the extractors, cookies and
//! response hardening that translate between HTTP and the auth core.

mod account;
mod auth;
pub mod bearer;
pub(crate) mod client_address;
mod cookies;
pub mod dpop;
pub mod headers;
mod json;
mod openapi;
mod recovery;
mod same_origin;
mod sessions;

use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::IntoResponse,
    routing::{any, get, post},
};

use crate::{auth::tokens::TokenIssuer, error::Error, state::AppState};

/// Everything under `/api`, plus the JWKS document.
pub fn routes() -> Router<AppState> {
    let api = Router::new()
        .route("/auth/signup", post(auth::signup))
        .route("/auth/login", post(auth::login))
        .route("/auth/refresh", post(auth::refresh))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/verify-email", post(recovery::verify_email))
        .route("/auth/password-reset", post(recovery::password_reset))
        .route(
            "/auth/password-reset/confirm",
            post(recovery::password_reset_confirm),
        )
        .route("/account/email", post(recovery::change_email))
        .route("/account/email/confirm", post(recovery::confirm_email))
        .route("/account/email/undo", post(recovery::undo_email))
        .route("/me", get(account::me))
        .route("/session", get(account::session))
        .route("/sessions", get(sessions::list))
        .route("/sessions/revoke-others", post(sessions::revoke_others))
        .route("/sessions/{id}", axum::routing::delete(sessions::revoke))
        .route("/account/password", post(account::change_password))
        .route("/security-events", get(account::security_events))
        .route("/openapi.json", get(openapi::document))
        .fallback(|| async { Error::NotFound })
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed });
    Router::new()
        .nest("/api", api)
        // `nest` leaves the bare `/api/` to the page router; it is the API's too.
        .route("/api/", any(|| async { Error::NotFound }))
        .route("/.well-known/jwks.json", get(jwks))
}

/// The public keys that verify access tokens (RFC 7517), for other services.
#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "meta",
    responses((status = 200, description = "Every key that may still verify a live token",
               body = Object, content_type = "application/json")))]
async fn jwks(State(tokens): State<TokenIssuer>) -> impl IntoResponse {
    // Short caching: a verifier that meets an unknown `kid` refetches anyway.
    (
        [(header::CACHE_CONTROL, "public, max-age=60")],
        Json(tokens.keys().jwks()),
    )
}
