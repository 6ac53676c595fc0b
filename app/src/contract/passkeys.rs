//! Passkeys and recent authentication: the account's passkeys as listed, and the password form
//! of `POST /api/auth/reauthenticate`.

use serde::{Deserialize, Serialize};

/// `{password}` for `POST /api/auth/reauthenticate` (the passkey form, `{ceremony,
/// credential}`, carries the WebAuthn JSON the browser made and is read by the server alone).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Reauthenticate {
    #[serde(default)]
    pub password: Option<String>,
}

/// A passkey as `GET /api/account/passkeys` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyView {
    pub id: String,
    /// The WebAuthn credential id, base64url: what the browser's passkey manager knows it by.
    pub credential_id: String,
    /// The account's WebAuthn user handle, base64url (the same on every entry): with the
    /// credential ids, what the browser is told is still accepted (the Signal API).
    pub user_handle: String,
    pub name: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339; `null` until it is first used to sign in.
    pub last_used_at: Option<String>,
    /// Synced to the provider's cloud (backup state): the passkey survives a lost device.
    pub backed_up: bool,
}

/// `{name}` for `PATCH /api/account/passkeys/{id}`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasskeyRename {
    #[serde(default)]
    pub name: Option<String>,
}
