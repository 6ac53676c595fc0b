//! Bad input, cross-site requests and response hardening: clear 4xx answers, never a 5xx.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sqlx::Row;

use crate::helpers::{Backend, ORIGIN, PASSWORD, error_code, on_both_backends, spawn_app};

on_both_backends!(
    malformed_bodies_get_stable_4xx_errors,
    cross_site_requests_cannot_use_the_refresh_cookie,
    pages_carry_a_nonce_based_content_security_policy,
    the_database_holds_no_refresh_token_in_clear,
    unicode_oddities_are_refused_or_handled_not_crashed,
);

async fn malformed_bodies_get_stable_4xx_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let send =
        |body: String, content_type: &'static str| app.post_body("/api/auth/signup", content_type, body);

    let broken = send("{\"email\": ".into(), "application/json").await;
    assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(broken).await, "malformed_request");

    let not_an_object = send("[1, 2]".into(), "application/json").await;
    assert_eq!(not_an_object.status(), StatusCode::BAD_REQUEST);

    let wrong_type = send(
        json!({"email": 5, "password": PASSWORD}).to_string(),
        "application/json",
    )
    .await;
    assert_eq!(wrong_type.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = wrong_type.json().await.unwrap();
    assert!(body["fields"]["email"].is_string(), "{body}");

    let form = send("email=a&password=b".into(), "application/x-www-form-urlencoded").await;
    assert_eq!(form.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(error_code(form).await, "unsupported_media_type");

    let huge = json!({"email": "a@example.com", "password": "x".repeat(20 * 1024)}).to_string();
    let too_large = send(huge.clone(), "application/json").await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Refused before the body is read, but hardened like every other response.
    let headers = too_large.headers();
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
    assert_eq!(error_code(too_large).await, "payload_too_large");
    let on_refresh = app
        .client
        .post(app.url("/api/auth/refresh"))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(on_refresh.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let wrong_method = app.get("/api/auth/login").await;
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(error_code(wrong_method).await, "method_not_allowed");
}

async fn cross_site_requests_cannot_use_the_refresh_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    let cookie = format!("latch_refresh={}", session.refresh_token);

    let attempts: [(&str, &str, &str); 4] = [
        ("origin", "https://evil.example", "/api/auth/refresh"),
        ("sec-fetch-site", "cross-site", "/api/auth/refresh"),
        ("sec-fetch-site", "same-site", "/api/auth/logout"),
        ("origin", "null", "/api/auth/logout"),
    ];
    for (name, value, path) in attempts {
        let response = app
            .client
            .post(app.url(path))
            .header(header::COOKIE, &cookie)
            .header(name, value)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{name}: {value} on {path}"
        );
        assert_eq!(error_code(response).await, "cross_origin_request");
    }
    let login = app
        .client
        .post(app.url("/api/auth/login"))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::FORBIDDEN, "no login CSRF either");

    // The session survived all of that, and the app's own origin still works.
    let own = app
        .client
        .post(app.url("/api/auth/refresh"))
        .header(header::COOKIE, &cookie)
        .header("sec-fetch-site", "same-origin")
        .header(header::ORIGIN, ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), StatusCode::OK);
}

async fn pages_carry_a_nonce_based_content_security_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/").await;
    let headers = response.headers().clone();
    let csp = headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(headers.contains_key(header::REFERRER_POLICY));
    assert!(
        !headers.contains_key(header::STRICT_TRANSPORT_SECURITY),
        "no HSTS over plain http"
    );

    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce");
    assert!(nonce.len() >= 16);
    let html = response.text().await.unwrap();
    let inline_scripts = html.matches("<script").count();
    let with_nonce = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(
        inline_scripts > 0 && with_nonce >= inline_scripts,
        "every script carries the nonce"
    );

    let again = app.get("/").await;
    let csp_again = again.headers()[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(!csp_again.contains(nonce), "a fresh nonce per response");
}

async fn the_database_holds_no_refresh_token_in_clear(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.signed_up("ada@example.com").await;
    let second = crate::helpers::Session::from(app.refresh(&first.refresh_token).await).await;

    let raw: Vec<Vec<u8>> = match &app.db {
        server::db::Db::Sqlite(pool) => sqlx::query("SELECT token_hash FROM refresh_tokens")
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect(),
        server::db::Db::Postgres(pool) => sqlx::query("SELECT token_hash FROM refresh_tokens")
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get(0))
            .collect(),
    };
    assert_eq!(raw.len(), 2, "both generations are remembered");
    for token in [&first.refresh_token, &second.refresh_token] {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token)
            .unwrap();
        let sha = <sha2::Sha256 as sha2::Digest>::digest(&bytes).to_vec();
        for stored in &raw {
            assert_ne!(stored, &bytes, "token stored raw");
            assert_ne!(stored, token.as_bytes(), "token stored encoded");
            assert_ne!(stored, &sha, "token stored as a plain (unkeyed) hash");
        }
    }
}

async fn unicode_oddities_are_refused_or_handled_not_crashed(backend: Backend) {
    let app = spawn_app(backend).await;
    let oddities = [
        "ada\u{0000}@example.com",
        "ada@exam\u{202E}ple.com",
        "\u{FEFF}ada@example.com",
        "𝖆𝖉𝖆@example.com",
        "ada@例え.テスト",
    ];
    for email in oddities {
        let response = app.signup(email, PASSWORD).await;
        assert!(
            response.status() == StatusCode::CREATED || response.status() == StatusCode::UNPROCESSABLE_ENTITY,
            "{email:?} → {}",
            response.status()
        );
    }
    let response = app
        .signup("ada@example.com", "\u{0000}\u{0000}correct horse battery staple")
        .await;
    assert!(response.status().is_success() || response.status().is_client_error());
    let response = app.login("ada@example.com\u{0000}", "x").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
