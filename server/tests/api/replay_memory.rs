//! The memory of spent DPoP proofs: only a request that is otherwise accepted spends a place,
//! so strangers with throw-away keys cannot fill it; and a full memory makes a request wait
//! (503, `Retry-After`), never look like a proof from the wrong key.

use reqwest::{Response, StatusCode, header};
use serde_json::json;

use crate::{
    device_key::DeviceKey,
    helpers::{Backend, ORIGIN, PASSWORD, Session, TestApp, error_code, on_both_backends, spawn_app_with},
};

on_both_backends!(
    throwaway_keys_without_credentials_cannot_lock_out_a_bound_session,
    a_full_memory_answers_503_with_retry_after_and_records_nothing,
    one_key_past_its_share_waits_while_other_keys_go_on,
    a_refused_sign_in_does_not_spend_its_proof_and_a_used_one_counts_once,
);

const EMAIL: &str = "ada@example.com";
const BLOCKED_MAIL: &str = "A stolen sign-in cookie was refused";

async fn bound_app(backend: Backend, settings: &[&str]) -> (TestApp, DeviceKey, Session) {
    let mut all = vec!["--device-binding", "require", "--refresh-grace", "0"];
    all.extend_from_slice(settings);
    let app = spawn_app_with(backend, &all).await;
    let key = DeviceKey::new();
    let response = app.start_bound("/api/auth/signup", EMAIL, &key).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let session = Session::from(response).await;
    (app, key, session)
}

/// Blocked attempts the server recorded, read from the table (a full memory would also keep
/// the owner from reading their security page).
async fn blocked_events(app: &TestApp) -> i64 {
    let sql = "SELECT COUNT(*) FROM security_events WHERE kind = 'refresh_without_device_key'";
    server::with_pool!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
        .fetch_one(pool)
        .await
        .unwrap())
}

/// Whether the owner was mailed about a blocked stolen cookie (mail goes out in the
/// background, so give it a moment first).
async fn blocked_mail_sent(app: &TestApp) -> bool {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let latest = app.get(&format!("/dev/outbox/latest.json?to={EMAIL}")).await;
    if latest.status() == StatusCode::NOT_FOUND {
        return false;
    }
    let mail: serde_json::Value = latest.json().await.unwrap();
    mail["subject"] == BLOCKED_MAIL
}

async fn assert_told_to_wait(response: Response) {
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let seconds: u64 = response.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=600).contains(&seconds), "Retry-After {seconds}");
    assert!(
        crate::helpers::refresh_set_cookie(&response).is_none(),
        "the cookie is kept"
    );
    assert_eq!(error_code(response).await, "unavailable");
}

