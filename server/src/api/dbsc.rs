//! Device Bound Session Credentials on HTTP (`auth::sessions::dbsc` decides): the offer a
//! session answer carries (`auth.rs` adds `REGISTRATION`), the registration, and the renewal.
//!
//! Neither endpoint takes the same-origin check the other cookie endpoints do: the browser
//! makes these requests itself, the refresh cookie (SameSite=Strict) never rides a cross-site
//! one, and a renewal is worth nothing without the device key's signature.

use app::contract::ErrorBody;
use axum::{
    Json,
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use axum_extra::extract::CookieJar;
use serde_json::json;

use super::{client_address::Client, cookies};
use crate::{
    auth::{AuthService, sessions::dbsc::Renewal, tokens::dbsc::wire},
    config::Config,
    error::{Error, Result},
};

pub const REGISTRATION: HeaderName = HeaderName::from_static(wire::REGISTRATION_HEADER);
const CHALLENGE: HeaderName = HeaderName::from_static(wire::CHALLENGE_HEADER);
const RESPONSE: HeaderName = HeaderName::from_static(wire::RESPONSE_HEADER);
const SESSION_ID: HeaderName = HeaderName::from_static(wire::SESSION_ID_HEADER);

fn text<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Registers the browser's DBSC key for the session of its refresh cookie, which must sign
/// the challenge a session answer offered; answers the session configuration that binds the
/// cookie, and the cookie again, now living one stretch.
#[utoipa::path(post, path = "/api/auth/dbsc/register", tag = "auth",
    params(
        ("latch_refresh" = Option<String>, Cookie, description = "The refresh token"),
        ("Secure-Session-Response" = Option<String>, Header, description = "A `dbsc+jwt` signed by the new key, which its header carries (`jwk`), over the offered challenge (`jti`)"),
    ),
    responses(
        (status = 200, description = "Bound: the DBSC session configuration", body = Object),
        (status = 400, description = "No, malformed, wrongly signed or stale response; the session is bound already", body = ErrorBody),
        (status = 401, description = "No refresh cookie, or not the current token of a live session", body = ErrorBody),
        (status = 404, description = "DBSC is off (`LATCH_DBSC=off`)", body = ErrorBody),
    ))]
pub async fn register(
    State(auth): State<AuthService>,
    State(config): State<std::sync::Arc<Config>>,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<impl IntoResponse> {
    let bound = auth
        .register_dbsc(cookies::read(&headers), text(&headers, &RESPONSE))
        .await?;
    let jar = cookies::set(jar, &bound.token, bound.cookie_expires_at);
    let host = config.public_origin.host_str().unwrap_or_default();
    let configuration = wire::session_config(
        &bound.session_id,
        &config.origin(),
        host,
        cookies::NAME,
        cookies::PATH,
        cookies::ATTRIBUTES,
    );
    Ok((jar, [(header::CACHE_CONTROL, "no-store")], Json(configuration)))
}

/// Renews a DBSC-bound session's refresh cookie: 403 with a challenge until the browser signs
/// a fresh one with the session's key, then the cookie for another stretch.
#[utoipa::path(post, path = "/api/auth/dbsc/refresh", tag = "auth",
    params(
        ("Sec-Secure-Session-Id" = String, Header, description = "The session (its `session_identifier`)"),
        ("Secure-Session-Response" = Option<String>, Header, description = "A `dbsc+jwt` by the session's key over the latest challenge (`jti`)"),
        ("latch_refresh" = Option<String>, Cookie, description = "The refresh token, while the browser still holds it"),
    ),
    responses(
        (status = 200, description = "Renewed (the cookie, no body), or `{session_identifier, continue: false}`: no such live bound session"),
        (status = 400, description = "No Sec-Secure-Session-Id", body = ErrorBody),
        (status = 403, description = "Sign the challenge in `Secure-Session-Challenge` and ask again; nothing changed"),
    ))]
pub async fn renew(
    State(auth): State<AuthService>,
    Client(client): Client,
    headers: HeaderMap,
    jar: CookieJar,
) -> Result<Response> {
    let session_id = text(&headers, &SESSION_ID)
        .map(wire::unquoted)
        .filter(|id| !id.is_empty() && id.len() <= 64)
        .ok_or_else(|| Error::Malformed("Send the Sec-Secure-Session-Id header.".into()))?;
    let renewal = auth
        .renew_dbsc(
            session_id,
            text(&headers, &RESPONSE),
            cookies::read(&headers),
            &client,
        )
        .await?;
    let no_store = [(header::CACHE_CONTROL, "no-store")];
    Ok(match renewal {
        Renewal::Challenge {
            session_id,
            challenge,
        } => {
            let mut response = (StatusCode::FORBIDDEN, no_store).into_response();
            if let Ok(value) = HeaderValue::from_str(&wire::challenge(&challenge, &session_id)) {
                response.headers_mut().insert(CHALLENGE, value);
            }
            response
        }
        Renewal::Renewed {
            token,
            cookie_expires_at,
        } => (
            StatusCode::OK,
            cookies::set(jar, &token, cookie_expires_at),
            no_store,
        )
            .into_response(),
        Renewal::Ended { session_id } => {
            let end = json!({ "session_identifier": session_id, "continue": false });
            (StatusCode::OK, no_store, Json(end)).into_response()
        }
    })
}
