//! Passkeys and the steps an owner takes to get the account back. Whoever knew the password
//! could add a passkey of their own (they could sign in, so they had recent authentication):
//! a reset and an undo of an address change take every passkey away, or the intruder would
//! walk back in with theirs. A passkey-only account still recovers by mail.

use reqwest::StatusCode;
use serde_json::json;

use super::{
    confirmed, me, open_link, refused_link,
    reset::{NEW_PASSWORD, confirm_reset, request_reset},
    spawn_with_mail,
};
use crate::{
    helpers::{Backend, ORIGIN, PASSWORD, Session, on_both_backends},
    passkey::SoftAuthenticator,
    passkeys::{add_passkey, json_of, passkey_login, refused, refused_as_unknown},
};

on_both_backends!(
    a_reset_takes_away_an_intruders_passkey,
    an_undo_takes_away_an_intruders_passkey,
    a_passkey_only_account_recovers_by_mail,
    a_reset_link_can_set_a_passkey_instead_of_a_password,
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

async fn a_reset_link_can_set_a_passkey_instead_of_a_password(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let owner = confirmed(&app, &sink, "di@example.com").await;
    let intruder = Session::from(app.login("di@example.com", PASSWORD).await).await;
    let mut theirs = SoftAuthenticator::new();
    add_passkey(&app, &intruder, &mut theirs).await;
    let nobody = json!({"token": "bm90LWEtbGluaw"});
    let options = app
        .post_json("/api/auth/password-reset/passkey/options", &nobody)
        .await;
    assert_eq!(refused_link(options).await, "invalid_or_expired_link");

    request_reset(&app, "di@example.com").await;
    let token = sink
        .with_subject("di@example.com", "Reset your password")
        .await
        .token("/reset-password");
    let options = app
        .post_json(
            "/api/auth/password-reset/passkey/options",
            &json!({"token": token}),
        )
        .await;
    assert_eq!(options.status(), StatusCode::OK);
    let options = json_of(options).await;
    assert_eq!(options["publicKey"]["user"]["name"], "di@example.com");
    let mut mine = SoftAuthenticator::new();
    let credential = mine.create(&options["publicKey"], ORIGIN).expect("made");
    let body = json!({"token": token, "ceremony": options["ceremony"], "credential": credential});
    let reset = app.post_json("/api/auth/password-reset/passkey", &body).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT, "{:?}", reset.text().await);

    app.assert_session_ended(&owner).await;
    app.assert_session_ended(&intruder).await;
    refused_as_unknown(passkey_login(&app, &mut theirs).await).await;
    refused(app.login("di@example.com", PASSWORD).await).await;
    let signed_in = passkey_login(&app, &mut mine).await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "the new passkey is the way in"
    );
    let session = Session::from(signed_in).await;
    assert_eq!(me(&app, &session).await["has_password"], false);
    let again = app.post_json("/api/auth/password-reset/passkey", &body).await;
    assert_eq!(
        refused_link(again).await,
        "invalid_or_expired_link",
        "the link works once"
    );
    let told = sink
        .with_subject("di@example.com", "A passkey replaced your password")
        .await;
    assert!(
        told.text().contains("every device was signed out"),
        "{}",
        told.text()
    );
}
