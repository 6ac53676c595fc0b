//! The API's one error type and the one place it becomes an HTTP response:
//! `{"error": "<stable_code>", "message": "<human text>", "fields": {…}}`.

use std::{collections::BTreeMap, time::Duration};

mod from;

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use app::contract::{ErrorBody, ErrorCode};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request could not be understood (broken JSON, bad syntax).
    #[error("{0}")]
    Malformed(String),
    /// No credentials were sent where they are needed.
    #[error("unauthenticated")]
    Unauthenticated,
    /// An access token was sent and is not valid; the message says why.
    #[error("{0}")]
    InvalidToken(&'static str),
    /// Like `InvalidToken`, where the token is (or should be) device-bound: the challenge
    /// names the DPoP scheme.
    #[error("{0}")]
    InvalidBoundToken(&'static str),
    /// A DPoP proof was refused: 400 on a request that starts a session, 401 elsewhere.
    #[error("{message}")]
    InvalidDpopProof {
        status: StatusCode,
        message: &'static str,
    },
    /// The proof needs the nonce in this response's `DPoP-Nonce` header (400 on
    /// `/api/auth/*`, 401 elsewhere).
    #[error("a fresh DPoP nonce is needed")]
    UseDpopNonce { status: StatusCode },
    /// Sessions must be device-bound here and the request carried no proof.
    #[error("a DPoP proof is required")]
    DpopRequired,
    /// Credentials or a refresh token were refused.
    #[error("{message}")]
    Unauthorized { code: ErrorCode, message: &'static str },
    /// A passkey this server does not know: 401 `invalid_credentials`, with
    /// `fields.credential` so the page can tell the browser to forget it.
    #[error("unknown passkey")]
    UnknownPasskey,
    /// A mailed link that was used, has expired, or was replaced by a newer one.
    #[error("invalid or expired link")]
    InvalidLink,
    /// The request is understood and authenticated, and still not allowed (why, in `code`).
    #[error("{message}")]
    Forbidden { code: ErrorCode, message: &'static str },
    /// A cookie-bearing request from another site.
    #[error("cross-origin request")]
    CrossOrigin,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict { code: ErrorCode, message: &'static str },
    /// Two refresh cookies: another site under the same domain may have planted one.
    #[error("duplicated refresh cookie")]
    DuplicatedRefreshCookie,
    #[error("request body too large")]
    PayloadTooLarge,
    #[error("unsupported content type")]
    UnsupportedMediaType,
    /// Well-formed input that breaks a rule; one message per offending field.
    #[error("invalid fields")]
    Unprocessable { fields: BTreeMap<String, String> },
    #[error("too many attempts")]
    RateLimited { retry_after: Duration },
    #[error("service unavailable")]
    Unavailable,
    /// Working, but without room for this request now (e.g. to remember its DPoP proof):
    /// 503 with the wait in `Retry-After`. Never a verdict on the request itself.
    #[error("busy")]
    Busy { retry_after: Duration },
    /// Anything unexpected. Logged in full, shown to nobody.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

const UNKNOWN_PASSKEY: &str = "This passkey is not on any account here: it may have been removed. \
                               Sign in another way.";

impl Error {
    pub fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Unprocessable {
            fields: BTreeMap::from([(field.into(), problem.into())]),
        }
    }

    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            Error::Malformed(_) => (StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest),
            Error::Unauthenticated => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthenticated),
            Error::InvalidToken(_) | Error::InvalidBoundToken(_) => {
                (StatusCode::UNAUTHORIZED, ErrorCode::InvalidToken)
            }
            Error::InvalidDpopProof { status, .. } => (*status, ErrorCode::InvalidDpopProof),
            Error::UseDpopNonce { status } => (*status, ErrorCode::UseDpopNonce),
            Error::DpopRequired => (StatusCode::BAD_REQUEST, ErrorCode::DpopRequired),
            Error::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, *code),
            Error::UnknownPasskey => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials),
            Error::InvalidLink => (StatusCode::BAD_REQUEST, ErrorCode::InvalidOrExpiredLink),
            Error::Forbidden { code, .. } => (StatusCode::FORBIDDEN, *code),
            Error::CrossOrigin => (StatusCode::FORBIDDEN, ErrorCode::CrossOriginRequest),
            Error::NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Error::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed),
            Error::Conflict { code, .. } => (StatusCode::CONFLICT, *code),
            Error::DuplicatedRefreshCookie => (StatusCode::BAD_REQUEST, ErrorCode::DuplicatedRefreshCookie),
            Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
            Error::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            Error::Unprocessable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
            Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Error::Unavailable | Error::Busy { .. } => {
                (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable)
            }
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError),
        }
    }

    fn message(&self) -> String {
        match self {
            Error::Malformed(message) => message.clone(),
            Error::Unauthenticated => "Sign in to continue.".into(),
            Error::InvalidToken(message)
            | Error::InvalidBoundToken(message)
            | Error::InvalidDpopProof { message, .. }
            | Error::Unauthorized { message, .. }
            | Error::Forbidden { message, .. }
            | Error::Conflict { message, .. } => (*message).to_string(),
            Error::UnknownPasskey => UNKNOWN_PASSKEY.into(),
            Error::InvalidLink => "This link has been used, has expired, or was replaced by a newer one. \
                                   Ask for a new one."
                .into(),
            Error::CrossOrigin => "This request must come from the Latch app itself.".into(),
            Error::DuplicatedRefreshCookie => "This browser sent two session cookies for this site, so \
                 neither was used, and ours was cleared. Sign in again. If this happens again, another \
                 site under the same domain is setting one: clear this site's cookies in the browser's \
                 settings."
                .into(),
            Error::NotFound => "Nothing exists at this address.".into(),
            Error::MethodNotAllowed => "This address does not accept that method.".into(),
            Error::PayloadTooLarge => "The request body is larger than the server accepts.".into(),
            Error::UnsupportedMediaType => "Send the request body as application/json.".into(),
            Error::Unprocessable { .. } => "Some fields are not valid.".into(),
            Error::RateLimited { .. } => "Too many attempts. Wait a moment and try again.".into(),
            Error::Unavailable => "The service is temporarily unavailable. Try again shortly.".into(),
            Error::Busy { .. } => "The server is busy. Try again after the time in Retry-After.".into(),
            Error::UseDpopNonce { .. } => {
                "Make the DPoP proof again with the nonce in the DPoP-Nonce header.".into()
            }
            Error::DpopRequired => {
                "This server binds every session to the browser's key: send a DPoP proof.".into()
            }
            Error::Internal(_) => "Something went wrong on our side.".into(),
        }
    }
}

