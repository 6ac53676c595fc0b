//! The signed-in user's sessions (devices): list, sign one out, sign out all others.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
};
use serde::Serialize;

use super::extract::{AuthUser, Client};
use crate::{
    auth::{device, sessions::SessionStore},
    clock,
    error::{Error, Result},
};

#[derive(Serialize)]
pub struct SessionView {
    id: String,
    current: bool,
    user_agent: String,
    device: String,
    ip: String,
    created_at: String,
    last_used_at: String,
}

pub async fn list(auth: AuthUser, State(sessions): State<SessionStore>) -> Result<Json<Vec<SessionView>>> {
    let views = sessions
        .list_active(&auth.user_id)
        .await?
        .into_iter()
        .map(|session| SessionView {
            current: session.id == auth.session_id,
            device: device::describe(&session.user_agent),
            created_at: clock::rfc3339(session.created_at),
            last_used_at: clock::rfc3339(session.last_used_at),
            id: session.id,
            user_agent: session.user_agent,
            ip: session.ip,
        })
        .collect();
    Ok(Json(views))
}

pub async fn revoke(
    auth: AuthUser,
    State(sessions): State<SessionStore>,
    Client(client): Client,
    Path(session_id): Path<String>,
) -> Result<StatusCode> {
    // Another user's session, an unknown id and an ended session all look the same.
    if sessions.revoke(&auth.user_id, &session_id, &client).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound)
    }
}

pub async fn revoke_others(
    auth: AuthUser,
    State(sessions): State<SessionStore>,
    Client(client): Client,
) -> Result<StatusCode> {
    sessions
        .revoke_others(&auth.user_id, &auth.session_id, &client, None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
