//! A forgotten password: a single-use, short-lived link; the new password ends every session.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{confirmed, expire_links, refused_link, spawn_with_mail};
use crate::helpers::{Backend, PASSWORD, Session, TestApp, error_code, on_both_backends};

on_both_backends!(
    a_reset_link_sets_a_new_password_and_ends_every_session,
    a_weak_password_keeps_the_link_and_a_newer_request_replaces_it,
    an_expired_reset_link_is_refused,
    reset_mails_are_limited_per_address,
);

pub(super) const NEW_PASSWORD: &str = "a brand new lengthy passphrase";

pub(super) async fn request_reset(app: &TestApp, email: &str) -> reqwest::Response {
    app.post_json("/api/auth/password-reset", &json!({ "email": email }))
        .await
}

pub(super) async fn confirm_reset(app: &TestApp, token: &str, new_password: &str) -> reqwest::Response {
    let body = json!({ "token": token, "new_password": new_password });
    app.post_json("/api/auth/password-reset/confirm", &body).await
}

async fn a_reset_link_sets_a_new_password_and_ends_every_session(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let first = confirmed(&app, &sink, "eve@example.com").await;
    let second = Session::from(app.login("eve@example.com", PASSWORD).await).await;

    let response = request_reset(&app, "eve@example.com").await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "status": "check_your_email" }));
    let mail = sink.with_subject("eve@example.com", "Reset your password").await;
    let token = mail.token("/reset-password");

    let reset = confirm_reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    app.assert_session_ended(&first).await;
    app.assert_session_ended(&second).await;
    assert_eq!(
        app.login("eve@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let signed_in = app.login("eve@example.com", NEW_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);

    let again = confirm_reset(&app, &token, "yet another long passphrase").await;
    assert_eq!(refused_link(again).await, "invalid_or_expired_link");

    let notice = sink.with_subject("eve@example.com", "Your password was changed").await;
    assert!(
        notice.text().contains("Every device was signed out"),
        "{}",
        notice.text()
    );
    let session = Session::from(signed_in).await;
    let events = app.get_list("/api/security-events", &session.access_token).await;
    assert!(
        events.iter().any(|event| event["kind"] == "password_reset"),
        "{events:?}"
    );
}

async fn a_weak_password_keeps_the_link_and_a_newer_request_replaces_it(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "fay@example.com").await;
    request_reset(&app, "fay@example.com").await;
    let first = sink.nth_to("fay@example.com", 2).await.token("/reset-password");

    let weak = confirm_reset(&app, &first, "password1").await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = weak.json().await.unwrap();
    assert!(body["fields"]["new_password"].is_string(), "{body}");

    request_reset(&app, "fay@example.com").await;
    let second = sink.nth_to("fay@example.com", 3).await.token("/reset-password");
    let stale = confirm_reset(&app, &first, NEW_PASSWORD).await;
    assert_eq!(refused_link(stale).await, "invalid_or_expired_link", "superseded");
    let reset = confirm_reset(&app, &second, NEW_PASSWORD).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
}

async fn an_expired_reset_link_is_refused(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "gus@example.com").await;
    request_reset(&app, "gus@example.com").await;
    let token = sink.nth_to("gus@example.com", 2).await.token("/reset-password");
    expire_links(&app).await;
    let response = confirm_reset(&app, &token, NEW_PASSWORD).await;
    assert_eq!(refused_link(response).await, "invalid_or_expired_link");
    assert_eq!(
        app.login("gus@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn reset_mails_are_limited_per_address(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &["--mails-per-account", "2"]).await;
    confirmed(&app, &sink, "hal@example.com").await;
    for _ in 0..4 {
        let response = request_reset(&app, "hal@example.com").await;
        assert_eq!(
            response.status(),
            StatusCode::ACCEPTED,
            "the answer never changes"
        );
    }
    sink.nth_to("hal@example.com", 2).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        sink.to("hal@example.com").len(),
        2,
        "the confirmation and one reset link: sign-up mails count too"
    );

    let malformed = request_reset(&app, "not an address").await;
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(malformed).await, "invalid_fields");
}