impl Error {
    /// The `WWW-Authenticate` challenge of a 401 (RFC 6750, RFC 9449 §7.1).
    fn challenge(&self) -> &'static str {
        match self {
            Error::InvalidToken(_) => r#"Bearer error="invalid_token""#,
            Error::InvalidBoundToken(_) => r#"DPoP error="invalid_token""#,
            Error::InvalidDpopProof { .. } => r#"DPoP error="invalid_dpop_proof""#,
            Error::UseDpopNonce { .. } => r#"DPoP error="use_dpop_nonce""#,
            _ => "Bearer",
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error");
        }
        let (status, code) = self.status_and_code();
        let challenge = self.challenge();
        let retry_after = match &self {
            // Round up: telling a client to come back early only earns it another refusal.
            Error::RateLimited { retry_after } | Error::Busy { retry_after } => {
                Some((retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0)).max(1))
            }
            Error::Unavailable => Some(1),
            _ => None,
        };
        let body = ErrorBody {
            error: code,
            message: self.message(),
            fields: match self {
                Error::Unprocessable { fields } => Some(fields),
                Error::UnknownPasskey => Some(BTreeMap::from([("credential".into(), UNKNOWN_PASSKEY.into())])),
                _ => None,
            },
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        if let Some(seconds) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

#[cfg(test)]
mod tests;
