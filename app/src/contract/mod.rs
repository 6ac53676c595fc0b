//! The HTTP API's wire types, written once and compiled into both the server (`ssr`), which
//! serialises them with serde, and the WASM client (`hydrate`), which reads and writes the same
//! types through `wire` (tested against serde).
//! Every stable code the API speaks (error codes, security-event kinds, why a session ended)
//! is an enum here; its string form comes from the variant name, so no code is spelled out
//! anywhere else, and a new variant is a compile error until every `match` handles it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod events;
mod recovery;
mod passkeys;
mod wire;
mod your_data;
pub use events::{EVENTS_PER_PAGE, EventsBefore, PartyView, SecurityEventView};
pub use recovery::{EmailChange, LinkToken, MailSent, MailStatus, ResetConfirm, ResetRequest};
pub use passkeys::{PasskeyRename, PasskeyView, Reauthenticate};
pub use wire::{FromJson, Json, ToJson, flag, text};
pub use your_data::AccountExport;

/// `{email, password}` for sign-up and sign-in. Missing fields are the server's to report
/// (422 per field), so they deserialise as `None` rather than failing the whole body.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Credentials {
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(format = Email, max_length = 254))]
    pub email: Option<String>,
    /// Sign-up also requires it to be strong (scored by zxcvbn) and not built from the email.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(min_length = 10, max_length = 128))]
    pub password: Option<String>,
}

/// `{current_password, new_password}` for `POST /api/account/password`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: Option<String>,
    /// Also required to be strong (scored by zxcvbn) and not built from the email.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(min_length = 10, max_length = 128))]
    pub new_password: Option<String>,
}

/// What sign-up, sign-in and refresh answer with. The refresh token is never in it: it
/// travels only in the `HttpOnly` cookie.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionBody {
    pub access_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    pub user: User,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::EnumString)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum TokenType {
    Bearer,
    /// Bound to the browser's key: send as `Authorization: DPoP <token>` with a `DPoP` proof.
    #[serde(rename = "DPoP")]
    #[strum(serialize = "DPoP")]
    Dpop,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub email: String,
}

/// `GET /api/me`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Me {
    pub id: String,
    pub email: String,
    /// Whether the address was confirmed by opening a link sent to it.
    pub email_verified: bool,
    /// Whether a password signs in (false once removed in favour of passkeys).
    pub has_password: bool,
    /// RFC 3339.
    pub created_at: String,
}

/// `GET /api/session`: the session an access token speaks for, read from the token alone
/// (no database read), so a client or a service in front of Latch can check a token cheaply.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CurrentSession {
    pub user_id: String,
    pub session_id: String,
    /// When the access token expires, RFC 3339.
    pub expires_at: String,
    /// Whether the token is bound to the browser's key (sent as `DPoP`).
    pub device_bound: bool,
}

/// One entry of `GET /api/sessions`: a signed-in device.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub id: String,
    pub current: bool,
    pub user_agent: String,
    /// The user agent as a person reads it ("Firefox 128 on Windows").
    pub device: String,
    pub ip: String,
    pub created_at: String,
    pub last_used_at: String,
    /// Bound to a key that cannot leave its browser (DPoP): its cookie is useless elsewhere.
    pub device_bound: bool,
    /// What holds the session to its device: `none`, `dpop` (the browser's key), or
    /// `dbsc+dpop` (and its cookie to a key in the device's hardware).
    pub binding: Binding,
}

/// What holds a session to its device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Binding {
    #[serde(rename = "none")]
    None,
    /// The browser's non-extractable key (DPoP).
    #[serde(rename = "dpop")]
    Dpop,
    /// That, and the refresh cookie bound to a key in the device's hardware (DBSC).
    #[serde(rename = "dbsc+dpop")]
    DbscDpop,
}

