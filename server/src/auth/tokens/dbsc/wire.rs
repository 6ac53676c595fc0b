//! DBSC on the wire, as Chromium reads it (W3C draft, "Device Bound Session Credentials"):
//! the registration offer, a challenge, and the session configuration that binds the refresh
//! cookie. Challenges are base64url and session ids UUIDs, so neither needs escaping inside a
//! structured-field string.

use serde_json::{Value, json};

/// Where the browser registers its key (under the refresh cookie's path, so it carries it).
pub const REGISTER_PATH: &str = "/api/auth/dbsc/register";
/// Where the browser renews the cookie.
pub const RENEW_PATH: &str = "/api/auth/dbsc/refresh";

pub const REGISTRATION_HEADER: &str = "secure-session-registration";
pub const CHALLENGE_HEADER: &str = "secure-session-challenge";
pub const RESPONSE_HEADER: &str = "secure-session-response";
pub const SESSION_ID_HEADER: &str = "sec-secure-session-id";

/// `Secure-Session-Registration`: the algorithms Latch takes, where to register, the challenge.
pub fn registration_offer(challenge: &str) -> String {
    format!(r#"(ES256 RS256);path="{REGISTER_PATH}";challenge="{challenge}""#)
}

/// `Secure-Session-Challenge`: a challenge for the session `session_id`.
pub fn challenge(challenge: &str, session_id: &str) -> String {
    format!(r#""{challenge}";id="{session_id}""#)
}

/// A structured-field string's content (`"abc"` → `abc`); Chromium sends some values bare.
pub fn unquoted(value: &str) -> &str {
    let value = value.trim();
    value
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(value)
}

/// The session configuration: the session `session_id` on `origin` (whose host is `host`)
/// binds the cookie `cookie`, whose attributes are exactly `cookie_attributes` (Chromium
/// compares them with the cookie's own). Only requests under `cookie_path` need it: the rules
/// are read last to first, so "include the cookie's path" overrides "exclude everything".
pub fn session_config(
    session_id: &str,
    origin: &str,
    host: &str,
    cookie: &str,
    cookie_path: &str,
    cookie_attributes: &str,
) -> Value {
    json!({
        "session_identifier": session_id,
        "refresh_url": RENEW_PATH,
        "scope": {
            "origin": origin,
            // A host that is a whole site (example.com) could take its subdomains in; Latch's
            // cookie is host-only, so the scope is this origin alone.
            "include_site": false,
            "scope_specification": [
                {"type": "exclude", "domain": host, "path": "/"},
                {"type": "include", "domain": host, "path": cookie_path},
            ],
        },
        "credentials": [{"type": "cookie", "name": cookie, "attributes": cookie_attributes}],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_structured_fields_as_chromium_parses_them() {
        assert_eq!(
            registration_offer("c1"),
            r#"(ES256 RS256);path="/api/auth/dbsc/register";challenge="c1""#
        );
        assert_eq!(challenge("c2", "s1"), r#""c2";id="s1""#);
        assert_eq!(unquoted(r#" "s1" "#), "s1");
        assert_eq!(unquoted("s1"), "s1");
    }

    #[test]
    fn the_configuration_binds_the_cookie_on_its_path_only() {
        let config = session_config(
            "s1",
            "https://latch.example",
            "latch.example",
            "latch_refresh",
            "/api/auth",
            "Path=/api/auth; Secure; HttpOnly; SameSite=Strict",
        );
        assert_eq!(config["session_identifier"], "s1");
        assert_eq!(config["refresh_url"], RENEW_PATH);
        assert_eq!(config["scope"]["include_site"], false);
        let rules = config["scope"]["scope_specification"].as_array().unwrap();
        assert_eq!(
            rules.last().unwrap()["path"],
            "/api/auth",
            "the last rule is read first"
        );
        assert_eq!(config["credentials"][0]["name"], "latch_refresh");
    }
}
