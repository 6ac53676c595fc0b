//! Changing the address: confirmed at the new one; the old one can undo it, which also ends
//! every session.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{
    confirmed, me, open_link, refused_link,
    reset::{NEW_PASSWORD, confirm_reset},
    spawn_with_mail,
};
use crate::{
    helpers::{Backend, PASSWORD, Session, TestApp, on_both_backends},
    smtp_sink::SmtpSink,
};

on_both_backends!(
    a_change_is_confirmed_at_the_new_address_and_undone_from_the_old,
    a_change_needs_the_current_password_and_a_new_usable_address,
    an_address_with_an_account_is_told_and_nothing_changes,
    a_second_change_cannot_cancel_the_first_ones_undo,
);

pub(super) async fn request_change(
    app: &TestApp,
    session: &Session,
    new_email: &str,
    password: &str,
) -> reqwest::Response {
    app.client
        .post(app.url("/api/account/email"))
        .bearer_auth(&session.access_token)
        .json(&json!({ "new_email": new_email, "current_password": password }))
        .send()
        .await
        .unwrap()
}

/// Asks for the change and opens the confirmation link; returns the undo link's token.
pub(super) async fn change(app: &TestApp, sink: &SmtpSink, session: &Session, from: &str, to: &str) -> String {
    let response = request_change(app, session, to, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let token = sink.nth_to(to, 1).await.token("/confirm-email");
    let confirmed = open_link(app, "/api/account/email/confirm", &token).await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let notice = sink.with_subject(from, "Your email address was changed").await;
    assert!(notice.text().contains(to), "the old address is told the new one");
    notice.token("/undo-email")
}

async fn a_change_is_confirmed_at_the_new_address_and_undone_from_the_old(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let session = confirmed(&app, &sink, "ida@example.com").await;
    let other = Session::from(app.login("ida@example.com", PASSWORD).await).await;
    // Read once before the change, so the server may be serving it from memory.
    assert_eq!(me(&app, &session).await["email"], "ida@example.com");

    let undo = change(&app, &sink, &session, "ida@example.com", "ida@new.example").await;
    assert_eq!(me(&app, &session).await["email"], "ida@new.example");
    app.assert_session_alive(&other).await;
    assert_eq!(
        app.login("ida@new.example", PASSWORD).await.status(),
        StatusCode::OK
    );

    let undone = open_link(&app, "/api/account/email/undo", &undo).await;
    assert_eq!(undone.status(), StatusCode::NO_CONTENT);
    app.assert_session_ended(&session).await;
    app.assert_session_ended(&other).await;
    let back = set_password_after_undo(&app, &sink, "ida@example.com").await;
    let again = open_link(&app, "/api/account/email/undo", &undo).await;
    assert_eq!(refused_link(again).await, "invalid_or_expired_link");

    let session = Session::from(back).await;
    let events = app.get_list("/api/security-events", &session.access_token).await;
    let kinds: Vec<&str> = events.iter().filter_map(|event| event["kind"].as_str()).collect();
    assert!(
        kinds.contains(&"email_changed") && kinds.contains(&"email_change_undone"),
        "{kinds:?}"
    );
}

async fn a_change_needs_the_current_password_and_a_new_usable_address(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let session = confirmed(&app, &sink, "jo@example.com").await;
    for (new_email, password, field) in [
        ("jo@new.example", "not my password", "current_password"),
        ("not an address", PASSWORD, "new_email"),
        ("JO@example.com", PASSWORD, "new_email"),
    ] {
        let response = request_change(&app, &session, new_email, password).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new_email}");
        let body: Value = response.json().await.unwrap();
        assert!(body["fields"][field].is_string(), "{body}");
    }
    let unauthenticated = app
        .post_json("/api/account/email", &json!({ "new_email": "jo@new.example" }))
        .await;
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert!(sink.to("jo@new.example").is_empty());
}

async fn an_address_with_an_account_is_told_and_nothing_changes(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let session = confirmed(&app, &sink, "kim@example.com").await;
    confirmed(&app, &sink, "lee@example.com").await;
    let response = request_change(&app, &session, "lee@example.com", PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::ACCEPTED,
        "the same answer as for a free address"
    );
    let mail = sink.nth_to("lee@example.com", 2).await;
    assert_eq!(mail.subject(), "Your address already has a Latch account");
    assert!(mail.link("/confirm-email").is_none());
    assert_eq!(me(&app, &session).await["email"], "kim@example.com");
}

async fn a_second_change_cannot_cancel_the_first_ones_undo(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let owner = confirmed(&app, &sink, "max@example.com").await;
    // Someone holding the session moves the account twice, then uses the second undo.
    let first_undo = change(&app, &sink, &owner, "max@example.com", "thief@one.example").await;
    let second_undo = change(&app, &sink, &owner, "thief@one.example", "thief@two.example").await;
    let thief = open_link(&app, "/api/account/email/undo", &second_undo).await;
    assert_eq!(thief.status(), StatusCode::NO_CONTENT);
    let owner_undo = open_link(&app, "/api/account/email/undo", &first_undo).await;
    assert_eq!(
        owner_undo.status(),
        StatusCode::NO_CONTENT,
        "the oldest address wins"
    );
    set_password_after_undo(&app, &sink, "max@example.com").await;
    let thiefs = sink.with_subject("thief@one.example", "Set a new password").await;
    let refused = confirm_reset(&app, &thiefs.token("/reset-password"), "the thief's passphrase").await;
    assert_eq!(refused_link(refused).await, "invalid_or_expired_link", "cancelled by the older undo");
}

/// After an undo the old password is gone: the mailed link sets a new one, which signs in.
async fn set_password_after_undo(app: &TestApp, sink: &SmtpSink, address: &str) -> reqwest::Response {
    assert_eq!(app.login(address, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let mail = sink.with_subject(address, "Set a new password").await;
    let set = confirm_reset(app, &mail.token("/reset-password"), NEW_PASSWORD).await;
    assert_eq!(set.status(), StatusCode::NO_CONTENT);
    let back = app.login(address, NEW_PASSWORD).await;
    assert_eq!(back.status(), StatusCode::OK, "the old address signs in again");
    back
}
