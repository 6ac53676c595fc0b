//! Passkeys through the real routes, with a software authenticator written from the WebAuthn
//! byte layouts (`tests/support/passkey.rs`), not with the server's relying-party crate.

use std::time::Duration;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::{
    device_key::DeviceKey,
    helpers::{Backend, ORIGIN, Session, TestApp, error_code, on_both_backends, spawn_app, spawn_app_with},
    passkey::SoftAuthenticator,
};

on_both_backends!(
    a_passkey_added_from_the_account_signs_in,
    a_passkey_sign_in_is_bound_like_a_password_sign_in,
    a_passkey_made_for_another_site_is_refused,
    user_verification_is_required,
    a_ceremony_is_used_once_and_lives_five_minutes,
    a_counter_that_goes_backwards_is_refused,
    a_deleted_passkey_no_longer_signs_in,
    one_address_cannot_fill_the_ceremonies,
    failed_passkeys_count_against_the_address,
);

pub(crate) const EMAIL: &str = "ada@example.com";

pub(crate) async fn json_of(response: Response) -> Value {
    response.json().await.expect("a JSON body")
}

/// Registers a passkey for the session's account; the passkey as the API lists it.
pub(crate) async fn add_passkey(app: &TestApp, session: &Session, key: &mut SoftAuthenticator) -> Value {
    let token = &session.access_token;
    let options = app
        .post_with_token("/api/account/passkeys/options", token, &json!({}))
        .await;
    assert_eq!(options.status(), StatusCode::OK);
    let options = json_of(options).await;
    let credential = key
        .create(&options["publicKey"], ORIGIN)
        .expect("the authenticator creates one");
    let body = json!({"ceremony": options["ceremony"], "credential": credential});
    let added = app.post_with_token("/api/account/passkeys", token, &body).await;
    assert_eq!(added.status(), StatusCode::CREATED, "{:?}", added.text().await);
    json_of(added).await
}

/// Sign-in options, as the sign-in page fetches them.
pub(crate) async fn sign_in_options(app: &TestApp) -> Value {
    let options = app.post_json("/api/auth/passkey/options", &json!({})).await;
    assert_eq!(options.status(), StatusCode::OK);
    json_of(options).await
}

pub(crate) async fn passkey_login(app: &TestApp, key: &mut SoftAuthenticator) -> Response {
    let options = sign_in_options(app).await;
    let assertion = key
        .get(&options["publicKey"], ORIGIN)
        .expect("the authenticator answers");
    let body = json!({"ceremony": options["ceremony"], "credential": assertion});
    app.post_json("/api/auth/passkey/login", &body).await
}

/// Refused as a wrong password is, and not said to be unknown: the browser must keep it.
pub(crate) async fn refused(response: Response) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = json_of(response).await;
    assert_eq!(body["error"], "invalid_credentials");
    assert!(
        body["fields"]["credential"].is_null(),
        "not called unknown: {body}"
    );
}

/// Refused, and said to be unknown here (`fields.credential`): the page may tell the browser
/// to forget it (`PublicKeyCredential.signalUnknownCredential`).
pub(crate) async fn refused_as_unknown(response: Response) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body = json_of(response).await;
    assert_eq!(body["error"], "invalid_credentials");
    assert!(body["fields"]["credential"].is_string(), "called unknown: {body}");
}

async fn a_passkey_added_from_the_account_signs_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &session, &mut key).await;
    assert_ne!(
        key.credentials[0].user_handle,
        EMAIL.as_bytes(),
        "the user handle is not the address"
    );
    assert_eq!(key.credentials[0].user_handle.len(), 16, "but 16 random bytes");

    let signed_in = passkey_login(&app, &mut key).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let signed_in = Session::from(signed_in).await;
    assert_eq!(signed_in.body["user"]["email"], EMAIL);
    app.assert_session_alive(&signed_in).await;
    let events = app
        .get_list("/api/security-events", &signed_in.access_token)
        .await;
    let kinds: Vec<&str> = events.iter().filter_map(|event| event["kind"].as_str()).collect();
    assert!(kinds.contains(&"passkey_added"), "{kinds:?}");
    assert_eq!(kinds[0], "signed_in_new_device", "{kinds:?}");
}

async fn a_passkey_sign_in_is_bound_like_a_password_sign_in(backend: Backend) {
    let app = spawn_app_with(backend, &["--device-binding", "require"]).await;
    let device = DeviceKey::new();
    let session = Session::from(app.start_bound("/api/auth/signup", EMAIL, &device).await).await;
    let mut key = SoftAuthenticator::new();
    // Bound tokens go with a proof: the passkey routes take the API's usual requests.
    let options = app
        .post_bound(
            "/api/account/passkeys/options",
            &session.access_token,
            &device,
            &json!({}),
        )
        .await;
    let options = json_of(options).await;
    let credential = key.create(&options["publicKey"], ORIGIN).unwrap();
    let body = json!({"ceremony": options["ceremony"], "credential": credential});
    let added = app
        .post_bound("/api/account/passkeys", &session.access_token, &device, &body)
        .await;
    assert_eq!(added.status(), StatusCode::CREATED);

    let keyless = passkey_login(&app, &mut key).await;
    assert_eq!(keyless.status(), StatusCode::BAD_REQUEST);
    assert_eq!(error_code(keyless).await, "dpop_required");

    let options = sign_in_options(&app).await;
    let assertion = key.get(&options["publicKey"], ORIGIN).unwrap();
    let path = "/api/auth/passkey/login";
    let proof = device.proof("POST", &app.htu(path), &app.nonce().await, None);
    let bound = app
        .client
        .post(app.url(path))
        .header("DPoP", proof)
        .json(&json!({"ceremony": options["ceremony"], "credential": assertion}))
        .send()
        .await
        .unwrap();
    assert_eq!(bound.status(), StatusCode::OK);
    let bound = Session::from(bound).await;
    assert_eq!(bound.body["token_type"], "DPoP");
}

