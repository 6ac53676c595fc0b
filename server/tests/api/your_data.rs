//! The user's own data: `GET /api/account/export` hands over everything the account holds
//! (never a secret), and `DELETE /api/account` (recent authentication) ends every session at
//! once, deletes the account and all it owns, frees the address and mails a notice.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    helpers::{Backend, PASSWORD, error_code, on_both_backends, spawn_app},
    passkey::SoftAuthenticator,
    passkeys::{EMAIL, add_passkey, json_of, passkey_login, refused, refused_as_unknown},
    recovery::{confirmed, spawn_with_mail},
};

on_both_backends!(
    an_export_holds_the_account_its_sessions_passkeys_and_events_and_no_secret,
    deleting_the_account_needs_recent_authentication,
    deleting_the_account_ends_every_session_and_leaves_nothing_behind,
    the_address_is_told_and_can_sign_up_again,
);

const JUST_PAST: Duration = Duration::from_secs(5 * 60 + 1);

async fn an_export_holds_the_account_its_sessions_passkeys_and_events_and_no_secret(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let other = app.login(EMAIL, PASSWORD).await;
    assert_eq!(other.status(), StatusCode::OK);
    let mut key = SoftAuthenticator::new();
    let passkey = add_passkey(&app, &session, &mut key).await;

    let response = app
        .get_with_token("/api/account/export", &session.access_token)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response
        .headers()
        .get("content-disposition")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment"), "{disposition}");
    let text = response.text().await.unwrap();
    let export: Value = serde_json::from_str(&text).unwrap();

    assert_eq!(export["account"]["email"], EMAIL);
    assert_eq!(export["account"]["has_password"], true);
    let sessions = export["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2, "both signed-in devices");
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(export["passkeys"].as_array().unwrap(), &vec![passkey]);
    let kinds: Vec<&str> = export["security_events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    for kind in ["signed_up", "signed_in_new_device", "passkey_added"] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    for secret in [
        "$argon2",
        "password_hash",
        "token_hash",
        "public_key",
        &session.refresh_token,
    ] {
        assert!(!text.contains(secret), "the export holds no secret ({secret})");
    }
}

async fn deleting_the_account_needs_recent_authentication(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    app.age_authentication(JUST_PAST).await;

    let refused_now = app.delete_with_token("/api/account", &session.access_token).await;
    assert_eq!(refused_now.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused_now).await, "reauthentication_required");
    app.assert_session_alive(&session).await;
    assert_eq!(
        app.login(EMAIL, PASSWORD).await.status(),
        StatusCode::OK,
        "nothing changed"
    );

    let body = serde_json::json!({ "password": PASSWORD });
    let renewed = app
        .post_with_token("/api/auth/reauthenticate", &session.access_token, &body)
        .await;
    assert_eq!(renewed.status(), StatusCode::NO_CONTENT);
    let deleted = app.delete_with_token("/api/account", &session.access_token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
}

async fn deleting_the_account_ends_every_session_and_leaves_nothing_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let keep = app.signed_up("keep@example.com").await;
    let baseline = rows(&app).await;
    let session = app.signed_up(EMAIL).await;
    let other = crate::helpers::Session::from(app.login(EMAIL, PASSWORD).await).await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &session, &mut key).await;

    let deleted = app.delete_with_token("/api/account", &session.access_token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        crate::helpers::set_cookie_value(&deleted, "latch_refresh").as_deref(),
        Some(""),
        "the browser's refresh cookie is cleared"
    );

    app.assert_session_ended(&session).await;
    app.assert_session_ended(&other).await;
    refused(app.login(EMAIL, PASSWORD).await).await;
    refused_as_unknown(passkey_login(&app, &mut key).await).await;
    let again = app.delete_with_token("/api/account", &session.access_token).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "its token died with it");

    assert_eq!(
        rows(&app).await,
        baseline,
        "users, sessions, refresh tokens, events, passkeys: only the other account's remain"
    );
    assert_eq!(app.count("passkey_ceremonies").await, 0);
    app.assert_session_alive(&keep).await;
}

/// Rows per table: users, sessions, refresh tokens, security events, passkeys.
async fn rows(app: &crate::helpers::TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "users",
        "sessions",
        "refresh_tokens",
        "security_events",
        "passkeys",
    ] {
        counts.push(app.count(table).await);
    }
    counts
}

async fn the_address_is_told_and_can_sign_up_again(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let session = confirmed(&app, &sink, "nia@example.com").await;
    let first = json_of(
        app.get_with_token("/api/account/export", &session.access_token)
            .await,
    )
    .await;
    let deleted = app.delete_with_token("/api/account", &session.access_token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let mail = sink
        .with_subject("nia@example.com", "Your Latch account was deleted")
        .await;
    let text = mail.text();
    assert!(text.contains("were deleted"), "{text}");
    assert!(text.contains("Browser:"), "from where: {text}");

    let signed_up = app.signup("nia@example.com", PASSWORD).await;
    assert_eq!(
        signed_up.status(),
        StatusCode::ACCEPTED,
        "the address is free again"
    );
    let fresh = confirmed_again(&app, &sink).await;
    let export = json_of(app.get_with_token("/api/account/export", &fresh).await).await;
    assert_ne!(export["account"]["id"], first["account"]["id"], "a new account");
    assert_eq!(
        export["security_events"].as_array().unwrap().len(),
        first["security_events"].as_array().unwrap().len(),
        "the same steps, the same events: nothing of the old account's ({export})"
    );
}

/// Opens the newest confirmation link mailed to nia@example.com; its access token.
async fn confirmed_again(app: &crate::helpers::TestApp, sink: &crate::smtp_sink::SmtpSink) -> String {
    let mail = sink
        .nth_with_subject("nia@example.com", "Confirm your email address", 2)
        .await;
    let opened =
        crate::recovery::open_link(app, "/api/auth/verify-email", &mail.token("/verify-email")).await;
    assert_eq!(opened.status(), StatusCode::OK);
    crate::helpers::Session::from(opened).await.access_token
}
