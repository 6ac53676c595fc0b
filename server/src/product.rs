//! The product built on Latch: its own routes and their API document. Latch's own code calls
//! these two functions and nothing else of the product, so a product's code stays in its own
//! modules (`crate::notes`, the worked example, and its page in `app/src/notes`). To remove the
//! example: delete those two folders, their `mod` lines, and its entries here.

use axum::Router;
use utoipa::OpenApi;

use crate::state::AppState;

/// The product's routes, merged into the server's router beside Latch's own.
pub fn routes() -> Router<AppState> {
    Router::new().merge(crate::notes::routes())
}

/// The product's operations, merged into `/api/openapi.json` (so the API fuzzer tests them too).
pub fn openapi() -> utoipa::openapi::OpenApi {
    crate::notes::NotesApi::openapi()
}
