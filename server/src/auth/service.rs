//! The authentication core's entry point: one call per thing a user can do (sign up, sign
//! in, refresh, sign out, change the password, look after their sessions, recover the account). It knows nothing
//! of HTTP; the API layer translates requests into these calls and `AuthError` into
//! responses (in `crate::error`, the one place errors become HTTP).

use std::{collections::BTreeMap, ops::Deref, sync::Arc, time::Duration};

use app::contract::User;

use crate::auth::{
    accounts::profiles::Profiles,
    accounts::recovery::Recovery,
    credentials::device_cookies::DeviceCookies,
    credentials::passkeys::Passkeys,
    credentials::password::{HashError, PasswordHasher},
    credentials::throttle::Throttles,
    sessions::refresh_token::RefreshToken,
    sessions::store::Issued,
    sessions::store::SessionStore,
    tokens::access::TokenIssuer,
    tokens::dbsc::Dbsc,
    tokens::dpop::{NotSpent, Proven},
};
use crate::db::Db;

/// Cheap to clone (one `Arc`): every request that calls the core takes its own handle.
#[derive(Clone)]
pub struct AuthService(Arc<Core>);

pub struct Core {
    pub(in crate::auth) db: Db,
    pub(in crate::auth) hasher: PasswordHasher,
    pub(in crate::auth) sessions: SessionStore,
    pub(in crate::auth) tokens: TokenIssuer,
    pub(in crate::auth) throttle: Throttles,
    pub(in crate::auth) devices: DeviceCookies,
    pub(in crate::auth) recovery: Recovery,
    pub(in crate::auth) profiles: Profiles,
    pub(in crate::auth) passkeys: Passkeys,
    pub(in crate::auth) dbsc: Dbsc,
}

impl Deref for AuthService {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.0
    }
}

/// A session the client may use now: an access token for its memory and a refresh token
/// for its cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub user: User,
    pub access_token: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
    pub refresh_token: RefreshToken,
    /// When the refresh token stops working if unused (Unix ms).
    pub refresh_expires_at: i64,
    /// A new device cookie, after a sign-up or sign-in (see `credentials::device_cookies`).
    pub device_cookie: Option<String>,
    /// Whether the session (and so the access token) is bound to the browser's key.
    pub device_bound: bool,
    /// The DBSC registration offered to the browser (`Secure-Session-Registration`), while
    /// the session has no hardware key.
    pub dbsc_offer: Option<String>,
}

