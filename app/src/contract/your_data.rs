//! The user's own data, as `GET /api/account/export` hands it over: what the account pages
//! show, all in one document, and no secret (no hash, no key, no token).

use serde::{Deserialize, Serialize};

use super::{Me, PasskeyView, SecurityEventView, SessionView};

/// `GET /api/account/export`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccountExport {
    pub account: Me,
    /// Every live session, the one that asked marked `current`.
    pub sessions: Vec<SessionView>,
    pub passkeys: Vec<PasskeyView>,
    /// Every event kept, newest first.
    pub security_events: Vec<SecurityEventView>,
    /// The product's own data, by feature (the worked example's: `{"notes": [...]}`), as
    /// `server/src/product.rs` gathers it. Only the server has it: the browser saves the
    /// document as it came, unread.
    #[cfg(feature = "ssr")]
    #[serde(default)]
    #[schema(value_type = Object)]
    pub product: serde_json::Map<String, serde_json::Value>,
}
