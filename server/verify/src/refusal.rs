//! Why a request was refused, ready to send: the status, the `WWW-Authenticate` challenge, and
//! a body in Latch's error format (`{"error","message"}`), so Latch's browser client treats an
//! answer from your service as it treats Latch's own (a 401 refreshes and retries once, a 503
//! is "unreachable", never a sign-out).

/// A refused request. Send `status`, `www_authenticate` (when set), `Retry-After:
/// retry_after` (when set), and [`Refusal::body`] as `application/json`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Refusal {
    pub status: u16,
    /// Latch's error code: `unauthenticated`, `invalid_token`, `invalid_dpop_proof`,
    /// `unavailable`.
    pub code: &'static str,
    pub message: &'static str,
    pub www_authenticate: Option<&'static str>,
    /// Seconds.
    pub retry_after: Option<u64>,
}

impl Refusal {
    pub fn unauthenticated() -> Self {
        Self {
            status: 401,
            code: "unauthenticated",
            message: "Sign in first: send an access token.",
            www_authenticate: Some(r#"Bearer, DPoP algs="ES256""#),
            retry_after: None,
        }
    }

    pub fn invalid_token(message: &'static str) -> Self {
        Self {
            status: 401,
            code: "invalid_token",
            message,
            www_authenticate: Some(
                r#"Bearer error="invalid_token", DPoP algs="ES256" error="invalid_token""#,
            ),
            retry_after: None,
        }
    }

    pub fn invalid_proof(message: &'static str) -> Self {
        Self {
            status: 401,
            code: "invalid_dpop_proof",
            message,
            www_authenticate: Some(r#"DPoP algs="ES256" error="invalid_dpop_proof""#),
            retry_after: None,
        }
    }

    /// No room to remember the proof as spent: not the client's fault, so not a 401.
    pub fn busy(retry_after: u64) -> Self {
        Self {
            status: 503,
            code: "unavailable",
            message: "Too many requests are being checked right now; try again shortly.",
            www_authenticate: None,
            retry_after: Some(retry_after),
        }
    }

    /// Latch's keys could not be fetched, and none held verifies this token.
    pub fn keys_unreachable() -> Self {
        Self {
            status: 503,
            code: "unavailable",
            message: "The keys that verify access tokens cannot be fetched right now; try again shortly.",
            www_authenticate: None,
            retry_after: Some(5),
        }
    }

    /// The JSON body: `{"error": code, "message": message}`.
    pub fn body(&self) -> String {
        serde_json::json!({ "error": self.code, "message": self.message }).to_string()
    }
}
