//! One request of the corpus, built from a well-formed request for its route with one thing
//! changed, and what the corpus knows of the account it runs against.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::{
    Method,
    header::{HeaderName, HeaderValue},
};
use serde_json::Value;

use super::{Needs, Route};
use crate::helpers::{ORIGIN, Session};

/// A signed-in account, so requests can get past authentication to the parsers behind it.
pub struct Known {
    pub access_token: String,
    /// The token's decoded header and claims, for forging look-alikes.
    pub header: Value,
    pub claims: Value,
}

impl Known {
    pub fn of(session: &Session) -> Self {
        let part = |index: usize| -> Value {
            let text = session.access_token.split('.').nth(index).unwrap();
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
        };
        Known {
            access_token: session.access_token.clone(),
            header: part(0),
            claims: part(1),
        }
    }

    pub fn kid(&self) -> &str {
        self.header["kid"].as_str().unwrap()
    }
}

/// A refresh token of the right shape that the server never issued.
pub fn unknown_refresh_token() -> String {
    "A".repeat(43)
}

pub const CREDENTIALS: &str = r#"{"email": "corpus@example.com", "password": "short"}"#;
pub const PASSWORD_CHANGE: &str = r#"{"current_password": "not the password", "new_password": "short"}"#;

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Probe {
    pub method: Method,
    pub path: String,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<Vec<u8>>,
}

impl Probe {
    pub fn new(method: &str, path: impl Into<String>) -> Self {
        Probe {
            method: Method::from_bytes(method.as_bytes()).expect("a method token"),
            path: path.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    /// The request the route accepts as far as its handler (it may still refuse the content).
    pub fn well_formed(route: &Route, known: &Known) -> Self {
        let probe = Probe::new(route.method, route.path);
        match route.needs {
            Needs::Nothing => probe,
            Needs::Credentials => probe.json(CREDENTIALS),
            Needs::PasswordChange => probe.bearer(&known.access_token).json(PASSWORD_CHANGE),
            Needs::AccessToken => probe.bearer(&known.access_token),
            Needs::RefreshCookie => probe
                .header("cookie", format!("latch_refresh={}", unknown_refresh_token()))
                .header("origin", ORIGIN),
        }
    }

    pub fn method(mut self, method: &str) -> Self {
        self.method = Method::from_bytes(method.as_bytes()).expect("a method token");
        self
    }

    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Adds a header; the bytes may be anything a header value can hold.
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        let value = HeaderValue::from_bytes(value.as_ref()).expect("bytes a header may hold");
        self.headers
            .push((HeaderName::from_bytes(name.as_bytes()).unwrap(), value));
        self
    }

    /// Adds one `name` header per value.
    pub fn headers(self, name: &str, values: &[Vec<u8>]) -> Self {
        values.iter().fold(self, |probe, value| probe.header(name, value))
    }

    /// Drops every header called `name`.
    pub fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(header, _)| header.as_str() != name);
        self
    }

    /// Replaces every header called `name` with this one.
    pub fn replace(self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.without(name).header(name, value)
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn json(self, body: impl Into<Vec<u8>>) -> Self {
        self.header("content-type", "application/json").body(body)
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }
}

/// Enough to find the request again: method, path, headers and body, each cut short.
impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let short = |bytes: &[u8]| -> String {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(60)]).into_owned();
            if bytes.len() > 60 {
                format!("{text:?}…({} bytes)", bytes.len())
            } else {
                format!("{text:?}")
            }
        };
        write!(f, "{} {}", self.method, short(self.path.as_bytes()))?;
        for (name, value) in &self.headers {
            write!(f, " [{name}: {}]", short(value.as_bytes()))?;
        }
        if let Some(body) = &self.body {
            write!(f, " body {}", short(body))?;
        }
        Ok(())
    }
}
