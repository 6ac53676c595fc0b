//! The API's one error type and the one place it becomes an HTTP response:
//! `{"error": "<stable_code>", "message": "<human text>", "fields": {…}}`.

use std::{collections::BTreeMap, time::Duration};

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The request could not be understood (broken JSON, bad syntax).
    #[error("{0}")]
    Malformed(String),
    /// No valid credentials. `token_sent` adds `error="invalid_token"` to the challenge.
    #[error("{message}")]
    Unauthorized {
        code: &'static str,
        message: &'static str,
        token_sent: bool,
    },
    #[error("{message}")]
    Forbidden {
        code: &'static str,
        message: &'static str,
    },
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: &'static str,
    },
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

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<&'a BTreeMap<String, String>>,
}

impl Error {
    pub fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Error::Unprocessable {
            fields: BTreeMap::from([(field.into(), problem.into())]),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Malformed(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Error::Malformed(_) => "malformed_request",
            Error::Unauthorized { code, .. }
            | Error::Forbidden { code, .. }
            | Error::Conflict { code, .. } => code,
            Error::NotFound => "not_found",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::PayloadTooLarge => "payload_too_large",
            Error::UnsupportedMediaType => "unsupported_media_type",
            Error::Unprocessable { .. } => "invalid_fields",
            Error::RateLimited { .. } => "rate_limited",
            Error::Unavailable => "unavailable",
            Error::Internal(_) => "internal_error",
        }
    }

    fn message(&self) -> String {
        match self {
            Error::Malformed(message) => message.clone(),
            Error::Unauthorized { message, .. }
            | Error::Forbidden { message, .. }
            | Error::Conflict { message, .. } => (*message).to_string(),
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

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        match err {
            // The database is unreachable or saturated: the client should retry, not give up.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                tracing::warn!(error = %err, "database unavailable");
                Error::Unavailable
            }
            other => Error::Internal(other.into()),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        if let Error::Internal(cause) = &self {
            tracing::error!(error = ?cause, "internal error");
        }
        let status = self.status();
        let message = self.message();
        let fields = match &self {
            Error::Unprocessable { fields } => Some(fields),
            _ => None,
        };
        let body = Body {
            error: self.code(),
            message: &message,
            fields,
        };
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        match &self {
            Error::Unauthorized { token_sent, .. } => {
                let challenge = if *token_sent {
                    r#"Bearer error="invalid_token""#
                } else {
                    "Bearer"
                };
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
            }
            Error::RateLimited { retry_after } => {
                // Round up: telling a client to come back early only earns it another 429.
                let seconds = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
                headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
            }
            Error::Unavailable => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
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
        let err = Error::Unauthorized {
            code: "invalid_token",
            message: "bad",
            token_sent: true,
        };
        let (_, headers, _) = render(err).await;
        assert_eq!(
            headers[header::WWW_AUTHENTICATE],
            r#"Bearer error="invalid_token""#
        );
        let err = Error::Unauthorized {
            code: "unauthenticated",
            message: "no",
            token_sent: false,
        };
        let (_, headers, body) = render(err).await;
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
