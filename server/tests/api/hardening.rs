//! Promises that must also hold under hostile input and faults: strict JSON, one refresh
//! cookie, expired sessions not "yours", a busy database answered with 503, and every
//! rejection in the JSON error body.

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::Value;
use server::db::Db;
use sqlx::Executor;

use crate::helpers::{
    Backend, ORIGIN, PASSWORD, error_code, on_both_backends, refresh_set_cookie, spawn_app, spawn_app_with,
};

on_both_backends!(
    a_body_with_anything_after_the_json_is_malformed,
    a_duplicate_key_is_malformed_and_named,
    two_refresh_cookies_are_refused_and_rotate_nothing,
    an_expired_session_of_ones_own_is_not_found,
    every_rejection_speaks_the_json_error_body,
    a_signing_key_written_without_the_secret_stops_the_server_from_starting,
);

/// Someone with write access to the database, but not the server secret, adds a signing key
/// of their own so that tokens they sign would be accepted.
async fn a_signing_key_written_without_the_secret_stops_the_server_from_starting(backend: Backend) {
    let app = spawn_app(backend).await;
    let insert = "INSERT INTO signing_keys (kid, generation, public_key, sealed_private_key, created_at) \
                  VALUES ('attackers-key', 99, $1, $2, 0)";
    server::with_pool!(&app.db, |pool| sqlx::query(insert)
        .bind(vec![7u8; 32])
        .bind(vec![0u8; 72])
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
    let refused = app
        .start_again()
        .await
        .err()
        .expect("the server refuses to start");
    let why = format!("{refused:#}");
    assert!(why.contains("attackers-key") && why.contains("secret"), "{why}");
}

async fn a_body_with_anything_after_the_json_is_malformed(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = format!(r#"{{"email": "ada@example.com", "password": "{PASSWORD}"}} not json"#);
    let response = app.post_body("/api/auth/signup", "application/json", body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "malformed_request");
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "no account was created"
    );
}

async fn a_duplicate_key_is_malformed_and_named(backend: Backend) {
    let app = spawn_app(backend).await;
    let body =
        format!(r#"{{"email": "ada@example.com", "email": "eve@example.com", "password": "{PASSWORD}"}}"#);
    let response = app.post_body("/api/auth/signup", "application/json", body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "malformed_request");
    assert!(body["message"].as_str().unwrap().contains("email"), "{body}");
}

async fn two_refresh_cookies_are_refused_and_rotate_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    let planted = "A".repeat(43);
    for cookies in [
        format!("latch_refresh={}; latch_refresh={planted}", session.refresh_token),
        format!("latch_refresh={planted}; latch_refresh={}", session.refresh_token),
    ] {
        let response = app
            .client
            .post(app.url("/api/auth/refresh"))
            .header(header::COOKIE, cookies)
            .header(header::ORIGIN, ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        let cleared = refresh_set_cookie(&response).expect("ours is cleared");
        assert!(cleared.contains("Max-Age=0"), "{cleared}");
        assert_eq!(error_code(response).await, "duplicated_refresh_cookie");
    }
    assert_eq!(
        app.refresh(&session.refresh_token).await.status(),
        StatusCode::OK,
        "the session was neither rotated nor ended"
    );
}

async fn an_expired_session_of_ones_own_is_not_found(backend: Backend) {
    // Generous against a busy machine: the laptop's refresh must land within its idle limit
    // however long the two Argon2id hashes before it took.
    let app = spawn_app_with(backend, &["--session-idle-timeout", "4"]).await;
    let laptop = app.signed_up("ada@example.com").await;
    let phone = app.login("ada@example.com", PASSWORD).await;
    assert_eq!(phone.status(), StatusCode::OK);
    let listed = app.get_list("/api/sessions", &laptop.access_token).await;
    let phone_id = listed.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The laptop stays active; the phone goes idle past its limit.
    tokio::time::sleep(Duration::from_millis(2200)).await;
    let laptop = crate::helpers::Session::from(app.refresh(&laptop.refresh_token).await).await;
    tokio::time::sleep(Duration::from_millis(2200)).await;

    let response = app
        .delete_with_token(&format!("/api/sessions/{phone_id}"), &laptop.access_token)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(error_code(response).await, "not_found");
}

async fn every_rejection_speaks_the_json_error_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    for path in ["/healthz", "/readyz", "/.well-known/jwks.json", "/api/me"] {
        let response = app.client.put(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{path}");
        assert_eq!(error_code(response).await, "method_not_allowed", "{path}");
    }
    let response = app
        .delete_with_token("/api/sessions/%FF", &session.access_token)
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(response).await, "malformed_request");
}

/// Holds SQLite's write lock, as a long write of another request would.
async fn hold_the_write_lock(db: &Db) -> sqlx::pool::PoolConnection<sqlx::Sqlite> {
    let Db::Sqlite(pool) = db else {
        unreachable!("SQLite only")
    };
    let mut connection = pool.acquire().await.unwrap();
    connection.execute("BEGIN IMMEDIATE").await.unwrap();
    connection
}

#[tokio::test]
async fn a_busy_database_answers_503_with_retry_after() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut writer = hold_the_write_lock(&app.db).await;
    let response = app.signup("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(error_code(response).await, "unavailable");
    writer.execute("ROLLBACK").await.unwrap();
}
