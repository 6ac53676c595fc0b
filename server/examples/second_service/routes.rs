//! The second service's routes: a protected API that accepts Latch's access tokens through
//! `latch_verify`, called by the browser from Latch's pages (CORS for that origin only).
//! The Rust tests mount this very router (`tests/api/second_service/`).

use axum::{
    Json, Router,
    extract::{FromRef, FromRequestParts},
    http::{HeaderName, HeaderValue, Method, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use latch_verify::{Refusal, Request, Verified, Verifier};
use serde_json::json;
use tower_http::cors::CorsLayer;

const DPOP: HeaderName = HeaderName::from_static("dpop");

/// The signed-in user of a request, checked by the verifier: take it as an argument and the
/// handler is protected.
pub struct Caller(pub Verified);

/// A refusal as the HTTP answer `latch_verify` describes.
pub struct Refused(pub Refusal);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let refusal = self.0;
        let status = StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::UNAUTHORIZED);
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            refusal.body(),
        )
            .into_response();
        let headers = response.headers_mut();
        if let Some(challenge) = refusal.www_authenticate {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge));
        }
        if let Some(seconds) = refusal.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller
where
    Verifier: FromRef<S>,
{
    type Rejection = Refused;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Refused> {
        let text = |name| -> Result<Option<&str>, Refused> {
            let mut values = parts.headers.get_all(name).iter();
            match (values.next(), values.next()) {
                (None, _) => Ok(None),
                (Some(value), None) => value
                    .to_str()
                    .map(Some)
                    .map_err(|_| Refused(Refusal::invalid_token("A header is not text."))),
                (Some(_), Some(_)) => Err(Refused(Refusal::invalid_proof(
                    "Send one of each header, not several.",
                ))),
            }
        };
        let request = Request {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            authorization: text(header::AUTHORIZATION)?,
            dpop: text(DPOP)?,
        };
        let verifier = Verifier::from_ref(state);
        verifier.verify(&request).await.map(Caller).map_err(Refused)
    }
}

/// Who the service verified you as, and how.
async fn me(Caller(verified): Caller) -> Json<serde_json::Value> {
    let claims = verified.claims;
    Json(json!({
        "user_id": claims.sub,
        "session_id": claims.sid,
        "device_bound": verified.device_bound,
        "authenticated_at": claims.auth_time,
        "service": "second-service",
    }))
}

/// The service's routes, answering browsers on `app_origin` (Latch's pages).
pub fn router(verifier: Verifier, app_origin: HeaderValue) -> Router {
    // No credentials (cookies) cross origins: the token travels in headers only.
    let cors = CorsLayer::new()
        .allow_origin(app_origin)
        .allow_methods([Method::GET])
        .allow_headers([header::AUTHORIZATION, DPOP, header::CONTENT_TYPE])
        .expose_headers([header::WWW_AUTHENTICATE, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600));
    Router::new()
        .route("/v1/me", get(me))
        .with_state(verifier)
        .layer(cors)
}
