//! Account recovery on the wire: opening a sign-up's link, resetting a forgotten password,
//! and changing the address. Links' tokens arrive in JSON bodies (the pages read them from
//! the URL fragment), never in a URL the server sees.

use axum::{Json, extract::State, http::StatusCode};
use axum_extra::extract::CookieJar;
use serde::Deserialize;
use serde_json::Value;

use app::contract::{EmailChange, ErrorBody, LinkToken, MailSent, ResetConfirm, ResetRequest, SessionBody};

use super::{
    auth::SessionReply, bearer::AuthUser, client_address::Client, dpop::SessionKey, json::ApiJson,
    passkeys::{Assertion, Ceremony},
    same_origin::SameOrigin,
};
use crate::{
    auth::AuthService,
    error::Result,
};

type Accepted = (StatusCode, Json<MailSent>);

fn check_your_email() -> Accepted {
    (StatusCode::ACCEPTED, Json(MailSent::CHECK_YOUR_EMAIL))
}

/// Confirms the address with the token of a sign-up's link and signs in.
#[utoipa::path(post, path = "/api/auth/verify-email", tag = "recovery",
    request_body = LinkToken,
    params(("DPoP" = Option<String>, Header, description = "A DPoP proof (RFC 9449) from the browser's key: the session is bound to it")),
    responses(
        (status = 200, description = "Confirmed and signed in; the refresh token is in the `latch_refresh` cookie", body = SessionBody),
        (status = 400, description = "A used, expired or superseded link (`invalid_or_expired_link`); malformed JSON; a missing, invalid or nonce-less DPoP proof", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A field of the wrong type", body = ErrorBody),
        (status = 503, description = "Database unavailable, or the DPoP proof cannot be remembered now (retry after `Retry-After`)", body = ErrorBody),
    ))]
pub async fn verify_email(
    SessionKey(device_key): SessionKey,
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    jar: CookieJar,
    ApiJson(link): ApiJson<LinkToken>,
) -> Result<SessionReply> {
    let signed_in = auth.verify_email(link, &client, device_key.as_ref()).await;
    crate::metrics::sign_in(crate::metrics::Method::Link, &signed_in);
    let signed_in = signed_in?;
    Ok(SessionReply::new(StatusCode::OK, jar, signed_in))
}

/// Mails a single-use reset link if the address has an account; the answer is the same if not.
#[utoipa::path(post, path = "/api/auth/password-reset", tag = "recovery",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "A link went to the address if it has an account", body = MailSent),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "Not an email address", body = ErrorBody),
        (status = 429, description = "Too many requests from this client", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn password_reset(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(request): ApiJson<ResetRequest>,
) -> Result<Accepted> {
    auth.request_password_reset(request, &client).await?;
    Ok(check_your_email())
}

/// Sets a new password with a reset link's token; every session of the account ends.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm", tag = "recovery",
    request_body = ResetConfirm,
    responses(
        (status = 204, description = "Password set; every session of the account ended"),
        (status = 400, description = "A used, expired or superseded link (`invalid_or_expired_link`); malformed JSON", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A weak new password (the link still works)", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn password_reset_confirm(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(confirm): ApiJson<ResetConfirm>,
) -> Result<StatusCode> {
    auth.reset_password(confirm, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Options to create a passkey with a reset link's token, in place of a new password. The
/// link is not used up.
#[utoipa::path(post, path = "/api/auth/password-reset/passkey/options", tag = "recovery",
    request_body = LinkToken,
    responses(
        (status = 200, body = Ceremony),
        (status = 400, description = "A used, expired or superseded link (`invalid_or_expired_link`); malformed JSON", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "`token` is not a string", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn password_reset_passkey_options(
    _: SameOrigin,
    State(auth): State<AuthService>,
    ApiJson(link): ApiJson<LinkToken>,
) -> Result<Json<Ceremony>> {
    Ok(Json(auth.reset_passkey_options(link.token).await?.into()))
}

/// `{token, ceremony, credential}`: a reset link's token and the passkey the browser made
/// from `/api/auth/password-reset/passkey/options`.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasskeyReset {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    ceremony: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    credential: Option<Value>,
}

/// Uses a reset link to make a new passkey the account's only way in: the password is
/// removed, every other passkey deleted and every session ended.
#[utoipa::path(post, path = "/api/auth/password-reset/passkey", tag = "recovery",
    request_body = PasskeyReset,
    responses(
        (status = 204, description = "The passkey is the way in; every session of the account ended"),
        (status = 400, description = "A used, expired or superseded link (`invalid_or_expired_link`); malformed JSON", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A missing, expired or unverifiable passkey (the link still works)", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn password_reset_passkey(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(reset): ApiJson<PasskeyReset>,
) -> Result<StatusCode> {
    let (ceremony, credential) = Assertion {
        ceremony: reset.ceremony,
        credential: reset.credential,
    }
    .parts()?;
    auth.reset_with_passkey(reset.token, &ceremony, credential, &client)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Mails a confirmation link to the new address, after checking the current password.
#[utoipa::path(post, path = "/api/account/email", tag = "recovery", security(("bearer" = [])),
    request_body = EmailChange,
    responses(
        (status = 202, description = "A link went to the new address (or, if it has an account, a mail saying so)", body = MailSent),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No sign-in or re-authentication on this session in the last five minutes (`reauthentication_required`); nothing changed", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "Wrong current password, or an unusable new address, per field", body = ErrorBody),
        (status = 429, description = "Too many attempts or mails", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn change_email(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(change): ApiJson<EmailChange>,
) -> Result<Accepted> {
    auth.request_email_change(&caller, change, &client).await?;
    Ok(check_your_email())
}

/// Makes the new address the account's; the old one is mailed a link that undoes it.
#[utoipa::path(post, path = "/api/account/email/confirm", tag = "recovery",
    request_body = LinkToken,
    responses(
        (status = 204, description = "The address changed; the old address was told, with an undo link"),
        (status = 400, description = "A used, expired or superseded link (`invalid_or_expired_link`); malformed JSON", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A field of the wrong type", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn confirm_email(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(link): ApiJson<LinkToken>,
) -> Result<StatusCode> {
    auth.confirm_email_change(link, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Puts the old address back and ends every session of the account.
#[utoipa::path(post, path = "/api/account/email/undo", tag = "recovery",
    request_body = LinkToken,
    responses(
        (status = 204, description = "The old address restored; every session ended"),
        (status = 400, description = "A used, expired or superseded link (`invalid_or_expired_link`); malformed JSON", body = ErrorBody),
        (status = 403, description = "Cross-origin request", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "A field of the wrong type", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn undo_email(
    _: SameOrigin,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(link): ApiJson<LinkToken>,
) -> Result<StatusCode> {
    auth.undo_email_change(link, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
