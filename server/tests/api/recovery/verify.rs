//! Sign-up with confirmation required: a link, not a session; the link signs in once.

use reqwest::StatusCode;
use serde_json::json;

use super::{confirmed, expire_links, me, open_link, refused_link, spawn_with_mail};
use crate::helpers::{Backend, PASSWORD, Session, error_code, on_both_backends, refresh_set_cookie};

on_both_backends!(
    sign_up_mails_a_link_that_signs_in_once,
    an_unconfirmed_account_cannot_sign_in_yet,
    each_sign_up_link_brings_its_own_password,
    an_expired_confirmation_link_is_refused,
    the_purge_frees_the_address_of_a_sign_up_never_confirmed,
);

const DAY_MS: i64 = 24 * 3600 * 1000;

async fn sign_up_mails_a_link_that_signs_in_once(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let response = app.signup("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    assert!(
        refresh_set_cookie(&response).is_none(),
        "no session before the link is opened"
    );
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body, json!({ "status": "check_your_email" }));

    let mail = sink.nth_to("ada@example.com", 1).await;
    assert_eq!(mail.subject(), "Confirm your email address");
    let link = mail.link("/verify-email").expect("a link");
    assert!(
        link.starts_with("http://localhost:3000/verify-email#token="),
        "{link}"
    );
    let token = mail.token("/verify-email");

    let opened = open_link(&app, "/api/auth/verify-email", &token).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let session = Session::from(opened).await;
    let profile = me(&app, &session).await;
    assert_eq!(profile["email"], "ada@example.com");
    assert_eq!(profile["email_verified"], true);

    let again = open_link(&app, "/api/auth/verify-email", &token).await;
    assert_eq!(refused_link(again).await, "invalid_or_expired_link");
    for garbage in ["", "x", "not a token at all", &"A".repeat(43)] {
        let response = open_link(&app, "/api/auth/verify-email", garbage).await;
        assert_eq!(
            refused_link(response).await,
            "invalid_or_expired_link",
            "{garbage:?}"
        );
    }
}

async fn an_unconfirmed_account_cannot_sign_in_yet(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    app.signup("ben@example.com", PASSWORD).await;
    let refused = app.login("ben@example.com", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "email_not_verified");
    let wrong = app.login("ben@example.com", "not the password at all").await;
    assert_eq!(
        wrong.status(),
        StatusCode::UNAUTHORIZED,
        "a wrong password learns nothing more"
    );

    let token = sink.nth_to("ben@example.com", 1).await.token("/verify-email");
    open_link(&app, "/api/auth/verify-email", &token).await;
    assert_eq!(
        app.login("ben@example.com", PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn each_sign_up_link_brings_its_own_password(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let second_password = "another fine passphrase for cy";
    app.signup("cy@example.com", PASSWORD).await;
    app.signup("cy@example.com", second_password).await;
    let first = sink.nth_to("cy@example.com", 1).await.token("/verify-email");
    let second = sink.nth_to("cy@example.com", 2).await.token("/verify-email");

    let opened = open_link(&app, "/api/auth/verify-email", &second).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let stale = open_link(&app, "/api/auth/verify-email", &first).await;
    assert_eq!(refused_link(stale).await, "invalid_or_expired_link", "the other link is cancelled");
    assert_eq!(
        app.login("cy@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("cy@example.com", second_password).await.status(),
        StatusCode::OK
    );
}

async fn an_expired_confirmation_link_is_refused(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    app.signup("dee@example.com", PASSWORD).await;
    let token = sink.nth_to("dee@example.com", 1).await.token("/verify-email");
    expire_links(&app).await;
    let response = open_link(&app, "/api/auth/verify-email", &token).await;
    assert_eq!(refused_link(response).await, "invalid_or_expired_link");
    // Signing up again is how a new link is had.
    confirmed(&app, &sink, "dee@example.com").await;
}

async fn the_purge_frees_the_address_of_a_sign_up_never_confirmed(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    let now = server::clock::now_millis();
    app.signup("eve@example.com", PASSWORD).await;
    sink.nth_to("eve@example.com", 1).await;
    let ada = confirmed(&app, &sink, "ada@example.com").await;
    assert_eq!((app.count("users").await, app.count("email_links").await), (2, 2));

    let within = app.state.purge.run_at(now + DAY_MS - 60_000).await.unwrap();
    assert_eq!(
        (within.unconfirmed_accounts, within.links),
        (0, 0),
        "links still live"
    );

    let after = app.state.purge.run_at(now + DAY_MS + 60_000).await.unwrap();
    assert_eq!(after.unconfirmed_accounts, 1, "the sign-up never confirmed");
    assert_eq!(after.links, 1, "ada's used link (eve's went with her account)");
    assert_eq!((app.count("users").await, app.count("email_links").await), (1, 0));
    assert_eq!(
        me(&app, &ada).await["email"],
        "ada@example.com",
        "a confirmed account stays"
    );

    // The address is free again: its owner signs up as if for the first time.
    let session = confirmed(&app, &sink, "eve@example.com").await;
    assert_eq!(me(&app, &session).await["email"], "eve@example.com");
}
