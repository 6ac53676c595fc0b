//! Promises that must hold when requests overlap, not only one at a time.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Backend, PASSWORD, Session, on_both_backends, spawn_app_with};

on_both_backends!(a_sign_in_racing_a_password_change_does_not_outlive_it);

/// Sign-ins with the old password keep arriving while the owner changes it. Some checked the
/// old password before the change committed and open their session after: each of those must
/// be refused at once (or never created), or a thief who knew the old password would keep a
/// session that the change was meant to end.
async fn a_sign_in_racing_a_password_change_does_not_outlive_it(backend: Backend) {
    let settings = [
        "--login-attempts-per-account",
        "1000",
        "--login-attempts-per-address",
        "1000",
        "--hash-queue",
        "1000",
    ];
    let app = spawn_app_with(backend, &settings).await;
    let owner = app.signed_up("ada@example.com").await;

    let sign_ins = (0..60u64).map(|i| {
        let app = &app;
        async move {
            tokio::time::sleep(Duration::from_millis(i * 5)).await;
            app.login("ada@example.com", PASSWORD).await
        }
    });
    let change = async {
        tokio::time::sleep(Duration::from_millis(120)).await;
        app.client
            .post(app.url("/api/account/password"))
            .bearer_auth(&owner.access_token)
            .json(&json!({"current_password": PASSWORD, "new_password": "a brand new passphrase of mine"}))
            .send()
            .await
            .unwrap()
    };
    let (answers, changed) = tokio::join!(futures::future::join_all(sign_ins), change);
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);

    let mut opened = 0;
    let mut survivors = 0;
    for answer in answers {
        if answer.status() != StatusCode::OK {
            assert_eq!(
                answer.status(),
                StatusCode::UNAUTHORIZED,
                "wrong password, after the change"
            );
            continue;
        }
        opened += 1;
        let session = Session::from(answer).await;
        if app.refresh(&session.refresh_token).await.status() == StatusCode::OK {
            survivors += 1;
        }
    }
    assert!(opened > 0, "some sign-ins came before the change");
    assert_eq!(
        survivors, 0,
        "{survivors} of {opened} sessions opened with the old password outlived the change"
    );
}
