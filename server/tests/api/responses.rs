//! Reading what the server answered: the session a sign-in hands out, its refresh cookie, and
//! the stable code of an error body.

use reqwest::{Response, header};
use serde_json::Value;

/// What a successful sign-up, sign-in or refresh hands the client.
#[derive(Debug, Clone)]
pub struct Session {
    pub body: Value,
    pub access_token: String,
    pub refresh_token: String,
    #[allow(dead_code)]
    pub set_cookie: String,
}

impl Session {
    pub async fn from(response: Response) -> Self {
        let set_cookie = refresh_set_cookie(&response).expect("a refresh cookie is set");
        let refresh_token = cookie_value(&set_cookie).to_string();
        let body: Value = response.json().await.expect("a JSON session body");
        let access_token = body["access_token"]
            .as_str()
            .expect("an access token")
            .to_string();
        Session {
            body,
            access_token,
            refresh_token,
            set_cookie,
        }
    }
}

/// The `Set-Cookie` header for the refresh cookie, if the response has one.
pub fn refresh_set_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("latch_refresh="))
        .map(str::to_string)
}

/// The value the response sets for cookie `name`, if it sets one.
pub fn set_cookie_value(response: &Response, name: &str) -> Option<String> {
    let prefix = format!("{name}=");
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| {
            value
                .split(';')
                .next()?
                .strip_prefix(prefix.as_str())
                .map(str::to_string)
        })
}

pub fn cookie_value(set_cookie: &str) -> &str {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("latch_refresh=")
}

/// Reads a JSON error body and checks its shape: `{"error": code, "message": text}`.
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.expect("a JSON error body");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error has a message: {body}"
    );
    body["error"].as_str().expect("error has a code").to_string()
}