/// POSTs `body` to `path` with a proof from a key made for this one request.
async fn post_with_throwaway_key(
    app: &TestApp,
    path: &str,
    nonce: &str,
    body: serde_json::Value,
) -> Response {
    let proof = DeviceKey::new().proof("POST", &app.htu(path), nonce, None);
    app.client
        .post(app.url(path))
        .header(header::ORIGIN, ORIGIN)
        .header("DPoP", proof)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn throwaway_keys_without_credentials_cannot_lock_out_a_bound_session(backend: Backend) {
    let (app, owner, session) = bound_app(backend, &["--dpop-proof-memory", "6"]).await;
    let nonce = app.nonce().await;
    let mut strangers = Vec::new();
    for i in 0..8 {
        let no_cookie = post_with_throwaway_key(&app, "/api/auth/refresh", &nonce, json!({})).await;
        let credentials = json!({"email": format!("nobody{i}@example.com"), "password": "wrong password"});
        let wrong = post_with_throwaway_key(&app, "/api/auth/login", &nonce, credentials).await;
        let link = json!({"token": format!("not-a-link-{i}")});
        let bad_link = post_with_throwaway_key(&app, "/api/auth/verify-email", &nonce, link).await;
        strangers.extend([no_cookie, wrong, bad_link].map(|response| response.status()));
    }

    let refreshed = app.refresh_bound(&session.refresh_token, &owner).await;
    assert_eq!(
        refreshed.status(),
        StatusCode::OK,
        "the owner refreshes: {:?}",
        refreshed.text().await
    );
    let refreshed = Session::from(refreshed).await;
    let events = app
        .get_bound("/api/security-events", &refreshed.access_token, &owner)
        .await;
    assert_eq!(events.status(), StatusCode::OK);
    let events: Vec<serde_json::Value> = events.json().await.unwrap();
    assert!(
        events
            .iter()
            .all(|event| event["kind"] != "refresh_without_device_key"),
        "{events:?}"
    );
    assert!(!blocked_mail_sent(&app).await, "no theft mail");
    let expected = [
        StatusCode::UNAUTHORIZED,
        StatusCode::UNAUTHORIZED,
        StatusCode::BAD_REQUEST,
    ];
    assert_eq!(strangers, expected.repeat(8), "each stranger got its own answer");
}

async fn a_full_memory_answers_503_with_retry_after_and_records_nothing(backend: Backend) {
    // The sign-up's proof and two calls fill it.
    let (app, owner, session) = bound_app(backend, &["--dpop-proof-memory", "3"]).await;
    for _ in 0..2 {
        let me = app.get_bound("/api/me", &session.access_token, &owner).await;
        assert_eq!(me.status(), StatusCode::OK);
    }

    assert_told_to_wait(app.refresh_bound(&session.refresh_token, &owner).await).await;
    assert_told_to_wait(app.get_bound("/api/me", &session.access_token, &owner).await).await;
    let proof = owner.proof("POST", &app.htu("/api/auth/logout"), &app.nonce().await, None);
    let logout = app
        .post_with_proof("/api/auth/logout", &session.refresh_token, Some(&proof))
        .await;
    assert_told_to_wait(logout).await;

    assert_eq!(blocked_events(&app).await, 0, "no blocked attempt recorded");
    assert!(!blocked_mail_sent(&app).await, "no theft mail");
    let live = "SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL";
    let live = server::with_pool!(&app.db, |pool| sqlx::query_scalar::<_, i64>(live)
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(live, 1, "the session was neither ended nor doubled");
}

async fn one_key_past_its_share_waits_while_other_keys_go_on(backend: Backend) {
    let (app, owner, session) = bound_app(backend, &["--dpop-proofs-per-key", "3"]).await;
    for _ in 0..2 {
        let me = app.get_bound("/api/me", &session.access_token, &owner).await;
        assert_eq!(me.status(), StatusCode::OK);
    }
    assert_told_to_wait(app.get_bound("/api/me", &session.access_token, &owner).await).await;
    assert_told_to_wait(app.refresh_bound(&session.refresh_token, &owner).await).await;

    let other = DeviceKey::new();
    let bob = app
        .start_bound("/api/auth/signup", "bob@example.com", &other)
        .await;
    assert_eq!(bob.status(), StatusCode::CREATED);
    let bob = Session::from(bob).await;
    let me = app.get_bound("/api/me", &bob.access_token, &other).await;
    assert_eq!(me.status(), StatusCode::OK, "another key has its own share");
    assert_eq!(blocked_events(&app).await, 0);
}

async fn a_refused_sign_in_does_not_spend_its_proof_and_a_used_one_counts_once(backend: Backend) {
    let (app, _, _) = bound_app(backend, &[]).await;
    let key = DeviceKey::new();
    let url = app.url("/api/auth/login");
    let proof = key.proof("POST", &app.htu("/api/auth/login"), &app.nonce().await, None);
    let login = async |password: &str| {
        app.client
            .post(&url)
            .header("DPoP", &proof)
            .json(&json!({"email": EMAIL, "password": password}))
            .send()
            .await
            .unwrap()
    };
    let wrong = login("wrong password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = login(PASSWORD).await;
    assert_eq!(
        right.status(),
        StatusCode::OK,
        "the refused attempt left the proof unspent"
    );
    assert_eq!(Session::from(right).await.body["token_type"], "DPoP");
    let again = login(PASSWORD).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "replayed");
    assert_eq!(error_code(again).await, "invalid_dpop_proof");
}
