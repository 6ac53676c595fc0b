//! The product built on Latch: its own routes, their API document and the user's data in the
//! account export. Latch's own code calls these three functions and nothing else of the product, so a product's code stays in its own
//! modules (`crate::notes`, the worked example, and its page in `app/src/notes`). To remove the
//! example: delete those two folders, their `mod` lines, and its entries here.

use axum::Router;
use serde_json::{Map, Value};
use utoipa::OpenApi;

use crate::{db::Db, state::AppState};

/// The product's routes, merged into the server's router beside Latch's own.
pub fn routes() -> Router<AppState> {
    Router::new().merge(crate::notes::routes())
}

/// The product's operations, merged into `/api/openapi.json` (so the API fuzzer tests them too).
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::notes::NotesApi::openapi()
}

/// The product's data of one user, by feature, for `GET /api/account/export` ("Your data"):
/// everything the product keeps of them belongs in it.
pub async fn export(db: &Db, user_id: &str) -> Result<Map<String, Value>, sqlx::Error> {
    let mut data = Map::new();
    data.insert("notes".into(), serde_json::to_value(crate::notes::export(db, user_id).await?).unwrap_or_default());
    Ok(data)
}
