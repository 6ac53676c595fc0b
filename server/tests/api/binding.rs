//! Device-bound sessions (DPoP, RFC 9449): a refresh cookie is useless without its browser's
//! key, a failed attempt leaves the owner's session alone, and a lost answer never looks like
//! theft.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    device_key::{DeviceKey, nonce_of},
    helpers::{Backend, Session, TestApp, error_code, on_both_backends, spawn_app_with},
};

on_both_backends!(
    sessions_start_bound_and_unbound_only_by_policy,
    a_malformed_proof_is_refused_before_anything_else,
    a_refresh_without_the_key_is_refused_and_leaves_the_session_alone,
    a_proof_replayed_or_made_for_another_request_is_refused,
    a_missing_or_stale_nonce_is_retryable_and_never_an_alarm,
    a_lost_answer_is_recovered_long_after_the_grace_window,
    signing_out_a_bound_session_needs_its_key,
);

const REQUIRE: [&str; 4] = ["--device-binding", "require", "--refresh-grace", "0"];
const EMAIL: &str = "ada@example.com";

async fn bound_app(backend: Backend) -> (TestApp, DeviceKey, Session) {
    let app = spawn_app_with(backend, &REQUIRE).await;
    let key = DeviceKey::new();
    let response = app.start_bound("/api/auth/signup", EMAIL, &key).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{:?}",
        response.text().await
    );
    let session = Session::from(response).await;
    (app, key, session)
}

/// The events of the account, as its owner sees them, by kind.
async fn event_kinds(app: &TestApp, session: &Session, key: &DeviceKey) -> Vec<serde_json::Value> {
    let response = app
        .get_bound("/api/security-events", &session.access_token, key)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

async fn sessions_start_bound_and_unbound_only_by_policy(backend: Backend) {
    let (app, key, session) = bound_app(backend).await;
    assert_eq!(session.body["token_type"], "DPoP");
    let payload = session.access_token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    assert_eq!(
        claims["cnf"]["jkt"],
        key.jkt(),
        "the token names the key (RFC 7638 thumbprint)"
    );
    let sessions = app.get_bound("/api/sessions", &session.access_token, &key).await;
    let sessions: Vec<serde_json::Value> = sessions.json().await.unwrap();
    assert_eq!(sessions[0]["device_bound"], true);

    let unproven = app.login(EMAIL, crate::helpers::PASSWORD).await;
    assert_eq!(
        unproven.status(),
        StatusCode::BAD_REQUEST,
        "`require` refuses a keyless sign-in"
    );
    assert!(
        nonce_of(&unproven).is_some(),
        "and hands out a nonce for the retry"
    );
    assert_eq!(error_code(unproven).await, "dpop_required");

    let lenient = spawn_app_with(backend, &["--device-binding", "allow"]).await;
    let unbound = lenient.signed_up(EMAIL).await;
    assert_eq!(unbound.body["token_type"], "Bearer");
    let sessions = lenient.get_list("/api/sessions", &unbound.access_token).await;
    assert_eq!(sessions[0]["device_bound"], false);
}

async fn a_malformed_proof_is_refused_before_anything_else(backend: Backend) {
    let app = spawn_app_with(backend, &REQUIRE).await;
    let key = DeviceKey::new();
    let url = app.htu("/api/auth/signup");
    let nonce = app.nonce().await;
    let private_jwk = {
        let mut header = key.header();
        header["jwk"]["d"] = json!("c2VjcmV0");
        key.sign(&header, &key.claims("POST", &url, Some(&nonce), None))
    };
    let hs256 = key.sign(
        &json!({"typ": "dpop+jwt", "alg": "HS256", "jwk": key.jwk()}),
        &key.claims("POST", &url, Some(&nonce), None),
    );
    let forged = {
        let good = key.proof("POST", &url, &nonce, None);
        let other = DeviceKey::new().proof("POST", &url, &nonce, None);
        let (head, _) = good.rsplit_once('.').unwrap();
        format!("{head}.{}", other.rsplit_once('.').unwrap().1)
    };
    for proof in ["garbage", "a.b.c", &private_jwk, &hs256, &forged] {
        // An empty body would be a 422 after the proof: the proof is checked first.
        let response = app
            .client
            .post(app.url("/api/auth/signup"))
            .header("DPoP", proof)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{proof}");
        assert_eq!(error_code(response).await, "invalid_dpop_proof");
    }
    assert_eq!(app.count("users").await, 0);
}

async fn assert_refused_without_the_key(
    app: &TestApp,
    session: &Session,
    owner: &DeviceKey,
    attempt: Option<String>,
) {
    let response = app
        .post_with_proof("/api/auth/refresh", &session.refresh_token, attempt.as_deref())
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.starts_with("DPoP"), "{challenge}");
    assert!(
        crate::helpers::refresh_set_cookie(&response).is_none(),
        "the cookie is not cleared"
    );
    assert_eq!(error_code(response).await, "invalid_dpop_proof");
    assert_eq!(
        app.get_bound("/api/me", &session.access_token, owner)
            .await
            .status(),
        StatusCode::OK
    );
}

