//! The browser's side of DBSC as the tests play it: reading the offer and challenges, and
//! registering and renewing with a software key.

use reqwest::{Response, StatusCode, header};
use serde_json::Value;

use crate::{
    dbsc_key::DbscKey,
    dpop_key::DeviceKey,
    helpers::{Session, TestApp},
    responses::refresh_set_cookie,
};

pub const BINDING: [&str; 2] = ["--device-binding", "require"];

/// The value of `name="…"` in a structured header.
pub fn param<'a>(header: &'a str, name: &str) -> &'a str {
    header
        .split(&format!("{name}=\""))
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
}

pub fn offer(response: &Response) -> Option<String> {
    response
        .headers()
        .get("secure-session-registration")
        .map(|v| v.to_str().unwrap().to_string())
}

pub fn max_age(response: &Response) -> i64 {
    let cookie = refresh_set_cookie(response).expect("the refresh cookie is set");
    let age = cookie
        .split(';')
        .find_map(|a| a.trim().strip_prefix("Max-Age="))
        .unwrap();
    age.parse().unwrap()
}

pub async fn register(app: &TestApp, cookie: &str, response: Option<&str>) -> Response {
    let mut request = app
        .client
        .post(app.url("/api/auth/dbsc/register"))
        .header(header::COOKIE, format!("latch_refresh={cookie}"));
    if let Some(response) = response {
        request = request.header("Secure-Session-Response", response);
    }
    request.send().await.unwrap()
}

pub async fn renew(
    app: &TestApp,
    session_id: &str,
    response: Option<&str>,
    cookie: Option<&str>,
) -> Response {
    let mut request = app
        .client
        .post(app.url("/api/auth/dbsc/refresh"))
        .header("Sec-Secure-Session-Id", session_id);
    if let Some(response) = response {
        request = request.header("Secure-Session-Response", response);
    }
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("latch_refresh={cookie}"));
    }
    request.send().await.unwrap()
}

/// A challenge from a 403, checked to name the session.
pub fn challenge_of(response: &Response, session_id: &str) -> String {
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let header = response.headers()["secure-session-challenge"].to_str().unwrap();
    assert_eq!(param(header, "id"), session_id, "{header}");
    header.split('"').nth(1).unwrap().to_string()
}

/// Signs up bound to `owner` and registers `dbsc`: the session and its id.
pub async fn bound(app: &TestApp, owner: &DeviceKey, dbsc: &DbscKey) -> (Session, String) {
    let started = app
        .start_bound("/api/auth/signup", "ada@example.com", owner)
        .await;
    let offered = offer(&started).expect("a session answer offers DBSC");
    assert!(
        offered.starts_with("(ES256 RS256);path=\"/api/auth/dbsc/register\";"),
        "{offered}"
    );
    let session = Session::from(started).await;
    let registered = register(
        app,
        &session.refresh_token,
        Some(&dbsc.registration(param(&offered, "challenge"))),
    )
    .await;
    assert_eq!(registered.status(), StatusCode::OK);
    let config: Value = registered.json().await.unwrap();
    (
        session,
        config["session_identifier"].as_str().unwrap().to_string(),
    )
}

pub async fn blocked_attempts(app: &TestApp) -> i64 {
    let sql = "SELECT COUNT(*) FROM security_events WHERE kind = 'refresh_without_device_key'";
    server::with_pool!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap())
}
