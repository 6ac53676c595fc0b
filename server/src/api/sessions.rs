//! The signed-in user's sessions (devices): list, sign one out, sign out all others.

use axum::{
    Json,
    extract::{Path, State, rejection::PathRejection},
    http::StatusCode,
};

use app::contract::SessionView;

use super::{bearer::AuthUser, client_address::Client};
use crate::{auth::AuthService, error::Result};

pub async fn list(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
) -> Result<Json<Vec<SessionView>>> {
    Ok(Json(auth.sessions(&caller).await?))
}

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

pub async fn revoke_others(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
) -> Result<StatusCode> {
    auth.revoke_other_sessions(&caller, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}
