//! `GET /api/me` is served from memory while the account is unchanged, and never shows it as
//! it was once it changes: at once on the instance that changed it, within a second on every
//! other instance sharing the PostgreSQL, even when an instance's listener was just cut.

use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, PASSWORD, Session, TestDatabase},
    process::{Instance, cut_listeners, holds_within},
    smtp_sink::SmtpSink,
};

async fn email_on(client: &Client, instance: &Instance, session: &Session) -> String {
    let me = client
        .get(format!("{}/api/me", instance.address))
        .bearer_auth(&session.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = me.json().await.unwrap();
    me["email"].as_str().unwrap().to_owned()
}

/// How long until `instance` shows `email`, polling for at most three seconds.
async fn shown_within(
    client: &Client,
    instance: &Instance,
    session: &Session,
    email: &str,
) -> Option<Duration> {
    holds_within(Duration::from_secs(3), || async {
        email_on(client, instance, session).await == email
    })
    .await
}

async fn post(
    client: &Client,
    instance: &Instance,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> StatusCode {
    let request = client.post(format!("{}{path}", instance.address)).json(&body);
    let request = match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    };
    request.send().await.unwrap().status()
}

/// Changes the account's address to `to` through `instance`.
async fn change(client: &Client, instance: &Instance, sink: &SmtpSink, session: &Session, to: &str) {
    let asked = json!({ "new_email": to, "current_password": PASSWORD });
    let token = Some(session.access_token.as_str());
    assert_eq!(
        post(client, instance, "/api/account/email", token, asked).await,
        StatusCode::ACCEPTED
    );
    let link = sink.nth_to(to, 1).await.token("/confirm-email");
    let confirmed = post(
        client,
        instance,
        "/api/account/email/confirm",
        None,
        json!({ "token": link }),
    )
    .await;
    assert_eq!(confirmed, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_changed_address_shows_at_once_here_and_within_a_second_elsewhere() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("latch.secret");
    let secret_file = secret_file.to_str().unwrap();
    let sink = SmtpSink::start();
    let smtp_url = sink.url("");
    let settings = [
        ("LATCH_EMAIL_VERIFICATION", "required"),
        ("LATCH_SMTP_URL", smtp_url.as_str()),
        ("LATCH_MAIL_FROM", "Latch <no-reply@example.com>"),
        ("LATCH_MAILS_PER_ACCOUNT", "20"),
    ];
    let a = Instance::start_with(database.url(), secret_file, &settings).await;
    let b = Instance::start_with(database.url(), secret_file, &settings).await;
    let client = Client::new();

    let credentials = json!({ "email": "ada@example.com", "password": PASSWORD });
    assert_eq!(
        post(&client, &a, "/api/auth/signup", None, credentials).await,
        StatusCode::ACCEPTED
    );
    let link = sink.nth_to("ada@example.com", 1).await.token("/verify-email");
    let opened = client
        .post(format!("{}/api/auth/verify-email", a.address))
        .json(&json!({ "token": link }))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::OK);
    let session = Session::from(opened).await;

    // Both instances have read the account, so both may serve it from memory now.
    for instance in [&a, &b, &a, &b] {
        assert_eq!(email_on(&client, instance, &session).await, "ada@example.com");
    }

    change(&client, &a, &sink, &session, "ada@new.example").await;
    assert_eq!(
        email_on(&client, &a, &session).await,
        "ada@new.example",
        "the instance that made the change shows it at once"
    );
    let shown = shown_within(&client, &b, &session, "ada@new.example").await;
    println!("the other instance showed the new address after {shown:?}");
    assert!(
        shown.is_some_and(|after| after < Duration::from_millis(1500)),
        "{shown:?}"
    );

    // B's listener is cut (a failover would do it) just before the next change: what B
    // remembered must not outlive the change it may not have heard.
    assert_eq!(email_on(&client, &b, &session).await, "ada@new.example");
    let admin = sqlx::PgPool::connect(database.url()).await.unwrap();
    assert!(cut_listeners(&admin).await > 0, "no listener connection to cut");
    change(&client, &a, &sink, &session, "ada@third.example").await;
    let shown = shown_within(&client, &b, &session, "ada@third.example").await;
    println!("after its listener was cut, the other instance showed it after {shown:?}");
    assert!(
        shown.is_some_and(|after| after < Duration::from_millis(1500)),
        "{shown:?}"
    );
}
