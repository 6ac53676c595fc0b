//! Passkeys over HTTP: the sign-in ceremony (options, then the assertion with a DPoP proof,
//! answered like a password sign-in) and the account's own passkeys. The WebAuthn JSON is the
//! browser's (`toJSON()`) and is read by the auth core alone.

use axum::{
    Json,
    extract::{FromRequest, Path, State, rejection::PathRejection},
    http::StatusCode,
};
use axum_extra::extract::CookieJar;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use app::contract::{ErrorBody, PasskeyRename, PasskeyView, SessionBody};

use super::{
    auth::SessionReply, bearer::AuthUser, client_address::Client, cookies, dpop::SessionKey, json::ApiJson,
    same_origin::SameOrigin,
};
use crate::{
    auth::{AuthService, credentials::passkeys::CeremonyStart},
    error::{Error, Result},
    state::AppState,
};

/// `{ceremony, publicKey}`: the options for `navigator.credentials.create()` or `.get()` in
/// their JSON form, and the id to send back with the result.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Ceremony {
    ceremony: String,
    #[serde(rename = "publicKey")]
    #[schema(value_type = Object)]
    public_key: Value,
}

impl From<CeremonyStart> for Ceremony {
    fn from(start: CeremonyStart) -> Self {
        Self {
            ceremony: start.ceremony,
            public_key: start.public_key,
        }
    }
}

/// `{ceremony, credential}`: what `navigator.credentials.get()` answered, in its JSON form.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct Assertion {
    #[serde(default)]
    pub ceremony: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub credential: Option<Value>,
}

impl Assertion {
    /// Both parts, or 422 naming the missing one.
    pub fn parts(self) -> Result<(String, Value)> {
        let ceremony = self
            .ceremony
            .filter(|ceremony| !ceremony.is_empty())
            .ok_or_else(|| Error::field("ceremony", "Start with the options."))?;
        let credential = self
            .credential
            .ok_or_else(|| Error::field("credential", "Send what the browser made."))?;
        Ok((ceremony, credential))
    }
}

/// `{ceremony, credential, name?}`: what `navigator.credentials.create()` answered.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewPasskey {
    #[serde(default)]
    ceremony: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    credential: Option<Value>,
    /// Shown on the passkeys page; the browser's description when absent.
    #[serde(default)]
    name: Option<String>,
}