/// Every error: `{"error": code, "message": text, "fields": {field: problem}}`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// The stable error codes of the API.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ErrorCode {
    MalformedRequest,
    InvalidFields,
    /// No credentials were sent.
    Unauthenticated,
    /// The access token was sent but is not (or no longer) valid.
    InvalidToken,
    InvalidCredentials,
    MissingRefreshToken,
    InvalidRefreshToken,
    /// A retired refresh token came back: the session was ended as possibly stolen.
    RefreshTokenReuse,
    SessionExpired,
    /// The session was signed out (by the user, elsewhere, or by a password change).
    SessionRevoked,
    CrossOriginRequest,
    NotFound,
    MethodNotAllowed,
    EmailTaken,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    /// The `DPoP` proof is missing where the session needs one, malformed, from another key,
    /// replayed, or made for another request.
    InvalidDpopProof,
    /// Retry once with the nonce in the `DPoP-Nonce` header.
    UseDpopNonce,
    /// This server only starts device-bound sessions: send a `DPoP` proof.
    DpopRequired,
    /// A mailed link that was used, has expired, or was replaced by a newer one.
    InvalidOrExpiredLink,
    /// The password is right but the address has not been confirmed yet: open the mailed link.
    EmailNotVerified,
    /// The browser sent two `latch_refresh` cookies (one may be planted by a sibling
    /// subdomain), so neither was used; ours was cleared. Sign in again.
    DuplicatedRefreshCookie,
    /// The action needs a sign-in or re-authentication within the last five minutes:
    /// `POST /api/auth/reauthenticate`, then send it again.
    ReauthenticationRequired,
    /// The account would be left without a password and without a passkey.
    LastCredential,
    /// An operator disabled the account: the password or passkey was right, and still no
    /// session starts until it is enabled again.
    AccountDisabled,
    Unavailable,
    InternalError,
    /// A code this build does not know (a newer server); never sent by this one.
    #[serde(other)]
    Unrecognised,
}

/// What happened to an account, as recorded and shown on the security page.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    SignedUp,
    SignedIn,
    /// A sign-in from a browser and OS this account had not signed in from before.
    SignedInNewDevice,
    RefreshTokenReuse,
    /// A device-bound session's refresh cookie was presented without its key's proof: the
    /// attempt was refused and the session left alone.
    RefreshWithoutDeviceKey,
    SessionRevoked,
    OtherSessionsRevoked,
    PasswordChanged,
    /// The password was set from a reset link; every session ended.
    PasswordReset,
    /// The address was changed (confirmed from the new address).
    EmailChanged,
    /// The old address undid a change from its mailed link; every session ended.
    EmailChangeUndone,
    PasskeyAdded,
    PasskeyRemoved,
    /// The account signs in with its passkeys only.
    PasswordRemoved,
    /// An operator disabled the account; every session ended.
    AccountDisabled,
    /// An operator enabled the account again.
    AccountEnabled,
    /// An operator ended the account's sessions (one, or all).
    SessionsRevokedByAdmin,
}

/// Why a session ended; stored with it, and behind the error code a refresh answers with.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumString,
)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EndReason {
    SignedOut,
    Expired,
    RefreshTokenReuse,
    RevokedByUser,
    PasswordChanged,
    PasswordReset,
    EmailChangeUndone,
    /// An operator disabled the account.
    AccountDisabled,
    /// An operator ended it.
    RevokedByAdmin,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl EndReason {
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wire_and_the_database_spell_codes_alike() {
        for kind in [EventKind::SignedInNewDevice, EventKind::RefreshTokenReuse] {
            let wire = serde_json::to_value(kind).unwrap();
            assert_eq!(wire, kind.as_str());
            assert_eq!(kind.as_str().parse::<EventKind>().unwrap(), kind);
        }
        let reason = EndReason::RevokedByUser;
        assert_eq!(serde_json::to_value(reason).unwrap(), reason.as_str());
        let code = ErrorCode::InvalidRefreshToken;
        assert_eq!(serde_json::to_value(code).unwrap(), "invalid_refresh_token");
        assert_eq!(code.as_str(), "invalid_refresh_token");
    }
}
