//! The signed-in user's own account.

use axum::{Json, extract::State};
use serde_json::{Value, json};

use super::extract::AuthUser;
use crate::{
    auth::users,
    clock,
    db::Db,
    error::{Error, Result},
};

pub async fn me(auth: AuthUser, State(db): State<Db>) -> Result<Json<Value>> {
    let user = users::by_id(&db, &auth.user_id)
        .await?
        .ok_or(Error::Unauthorized {
            code: "invalid_token",
            message: "The account no longer exists.",
            token_sent: true,
        })?;
    Ok(Json(json!({
        "id": user.id,
        "email": user.email,
        "created_at": clock::rfc3339(user.created_at),
    })))
}
