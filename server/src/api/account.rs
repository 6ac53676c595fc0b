//! The signed-in user's own account: who they are, their password, what happened to it.

use axum::{Json, extract::State, http::StatusCode};

use app::contract::{Me, PasswordChange, SecurityEventView};

use super::{bearer::AuthUser, client_address::Client, json::ApiJson};
use crate::{auth::AuthService, error::Result};

pub async fn me(AuthUser(caller): AuthUser, State(auth): State<AuthService>) -> Result<Json<Me>> {
    Ok(Json(auth.me(&caller).await?))
}

/// Changes the password and signs out every other session, in one transaction.
pub async fn change_password(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
    Client(client): Client,
    ApiJson(change): ApiJson<PasswordChange>,
) -> Result<StatusCode> {
    auth.change_password(&caller, change, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn security_events(
    AuthUser(caller): AuthUser,
    State(auth): State<AuthService>,
) -> Result<Json<Vec<SecurityEventView>>> {
    Ok(Json(auth.security_events(&caller).await?))
}
