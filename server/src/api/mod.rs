//! The HTTP API (its wire types are `app::contract`): routes and the extractors, cookies and
//! response hardening that translate between HTTP and the auth core.

mod account;
mod auth;
pub mod bearer;
pub(crate) mod client_address;
mod cookies;
mod dbsc;
pub mod dpop;
pub mod headers;
mod json;
mod openapi;
mod passkeys;
mod recent;
mod recovery;
mod same_origin;
mod sessions;
mod step_up;

use axum::{
    Json, Router,
    extract::State,
    http::header,
    response::IntoResponse,
    routing::{any, get, post},
};

use crate::{auth::tokens::access::TokenIssuer, error::Error, state::AppState};

// What a product's own routes build on (README, "Build on Latch"; `crate::notes` is the
// worked example): the signed-in user of a request, the same proved recently, a JSON body.
pub use bearer::AuthUser;
pub use json::ApiJson;
pub use recent::RecentAuth;

/// Everything under `/api`, plus the JWKS document. The routes are written out whole rather
/// than nested under `/api`: a nested router strips and restores the prefix on every request,
/// which cost a protected GET a tenth of what the server's cheapest request costs in all.
pub fn routes() -> Router<AppState> {
    let not_found = || async { Error::NotFound };
    Router::new()
        .route("/api/auth/signup", post(auth::signup))
        .route("/api/auth/login", post(auth::login))
        .route("/api/auth/refresh", post(auth::refresh))
        .route("/api/auth/dbsc/register", post(dbsc::register))
        .route("/api/auth/dbsc/refresh", post(dbsc::renew))
        .route("/api/auth/logout", post(auth::logout))
        .route("/api/auth/reauthenticate", post(step_up::reauthenticate))
        .route("/api/auth/passkey/options", post(passkeys::sign_in_options))
        .route("/api/auth/passkey/login", post(passkeys::sign_in))
        .route("/api/account/passkeys/options", post(passkeys::registration_options))
        .route("/api/account/passkeys", get(passkeys::list).post(passkeys::register))
        .route(
            "/api/account/passkeys/{id}",
            axum::routing::patch(passkeys::rename).delete(passkeys::delete),
        )
        .route("/api/auth/verify-email", post(recovery::verify_email))
        .route("/api/auth/password-reset", post(recovery::password_reset))
        .route(
            "/api/auth/password-reset/confirm",
            post(recovery::password_reset_confirm),
        )
        .route(
            "/api/auth/password-reset/passkey/options",
            post(recovery::password_reset_passkey_options),
        )
        .route("/api/auth/password-reset/passkey", post(recovery::password_reset_passkey))
        .route("/api/account/email", post(recovery::change_email))
        .route("/api/account/email/confirm", post(recovery::confirm_email))
        .route("/api/account/email/undo", post(recovery::undo_email))
        .route("/api/me", get(account::me))
        .route("/api/session", get(account::session))
        .route("/api/sessions", get(sessions::list))
        .route("/api/sessions/revoke-others", post(sessions::revoke_others))
        .route("/api/sessions/{id}", axum::routing::delete(sessions::revoke))
        .route(
            "/api/account/password",
            post(account::change_password).delete(passkeys::remove_password),
        )
        .route("/api/security-events", get(account::security_events))
        .route("/api/account", axum::routing::delete(account::delete))
        .route("/api/account/export", get(account::export))
        .route("/api/openapi.json", get(openapi::document))
        // Any other path under `/api` is the API's, never a page: a JSON 404.
        .route("/api", any(not_found))
        .route("/api/", any(not_found))
        .route("/api/{*rest}", any(not_found))
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
