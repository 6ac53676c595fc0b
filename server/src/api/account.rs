//! The signed-in user's own account: who they are, their password, what happened to it.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use serde_json::{Value, json};

use super::extract::{ApiJson, AuthUser, Client};
use crate::{
    auth::{
        email::Email,
        events,
        password::{Password, PasswordHasher},
        sessions::SessionStore,
        throttle::LoginThrottle,
        users,
    },
    clock,
    db::Db,
    error::{Error, Result},
};

/// How many security events the page shows.
const EVENTS_SHOWN: i64 = 100;

fn gone() -> Error {
    Error::Unauthorized {
        code: "invalid_token",
        message: "The account no longer exists.",
        token_sent: true,
    }
}

pub async fn me(auth: AuthUser, State(db): State<Db>) -> Result<Json<Value>> {
    let user = users::by_id(&db, &auth.user_id).await?.ok_or_else(gone)?;
    Ok(Json(json!({
        "id": user.id,
        "email": user.email,
        "created_at": clock::rfc3339(user.created_at),
    })))
}

#[derive(Deserialize)]
pub struct PasswordChange {
    #[serde(default)]
    current_password: Option<String>,
    #[serde(default)]
    new_password: Option<String>,
}

/// Changes the password and signs out every other session, in one transaction.
pub async fn change_password(
    auth: AuthUser,
    State(db): State<Db>,
    State(hasher): State<PasswordHasher>,
    State(sessions): State<SessionStore>,
    State(throttle): State<LoginThrottle>,
    Client(client): Client,
    ApiJson(body): ApiJson<PasswordChange>,
) -> Result<StatusCode> {
    let user = users::by_id(&db, &auth.user_id).await?.ok_or_else(gone)?;
    let account_key = format!("account:{}", user.email);
    throttle
        .check(&account_key, &client.ip)
        .map_err(|retry_after| Error::RateLimited { retry_after })?;

    let current = body.current_password.unwrap_or_default();
    if !hasher.verify(&current, Some(&user.password_hash)).await? {
        throttle.failed(&account_key, &client.ip);
        return Err(Error::field(
            "current_password",
            "This is not your current password.",
        ));
    }
    let email = Email::parse(&user.email).ok();
    let new_password = Password::parse(body.new_password.as_deref().unwrap_or_default(), email.as_ref())
        .map_err(|problem| Error::field("new_password", problem))?;
    if new_password.as_str() == current {
        return Err(Error::field(
            "new_password",
            "Choose a password different from the current one.",
        ));
    }
    let hash = hasher.hash(&new_password).await?;
    let ended = sessions
        .revoke_others(&auth.user_id, &auth.session_id, &client, Some(&hash))
        .await?;
    tracing::info!(user = %auth.user_id, other_sessions_ended = ended, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

pub async fn security_events(auth: AuthUser, State(db): State<Db>) -> Result<Json<Value>> {
    let events: Vec<Value> = events::list(&db, &auth.user_id, EVENTS_SHOWN)
        .await?
        .into_iter()
        .map(|event| {
            json!({
                "kind": event.kind,
                "at": clock::rfc3339(event.at),
                "ip": event.ip,
                "user_agent": event.user_agent,
                "device": crate::auth::device::describe(&event.user_agent),
                "session_id": event.session_id,
            })
        })
        .collect();
    Ok(Json(Value::Array(events)))
}
