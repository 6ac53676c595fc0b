//! The API's one error type and the one place it becomes an HTTP response:
//! `{"error": "<stable_code>", "message": "<human text>", "fields": {…}}`.

use std::{collections::BTreeMap, time::Duration};

use axum::{
    Json,
    extract::rejection::PathRejection,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use app::contract::{ErrorBody, ErrorCode};

use crate::{
    auth::{AuthError, SessionOver},
    db::Unavailable,
};

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
    /// Credentials or a refresh token were refused.
    #[error("{message}")]
    Unauthorized { code: ErrorCode, message: &'static str },
    /// A cookie-bearing request from another site.
    #[error("cross-origin request")]
    CrossOrigin,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict { code: ErrorCode, message: &'static str },
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
    /// Anything unexpected. Logged in full, shown to nobody.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

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
            Error::InvalidToken(_) => (StatusCode::UNAUTHORIZED, ErrorCode::InvalidToken),
            Error::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, *code),
            Error::CrossOrigin => (StatusCode::FORBIDDEN, ErrorCode::CrossOriginRequest),
            Error::NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Error::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed),
            Error::Conflict { code, .. } => (StatusCode::CONFLICT, *code),
            Error::PayloadTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge),
            Error::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            Error::Unprocessable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidFields),
            Error::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Error::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::InternalError),
        }
    }

    fn message(&self) -> String {
        match self {
            Error::Malformed(message) => message.clone(),
            Error::Unauthenticated => "Sign in to continue.".into(),
            Error::InvalidToken(message)
            | Error::Unauthorized { message, .. }
            | Error::Conflict { message, .. } => (*message).to_string(),
            Error::CrossOrigin => "This request must come from the Latch app itself.".into(),
            Error::NotFound => "Nothing exists at this address.".into(),
            Error::MethodNotAllowed => "This address does not accept that method.".into(),
            Error::PayloadTooLarge => "The request body is larger than the server accepts.".into(),
            Error::UnsupportedMediaType => "Send the request body as application/json.".into(),
            Error::Unprocessable { .. } => "Some fields are not valid.".into(),
            Error::RateLimited { .. } => "Too many attempts. Wait a moment and try again.".into(),
            Error::Unavailable => "The service is temporarily unavailable. Try again shortly.".into(),
            Error::Internal(_) => "Something went wrong on our side.".into(),
        }
    }
}

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
            AuthError::Throttled { retry_after } => Error::RateLimited { retry_after },
            AuthError::NoRefreshToken => unauthorized(
                ErrorCode::MissingRefreshToken,
                "There is no session to refresh. Sign in.",
            ),
            AuthError::DuplicatedRefreshCookie => Error::Malformed(
                "The request carries more than one refresh cookie, so none of them is used. Clear \
                 this site's cookies and sign in again."
                    .into(),
            ),
            AuthError::SessionOver(over) => match over {
                SessionOver::InvalidToken => unauthorized(
                    ErrorCode::InvalidRefreshToken,
                    "The session is not valid. Sign in again.",
                ),
                SessionOver::AccountGone => {
                    unauthorized(ErrorCode::InvalidRefreshToken, "The account no longer exists.")
                }
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
            AuthError::AccountGone => Error::InvalidToken("The account no longer exists."),
            AuthError::SessionNotFound => Error::NotFound,
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

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error");
        }
        let (status, code) = self.status_and_code();
        let retry_after = match &self {
            // Round up: telling a client to come back early only earns it another 429.
            Error::RateLimited { retry_after } => {
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
                _ => None,
            },
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            let challenge = if code == ErrorCode::InvalidToken {
                r#"Bearer error="invalid_token""#
            } else {
                "Bearer"
            };
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
mod tests {
    use super::*;
    use axum::body::to_bytes;

    async fn render(err: Error) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let response = err.into_response();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, headers, serde_json::from_slice(&bytes).unwrap())
    }

    #[tokio::test]
    async fn internal_errors_hide_their_cause() {
        let (status, _, body) = render(anyhow::anyhow!("secret detail").into()).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["error"], "internal_error");
        assert!(!body.to_string().contains("secret detail"));
    }

    #[tokio::test]
    async fn field_errors_carry_fields() {
        let (status, _, body) = render(Error::field("email", "is not an email address")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["error"], "invalid_fields");
        assert_eq!(body["fields"]["email"], "is not an email address");
    }

    #[tokio::test]
    async fn unauthorized_carries_a_bearer_challenge() {
        let (_, headers, _) = render(Error::InvalidToken("bad")).await;
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token""#
        );
        let (_, headers, body) = render(Error::Unauthenticated).await;
        assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
        assert_eq!(body["error"], "unauthenticated");
        assert!(body.get("fields").is_none());
    }

    #[tokio::test]
    async fn rate_limits_round_retry_after_up() {
        let (status, headers, _) = render(Error::RateLimited {
            retry_after: Duration::from_millis(1500),
        })
        .await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(headers[header::RETRY_AFTER], "2");
    }
}