async fn a_passkey_made_for_another_site_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &session, &mut key).await;

    let options = sign_in_options(&app).await;
    let phished = key
        .get(&options["publicKey"], "https://latch.example.net")
        .unwrap();
    let body = json!({"ceremony": options["ceremony"], "credential": phished});
    refused(app.post_json("/api/auth/passkey/login", &body).await).await;

    key.rp_id_hash_of = Some("example.net".into());
    refused(passkey_login(&app, &mut key).await).await;
    key.rp_id_hash_of = None;
    key.wrong_key = true;
    refused(passkey_login(&app, &mut key).await).await;
    key.wrong_key = false;
    assert_eq!(passkey_login(&app, &mut key).await.status(), StatusCode::OK);
}

async fn user_verification_is_required(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    key.user_verified = false;
    let token = &session.access_token;
    let options = json_of(
        app.post_with_token("/api/account/passkeys/options", token, &json!({}))
            .await,
    )
    .await;
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["userVerification"],
        "required"
    );
    assert_eq!(
        options["publicKey"]["authenticatorSelection"]["residentKey"],
        "required"
    );
    let credential = key.create(&options["publicKey"], ORIGIN).unwrap();
    let body = json!({"ceremony": options["ceremony"], "credential": credential});
    let unverified = app.post_with_token("/api/account/passkeys", token, &body).await;
    assert_eq!(unverified.status(), StatusCode::UNPROCESSABLE_ENTITY);

    key.user_verified = true;
    key.credentials.clear();
    add_passkey(&app, &session, &mut key).await;
    key.user_verified = false;
    refused(passkey_login(&app, &mut key).await).await;
}

async fn a_ceremony_is_used_once_and_lives_five_minutes(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    // Synced passkeys often send a count of 0 every time, so no counter catches a replay:
    // only the ceremony being used up does.
    let mut key = SoftAuthenticator::new();
    key.counts_signatures = false;
    add_passkey(&app, &session, &mut key).await;

    let options = sign_in_options(&app).await;
    let assertion = key.get(&options["publicKey"], ORIGIN).unwrap();
    let body = json!({"ceremony": options["ceremony"], "credential": assertion});
    assert_eq!(
        app.post_json("/api/auth/passkey/login", &body).await.status(),
        StatusCode::OK
    );
    refused(app.post_json("/api/auth/passkey/login", &body).await).await;

    let options = sign_in_options(&app).await;
    app.age_ceremonies(Duration::from_secs(5 * 60 + 1)).await;
    let assertion = key.get(&options["publicKey"], ORIGIN).unwrap();
    let body = json!({"ceremony": options["ceremony"], "credential": assertion});
    refused(app.post_json("/api/auth/passkey/login", &body).await).await;
}

async fn a_counter_that_goes_backwards_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &session, &mut key).await;
    for _ in 0..3 {
        assert_eq!(passkey_login(&app, &mut key).await.status(), StatusCode::OK);
    }
    // A clone of the key with an older count: what a copied authenticator would send.
    key.credentials[0].sign_count = 1;
    refused(passkey_login(&app, &mut key).await).await;
}

async fn a_deleted_passkey_no_longer_signs_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    let passkey = add_passkey(&app, &session, &mut key).await;
    let path = format!("/api/account/passkeys/{}", passkey["id"].as_str().unwrap());
    assert_eq!(
        app.delete_with_token(&path, &session.access_token).await.status(),
        StatusCode::NO_CONTENT
    );
    refused_as_unknown(passkey_login(&app, &mut key).await).await;
    assert_eq!(
        app.delete_with_token(&path, &session.access_token).await.status(),
        StatusCode::NOT_FOUND
    );
}

async fn one_address_cannot_fill_the_ceremonies(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &session, &mut key).await;
    let first = sign_in_options(&app).await;
    for _ in 0..100 {
        sign_in_options(&app).await;
    }
    assert!(
        app.count("passkey_ceremonies").await <= 32,
        "each address keeps at most 32 open"
    );
    // Its oldest made room; a fresh one still works for everybody, this address included.
    let assertion = key.get(&first["publicKey"], ORIGIN).unwrap();
    let body = json!({"ceremony": first["ceremony"], "credential": assertion});
    refused(app.post_json("/api/auth/passkey/login", &body).await).await;
    assert_eq!(passkey_login(&app, &mut key).await.status(), StatusCode::OK);
}

async fn failed_passkeys_count_against_the_address(backend: Backend) {
    let app = spawn_app_with(backend, &["--login-attempts-per-address", "3"]).await;
    let session = app.signed_up(EMAIL).await;
    let mut key = SoftAuthenticator::new();
    add_passkey(&app, &session, &mut key).await;
    // Successes give their attempt back.
    for _ in 0..4 {
        assert_eq!(passkey_login(&app, &mut key).await.status(), StatusCode::OK);
    }
    key.wrong_key = true;
    for _ in 0..3 {
        refused(passkey_login(&app, &mut key).await).await;
    }
    let throttled = passkey_login(&app, &mut key).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers().contains_key("retry-after"));
}
