//! The account's own passkeys: listed, named and renamed; adding and deleting them (and
//! removing the password) need recent authentication; an account always keeps one way in; a
//! passkey re-authenticates only its own account.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{Backend, ORIGIN, PASSWORD, error_code, on_both_backends, spawn_app},
    passkey::SoftAuthenticator,
    passkeys::{EMAIL, add_passkey, json_of, passkey_login, refused, sign_in_options},
};

on_both_backends!(
    an_account_always_keeps_one_way_in,
    adding_and_deleting_a_passkey_need_recent_authentication,
    passkeys_are_listed_named_and_renamed,
    a_passkey_reauthenticates_only_its_own_account,
    a_disabled_account_is_refused_with_its_own_passkey_too,
);

async fn an_account_always_keeps_one_way_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let token = &session.access_token;
    let no_passkey = app.delete_with_token("/api/account/password", token).await;
    assert_eq!(no_passkey.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(no_passkey).await, "last_credential");

    let mut key = SoftAuthenticator::new();
    let passkey = add_passkey(&app, &session, &mut key).await;
    let has_password = || async {
        json_of(app.get_with_token("/api/me", token).await).await["has_password"].clone()
    };
    assert_eq!(has_password().await, true);
    assert_eq!(
        app.delete_with_token("/api/account/password", token)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    refused(app.login(EMAIL, PASSWORD).await).await;
    assert_eq!(has_password().await, false, "shown at once, though the profile was remembered");
    let again = app.delete_with_token("/api/account/password", token).await;
    assert_eq!(
        again.status(),
        StatusCode::NO_CONTENT,
        "already gone: nothing to do"
    );
    let events = app.get_list("/api/security-events", token).await;
    let removed = events
        .iter()
        .filter(|event| event["kind"] == "password_removed")
        .count();
    assert_eq!(removed, 1, "one removal, one event");
    assert_eq!(passkey_login(&app, &mut key).await.status(), StatusCode::OK);

    let path = format!("/api/account/passkeys/{}", passkey["id"].as_str().unwrap());
    let last = app.delete_with_token(&path, token).await;
    assert_eq!(last.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(last).await, "last_credential");
    assert_eq!(
        passkey_login(&app, &mut key).await.status(),
        StatusCode::OK,
        "still there"
    );
}

async fn adding_and_deleting_a_passkey_need_recent_authentication(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    let passkey = add_passkey(&app, &session, &mut key).await;
    let token = &session.access_token;
    app.age_authentication(Duration::from_secs(5 * 60 + 1)).await;

    let options = app
        .post_with_token("/api/account/passkeys/options", token, &json!({}))
        .await;
    assert_eq!(error_code(options).await, "reauthentication_required");
    let path = format!("/api/account/passkeys/{}", passkey["id"].as_str().unwrap());
    assert_eq!(
        error_code(app.delete_with_token(&path, token).await).await,
        "reauthentication_required"
    );
    assert_eq!(
        error_code(app.delete_with_token("/api/account/password", token).await).await,
        "reauthentication_required"
    );
    assert_eq!(
        app.get_list("/api/account/passkeys", token).await.len(),
        1,
        "nothing changed"
    );

    // The passkey itself is a way to re-authenticate.
    let options = sign_in_options(&app).await;
    let assertion = key.get(&options["publicKey"], ORIGIN).unwrap();
    let body = json!({"ceremony": options["ceremony"], "credential": assertion});
    assert_eq!(
        app.post_with_token("/api/auth/reauthenticate", token, &body)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete_with_token(&path, token).await.status(),
        StatusCode::NO_CONTENT
    );
}

async fn passkeys_are_listed_named_and_renamed(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let token = &session.access_token;
    let mut key = SoftAuthenticator::new();
    let added = add_passkey(&app, &session, &mut key).await;
    assert_eq!(added["backed_up"], true);
    assert!(added["last_used_at"].is_null());
    assert!(
        added["name"].as_str().is_some_and(|name| !name.is_empty()),
        "named after the browser"
    );

    assert_eq!(passkey_login(&app, &mut key).await.status(), StatusCode::OK);
    let listed = app.get_list("/api/account/passkeys", token).await;
    assert_eq!(listed.len(), 1);
    assert!(listed[0]["last_used_at"].is_string(), "a use is recorded");

    let path = format!("/api/account/passkeys/{}", added["id"].as_str().unwrap());
    let renamed = app
        .client
        .patch(app.url(&path))
        .bearer_auth(token)
        .json(&json!({"name": "  Work laptop "}))
        .send()
        .await
        .unwrap();
    assert_eq!(renamed.status(), StatusCode::OK);
    assert_eq!(json_of(renamed).await["name"], "Work laptop");
    let blank = app
        .client
        .patch(app.url(&path))
        .bearer_auth(token)
        .json(&json!({"name": "  "}))
        .send()
        .await
        .unwrap();
    assert_eq!(blank.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let other = app.signed_up("grace@example.com").await;
    assert!(
        app.get_list("/api/account/passkeys", &other.access_token)
            .await
            .is_empty()
    );
    let theirs = app
        .client
        .patch(app.url(&path))
        .bearer_auth(&other.access_token)
        .json(&json!({"name": "mine"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs.status(),
        StatusCode::NOT_FOUND,
        "nobody renames another account's passkey"
    );
}

async fn a_passkey_reauthenticates_only_its_own_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.signed_up(EMAIL).await;
    let grace = app.signed_up("grace@example.com").await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &ada, &mut key).await;
    app.age_authentication(Duration::from_secs(5 * 60 + 1)).await;

    let options = sign_in_options(&app).await;
    let assertion = key.get(&options["publicKey"], ORIGIN).unwrap();
    let body = json!({"ceremony": options["ceremony"], "credential": assertion});
    refused(
        app.post_with_token("/api/auth/reauthenticate", &grace.access_token, &body)
            .await,
    )
    .await;
    let options = app
        .post_with_token("/api/account/passkeys/options", &grace.access_token, &json!({}))
        .await;
    assert_eq!(
        error_code(options).await,
        "reauthentication_required",
        "grace is not re-authenticated"
    );
}

async fn a_disabled_account_is_refused_with_its_own_passkey_too(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &session, &mut key).await;
    // What `latch users disable` writes (tests/api/admin/ runs the command itself).
    server::with_pool!(&app.db, |pool| sqlx::query("UPDATE users SET disabled_at = 1")
        .execute(pool)
        .await
        .map(drop)
        .unwrap());
    let refused = passkey_login(&app, &mut key).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "account_disabled");
}
