//! Sign-up, sign-in, refresh, sign-out and `/api/me`, as the README's HTTP API table describes them.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, PASSWORD, Session, cookie_value, error_code, on_both_backends, refresh_set_cookie, spawn_app,
    spawn_app_with,
};

on_both_backends!(
    signup_answers_201_with_a_session_body_and_a_scoped_httponly_cookie,
    signup_normalises_the_email_and_refuses_a_second_account_for_it,
    signup_explains_every_invalid_field,
    login_accepts_the_right_password_in_any_email_case,
    login_gives_one_answer_for_a_wrong_password_and_an_unknown_email,
    me_answers_with_the_user_for_a_valid_bearer_token,
    me_shows_the_account_as_committed_after_the_session_rotated,
    me_without_a_token_is_401_with_a_bearer_challenge,
    refresh_rotates_the_cookie_and_issues_a_working_access_token,
    refresh_without_a_cookie_or_with_garbage_is_401,
    logout_revokes_the_session_and_clears_the_cookie,
    each_sign_in_is_its_own_session,
    an_expired_session_cannot_be_refreshed,
);

async fn signup_answers_201_with_a_session_body_and_a_scoped_httponly_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.signup("ada@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");

    let set_cookie = refresh_set_cookie(&response).expect("refresh cookie");
    let attributes: Vec<String> = set_cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for expected in ["httponly", "secure", "samesite=strict", "path=/api/auth"] {
        assert!(
            attributes.contains(&expected.to_string()),
            "{expected} missing from {set_cookie}"
        );
    }
    let max_age: i64 = attributes
        .iter()
        .find_map(|a| a.strip_prefix("max-age="))
        .expect("Max-Age")
        .parse()
        .unwrap();
    assert!(
        max_age > 6 * 24 * 3600 && max_age <= 7 * 24 * 3600,
        "Max-Age is the session's remaining life: {max_age}"
    );
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain=")),
        "host-only cookie"
    );

    let refresh_token = cookie_value(&set_cookie).to_string();
    assert!(refresh_token.len() >= 43, "at least 256 bits");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 600);
    assert_eq!(body["user"]["email"], "ada@example.com");
    assert!(body["user"]["id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(
        body["access_token"].as_str().unwrap().split('.').count(),
        3,
        "a JWT"
    );
    assert!(
        !body.to_string().contains(&refresh_token),
        "the refresh token never appears in a body"
    );
}

async fn signup_normalises_the_email_and_refuses_a_second_account_for_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.signed_up("  Grace.Hopper@Example.COM ").await;
    assert_eq!(first.body["user"]["email"], "grace.hopper@example.com");

    let again = app.signup("grace.hopper@example.com", PASSWORD).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "email_taken");
}

async fn signup_explains_every_invalid_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.signup("not-an-email", "password").await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_fields");
    assert!(body["fields"]["email"].as_str().is_some_and(|m| !m.is_empty()));
    assert!(
        body["fields"]["password"]
            .as_str()
            .is_some_and(|m| m.contains("at least"))
    );

    let weak = app.signup("ada@example.com", "password1234").await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = weak.json().await.unwrap();
    assert!(
        body["fields"]["password"].as_str().unwrap().contains("weak"),
        "{body}"
    );
    assert!(body["fields"].get("email").is_none());

    let missing = app.post_json("/api/auth/signup", &json!({})).await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn login_accepts_the_right_password_in_any_email_case(backend: Backend) {
    let app = spawn_app(backend).await;
    let signed_up = app.signed_up("ada@example.com").await;
    let response = app.login(" ADA@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let session = Session::from(response).await;
    assert_eq!(session.body["user"]["id"], signed_up.body["user"]["id"]);
    let me = app.get_with_token("/api/me", &session.access_token).await;
    assert_eq!(me.status(), StatusCode::OK);
}

async fn login_gives_one_answer_for_a_wrong_password_and_an_unknown_email(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("ada@example.com").await;

    let wrong_password = app
        .login("ada@example.com", "correct horse battery stapler")
        .await;
    let unknown_email = app.login("nobody@example.com", PASSWORD).await;
    for response in [wrong_password, unknown_email] {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
        assert!(refresh_set_cookie(&response).is_none());
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            body,
            json!({"error": "invalid_credentials", "message": "The email or password is not correct."})
        );
    }
}

