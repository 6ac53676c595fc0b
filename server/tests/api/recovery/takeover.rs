//! Someone who once knew the password must not keep the account through the steps its owner
//! is told to take: a password change, a reset, an undo. Each of them cancels the intruder's
//! pending links, and the undo leaves nothing the intruder knows that still opens the account.

use reqwest::StatusCode;

use super::{
    address::{change, request_change},
    confirmed, open_link, refused_link,
    reset::{NEW_PASSWORD, confirm_reset, request_reset},
    spawn_with_mail,
};
use crate::{
    helpers::{Backend, PASSWORD, Session, TestApp, on_both_backends, spawn_app_with},
    smtp_sink::SmtpSink,
};

on_both_backends!(
    a_password_change_cancels_an_intruders_pending_address_change,
    a_reset_cancels_an_intruders_pending_address_change,
    a_reset_link_stops_working_once_the_address_changes,
    an_undo_leaves_no_password_the_intruder_knows_and_mails_a_way_back_in,
    an_undo_cancels_every_link_the_intruder_asked_for,
    an_old_address_stays_reserved_while_its_undo_link_lives,
    a_failed_undo_leaves_its_link_usable,
);

const INTRUDER: &str = "intruder@evil.example";

/// An intruder who knows the password signs in and asks to move the account to their
/// mailbox; returns the intruder's session and the confirmation link's token.
async fn intruder_asks_to_move(app: &TestApp, sink: &SmtpSink, owner: &str) -> (Session, String) {
    let intruder = Session::from(app.login(owner, PASSWORD).await).await;
    let asked = request_change(app, &intruder, INTRUDER, PASSWORD).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let token = sink.nth_to(INTRUDER, 1).await.token("/confirm-email");
    (intruder, token)
}

async fn change_password(app: &TestApp, session: &Session) {
    let response = app
        .client
        .post(app.url("/api/account/password"))
        .bearer_auth(&session.access_token)
        .json(&serde_json::json!({ "current_password": PASSWORD, "new_password": NEW_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

async fn a_password_change_cancels_an_intruders_pending_address_change(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let owner = confirmed(&app, &sink, "ann@example.com").await;
    let (intruder, link) = intruder_asks_to_move(&app, &sink, "ann@example.com").await;

    change_password(&app, &owner).await;
    app.assert_session_ended(&intruder).await;
    let confirm = open_link(&app, "/api/account/email/confirm", &link).await;
    assert_eq!(refused_link(confirm).await, "invalid_or_expired_link");
    let signed_in = app.login("ann@example.com", NEW_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK, "the account stays at the owner's address");
}

async fn a_reset_cancels_an_intruders_pending_address_change(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "bo@example.com").await;
    let (_, link) = intruder_asks_to_move(&app, &sink, "bo@example.com").await;

    request_reset(&app, "bo@example.com").await;
    let reset = sink
        .with_subject("bo@example.com", "Reset your password")
        .await
        .token("/reset-password");
    let done = confirm_reset(&app, &reset, NEW_PASSWORD).await;
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    let confirm = open_link(&app, "/api/account/email/confirm", &link).await;
    assert_eq!(refused_link(confirm).await, "invalid_or_expired_link");
}

async fn a_reset_link_stops_working_once_the_address_changes(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let owner = confirmed(&app, &sink, "cal@example.com").await;
    request_reset(&app, "cal@example.com").await;
    let reset = sink.nth_to("cal@example.com", 2).await.token("/reset-password");

    change(&app, &sink, &owner, "cal@example.com", "cal@new.example").await;
    let stale = confirm_reset(&app, &reset, NEW_PASSWORD).await;
    assert_eq!(refused_link(stale).await, "invalid_or_expired_link");
}

/// The intruder moves the account to their mailbox; returns the owner's undo token.
async fn intruder_moves(app: &TestApp, sink: &SmtpSink, owner: &str) -> String {
    let (_, link) = intruder_asks_to_move(app, sink, owner).await;
    let moved = open_link(app, "/api/account/email/confirm", &link).await;
    assert_eq!(moved.status(), StatusCode::NO_CONTENT);
    sink.with_subject(owner, "Your email address was changed")
        .await
        .token("/undo-email")
}

async fn an_undo_leaves_no_password_the_intruder_knows_and_mails_a_way_back_in(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "dot@example.com").await;
    let undo = intruder_moves(&app, &sink, "dot@example.com").await;

    let undone = open_link(&app, "/api/account/email/undo", &undo).await;
    assert_eq!(undone.status(), StatusCode::NO_CONTENT);
    for address in ["dot@example.com", INTRUDER] {
        let refused = app.login(address, PASSWORD).await;
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED, "{address}");
    }
    let mail = sink.with_subject("dot@example.com", "Set a new password").await;
    let reset = confirm_reset(&app, &mail.token("/reset-password"), NEW_PASSWORD).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let back = app.login("dot@example.com", NEW_PASSWORD).await;
    assert_eq!(back.status(), StatusCode::OK, "the owner sets a password from the old address");
}

async fn an_undo_cancels_every_link_the_intruder_asked_for(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "eli@example.com").await;
    let undo = intruder_moves(&app, &sink, "eli@example.com").await;
    request_reset(&app, INTRUDER).await;
    let reset = sink
        .with_subject(INTRUDER, "Reset your password")
        .await
        .token("/reset-password");

    let undone = open_link(&app, "/api/account/email/undo", &undo).await;
    assert_eq!(undone.status(), StatusCode::NO_CONTENT);
    let stale = confirm_reset(&app, &reset, "the intruder's own passphrase").await;
    assert_eq!(refused_link(stale).await, "invalid_or_expired_link");
}

