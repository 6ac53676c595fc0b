//! Liveness and readiness probes for load balancers and orchestrators.

use std::time::Duration;

use axum::{Json, extract::State};
use serde_json::{Value, json};

use crate::{
    db::Db,
    error::{Error, Result},
};

/// Readiness must answer quickly even when the database hangs rather than refuses.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// The process is up and serving HTTP.
#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, description = "`{\"status\": \"ok\"}`", body = Object)))]
pub async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The instance can do useful work: its database answers.
#[utoipa::path(get, path = "/readyz", tag = "meta",
    responses(
        (status = 200, description = "`{\"status\": \"ready\"}`", body = Object),
        (status = 503, description = "The database does not answer", body = app::contract::ErrorBody),
    ))]
pub async fn readyz(State(db): State<Db>) -> Result<Json<Value>> {
    match tokio::time::timeout(READY_TIMEOUT, db.ping()).await {
        Ok(Ok(())) => Ok(Json(json!({ "status": "ready" }))),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check failed");
            Err(Error::Unavailable)
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            Err(Error::Unavailable)
        }
    }
}
