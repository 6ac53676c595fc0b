//! Pages and JSON are compressed per request; the responses that carry access tokens never
//! are (BREACH: a compressed length can leak a secret next to attacker-chosen text).

use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, ORIGIN, PASSWORD, cookie_value, on_both_backends, refresh_set_cookie, spawn_app},
    site::{brotli_decoded, encoding, gzip_decoded, varies_on_accept_encoding},
};

/// What Chromium sends.
const BROWSER: &str = "gzip, deflate, br, zstd";

/// Below the compression threshold (512 bytes) a body goes out plain anyway, which would prove
/// nothing: a long address makes sure the token responses are above it.
fn long_email() -> String {
    format!(
        "{}@{}.example.com",
        "a".repeat(64),
        vec!["b".repeat(55); 3].join(".")
    )
}

on_both_backends!(token_responses_are_never_compressed);

async fn token_responses_are_never_compressed(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = long_email();
    let credentials = json!({ "email": email, "password": PASSWORD });
    let post = |path: &str| {
        app.client
            .post(app.url(path))
            .header(header::ACCEPT_ENCODING, BROWSER)
            .header(header::ORIGIN, ORIGIN)
            .json(&credentials)
    };
    let signup = post("/api/auth/signup").send().await.unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);
    let refresh_token = cookie_value(&refresh_set_cookie(&signup).unwrap()).to_string();
    assert_plain_token_body(signup).await;

    let login = post("/api/auth/login").send().await.unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    assert_plain_token_body(login).await;

    let refresh = app
        .client
        .post(app.url("/api/auth/refresh"))
        .header(header::ACCEPT_ENCODING, BROWSER)
        .header(header::ORIGIN, ORIGIN)
        .header(header::COOKIE, format!("latch_refresh={refresh_token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refresh.status(), StatusCode::OK);
    assert_plain_token_body(refresh).await;
}

async fn assert_plain_token_body(response: Response) {
    assert_eq!(encoding(&response), None);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let body = response.bytes().await.unwrap();
    assert!(
        body.len() >= 512,
        "{} bytes: too small to prove anything",
        body.len()
    );
    let body: Value = serde_json::from_slice(&body).expect("plain JSON");
    assert!(body["access_token"].is_string());
}

#[tokio::test]
async fn pages_are_compressed_and_never_stored() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get_encoded("/login", Some(BROWSER)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(encoding(&response), Some("br"), "brotli wins a tie");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert!(varies_on_accept_encoding(&response));
    let html = String::from_utf8(brotli_decoded(&response.bytes().await.unwrap())).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("</html>"));
}

#[tokio::test]
async fn api_json_is_compressed_and_never_stored() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get_encoded("/api/openapi.json", Some("gzip")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(encoding(&response), Some("gzip"));
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    assert!(varies_on_accept_encoding(&response));
    let document: Value = serde_json::from_slice(&gzip_decoded(&response.bytes().await.unwrap())).unwrap();
    assert!(document["paths"]["/api/auth/login"].is_object());
}

#[tokio::test]
async fn nothing_is_compressed_for_a_client_that_does_not_ask() {
    let app = spawn_app(Backend::Sqlite).await;
    for path in ["/login", "/api/openapi.json"] {
        let response = app.get_encoded(path, None).await;
        assert_eq!(encoding(&response), None, "{path}");
        assert!(response.text().await.unwrap().len() > 512, "{path}");
    }
}

#[tokio::test]
async fn small_bodies_are_not_compressed() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get_encoded("/healthz", Some(BROWSER)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(encoding(&response), None);
}