/// A server with confirmation off (sign-up opens a session at once), mailing through `sink`.
async fn spawn_unconfirmed(backend: Backend, sink: &SmtpSink) -> TestApp {
    let url = sink.url("");
    let settings = ["--email-verification", "off", "--smtp-url", &url, "--mail-from", "Latch <no-reply@example.com>"];
    spawn_app_with(backend, &settings).await
}

async fn an_old_address_stays_reserved_while_its_undo_link_lives(backend: Backend) {
    let sink = SmtpSink::start();
    let app = spawn_unconfirmed(backend, &sink).await;
    app.signed_up("fin@example.com").await;
    let undo = intruder_moves(&app, &sink, "fin@example.com").await;

    let squat = app.signup("fin@example.com", "the squatter's own passphrase").await;
    assert_eq!(squat.status(), StatusCode::CONFLICT, "the old address is reserved");
    let undone = open_link(&app, "/api/account/email/undo", &undo).await;
    assert_eq!(undone.status(), StatusCode::NO_CONTENT);
    let mail = sink.with_subject("fin@example.com", "Set a new password").await;
    let reset = confirm_reset(&app, &mail.token("/reset-password"), NEW_PASSWORD).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.login("fin@example.com", NEW_PASSWORD).await.status(), StatusCode::OK);
}

async fn a_failed_undo_leaves_its_link_usable(backend: Backend) {
    let sink = SmtpSink::start();
    let app = spawn_unconfirmed(backend, &sink).await;
    app.signed_up("gil@example.com").await;
    let undo = intruder_moves(&app, &sink, "gil@example.com").await;
    // An account that got the address anyway (confirmed, so nothing may evict it).
    server::with_pool!(&app.db, |pool| sqlx::query(
        "INSERT INTO users (id, email, password_hash, created_at, email_verified_at) \
         VALUES ('squatter', 'gil@example.com', 'x', 0, 0)"
    )
    .execute(pool)
    .await
    .map(drop)
    .unwrap());

    let failed = open_link(&app, "/api/account/email/undo", &undo).await;
    assert_eq!(refused_link(failed).await, "invalid_or_expired_link");
    server::with_pool!(&app.db, |pool| sqlx::query("DELETE FROM users WHERE id = 'squatter'")
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
    let undone = open_link(&app, "/api/account/email/undo", &undo).await;
    assert_eq!(undone.status(), StatusCode::NO_CONTENT, "the link was not used up");
}
