//! Password guessing is slow and cannot be turned against the owner: failures throttled per
//! account, attempts counted before any is hashed, the owner's password change not blocked
//! by strangers' failures, and a flood refused beyond the hashing queue.

use reqwest::{StatusCode, header};

use crate::helpers::{
    Backend, PASSWORD, error_code, on_both_backends, set_cookie_value, spawn_app, spawn_app_with,
};

on_both_backends!(
    repeated_failed_sign_ins_are_throttled_per_account,
    concurrent_wrong_passwords_are_counted_before_any_is_hashed,
    a_locked_out_account_can_still_change_its_password,
    a_sign_in_flood_beyond_the_hashing_queue_is_refused_fast,
    sign_ups_are_throttled_per_address,
    a_browser_that_signed_in_before_is_not_locked_out_by_strangers,
);

async fn repeated_failed_sign_ins_are_throttled_per_account(backend: Backend) {
    let app = spawn_app_with(backend, &["--login-attempts-per-account", "3"]).await;
    app.signed_up("ada@example.com").await;
    for _ in 0..3 {
        assert_eq!(
            app.login("ada@example.com", "wrong password here").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let throttled = app.login("ADA@example.com", PASSWORD).await;
    assert_eq!(
        throttled.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    let retry_after: u64 = throttled.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 15 * 60);
    assert_eq!(error_code(throttled).await, "rate_limited");
    assert_eq!(
        app.login("nobody@example.com", "wrong password here")
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "other accounts are unaffected"
    );
}

async fn sign_ups_are_throttled_per_address(backend: Backend) {
    let app = spawn_app_with(backend, &["--signups-per-address", "3"]).await;
    for i in 0..3 {
        app.signed_up(&format!("user{i}@example.com")).await;
    }
    let refused = app.signup("user3@example.com", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(error_code(refused).await, "rate_limited");
    assert_eq!(
        app.login("user3@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED,
        "no account was created"
    );
    assert_eq!(
        app.login("user0@example.com", PASSWORD).await.status(),
        StatusCode::OK,
        "signing in is not a sign-up"
    );
}

/// OWASP's device cookies: strangers' failures lock the account for strangers only.
async fn a_browser_that_signed_in_before_is_not_locked_out_by_strangers(backend: Backend) {
    let app = spawn_app(backend).await;
    let signed_up = app.signup("ada@example.com", PASSWORD).await;
    let device = set_cookie_value(&signed_up, "latch_device").expect("a device cookie is set");
    let owners_browser = format!("latch_device={device}");
    app.signed_up("bob@example.com").await;
    for email in ["ada@example.com", "bob@example.com"] {
        for _ in 0..5 {
            assert_eq!(
                app.login(email, "a stranger's guess").await.status(),
                StatusCode::UNAUTHORIZED
            );
        }
    }
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a browser new to the account is locked out"
    );

    let owner = app
        .login_with_cookie("ada@example.com", PASSWORD, &owners_browser)
        .await;
    assert_eq!(owner.status(), StatusCode::OK, "the owner's browser is not");
    assert_eq!(
        app.login_with_cookie("bob@example.com", PASSWORD, &owners_browser)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the cookie vouches for its own account only"
    );
    let other_last = if device.ends_with('A') { "B" } else { "A" };
    let forged = format!("latch_device={}{other_last}", &device[..device.len() - 1]);
    assert_eq!(
        app.login_with_cookie("ada@example.com", PASSWORD, &forged)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a forged cookie vouches for nothing"
    );

    // A device cookie that guesses wrong is locked out on its own.
    for _ in 0..5 {
        let guess = app
            .login_with_cookie("ada@example.com", "a wrong guess", &owners_browser)
            .await;
        assert_eq!(guess.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        app.login_with_cookie("ada@example.com", PASSWORD, &owners_browser)
            .await
            .status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn concurrent_wrong_passwords_are_counted_before_any_is_hashed(backend: Backend) {
    let app = spawn_app(backend).await;
    app.signed_up("ada@example.com").await;

    let guesses: Vec<String> = (0..50).map(|i| format!("wrong guess number {i}")).collect();
    let answers =
        futures::future::join_all(guesses.iter().map(|guess| app.login("ada@example.com", guess))).await;

    let refused = answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    let throttled: Vec<_> = answers
        .iter()
        .filter(|r| r.status() == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        refused <= 5,
        "{refused} guesses were checked against a limit of 5"
    );
    assert_eq!(
        refused + throttled.len(),
        50,
        "every guess is refused or throttled"
    );
    assert!(
        throttled
            .iter()
            .all(|r| r.headers().contains_key(header::RETRY_AFTER))
    );
}

async fn a_locked_out_account_can_still_change_its_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.signed_up("ada@example.com").await;
    for _ in 0..5 {
        assert_eq!(
            app.login("ada@example.com", "a stranger's guess").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "sign-in is locked for now"
    );

    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/api/account/password"))
            .bearer_auth(&owner.access_token)
            .json(&serde_json::json!({"current_password": current, "new_password": new}))
            .send()
    };
    let changed = change(PASSWORD, "a brand new passphrase of mine").await.unwrap();
    assert_eq!(
        changed.status(),
        StatusCode::NO_CONTENT,
        "the signed-in owner is not locked out"
    );

    // Guessing the current password from a session has a limit of its own.
    for _ in 0..5 {
        let wrong = change("not the current one", "another new passphrase here")
            .await
            .unwrap();
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let throttled = change("not the current one", "another new passphrase here")
        .await
        .unwrap();
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
}

async fn a_sign_in_flood_beyond_the_hashing_queue_is_refused_fast(backend: Backend) {
    let settings = [
        "--hash-concurrency",
        "1",
        "--hash-queue",
        "2",
        "--login-attempts-per-address",
        "1000",
    ];
    let app = spawn_app_with(backend, &settings).await;
    let emails: Vec<String> = (0..30).map(|i| format!("nobody{i}@example.com")).collect();
    let answers =
        futures::future::join_all(emails.iter().map(|email| app.login(email, "some password guess"))).await;

    let checked = answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNAUTHORIZED)
        .count();
    let refused: Vec<_> = answers
        .iter()
        .filter(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    assert_eq!(checked + refused.len(), 30, "every sign-in is checked or refused");
    assert!(
        checked >= 3,
        "the slot and the queue were used: {checked} checked"
    );
    assert!(
        !refused.is_empty(),
        "beyond one slot and two queued, sign-ins are refused"
    );
    assert!(
        refused
            .iter()
            .all(|r| r.headers().contains_key(header::RETRY_AFTER))
    );
}
