//! Recent authentication: the person proves themselves again on the session they are using,
//! for the actions that need it (`auth::sessions::step_up`).

use axum::{extract::State, http::StatusCode};
use serde::Deserialize;
use serde_json::Value;

use app::contract::ErrorBody;

use super::{bearer::AuthUser, client_address::Client, json::ApiJson, passkeys::Assertion};
use crate::{
    auth::AuthService,
    error::{Error, Result},
};

/// `{password}` (the contract's `Reauthenticate`) or a passkey assertion `{ceremony,
/// credential}` from the sign-in ceremony's options.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct ReauthenticateBody {
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    ceremony: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    credential: Option<Value>,
}

/// Re-authenticates this session with the password or a passkey: the actions that need recent
/// authentication are allowed on it for the next five minutes, and its next access tokens
/// carry the new `auth_time`.
#[utoipa::path(post, path = "/api/auth/reauthenticate", tag = "auth", security(("bearer" = [])),
    request_body = ReauthenticateBody,
    responses(
        (status = 204, description = "Re-authenticated"),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or invalid access token, or the wrong password or passkey (`invalid_credentials`; `fields.credential` when no account here has the passkey)", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "Neither a password nor a passkey assertion", body = ErrorBody),
        (status = 429, description = "Too many wrong passwords on this session, or failed passkeys from this address", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn reauthenticate(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(body): ApiJson<ReauthenticateBody>,
) -> Result<StatusCode> {
    if body.ceremony.is_some() || body.credential.is_some() {
        let (ceremony, credential) = Assertion {
            ceremony: body.ceremony,
            credential: body.credential,
        }
        .parts()?;
        auth.reauthenticate_with_passkey(&caller, &ceremony, credential, &client)
            .await?;
    } else {
        let Some(password) = body.password.filter(|password| !password.is_empty()) else {
            return Err(Error::field("password", "Enter your password."));
        };
        auth.reauthenticate_with_password(&caller, &password).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
