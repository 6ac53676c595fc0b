//! The cookies, both `HttpOnly; Secure; SameSite=Strict; Path=/api/auth`, so scripts cannot
//! read them, ordinary requests do not carry them and cross-site requests never do:
//! - `latch_refresh`, the refresh token, living as long as its session;
//! - `latch_device`, the device cookie that exempts a browser from the account's sign-in lock
//!   (`auth::credentials::device_cookies`), living 400 days (the most browsers keep a cookie).

use axum::http::{HeaderMap, header};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use time::Duration;

use crate::{
    auth::{sessions::refresh::PresentedToken, sessions::refresh_token::RefreshToken},
    clock,
};

pub const NAME: &str = "latch_refresh";
pub const DEVICE_NAME: &str = "latch_device";
const DEVICE_DAYS: i64 = 400;
/// Only refresh and logout need the cookie.
pub const PATH: &str = "/api/auth";
/// The refresh cookie's attributes but its lifetime, as a DBSC session configuration names
/// them (the browser compares them with the cookie's own): `base` sets these.
pub const ATTRIBUTES: &str = "Path=/api/auth; Secure; HttpOnly; SameSite=Strict";

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

/// Adds the device cookie a sign-in or sign-up handed out.
pub fn set_device(jar: CookieJar, value: String) -> CookieJar {
    let mut cookie = Cookie::build((DEVICE_NAME, value))
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path(PATH)
        .build();
    cookie.set_max_age(Duration::days(DEVICE_DAYS));
    jar.add(cookie)
}

/// The device cookie the browser sent, if any (a forged or foreign one is ignored later).
pub fn device(jar: &CookieJar) -> Option<&str> {
    jar.get(DEVICE_NAME).map(Cookie::value)
}

fn base(value: String) -> Cookie<'static> {
    Cookie::build((NAME, value))
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .path(PATH)
        .build()
}

#[cfg(test)]
mod properties {
    use axum::http::HeaderValue;
    use proptest::{collection::vec, prelude::*};

    use super::*;

    /// A byte a header value may hold: visible ASCII, space, tab, and the 0x80..=0xFF range.
    fn header_byte() -> impl Strategy<Value = u8> {
        prop_oneof![0x20u8..=0x7E, 0x80u8..=0xFF, Just(b'\t')]
    }

    /// Some other site's cookie: any name but ours, any value a browser would send.
    fn foreign_cookie() -> impl Strategy<Value = String> {
        ("[a-zA-Z_]{1,14}", "[!-:<-~]{0,50}")
            .prop_filter("not ours", |(name, _)| name != NAME)
            .prop_map(|(name, value)| format!("{name}={value}"))
    }

    /// `cookies` in random order, spread over two `Cookie` headers split at `split`.
    fn headers(mut cookies: Vec<String>, split: usize) -> HeaderMap {
        let rest = cookies.split_off(split.min(cookies.len()));
        let mut headers = HeaderMap::new();
        for part in [cookies, rest] {
            headers.append(header::COOKIE, HeaderValue::from_str(&part.join("; ")).unwrap());
        }
        headers
    }

    proptest! {
        #[test]
        fn any_cookie_header_is_read_without_panicking(values in vec(vec(header_byte(), 0..120), 0..3)) {
            let mut headers = HeaderMap::new();
            for value in values {
                headers.append(header::COOKIE, HeaderValue::from_bytes(&value).unwrap());
            }
            let _ = read(&headers);
            let _ = device(&CookieJar::from_headers(&headers));
        }

        #[test]
        fn two_refresh_cookies_are_duplicated_wherever_they_sit(
            cookies in (vec(foreign_cookie(), 0..6), "[!-:<-~]{0,50}", "[!-:<-~]{0,50}")
                .prop_flat_map(|(mut others, first, second)| {
                    others.push(format!("{NAME}={first}"));
                    others.push(format!("{NAME}={second}"));
                    Just(others).prop_shuffle()
                }),
            split in 0usize..8,
        ) {
            prop_assert!(matches!(read(&headers(cookies, split)), PresentedToken::Duplicated));
        }

        #[test]
        fn our_cookie_is_found_among_strangers(
            others in vec(foreign_cookie(), 0..6),
            at in any::<prop::sample::Index>(),
            split in 0usize..8,
        ) {
            let token = RefreshToken::generate();
            let mut cookies = others.clone();
            cookies.insert(at.index(others.len() + 1), format!("{NAME}={}", token.encode()));
            match read(&headers(cookies, split)) {
                PresentedToken::Token(found) => prop_assert_eq!(found, token),
                other => prop_assert!(false, "{other:?}"),
            }
            prop_assert!(matches!(read(&headers(others, split)), PresentedToken::Missing));
        }
    }
}
