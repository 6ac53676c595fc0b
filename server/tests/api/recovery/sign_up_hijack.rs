//! Sign-up pre-hijacking: a stranger who signs up someone else's address must never choose the
//! password that the owner's confirmation applies, and a confirmed account's password is
//! never replaced by a sign-up link.

use reqwest::StatusCode;

use super::{
    confirmed, open_link, refused_link,
    reset::{NEW_PASSWORD, confirm_reset, request_reset},
    spawn_with_mail,
};
use crate::helpers::{Backend, PASSWORD, TestApp, on_both_backends};

on_both_backends!(
    a_strangers_later_sign_up_never_sets_the_owners_password,
    confirming_cancels_the_other_sign_up_links,
    a_reset_confirms_the_account_and_cancels_sign_up_links,
    sign_up_mails_count_towards_the_mails_per_address,
    concurrent_reset_requests_leave_one_usable_link,
);

const STRANGER_PASSWORD: &str = "the stranger's very own passphrase";

async fn sign_up_from(app: &TestApp, email: &str, password: &str, address: &str) -> StatusCode {
    app.client
        .post(app.url("/api/auth/signup"))
        .header("x-forwarded-for", address)
        .json(&serde_json::json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap()
        .status()
}

async fn a_strangers_later_sign_up_never_sets_the_owners_password(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    assert_eq!(app.signup("ida@example.com", PASSWORD).await.status(), StatusCode::ACCEPTED);
    let owners = sink.nth_to("ida@example.com", 1).await.token("/verify-email");
    let stranger = app.signup("ida@example.com", STRANGER_PASSWORD).await;
    assert_eq!(stranger.status(), StatusCode::ACCEPTED);
    sink.nth_to("ida@example.com", 2).await;

    let opened = open_link(&app, "/api/auth/verify-email", &owners).await;
    assert_eq!(opened.status(), StatusCode::OK, "the owner's link still works");
    let refused = app.login("ida@example.com", STRANGER_PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("ida@example.com", PASSWORD).await.status(), StatusCode::OK);
}

async fn confirming_cancels_the_other_sign_up_links(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    app.signup("jan@example.com", PASSWORD).await;
    app.signup("jan@example.com", STRANGER_PASSWORD).await;
    let owners = sink.nth_to("jan@example.com", 1).await.token("/verify-email");
    let strangers = sink.nth_to("jan@example.com", 2).await.token("/verify-email");

    let opened = open_link(&app, "/api/auth/verify-email", &owners).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let stale = open_link(&app, "/api/auth/verify-email", &strangers).await;
    assert_eq!(refused_link(stale).await, "invalid_or_expired_link");
    assert_eq!(app.login("jan@example.com", PASSWORD).await.status(), StatusCode::OK);
}

async fn a_reset_confirms_the_account_and_cancels_sign_up_links(backend: Backend) {
    let (app, sink) = spawn_with_mail(backend, &[]).await;
    // The stranger signs up first; the owner, finding the address taken, resets the password.
    app.signup("kay@example.com", STRANGER_PASSWORD).await;
    let strangers = sink.nth_to("kay@example.com", 1).await.token("/verify-email");
    request_reset(&app, "kay@example.com").await;
    let reset = sink.nth_to("kay@example.com", 2).await.token("/reset-password");
    assert_eq!(confirm_reset(&app, &reset, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);

    let stale = open_link(&app, "/api/auth/verify-email", &strangers).await;
    assert_eq!(refused_link(stale).await, "invalid_or_expired_link");
    let refused = app.login("kay@example.com", STRANGER_PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("kay@example.com", NEW_PASSWORD).await.status(), StatusCode::OK);
}

async fn sign_up_mails_count_towards_the_mails_per_address(backend: Backend) {
    let settings = ["--mails-per-account", "2", "--trusted-proxies", "127.0.0.1"];
    let (app, sink) = spawn_with_mail(backend, &settings).await;
    for client in ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"] {
        let status = sign_up_from(&app, "lou@example.com", PASSWORD, client).await;
        assert_eq!(status, StatusCode::ACCEPTED, "the answer never changes");
    }
    sink.nth_to("lou@example.com", 2).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.to("lou@example.com").len(), 2, "five sign-ups, two mails");
}

async fn concurrent_reset_requests_leave_one_usable_link(backend: Backend) {
    let settings = ["--mails-per-account", "1000", "--signups-per-address", "1000"];
    let (app, sink) = spawn_with_mail(backend, &settings).await;
    confirmed(&app, &sink, "max@example.com").await;
    // Rounds of bursts: each request stores its link in the background, so the bursts give
    // the stores every chance to overlap.
    let mut mailed = 1;
    for _ in 0..5 {
        let requests = (0..24).map(|_| request_reset(&app, "max@example.com"));
        for response in futures::future::join_all(requests).await {
            assert_eq!(response.status(), StatusCode::ACCEPTED);
        }
        mailed += 24;
        sink.nth_to("max@example.com", mailed).await;
        let usable: i64 = server::with_pool!(&app.db, |pool| sqlx::query_scalar(
            "SELECT COUNT(*) FROM email_links WHERE purpose = 'reset_password' AND used_at IS NULL"
        )
        .fetch_one(pool)
        .await
        .unwrap());
        assert_eq!(usable, 1, "one usable reset link after a burst of 24 requests");
    }
}