/// Why the core refused, in its own terms.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Field name → what is wrong with it.
    #[error("invalid fields")]
    InvalidFields(BTreeMap<String, String>),
    #[error("an account with this email exists")]
    EmailTaken,
    #[error("wrong email or password")]
    InvalidCredentials,
    /// A passkey assertion for a credential no account here has (deleted, or never made):
    /// refused as `InvalidCredentials` is, and the browser may be told to forget it.
    #[error("unknown passkey")]
    UnknownPasskey,
    /// The password is right, but the address is not confirmed yet (verification required).
    #[error("the email address is not confirmed")]
    EmailNotVerified,
    /// A mailed link that was used, expired, or was superseded (or was never a link).
    #[error("invalid or expired link")]
    InvalidOrExpiredLink,
    #[error("too many failed attempts")]
    Throttled { retry_after: Duration },
    /// A refresh or sign-out without a refresh cookie.
    #[error("no refresh token")]
    NoRefreshToken,
    /// Two refresh cookies came with the request.
    #[error("more than one refresh cookie")]
    DuplicatedRefreshCookie,
    /// The refresh cookie cannot be used again; the client should drop it.
    #[error("session over: {0:?}")]
    SessionOver(SessionOver),
    /// A valid access token whose account no longer exists.
    #[error("the account no longer exists")]
    AccountGone,
    #[error("session not found")]
    SessionNotFound,
    #[error("passkey not found")]
    PasskeyNotFound,
    /// The change would leave the account without a password and without a passkey.
    #[error("the account's last way in")]
    LastCredential,
    /// The credentials were right, and an operator disabled the account.
    #[error("the account is disabled")]
    AccountDisabled,
    /// A device-bound session's key was not proven (why, in words). Nothing changed.
    #[error("the session's device key was not proven")]
    InvalidDeviceProof(&'static str),
    /// A DBSC registration that cannot be taken (why, in words). Nothing changed.
    #[error("invalid DBSC registration: {0}")]
    InvalidDbscResponse(&'static str),
    /// The DPoP proof needs a fresh server nonce: retry with the one the response carries.
    #[error("a fresh DPoP nonce is needed")]
    DpopNonceNeeded,
    /// A session-starting request's DPoP proof was used before. No session opened.
    #[error("the DPoP proof was used before")]
    SessionProofReplayed,
    /// No room to remember the request's DPoP proof as spent (its key's share or the whole
    /// memory): retry after this long. Says nothing against the proof or its key; no session
    /// was opened, rotated or ended.
    #[error("no room to remember the DPoP proof")]
    ProofMemoryFull { retry_after: Duration },
    /// The action needs the person, not just the session: a sign-in or re-authentication
    /// within the last five minutes (`sessions::step_up`). Nothing changed.
    #[error("recent authentication required")]
    ReauthenticationRequired,
    /// Every password-hashing slot is busy and the queue is full: try again shortly.
    #[error("busy")]
    Busy,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Why a refresh token no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionOver {
    /// Garbage, or not a token this server issued.
    InvalidToken,
    /// A retired token came back: the session was ended as possibly stolen.
    Reused,
    Expired,
    /// Signed out, revoked by the user, or ended by a password change.
    Revoked,
}

pub type AuthResult<T> = Result<T, AuthError>;

impl From<HashError> for AuthError {
    fn from(err: HashError) -> Self {
        match err {
            HashError::Busy => AuthError::Busy,
            HashError::Failed(err) => AuthError::Internal(err),
        }
    }
}

/// The parts startup assembles the core from.
pub struct CoreParts {
    pub db: Db,
    pub hasher: PasswordHasher,
    pub sessions: SessionStore,
    pub tokens: TokenIssuer,
    pub throttle: Throttles,
    pub devices: DeviceCookies,
    pub recovery: Recovery,
    pub passkeys: Passkeys,
    pub dbsc: Dbsc,
}

impl AuthService {
    pub fn new(parts: CoreParts) -> Self {
        let CoreParts {
            db,
            hasher,
            sessions,
            tokens,
            throttle,
            devices,
            recovery,
            passkeys,
            dbsc,
        } = parts;
        // On PostgreSQL, profiles are remembered only once other instances' changes are heard
        // (`broadcast::follow`, given `profiles()`). On SQLite the only other writers are the
        // admin commands, whose notices `broadcast::follow_file` reads from the start.
        let profiles = Profiles::new(matches!(db, Db::Sqlite(_)));
        Self(Arc::new(Core {
            db,
            hasher,
            sessions,
            tokens,
            throttle,
            devices,
            recovery,
            profiles,
            passkeys,
            dbsc,
        }))
    }

    /// Spends the proof of a request whose session is about to be bound to its key: only now,
    /// once everything else about the request holds, so refused requests spend nothing.
    pub(in crate::auth) async fn spend_device_proof(&self, proof: Option<&Proven>) -> AuthResult<()> {
        let Some(proof) = proof else {
            return Ok(());
        };
        match proof.spend().await? {
            Ok(()) => Ok(()),
            Err(NotSpent::Replayed) => Err(AuthError::SessionProofReplayed),
            Err(NotSpent::Busy { retry_after }) => Err(AuthError::ProofMemoryFull { retry_after }),
        }
    }

    /// The remembered profiles, for the listener that hears other instances' changes.
    pub fn profiles(&self) -> Profiles {
        self.profiles.clone()
    }

    /// Resolves once every mail handed out so far has been sent (or has failed).
    pub async fn mails_sent(&self) {
        self.recovery.notices.all_sent().await;
    }

    /// Hashes running now, and hashes waiting for a thread (for the metrics).
    pub fn hashes_in_hand(&self) -> (usize, usize) {
        self.hasher.in_hand()
    }

    /// Each throttle table by name, with its keys held and its capacity (for the metrics).
    pub fn throttle_occupancy(&self) -> [(&'static str, (usize, usize)); 5] {
        self.throttle.occupancy()
    }

    /// Mints the access token for a session just started or refreshed.
    /// A DBSC-bound session's cookie (and token) last only until its next renewal; any other
    /// session is offered DBSC registration.
    pub(in crate::auth) fn signed_in(&self, issued: Issued, email: String) -> AuthResult<SignedIn> {
        let refresh_expires_at = issued.dbsc_until.map_or(issued.expires_at, |until| until.min(issued.expires_at));
        // An extra layer on DPoP: offered to device-bound sessions not bound already.
        let dbsc_offer = match (&issued.device_key, issued.dbsc_until) {
            (Some(_), None) => self.dbsc.offer(&issued.session_id),
            _ => None,
        };
        let not_after = u64::try_from(refresh_expires_at / 1000).unwrap_or(0);
        let device_key = issued.device_key.as_deref();
        let auth_time = u64::try_from(issued.auth_time / 1000).unwrap_or(0);
        let (access_token, expires_in) = self.tokens.mint(
            &issued.user_id,
            &issued.session_id,
            not_after,
            device_key,
            auth_time,
        )?;
        Ok(SignedIn {
            user: User {
                id: issued.user_id,
                email,
            },
            access_token,
            expires_in,
            refresh_token: issued.token,
            refresh_expires_at,
            device_cookie: None,
            device_bound: issued.device_key.is_some(),
            dbsc_offer,
        })
    }
}
