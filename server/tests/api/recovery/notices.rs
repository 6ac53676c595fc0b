//! Security notices: a new device, a changed password, a stolen session, a blocked attempt;
//! each says what happened, from which browser and address, and what to do.

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::json;

use super::{confirmed, open_link, spawn_with_mail};
use crate::{
    device_key::{DeviceKey, nonce_of},
    helpers::{Backend, PASSWORD, Session, error_code, on_both_backends, set_cookie_value},
};

on_both_backends!(
    a_sign_in_from_a_new_browser_is_mailed,
    a_changed_password_and_a_stolen_session_are_mailed,
    a_confirmation_link_binds_the_session_and_a_blocked_attempt_is_mailed_once,
);

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn a_sign_in_from_a_new_browser_is_mailed(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "nia@example.com").await;
    // The owner's browser keeps its device cookie; signing in again there is no news.
    let first = app.login("nia@example.com", PASSWORD).await;
    let device = set_cookie_value(&first, "latch_device").expect("a device cookie");
    let owners = format!("latch_device={device}");
    let again = app.login_with_cookie("nia@example.com", PASSWORD, &owners).await;
    assert_eq!(again.status(), StatusCode::OK);
    // A thief in the same browser and OS, without the cookie: refused, then signing in.
    let thief = || {
        app.client
            .post(app.url("/api/auth/login"))
            .header(header::USER_AGENT, FIREFOX)
            .json(&json!({ "email": "nia@example.com", "password": PASSWORD }))
    };
    let response = thief().send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let mail = sink
        .nth_with_subject("nia@example.com", "New sign-in to your Latch account", 2)
        .await;
    let text = mail.text();
    assert!(text.contains("Browser: Firefox 128 on Linux"), "{text}");
    assert!(text.contains("Address: 127.0.0.1"), "{text}");
    assert!(text.contains("/account/sessions"), "what to do: {text}");
    assert_eq!(thief().send().await.unwrap().status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let new_device = sink
        .to("nia@example.com")
        .into_iter()
        .filter(|mail| mail.subject().starts_with("New sign-in"))
        .count();
    assert_eq!(
        new_device, 3,
        "the first cookie-less sign-in and each of the thief's, never the owner's browser"
    );
}

async fn a_changed_password_and_a_stolen_session_are_mailed(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &["--refresh-grace", "0"]).await;
    let session = confirmed(&app, &sink, "oz@example.com").await;
    let change = app
        .client
        .post(app.url("/api/account/password"))
        .bearer_auth(&session.access_token)
        .json(&json!({ "current_password": PASSWORD, "new_password": "quite another long passphrase" }))
        .send()
        .await
        .unwrap();
    assert_eq!(change.status(), StatusCode::NO_CONTENT);
    let mail = sink
        .with_subject("oz@example.com", "Your password was changed")
        .await;
    assert!(mail.text().contains("/forgot-password"), "{}", mail.text());

    let rotated = app.refresh(&session.refresh_token).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let replayed = app.refresh(&session.refresh_token).await;
    assert_eq!(error_code(replayed).await, "refresh_token_reuse");
    let mail = sink
        .with_subject("oz@example.com", "We signed out a session that looked stolen")
        .await;
    assert!(mail.text().contains("/account/security"), "{}", mail.text());
}

async fn a_confirmation_link_binds_the_session_and_a_blocked_attempt_is_mailed_once(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &["--device-binding", "require"]).await;
    let signup = app.signup("pia@example.com", PASSWORD).await;
    assert_eq!(
        signup.status(),
        StatusCode::ACCEPTED,
        "sign-up starts no session: no proof needed"
    );
    let token = sink.nth_to("pia@example.com", 1).await.token("/verify-email");

    let unproven = open_link(&app, "/api/auth/verify-email", &token).await;
    assert_eq!(unproven.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error_code(unproven).await,
        "dpop_required",
        "checked before the link is used"
    );
    let key = DeviceKey::new();
    let path = "/api/auth/verify-email";
    let proof = key.proof("POST", &app.htu(path), &app.nonce().await, None);
    let opened = app
        .client
        .post(app.url(path))
        .header("DPoP", proof)
        .json(&json!({ "token": token }))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    assert!(nonce_of(&opened).is_some());
    let session = Session::from(opened).await;
    assert_eq!(session.body["token_type"], "DPoP");

    for _ in 0..3 {
        let stolen = app.refresh(&session.refresh_token).await;
        assert_eq!(error_code(stolen).await, "invalid_dpop_proof");
    }
    let subject = "A stolen sign-in cookie was refused";
    sink.with_subject("pia@example.com", subject).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let alerts = sink
        .to("pia@example.com")
        .into_iter()
        .filter(|mail| mail.subject() == subject);
    assert_eq!(alerts.count(), 1, "one mail says it all");
}
