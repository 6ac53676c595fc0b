//! Extractors: what a handler needs, read off its signature.

use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use axum::{
    body::Bytes,
    extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request},
    http::{HeaderMap, header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::{
    auth::{
        revocations::Revocations,
        sessions::ClientInfo,
        tokens::{TokenError, TokenIssuer},
    },
    config::Config,
    error::Error,
};

const MAX_USER_AGENT: usize = 512;

/// A JSON body, with every failure mapped to the API's error body: wrong content type 415,
/// too large 413, broken JSON 400, a field of the wrong type 422.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !is_json(req.headers()) {
            return Err(Error::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                Error::PayloadTooLarge
            } else {
                Error::Malformed("The request body could not be read.".into())
            }
        })?;
        if bytes.trim_ascii_start().first() != Some(&b'{') {
            return Err(Error::Malformed("The request body must be a JSON object.".into()));
        }
        let deserializer = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(deserializer) {
            Ok(value) => Ok(ApiJson(value)),
            Err(err) => {
                let path = err.path().to_string();
                let inner = err.into_inner();
                if inner.is_data() {
                    Err(Error::field(path, "has the wrong type"))
                } else {
                    Err(Error::Malformed("The request body is not valid JSON.".into()))
                }
            }
        }
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| {
            let mime = mime.trim().to_ascii_lowercase();
            mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
        })
}

/// A request made with a valid access token.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    pub session_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for AuthUser
where
    TokenIssuer: FromRef<S>,
    Revocations: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(Error::Unauthorized {
                code: "unauthenticated",
                message: "Sign in to continue.",
                token_sent: false,
            });
        };
        let invalid = |message| Error::Unauthorized {
            code: "invalid_token",
            message,
            token_sent: true,
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| invalid("The Authorization header must be `Bearer <access token>`."))?;
        let tokens = TokenIssuer::from_ref(state);
        let mut verified = tokens.verify(token);
        // A key rotated in by another instance: re-read the keys once, then decide.
        if verified == Err(TokenError::UnknownKey) && tokens.keys().reload_for_unknown_kid().await {
            verified = tokens.verify(token);
        }
        let claims = verified.map_err(|err| match err {
            TokenError::Expired => invalid("The access token has expired."),
            TokenError::Invalid | TokenError::UnknownKey => invalid("The access token is not valid."),
        })?;
        // Signed and unexpired is not enough: the session may have ended since.
        if Revocations::from_ref(state).contains(&claims.sid) {
            return Err(invalid("This session has ended. Sign in again."));
        }
        Ok(AuthUser {
            user_id: claims.sub,
            session_id: claims.sid,
        })
    }
}

/// The client's address and user agent, recorded on sessions and security events.
pub struct Client(pub ClientInfo);

impl<S: Send + Sync> FromRequestParts<S> for Client
where
    std::sync::Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let config = std::sync::Arc::<Config>::from_ref(state);
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| {
                client_ip(addr.ip(), &parts.headers, &config.trusted_proxies).to_string()
            })
            .unwrap_or_default();
        let user_agent: String = parts
            .headers
            .get(header::USER_AGENT)
            .map(|value| {
                String::from_utf8_lossy(value.as_bytes())
                    .chars()
                    .take(MAX_USER_AGENT)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Client(ClientInfo { ip, user_agent }))
    }
}

/// The peer, or — when the peer is a trusted proxy — the nearest address in X-Forwarded-For
/// that is not one of our proxies. Entries further left were written by the client and could
/// say anything.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map_while(|entry| entry.trim().parse::<IpAddr>().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .unwrap_or(peer)
}

/// Guards the cookie-bearing endpoints against cross-site requests: the browser's
/// `Sec-Fetch-Site` when it sends one, else `Origin`, must say the request came from our own
/// origin. (Clients that send neither are not browsers, so they cannot be a CSRF vector.)
pub struct SameOrigin;

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin
where
    std::sync::Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let config = std::sync::Arc::<Config>::from_ref(state);
        let forbidden = Error::Forbidden {
            code: "cross_origin_request",
            message: "This request must come from the Latch app itself.",
        };
        if let Some(site) = parts.headers.get("sec-fetch-site") {
            return match site.as_bytes() {
                b"same-origin" | b"none" => Ok(SameOrigin),
                _ => Err(forbidden),
            };
        }
        match parts.headers.get(header::ORIGIN) {
            None => Ok(SameOrigin),
            Some(origin) if origin.as_bytes() == config.origin().as_bytes() => Ok(SameOrigin),
            Some(_) => Err(forbidden),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpNet = "10.0.0.0/8".parse().unwrap();
        let client: IpAddr = "203.0.113.9".parse().unwrap();
        let stranger: IpAddr = "198.51.100.1".parse().unwrap();
        let headers = forwarded("1.2.3.4, 203.0.113.9, 10.0.0.2");

        assert_eq!(
            client_ip(stranger, &headers, &[proxy]),
            stranger,
            "an untrusted peer cannot claim an address"
        );
        assert_eq!(
            client_ip("10.0.0.1".parse().unwrap(), &headers, &[proxy]),
            client,
            "the spoofable left part is ignored"
        );
        assert_eq!(
            client_ip("10.0.0.1".parse().unwrap(), &forwarded("garbage"), &[proxy]),
            "10.0.0.1".parse::<IpAddr>().unwrap()
        );
    }
}
