//! The signed-in user's sessions (devices): list, sign one out, sign out all others.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
};

use app::contract::{ErrorBody, SessionView};

use super::{bearer::AuthUser, client_address::Client};
use crate::{auth::AuthService, error::Result};

/// The account's live sessions (devices).
#[utoipa::path(get, path = "/api/sessions", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<SessionView>),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn list(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
) -> Result<Json<Vec<SessionView>>> {
    Ok(Json(auth.sessions(&caller).await?))
}

/// Signs out one of the account's own live sessions.
#[utoipa::path(delete, path = "/api/sessions/{id}", tag = "sessions", security(("bearer" = [])),
    params(("id" = String, Path, description = "A session id from `GET /api/sessions`")),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "The id does not decode", body = ErrorBody),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 404, description = "No live session of yours has this id", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn revoke(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    session_id: Result<Path<String>, PathRejection>,
) -> Result<StatusCode> {
    let Path(session_id) = session_id?;
    auth.revoke_session(&caller, &session_id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Signs out every session of the account but the caller's.
#[utoipa::path(post, path = "/api/sessions/revoke-others", tag = "sessions", security(("bearer" = [])),
    responses(
        (status = 204, description = "Every other session ended"),
        (status = 401, description = "No or invalid access token", body = ErrorBody),
        (status = 503, description = "Database unavailable", body = ErrorBody),
    ))]
pub async fn revoke_others(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
) -> Result<StatusCode> {
    auth.revoke_other_sessions(&caller, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
