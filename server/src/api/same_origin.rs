//! `SameOrigin`: guards the cookie-bearing endpoints against cross-site requests.

use std::sync::Arc;

use axum::{
    extract::{FromRef, FromRequestParts},
    http::{header, request::Parts},
};

use crate::{config::Config, error::Error};

/// The browser's `Sec-Fetch-Site` when it sends one, else `Origin`, must say the request came
/// from our own origin. (Clients that send neither are not browsers, so they cannot be a CSRF
/// vector.)
pub struct SameOrigin;

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin
where
    Arc<Config>: FromRef<S>,
{
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        let config = Arc::<Config>::from_ref(state);
        if let Some(site) = parts.headers.get("sec-fetch-site") {
            return match site.as_bytes() {
                b"same-origin" | b"none" => Ok(SameOrigin),
                _ => Err(Error::CrossOrigin),
            };
        }
        match parts.headers.get(header::ORIGIN) {
            None => Ok(SameOrigin),
            Some(origin) if origin.as_bytes() == config.origin().as_bytes() => Ok(SameOrigin),
            Some(_) => Err(Error::CrossOrigin),
        }
    }
}
