//! The signed-in user's own account: who they are, their password, what happened to it.

use axum::{
    Json,
    extract::{Query, State, rejection::QueryRejection},
    http::{StatusCode, header},
    response::IntoResponse,
};

use app::contract::{
    AccountExport, CurrentSession, ErrorBody, EventsBefore, Me, PasswordChange, SecurityEventView,
};

use axum_extra::extract::CookieJar;

use super::{bearer::AuthUser, client_address::Client, cookies, json::ApiJson};
use crate::{
    auth::{AuthService, accounts::events::Cursor},
    clock,
    db::Db,
    error::{Error, Result},
};

/// The signed-in user.
#[utoipa::path(get, path = "/api/me", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, body = Me),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn me(AuthUser(caller): AuthUser, State(auth): State<AuthService>) -> Result<Json<Me>> {
    Ok(Json(auth.me(&caller).await?))
}

/// The session the access token speaks for, from the token alone: valid, unexpired, its
/// session not ended (the revocation set) and, when bound, proven by its key.
#[utoipa::path(get, path = "/api/session", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, body = CurrentSession),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "A bound token's DPoP proof cannot be remembered now; retry after `Retry-After`", body = ErrorBody),
    ))]
pub async fn session(AuthUser(caller): AuthUser) -> Json<CurrentSession> {
    let expires_at = i64::try_from(caller.token_expires_at).unwrap_or(i64::MAX / 1000);
    Json(CurrentSession {
        user_id: caller.user_id,
        session_id: caller.session_id,
        expires_at: clock::rfc3339(expires_at * 1000),
        device_bound: caller.device_bound,
    })
}

/// Changes the password and signs out every other session, in one transaction.
#[utoipa::path(post, path = "/api/account/password", tag = "account", security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; every other session ended"),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No sign-in or re-authentication on this session in the last five minutes (`reauthentication_required`); nothing changed", body = ErrorBody),
        (status = 413, description = "Body over 16 KiB", body = ErrorBody),
        (status = 415, description = "Not application/json", body = ErrorBody),
        (status = 422, description = "Wrong current password or weak new one, per field", body = ErrorBody),
        (status = 429, description = "Too many wrong current passwords", body = ErrorBody),
        (status = 503, description = "Busy or database unavailable", body = ErrorBody),
    ))]
pub async fn change_password(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode> {
    auth.change_password(&caller, change, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What happened to the account, newest first, a page at a time: a page shorter than
/// `EVENTS_PER_PAGE` (50) is the last.
#[utoipa::path(get, path = "/api/security-events", tag = "account", security(("bearer" = [])),
    params(EventsBefore),
    responses(
        (status = 200, body = Vec<SecurityEventView>),
        (status = 400, description = "`before` is not a cursor this list handed out", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn security_events(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    query: Result<Query<EventsBefore>, QueryRejection>,
) -> Result<Json<Vec<SecurityEventView>>> {
    let malformed = || Error::Malformed("`before` must be the `cursor` of an event from this list.".into());
    let Query(page) = query.map_err(|_| malformed())?;
    let before = page
        .before
        .map(|text| Cursor::parse(&text).map_err(|_| malformed()))
        .transpose()?;
    Ok(Json(auth.security_events(&caller, before.as_ref()).await?))
}

/// Everything the account holds, as one JSON document to keep: the profile, live sessions,
/// passkeys and security events (no hash, key or token), and the product's data.
#[utoipa::path(get, path = "/api/account/export", tag = "account", security(("bearer" = [])),
    responses(
        (status = 200, body = AccountExport,
         headers(("content-disposition" = String, description = "`attachment`, with a file name"))),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn export(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    State(db): State<Db>,
) -> Result<impl IntoResponse> {
    let mut export = auth.export(&caller).await?;
    export.product = crate::product::export(&db, &caller.user_id).await?;
    let disposition = "attachment; filename=\"latch-account.json\"";
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(export)))
}

/// Deletes the account: every session ends at once, and the account, its sessions, links,
/// passkeys and events are deleted; the address is told and may sign up again.
#[utoipa::path(delete, path = "/api/account", tag = "account", security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted; every session ended"),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 403, description = "No sign-in or re-authentication on this session in the last five minutes (`reauthentication_required`); nothing changed", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn delete(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    jar: CookieJar,
) -> Result<(CookieJar, StatusCode)> {
    auth.delete_account(&caller, &client).await?;
    // The browser's refresh cookie names a session that no longer exists.
    Ok((cookies::clear(jar), StatusCode::NO_CONTENT))
}
