//! Issue 27: made-up sign-ins from many addresses must not fill the per-account throttle and
//! lock every owner out. The table is made small so a few thousand requests overfill it.

use futures::{StreamExt, stream};
use reqwest::{Response, StatusCode};
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, TestApp, on_both_backends, spawn_app_with};

on_both_backends!(a_flood_of_made_up_sign_ins_does_not_lock_out_an_untouched_owner);

const ADDRESSES: usize = 25;
const GUESSES_PER_ADDRESS: usize = 4;
const SIGN_INS: usize = 2_000;
const OWNERS_ADDRESS: &str = "198.51.100.7";

/// A sign-in from a browser with no cookies, relayed by the trusted proxy for `address`.
async fn login_from(app: &TestApp, email: &str, password: &str, address: &str) -> Response {
    app.client
        .post(app.url("/api/auth/login"))
        .header("x-forwarded-for", address)
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .expect("request reaches the server")
}

async fn a_flood_of_made_up_sign_ins_does_not_lock_out_an_untouched_owner(backend: Backend) {
    let settings = [
        "--trusted-proxies",
        "127.0.0.1",
        "--throttle-capacity",
        "50",
        "--login-attempts-per-address",
        "4",
    ];
    let app = spawn_app_with(backend, &settings).await;
    let owner = app
        .client
        .post(app.url("/api/auth/signup"))
        .header("x-forwarded-for", OWNERS_ADDRESS)
        .json(&json!({ "email": "owner@example.com", "password": PASSWORD }))
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(owner.status(), StatusCode::CREATED);

    // 100 guesses checked (4 from each of 25 addresses), twice what the table holds; the
    // rest refused per address. At most 16 in flight, so the hashing queue refuses none.
    let statuses: Vec<StatusCode> = stream::iter(0..SIGN_INS)
        .map(|i| {
            let app = &app;
            async move {
                let email = format!("made-up-{i}@example.com");
                let address = format!("203.0.113.{}", i % ADDRESSES);
                login_from(app, &email, "a made-up guess", &address)
                    .await
                    .status()
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let throttled = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + throttled, SIGN_INS, "only 401 and 429: {statuses:?}");

    let signed_in = login_from(&app, "owner@example.com", PASSWORD, OWNERS_ADDRESS).await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "the owner signs in on the first try"
    );
    assert_eq!(
        checked,
        ADDRESSES * GUESSES_PER_ADDRESS,
        "each address had its guesses, a full table notwithstanding"
    );
}
