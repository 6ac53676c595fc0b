//! The refresh cookie: `HttpOnly; Secure; SameSite=Strict; Path=/api/auth`, so scripts cannot
//! read it, ordinary requests do not carry it and cross-site requests never do.

use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use time::Duration;

use crate::{
    auth::{refresh::PresentedToken, refresh_token::RefreshToken},
    clock,
};

pub const NAME: &str = "latch_refresh";
/// Only refresh and logout need the cookie.
pub const PATH: &str = "/api/auth";

/// A cookie carrying `token`, living exactly as long as the session can.
pub fn set(jar: CookieJar, token: &RefreshToken, expires_at_ms: i64) -> CookieJar {
    let remaining = ((expires_at_ms - clock::now_millis()) / 1000).max(0);
    let mut cookie = base(token.encode());
    cookie.set_max_age(Duration::seconds(remaining));
    jar.add(cookie)
}

/// Tells the browser to drop the cookie.
pub fn clear(jar: CookieJar) -> CookieJar {
    let mut cookie = base(String::new());
    cookie.set_max_age(Duration::ZERO);
    jar.add(cookie)
}

/// The refresh token the request carries. Read from the raw headers, so a cookie too mangled
/// for a cookie parser still counts as present (and gets cleared), and a second cookie of the
/// same name is noticed rather than ignored.
pub fn read(headers: &HeaderMap) -> PresentedToken {
    let mut values = headers
        .get_all(header::COOKIE)
        .iter()
        .flat_map(|value| value.as_bytes().split(|&b| b == b';'))
        .filter_map(|pair| {
            pair.trim_ascii()
                .strip_prefix(NAME.as_bytes())?
                .strip_prefix(b"=")
        });
    let Some(value) = values.next() else {
        return PresentedToken::Missing;
    };
    if values.next().is_some() {
        return PresentedToken::Duplicated;
    }
    match std::str::from_utf8(value).ok().and_then(RefreshToken::parse) {
        Some(token) => PresentedToken::Token(token),
        None => PresentedToken::Malformed,
    }
}

fn base(value: String) -> Cookie<'static> {
    Cookie::build((NAME, value))
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path(PATH)
        .build()
}