/// Options for a discoverable passkey sign-in (autofill, or a "Sign in with a passkey"
/// button), also for re-authenticating. Single-use, five minutes.
#[utoipa::path(post, path = "/api/auth/passkey/options", tag = "passkeys",
    responses(
        (status = 200, body = Ceremony),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn sign_in_options(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
) -> Result<Json<Ceremony>> {
    Ok(Json(auth.passkey_sign_in_options(&client).await?.into()))
}

/// What a passkey sign-in reads: the DPoP proof first, as for a password sign-in.
#[derive(FromRequest)]
#[from_request(state(AppState))]
pub struct PasskeySignIn {
    device_key: SessionKey,
    _same_origin: SameOrigin,
    client: Client,
    jar: CookieJar,
    assertion: ApiJson<Assertion>,
}

/// Signs in with a passkey: a session exactly like a password sign-in's (bound to the DPoP
/// proof's key, device cookie, new-browser mail).
#[utoipa::path(post, path = "/api/auth/passkey/login", tag = "passkeys",
    request_body = Assertion,
    params(("DPoP" = Option<String>, Header, description = "A DPoP proof (RFC 9449) from the browser's key: the session is bound to it")),
    responses(
        (status = 200, description = "Signed in; the refresh token is in the `latch_refresh` cookie", body = SessionBody),
        (status = 400, description = "Malformed JSON; a missing (`dpop_required`), invalid or nonce-less DPoP proof", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 401, description = "Unknown, deleted or unverifiable passkey, or a used or expired ceremony (`invalid_credentials`); `fields.credential` is present only when no account here has the passkey, so the page may tell the browser to forget it", body = ErrorBody),
        (status = 403, description = "Cross-origin request; the address is not confirmed yet", body = ErrorBody),
        (status = 422, description = "No ceremony or credential", body = ErrorBody),
        (status = 429, description = "Too many failed attempts from this address", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn sign_in(State(auth): State<AuthService>, request: PasskeySignIn) -> Result<SessionReply> {
    let PasskeySignIn {
        device_key: SessionKey(device_key),
        client: Client(client),
        jar,
        assertion: ApiJson(assertion),
        ..
    } = request;
    let (ceremony, credential) = assertion.parts()?;
    let device_cookie = cookies::device(&jar);
    let signed_in = auth
        .sign_in_with_passkey(&ceremony, credential, &client, device_cookie, device_key.as_ref())
        .await;
    crate::metrics::sign_in(crate::metrics::Method::Passkey, &signed_in);
    let signed_in = signed_in?;
    Ok(SessionReply::new(StatusCode::OK, jar, signed_in))
}

/// Options to register a passkey for this account (its passkeys excluded).
#[utoipa::path(post, path = "/api/account/passkeys/options", tag = "passkeys", security(("bearer" = [])),
    responses(
        (status = 200, body = Ceremony),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No recent authentication (`reauthentication_required`)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn registration_options(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
) -> Result<Json<Ceremony>> {
    Ok(Json(auth.passkey_registration_options(&caller).await?.into()))
}

/// Registers the passkey the browser created from the options.
#[utoipa::path(post, path = "/api/account/passkeys", tag = "passkeys", security(("bearer" = [])),
    request_body = NewPasskey,
    responses(
        (status = 201, body = PasskeyView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No recent authentication (`reauthentication_required`)", body = ErrorBody),
        (status = 422, description = "A used or expired ceremony, a credential that does not verify, or a bad name, per field", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn register(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(body): ApiJson<NewPasskey>,
) -> Result<(StatusCode, Json<PasskeyView>)> {
    let (ceremony, credential) = Assertion {
        ceremony: body.ceremony,
        credential: body.credential,
    }
    .parts()?;
    let passkey = auth
        .register_passkey(&caller, &ceremony, credential, body.name, &client)
        .await?;
    Ok((StatusCode::CREATED, Json(passkey)))
}

/// The account's passkeys, newest first.
#[utoipa::path(get, path = "/api/account/passkeys", tag = "passkeys", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<PasskeyView>),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn list(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
) -> Result<Json<Vec<PasskeyView>>> {
    Ok(Json(auth.passkeys(&caller).await?))
}

/// Renames one of the account's passkeys.
#[utoipa::path(patch, path = "/api/account/passkeys/{id}", tag = "passkeys", security(("bearer" = [])),
    params(("id" = String, Path, description = "A passkey id from `GET /api/account/passkeys`")),
    request_body = PasskeyRename,
    responses(
        (status = 200, body = PasskeyView),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 404, description = "No passkey of yours has this id", body = ErrorBody),
        (status = 422, description = "An empty or too long name", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn rename(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    id: Result<Path<String>, PathRejection>,
    ApiJson(body): ApiJson<PasskeyRename>,
) -> Result<Json<PasskeyView>> {
    let Path(id) = id?;
    Ok(Json(auth.rename_passkey(&caller, &id, body.name).await?))
}

/// Deletes one of the account's passkeys, unless it is the account's last way in.
#[utoipa::path(delete, path = "/api/account/passkeys/{id}", tag = "passkeys", security(("bearer" = [])),
    params(("id" = String, Path, description = "A passkey id from `GET /api/account/passkeys`")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "The id does not decode", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No recent authentication (`reauthentication_required`)", body = ErrorBody),
        (status = 404, description = "No passkey of yours has this id", body = ErrorBody),
        (status = 409, description = "The account has no password and no other passkey (`last_credential`)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn delete(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode> {
    let Path(id) = id?;
    auth.delete_passkey(&caller, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes the password: the account then signs in with its passkeys (and a reset link can
/// still set a new password).
#[utoipa::path(delete, path = "/api/account/password", tag = "passkeys", security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No recent authentication (`reauthentication_required`)", body = ErrorBody),
        (status = 409, description = "The account has no passkey (`last_credential`)", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn remove_password(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
) -> Result<StatusCode> {
    auth.remove_password(&caller, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
