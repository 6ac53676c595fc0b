//! Recent authentication: the body of `POST /api/auth/reauthenticate`.

use serde::{Deserialize, Serialize};

/// `{password}` for `POST /api/auth/reauthenticate` (the passkey form, `{ceremony,
/// credential}`, carries the WebAuthn JSON the browser made and is read by the server alone).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reauthenticate {
    #[serde(default)]
    pub password: Option<String>,
}
