//! The worked example built on Latch's public server API (`server/src/notes`): each account's
//! own notes. Nobody reads or deletes another account's notes, input is checked per field,
//! deleting them all needs a recent sign-in, and they go with the account.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Backend, PASSWORD, Session, TestApp, error_code, on_both_backends, spawn_app};

on_both_backends!(
    a_user_sees_and_deletes_only_their_own_notes,
    what_a_note_may_hold_is_checked_per_field,
    an_account_keeps_at_most_five_hundred_notes,
    deleting_every_note_needs_a_recent_sign_in,
    notes_need_a_session_and_go_with_the_account,
    the_account_export_holds_the_owner_s_notes_and_no_one_else_s,
);

async fn add(app: &TestApp, session: &Session, text: &str) -> reqwest::Response {
    app.post_with_token("/api/notes", &session.access_token, &json!({ "text": text }))
        .await
}

async fn notes(app: &TestApp, session: &Session) -> Vec<String> {
    app.get_list("/api/notes", &session.access_token)
        .await
        .iter()
        .map(|note| note["text"].as_str().unwrap().to_owned())
        .collect()
}

async fn a_user_sees_and_deletes_only_their_own_notes(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.signed_up("ada@example.com").await;
    let bo = app.signed_up("bo@example.com").await;
    let first = add(&app, &ada, "buy milk").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["text"], "buy milk");
    add(&app, &ada, "  call the bank\n").await;
    add(&app, &bo, "bo's own").await;

    assert_eq!(
        notes(&app, &ada).await,
        ["call the bank", "buy milk"],
        "newest first, trimmed"
    );
    assert_eq!(notes(&app, &bo).await, ["bo's own"]);

    let id = first["id"].as_str().unwrap();
    let theirs = app
        .delete_with_token(&format!("/api/notes/{id}"), &bo.access_token)
        .await;
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "as if it did not exist");
    assert_eq!(notes(&app, &ada).await.len(), 2, "ada's note is still there");
    let own = app
        .delete_with_token(&format!("/api/notes/{id}"), &ada.access_token)
        .await;
    assert_eq!(own.status(), StatusCode::NO_CONTENT);
    assert_eq!(notes(&app, &ada).await, ["call the bank"]);
    let again = app
        .delete_with_token(&format!("/api/notes/{id}"), &ada.access_token)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

async fn what_a_note_may_hold_is_checked_per_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.signed_up("ada@example.com").await;
    for refused in ["", "   \n ", "nul\u{0} byte", &"x".repeat(1001)] {
        let answer = add(&app, &ada, refused).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
        let body: Value = answer.json().await.unwrap();
        assert!(body["fields"]["text"].is_string(), "{body}");
    }
    let missing = app
        .post_with_token("/api/notes", &ada.access_token, &json!({}))
        .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A thousand characters, two bytes each: the limit counts characters.
    let longest = "é".repeat(1000);
    assert_eq!(add(&app, &ada, &longest).await.status(), StatusCode::CREATED);
    assert_eq!(notes(&app, &ada).await, [longest]);
}

async fn an_account_keeps_at_most_five_hundred_notes(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.signed_up("ada@example.com").await;
    let bo = app.signed_up("bo@example.com").await;
    for i in 0..500 {
        assert_eq!(
            add(&app, &ada, &format!("note {i}")).await.status(),
            StatusCode::CREATED
        );
    }
    let over = add(&app, &ada, "one more").await;
    assert_eq!(over.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(over).await, "invalid_fields");
    assert_eq!(
        add(&app, &bo, "mine").await.status(),
        StatusCode::CREATED,
        "per account"
    );
}

async fn deleting_every_note_needs_a_recent_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.signed_up("ada@example.com").await;
    add(&app, &ada, "keep me").await;
    app.age_authentication(Duration::from_secs(5 * 60 + 1)).await;

    let refused = app.delete_with_token("/api/notes", &ada.access_token).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(refused).await, "reauthentication_required");
    assert_eq!(notes(&app, &ada).await, ["keep me"], "nothing deleted");

    let confirmed = app
        .post_with_token(
            "/api/auth/reauthenticate",
            &ada.access_token,
            &json!({ "password": PASSWORD }),
        )
        .await;
    assert_eq!(confirmed.status(), StatusCode::NO_CONTENT);
    let deleted = app.delete_with_token("/api/notes", &ada.access_token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(notes(&app, &ada).await.is_empty());
}

async fn notes_need_a_session_and_go_with_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/api/notes").await.status(), StatusCode::UNAUTHORIZED);
    let ada = app.signed_up("ada@example.com").await;
    add(&app, &ada, "private").await;
    let deleted = app.delete_with_token("/api/account", &ada.access_token).await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let left: (i64,) = server::with_pool!(&app.db, |pool| {
        sqlx::query_as("SELECT COUNT(*) FROM notes")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert_eq!(left.0, 0, "the account's notes went with it");
    assert_eq!(
        app.get_with_token("/api/notes", &ada.access_token).await.status(),
        StatusCode::UNAUTHORIZED,
        "and its token with its sessions"
    );
}

async fn the_account_export_holds_the_owner_s_notes_and_no_one_else_s(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.signed_up("ada@example.com").await;
    let bo = app.signed_up("bo@example.com").await;
    for text in ["buy milk", "call the bank"] {
        add(&app, &ada, text).await;
    }
    add(&app, &bo, "bo's secret").await;
    let export: Value = app.get_with_token("/api/account/export", &ada.access_token).await.json().await.unwrap();
    let texts: Vec<&str> = export["product"]["notes"]
        .as_array()
        .expect("the product's data is in the export")
        .iter()
        .map(|note| note["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["call the bank", "buy milk"]);
    let empty: Value = app.get_with_token("/api/account/export", &app.signed_up("cy@example.com").await.access_token).await.json().await.unwrap();
    assert_eq!(empty["product"]["notes"], json!([]));
}
