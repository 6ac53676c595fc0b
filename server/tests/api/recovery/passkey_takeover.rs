//! Passkeys and the steps an owner takes to get the account back. Whoever knew the password
//! could add a passkey of their own (they could sign in, so they had recent authentication):
//! a reset and an undo of an address change take every passkey away, or the intruder would
//! walk back in with theirs. A passkey-only account still recovers by mail.

use reqwest::StatusCode;

use super::{
    confirmed, open_link,
    reset::{NEW_PASSWORD, confirm_reset, request_reset},
    spawn_with_mail,
};
use crate::{
    helpers::{Backend, PASSWORD, Session, on_both_backends},
    passkey::SoftAuthenticator,
    passkeys::{add_passkey, passkey_login},
};

on_both_backends!(
    a_reset_takes_away_an_intruders_passkey,
    an_undo_takes_away_an_intruders_passkey,
    a_passkey_only_account_recovers_by_mail,
);

const INTRUDER: &str = "intruder@evil.example";

async fn a_reset_takes_away_an_intruders_passkey(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "ann@example.com").await;
    let intruder = Session::from(app.login("ann@example.com", PASSWORD).await).await;
    let mut theirs = SoftAuthenticator::new();
    add_passkey(&app, &intruder, &mut theirs).await;

    request_reset(&app, "ann@example.com").await;
    let mail = sink.with_subject("ann@example.com", "Reset your password").await;
    let reset = confirm_reset(&app, &mail.token("/reset-password"), NEW_PASSWORD).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        passkey_login(&app, &mut theirs).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn an_undo_takes_away_an_intruders_passkey(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    confirmed(&app, &sink, "bo@example.com").await;
    let intruder = Session::from(app.login("bo@example.com", PASSWORD).await).await;
    let mut theirs = SoftAuthenticator::new();
    add_passkey(&app, &intruder, &mut theirs).await;
    let asked = super::address::request_change(&app, &intruder, INTRUDER, PASSWORD).await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
    let link = sink.nth_to(INTRUDER, 1).await.token("/confirm-email");
    assert_eq!(
        open_link(&app, "/api/account/email/confirm", &link)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let undo = sink
        .with_subject("bo@example.com", "Your email address was changed")
        .await
        .token("/undo-email");

    assert_eq!(
        open_link(&app, "/api/account/email/undo", &undo).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        passkey_login(&app, &mut theirs).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn a_passkey_only_account_recovers_by_mail(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let owner = confirmed(&app, &sink, "cy@example.com").await;
    let mut lost = SoftAuthenticator::new();
    add_passkey(&app, &owner, &mut lost).await;
    let removed = app
        .delete_with_token("/api/account/password", &owner.access_token)
        .await;
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);

    // The phone with the passkey is gone: the mailed link sets a password.
    request_reset(&app, "cy@example.com").await;
    let mail = sink.with_subject("cy@example.com", "Reset your password").await;
    let reset = confirm_reset(&app, &mail.token("/reset-password"), NEW_PASSWORD).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.login("cy@example.com", NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
}