async fn me_answers_with_the_user_for_a_valid_bearer_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    let response = app.get_with_token("/api/me", &session.access_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["id"], session.body["user"]["id"]);
    assert_eq!(body["email"], "ada@example.com");
    let created = body["created_at"].as_str().unwrap();
    assert!(
        created.ends_with('Z') && created.contains('T'),
        "RFC 3339: {created}"
    );
}

/// On SQLite the account is read on the writer connection, which the rotation's reads also
/// use: a change committed through another connection afterwards shows, the rotation having
/// left no snapshot open. (Once read, `/api/me` is served from memory; a change made outside
/// Latch then shows within a minute, `profiles.rs`.)
async fn me_shows_the_account_as_committed_after_the_session_rotated(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.signed_up("ada@example.com").await;
    let session = Session::from(app.refresh(&first.refresh_token).await).await;
    let email =
        |response: reqwest::Response| async move { response.json::<Value>().await.unwrap()["email"].clone() };

    let change = "UPDATE users SET email = 'ada@new.example'";
    server::with_pool!(&app.db, |pool| sqlx::query(change).execute(pool).await.map(drop)).unwrap();
    assert_eq!(
        email(app.get_with_token("/api/me", &session.access_token).await).await,
        "ada@new.example"
    );
}

async fn me_without_a_token_is_401_with_a_bearer_challenge(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/api/me").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(error_code(response).await, "unauthenticated");

    let response = app.get_with_token("/api/me", "not.a.jwt").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        r#"Bearer error="invalid_token""#
    );
    assert_eq!(error_code(response).await, "invalid_token");
}

async fn refresh_rotates_the_cookie_and_issues_a_working_access_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let first = app.signed_up("ada@example.com").await;

    let response = app.refresh(&first.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let second = Session::from(response).await;
    assert_ne!(
        second.refresh_token, first.refresh_token,
        "rotation issues a new refresh token"
    );
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(second.body["user"], first.body["user"]);
    app.assert_session_alive(&second).await;

    let third = Session::from(app.refresh(&second.refresh_token).await).await;
    assert_ne!(third.refresh_token, second.refresh_token);
}

async fn refresh_without_a_cookie_or_with_garbage_is_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let no_cookie = app
        .client
        .post(app.url("/api/auth/refresh"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_cookie.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(no_cookie).await, "missing_refresh_token");

    for garbage in ["x", "%%%", &"A".repeat(43), &"é".repeat(300)] {
        let response = app.refresh(garbage).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{garbage}");
        let cleared = refresh_set_cookie(&response).expect("the bad cookie is cleared");
        assert!(cleared.to_ascii_lowercase().contains("max-age=0"));
        assert_eq!(error_code(response).await, "invalid_refresh_token");
    }
}

async fn logout_revokes_the_session_and_clears_the_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;

    let response = app.logout(&session.refresh_token).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let cleared = refresh_set_cookie(&response).expect("cookie cleared");
    assert_eq!(cookie_value(&cleared), "");
    assert!(cleared.to_ascii_lowercase().contains("max-age=0"));
    assert!(cleared.to_ascii_lowercase().contains("path=/api/auth"));

    let again = app.refresh(&session.refresh_token).await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(again).await, "session_revoked");
}

async fn each_sign_in_is_its_own_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let laptop = app.signed_up("ada@example.com").await;
    let phone = Session::from(app.login("ada@example.com", PASSWORD).await).await;

    assert_eq!(
        app.logout(&phone.refresh_token).await.status(),
        StatusCode::NO_CONTENT
    );
    let response = app.refresh(&laptop.refresh_token).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "signing out the phone leaves the laptop signed in"
    );
}

async fn an_expired_session_cannot_be_refreshed(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &["--session-idle-timeout", "1", "--session-lifetime", "60"],
    )
    .await;
    let session = app.signed_up("ada@example.com").await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = app.refresh(&session.refresh_token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(response).await, "session_expired");
}
