//! Recent authentication (step-up): changing the password or the address needs a sign-in or a
//! re-authentication within the last five minutes, else 403 `reauthentication_required`;
//! `POST /api/auth/reauthenticate` renews it for the session it is made on. The tests move the
//! session's authentication time into the past in the database, the clock the server reads.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, Session, TestApp, error_code, on_both_backends, spawn_app};

on_both_backends!(
    a_password_change_within_five_minutes_of_signing_in_needs_nothing_more,
    a_password_change_after_five_minutes_needs_the_password_again,
    an_address_change_after_five_minutes_needs_the_password_again,
    a_wrong_password_does_not_renew_it,
    reauthentication_renews_only_its_own_session,
    access_tokens_carry_the_time_of_authentication,
    reauthenticating_needs_a_session,
);

const NEW_PASSWORD: &str = "violet umbrella quietly folding maps";
const JUST_INSIDE: Duration = Duration::from_secs(4 * 60 + 50);
const JUST_PAST: Duration = Duration::from_secs(5 * 60 + 1);

async fn change_password(app: &TestApp, session: &Session) -> reqwest::Response {
    let body = json!({"current_password": PASSWORD, "new_password": NEW_PASSWORD});
    app.post_with_token("/api/account/password", &session.access_token, &body)
        .await
}

async fn reauthenticate(app: &TestApp, session: &Session, password: &str) -> reqwest::Response {
    app.post_with_token(
        "/api/auth/reauthenticate",
        &session.access_token,
        &json!({"password": password}),
    )
    .await
}

fn claims(access_token: &str) -> Value {
    let payload = access_token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

async fn a_password_change_within_five_minutes_of_signing_in_needs_nothing_more(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    app.age_authentication(JUST_INSIDE).await;
    assert_eq!(
        change_password(&app, &session).await.status(),
        StatusCode::NO_CONTENT
    );
}

async fn a_password_change_after_five_minutes_needs_the_password_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    app.age_authentication(JUST_PAST).await;

    let refused = change_password(&app, &session).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "reauthentication_required");
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::OK,
        "nothing changed"
    );

    assert_eq!(
        reauthenticate(&app, &session, PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        change_password(&app, &session).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.login("ada@example.com", NEW_PASSWORD).await.status(),
        StatusCode::OK
    );
}

async fn an_address_change_after_five_minutes_needs_the_password_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    app.age_authentication(JUST_PAST).await;
    let body = json!({"new_email": "ada@new.example", "current_password": PASSWORD});

    let refused = app
        .post_with_token("/api/account/email", &session.access_token, &body)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "reauthentication_required");

    assert_eq!(
        reauthenticate(&app, &session, PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    let asked = app
        .post_with_token("/api/account/email", &session.access_token, &body)
        .await;
    assert_eq!(asked.status(), StatusCode::ACCEPTED);
}

async fn a_wrong_password_does_not_renew_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    app.age_authentication(JUST_PAST).await;

    let wrong = reauthenticate(&app, &session, "not the password at all").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "invalid_credentials");
    let refused = change_password(&app, &session).await;
    assert_eq!(error_code(refused).await, "reauthentication_required");
}

async fn reauthentication_renews_only_its_own_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let laptop = app.signed_up("ada@example.com").await;
    let phone = Session::from(app.login("ada@example.com", PASSWORD).await).await;
    app.age_authentication(JUST_PAST).await;

    assert_eq!(
        reauthenticate(&app, &laptop, PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    let refused = change_password(&app, &phone).await;
    assert_eq!(error_code(refused).await, "reauthentication_required");
    assert_eq!(
        change_password(&app, &laptop).await.status(),
        StatusCode::NO_CONTENT
    );
}

async fn access_tokens_carry_the_time_of_authentication(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    let signed_in = claims(&session.access_token)["auth_time"]
        .as_u64()
        .expect("auth_time");
    let iat = claims(&session.access_token)["iat"].as_u64().unwrap();
    assert!(signed_in.abs_diff(iat) <= 1, "signed in as the token was minted");

    app.age_authentication(Duration::from_secs(600)).await;
    let refreshed = Session::from(app.refresh(&session.refresh_token).await).await;
    let kept = claims(&refreshed.access_token)["auth_time"].as_u64().unwrap();
    assert!(
        kept.abs_diff(signed_in - 600) <= 1,
        "a refresh keeps the session's time: {kept}"
    );

    assert_eq!(
        reauthenticate(&app, &refreshed, PASSWORD).await.status(),
        StatusCode::NO_CONTENT
    );
    let renewed = Session::from(app.refresh(&refreshed.refresh_token).await).await;
    let now = claims(&renewed.access_token)["auth_time"].as_u64().unwrap();
    assert!(now.abs_diff(signed_in) <= 2, "re-authenticated now: {now}");
}

async fn reauthenticating_needs_a_session(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("ada@example.com").await;
    let anonymous = app
        .post_json("/api/auth/reauthenticate", &json!({"password": PASSWORD}))
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
