use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Backend, on_both_backends, spawn_app};

on_both_backends!(
    healthz_answers_ok,
    readyz_answers_ready_when_the_database_answers,
    readyz_answers_503_while_the_database_is_down,
);

async fn healthz_answers_ok(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

async fn readyz_answers_ready_when_the_database_answers(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

async fn readyz_answers_503_while_the_database_is_down(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);

    app.take_database_down().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.headers().contains_key("retry-after"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "unavailable");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));

    if let Backend::Postgres = backend {
        app.bring_postgres_back().await;
        assert_eq!(
            app.get("/readyz").await.status(),
            StatusCode::OK,
            "recovers when the database does"
        );
    }
}

/// The OpenAPI document is generated from the handlers: every route is in it.
#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let app = spawn_app(Backend::Sqlite).await;
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let document: Value = response.json().await.unwrap();
    assert!(document["openapi"].as_str().unwrap().starts_with("3.1"));
    let routes = [
        ("post", "/api/auth/signup"),
        ("post", "/api/auth/login"),
        ("post", "/api/auth/refresh"),
        ("post", "/api/auth/dbsc/register"),
        ("post", "/api/auth/dbsc/refresh"),
        ("post", "/api/auth/logout"),
        ("post", "/api/auth/reauthenticate"),
        ("post", "/api/auth/passkey/options"),
        ("post", "/api/auth/passkey/login"),
        ("post", "/api/account/passkeys/options"),
        ("post", "/api/account/passkeys"),
        ("get", "/api/account/passkeys"),
        ("patch", "/api/account/passkeys/{id}"),
        ("delete", "/api/account/passkeys/{id}"),
        ("delete", "/api/account/password"),
        ("post", "/api/auth/verify-email"),
        ("post", "/api/auth/password-reset"),
        ("post", "/api/auth/password-reset/confirm"),
        ("post", "/api/auth/password-reset/passkey/options"),
        ("post", "/api/auth/password-reset/passkey"),
        ("post", "/api/account/email"),
        ("post", "/api/account/email/confirm"),
        ("post", "/api/account/email/undo"),
        ("get", "/api/me"),
        ("get", "/api/session"),
        ("get", "/api/sessions"),
        ("post", "/api/sessions/revoke-others"),
        ("delete", "/api/sessions/{id}"),
        ("post", "/api/account/password"),
        ("get", "/api/security-events"),
        ("get", "/api/account/export"),
        ("delete", "/api/account"),
        ("get", "/api/openapi.json"),
        ("get", "/.well-known/jwks.json"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        // The product's own (the worked example), merged in by `server::product`.
        ("get", "/api/notes"),
        ("post", "/api/notes"),
        ("delete", "/api/notes"),
        ("delete", "/api/notes/{id}"),
    ];
    for (method, path) in routes {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    let documented: usize = document["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|operations| operations.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len(), "and nothing else");
}
