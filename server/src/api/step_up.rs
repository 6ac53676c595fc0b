//! Recent authentication: the person proves themselves again on the session they are using,
//! for the actions that need it (`auth::sessions::step_up`).

use axum::{extract::State, http::StatusCode};

use app::contract::{ErrorBody, Reauthenticate};

use super::{bearer::AuthUser, client_address::Client, json::ApiJson};
use crate::{
    auth::AuthService,
    error::{Error, Result},
};

/// Re-authenticates this session with the password: the actions that need recent
/// authentication are allowed on it for the next five minutes, and its next access tokens
/// carry the new `auth_time`.
#[utoipa::path(post, path = "/api/auth/reauthenticate", tag = "auth", security(("bearer" = [])),
    request_body = Reauthenticate,
    responses(
        (status = 204, description = "Re-authenticated"),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or invalid access token, or the wrong password (`invalid_credentials`)", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "No password", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords (counted like sign-ins)", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn reauthenticate(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(body): ApiJson<Reauthenticate>,
) -> Result<StatusCode> {
    let Some(password) = body.password.filter(|password| !password.is_empty()) else {
        return Err(Error::field("password", "Enter your password."));
    };
    auth.reauthenticate_with_password(&caller, &password, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
