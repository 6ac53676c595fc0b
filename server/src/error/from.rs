//! What other layers' errors mean to a client: the auth core's refusals, database failures
//! and undecodable paths, each turned into the API's one error type.

use axum::{extract::rejection::PathRejection, http::StatusCode};

use app::contract::ErrorCode;

use super::Error;
use crate::{
    auth::{AuthError, SessionOver, tokens::dpop::REPLAYED},
    db::Unavailable,
};

/// A path segment that does not decode (e.g. `/api/sessions/%FF`).
impl From<PathRejection> for Error {
    fn from(_: PathRejection) -> Self {
        Error::Malformed("The address contains a value that is not valid.".into())
    }
}

/// The auth core's refusals, in the API's words.
impl From<AuthError> for Error {
    fn from(err: AuthError) -> Self {
        let unauthorized = |code, message| Error::Unauthorized { code, message };
        match err {
            AuthError::InvalidFields(fields) => Error::Unprocessable { fields },
            AuthError::EmailTaken => Error::Conflict {
                code: ErrorCode::EmailTaken,
                message: "An account with this email already exists. Sign in instead.",
            },
            AuthError::InvalidCredentials => unauthorized(
                ErrorCode::InvalidCredentials,
                "The email or password is not correct.",
            ),
            AuthError::UnknownPasskey => Error::UnknownPasskey,
            AuthError::EmailNotVerified => Error::Forbidden {
                code: ErrorCode::EmailNotVerified,
                message: "Confirm your email address first: open the link we sent you. Signing up \
                          again sends a new one.",
            },
            AuthError::InvalidOrExpiredLink => Error::InvalidLink,
            AuthError::ReauthenticationRequired => Error::Forbidden {
                code: ErrorCode::ReauthenticationRequired,
                message: "Confirm it is you: sign in again on this page, then try once more.",
            },
            AuthError::Throttled { retry_after } => Error::RateLimited { retry_after },
            AuthError::NoRefreshToken => unauthorized(
                ErrorCode::MissingRefreshToken,
                "There is no session to refresh. Sign in.",
            ),
            AuthError::DuplicatedRefreshCookie => Error::DuplicatedRefreshCookie,
            AuthError::SessionOver(over) => match over {
                SessionOver::InvalidToken => unauthorized(
                    ErrorCode::InvalidRefreshToken,
                    "The session is not valid. Sign in again.",
                ),
                SessionOver::Reused => unauthorized(
                    ErrorCode::RefreshTokenReuse,
                    "Your session was ended because it was used from somewhere else. Sign in \
                     again, and consider changing your password.",
                ),
                SessionOver::Expired => unauthorized(
                    ErrorCode::SessionExpired,
                    "Your session has expired. Sign in again.",
                ),
                SessionOver::Revoked => unauthorized(
                    ErrorCode::SessionRevoked,
                    "This session was signed out. Sign in again.",
                ),
            },
            AuthError::InvalidDbscResponse(message) => Error::Malformed(message.into()),
            AuthError::InvalidDeviceProof(message) => Error::InvalidDpopProof {
                status: StatusCode::UNAUTHORIZED,
                message,
            },
            AuthError::DpopNonceNeeded => Error::UseDpopNonce {
                status: StatusCode::BAD_REQUEST,
            },
            AuthError::SessionProofReplayed => Error::InvalidDpopProof {
                status: StatusCode::BAD_REQUEST,
                message: REPLAYED,
            },
            AuthError::ProofMemoryFull { retry_after } => Error::Busy { retry_after },
            AuthError::AccountGone => Error::InvalidToken("The account no longer exists."),
            AuthError::SessionNotFound | AuthError::PasskeyNotFound => Error::NotFound,
            AuthError::LastCredential => Error::Conflict {
                code: ErrorCode::LastCredential,
                message: "This is your account's last way to sign in: add a passkey or keep the password.",
            },
            AuthError::AccountDisabled => Error::Forbidden {
                code: ErrorCode::AccountDisabled,
                message: "This account is disabled. Ask the site's administrator to enable it.",
            },
            AuthError::Busy => Error::Unavailable,
            AuthError::Database(err) => err.into(),
            AuthError::Internal(err) => Error::Internal(err),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match Unavailable::of(&err) {
            // Said loudly, once per refused request: writes stay refused until someone acts.
            Some(why) if why.needs_an_operator() => {
                tracing::error!(error = %err, "{why}; answering 503 until then");
                Error::Unavailable
            }
            // The client should retry, not give up.
            Some(why) => {
                tracing::warn!(error = %err, "{why}");
                Error::Unavailable
            }
            None => Error::Internal(err.into()),
        }
    }
}