async fn a_refresh_without_the_key_is_refused_and_leaves_the_session_alone(backend: Backend) {
    let (app, owner, session) = bound_app(backend).await;
    let url = app.htu("/api/auth/refresh");
    let thief = DeviceKey::new();
    let attempts = [None, Some(thief.proof("POST", &url, &app.nonce().await, None))];
    for attempt in attempts {
        assert_refused_without_the_key(&app, &session, &owner, attempt).await;
    }
    let blocked: Vec<_> = event_kinds(&app, &session, &owner)
        .await
        .into_iter()
        .filter(|event| event["kind"] == "refresh_without_device_key")
        .collect();
    assert_eq!(blocked.len(), 1, "repeats from one party are one entry");
    assert_eq!(blocked[0]["count"], 2, "each blocked attempt is counted");
    assert_eq!(blocked[0]["ip"], "127.0.0.1");

    let rotated = app.refresh_bound(&session.refresh_token, &owner).await;
    assert_eq!(
        rotated.status(),
        StatusCode::OK,
        "nothing was rotated or ended: the owner goes on"
    );
}

async fn a_proof_replayed_or_made_for_another_request_is_refused(backend: Backend) {
    let (app, owner, session) = bound_app(backend).await;
    let url = app.htu("/api/auth/refresh");
    let nonce = app.nonce().await;
    let used = owner.proof("POST", &url, &nonce, None);
    let first = app
        .post_with_proof("/api/auth/refresh", &session.refresh_token, Some(&used))
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let next = Session::from(first).await;

    let wrong_method = owner.proof("GET", &url, &nonce, None);
    let wrong_url = owner.proof("POST", &app.htu("/api/auth/logout"), &nonce, None);
    let other_host = owner.proof("POST", "https://evil.example/api/auth/refresh", &nonce, None);
    for proof in [used, wrong_method, wrong_url, other_host] {
        let response = app
            .post_with_proof("/api/auth/refresh", &next.refresh_token, Some(&proof))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{proof}");
        assert_eq!(error_code(response).await, "invalid_dpop_proof");
    }
    assert_eq!(
        app.refresh_bound(&next.refresh_token, &owner).await.status(),
        StatusCode::OK
    );
}

async fn a_missing_or_stale_nonce_is_retryable_and_never_an_alarm(backend: Backend) {
    let (app, owner, session) = bound_app(backend).await;
    let url = app.htu("/api/auth/refresh");
    let without = owner.sign(&owner.header(), &owner.claims("POST", &url, None, None));
    // A nonce from the bucket before last, made with the right key: stale.
    let stale = owner.sign(
        &owner.header(),
        &owner.claims(
            "POST",
            &url,
            Some("AAAAAAAAAAAWUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
            None,
        ),
    );
    for proof in [without, stale] {
        let response = app
            .post_with_proof("/api/auth/refresh", &session.refresh_token, Some(&proof))
            .await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(
            nonce_of(&response).is_some(),
            "the retry's nonce comes with the answer"
        );
        assert_eq!(error_code(response).await, "use_dpop_nonce");
    }
    let events = event_kinds(&app, &session, &owner).await;
    assert!(
        events
            .iter()
            .all(|event| event["kind"] != "refresh_without_device_key")
    );
    assert_eq!(
        app.refresh_bound(&session.refresh_token, &owner).await.status(),
        StatusCode::OK
    );
}

async fn a_lost_answer_is_recovered_long_after_the_grace_window(backend: Backend) {
    let (app, owner, first) = bound_app(backend).await;
    let lost = Session::from(app.refresh_bound(&first.refresh_token, &owner).await).await;
    // The answer never arrived; the browser retries 30 s later (the grace window is 0 s).
    let back_30s = "UPDATE refresh_tokens SET retired_at = retired_at - 30000";
    server::with_pool!(&app.db, |pool| {
        sqlx::query(back_30s).execute(pool).await.unwrap();
    });
    let retried = app.refresh_bound(&first.refresh_token, &owner).await;
    assert_eq!(retried.status(), StatusCode::OK);
    let retried = Session::from(retried).await;
    assert_eq!(
        retried.refresh_token, lost.refresh_token,
        "the same successor, no second branch"
    );

    // Once the successor has been used, the old token is reuse again, even with the key.
    let next = Session::from(app.refresh_bound(&retried.refresh_token, &owner).await).await;
    let replay = app.refresh_bound(&first.refresh_token, &owner).await;
    assert_eq!(error_code(replay).await, "refresh_token_reuse");
    assert_eq!(
        app.refresh_bound(&next.refresh_token, &owner).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn signing_out_a_bound_session_needs_its_key(backend: Backend) {
    let (app, owner, session) = bound_app(backend).await;
    let thief = app
        .post_with_proof("/api/auth/logout", &session.refresh_token, None)
        .await;
    assert_eq!(thief.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(thief).await, "invalid_dpop_proof");
    assert_eq!(
        app.get_bound("/api/me", &session.access_token, &owner)
            .await
            .status(),
        StatusCode::OK
    );

    let proof = owner.proof("POST", &app.htu("/api/auth/logout"), &app.nonce().await, None);
    let owner_out = app
        .post_with_proof("/api/auth/logout", &session.refresh_token, Some(&proof))
        .await;
    assert_eq!(owner_out.status(), StatusCode::NO_CONTENT);
    let me = app.get_bound("/api/me", &session.access_token, &owner).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED, "signed out");
}
