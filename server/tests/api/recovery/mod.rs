//! Account recovery against a real SMTP server started by the test: confirming a sign-up,
//! resetting a password, changing the address and undoing it, the security notices, and the
//! promise that none of it tells a stranger which addresses have accounts.

mod address;
mod enumeration;
mod notices;
mod passkey_takeover;
mod reset;
mod sign_up_hijack;
mod takeover;
mod verify;

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, PASSWORD, Session, TestApp, spawn_app_with},
    smtp_sink::SmtpSink,
};

/// A server with confirmation required, mailing through a fresh SMTP server.
pub async fn spawn_with_mail(backend: Backend, extra: &[&str]) -> (TestApp, SmtpSink) {
    let sink = SmtpSink::start();
    let url = sink.url("");
    let mut settings = vec![
        "--email-verification",
        "required",
        "--smtp-url",
        &url,
        "--mail-from",
        "Latch <no-reply@example.com>",
    ];
    settings.extend_from_slice(extra);
    (spawn_app_with(backend, &settings).await, sink)
}

/// POSTs `{token}` to one of the link endpoints.
pub async fn open_link(app: &TestApp, path: &str, token: &str) -> Response {
    app.post_json(path, &json!({ "token": token })).await
}

/// Signs up, opens the mailed link, and returns the session it started.
pub async fn confirmed(app: &TestApp, sink: &SmtpSink, email: &str) -> Session {
    let before = sink.to(email).len();
    let response = app.signup(email, PASSWORD).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let mail = sink.nth_to(email, before + 1).await;
    let opened = open_link(app, "/api/auth/verify-email", &mail.token("/verify-email")).await;
    assert_eq!(opened.status(), StatusCode::OK, "the confirmation link signs in");
    Session::from(opened).await
}

/// The error code of a 400 from a link endpoint.
pub async fn refused_link(response: Response) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    crate::helpers::error_code(response).await
}

/// The account's profile as `GET /api/me` shows it.
pub async fn me(app: &TestApp, session: &Session) -> Value {
    let response = app.get_with_token("/api/me", &session.access_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Makes every stored link of every account expire now.
pub async fn expire_links(app: &TestApp) {
    server::with_pool!(&app.db, |pool| sqlx::query(
        "UPDATE email_links SET expires_at = 0"
    )
    .execute(pool)
    .await
    .map(drop)
    .unwrap());
}
