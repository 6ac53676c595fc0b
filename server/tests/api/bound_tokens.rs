//! Device-bound access tokens (RFC 9449 §7): a copied token is useless without a fresh proof
//! from its key that covers it.

use reqwest::StatusCode;

use crate::{
    device_key::DeviceKey,
    helpers::{Backend, Session, TestApp, error_code, on_both_backends, spawn_app_with},
};

on_both_backends!(
    a_bound_token_works_only_with_a_proof_from_its_key,
    an_unbound_token_sent_as_dpop_is_invalid,
);

async fn refused(app: &TestApp, authorization: &str, proof: Option<&str>, scheme_error: &str) -> String {
    let response = app.get_with_proof("/api/me", authorization, proof).await;
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "{authorization} {proof:?}"
    );
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains(scheme_error), "{challenge}");
    error_code(response).await
}

async fn a_bound_token_works_only_with_a_proof_from_its_key(backend: Backend) {
    let app = spawn_app_with(backend, &["--device-binding", "require"]).await;
    let owner = DeviceKey::new();
    let session = Session::from(
        app.start_bound("/api/auth/signup", "ada@example.com", &owner)
            .await,
    )
    .await;
    let token = session.access_token.as_str();
    let dpop = format!("DPoP {token}");
    let url = app.htu("/api/me");
    assert_eq!(
        app.get_bound("/api/me", token, &owner).await.status(),
        StatusCode::OK
    );
    // The endpoint that reads no row holds a bound token to the same rule, and says it is bound.
    let current: serde_json::Value = app
        .get_bound("/api/session", token, &owner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["device_bound"], true);
    let copied = app
        .get_with_proof("/api/session", &format!("Bearer {token}"), None)
        .await;
    assert_eq!(copied.status(), StatusCode::UNAUTHORIZED);

    let as_bearer = refused(&app, &format!("Bearer {token}"), None, r#"DPoP"#).await;
    assert_eq!(as_bearer, "invalid_token", "a bound token is not a bearer token");
    let no_proof = refused(&app, &dpop, None, "invalid_dpop_proof").await;
    assert_eq!(no_proof, "invalid_dpop_proof");

    let nonce = app.nonce().await;
    let thief = DeviceKey::new().proof("GET", &url, &nonce, Some(token));
    let other_token = owner.proof("GET", &url, &nonce, Some("another.access.token"));
    let no_ath = owner.sign(&owner.header(), &owner.claims("GET", &url, Some(&nonce), None));
    let wrong_url = owner.proof("GET", &app.htu("/api/sessions"), &nonce, Some(token));
    let wrong_method = owner.proof("POST", &url, &nonce, Some(token));
    for proof in [thief, other_token, no_ath, wrong_url, wrong_method] {
        assert_eq!(
            refused(&app, &dpop, Some(&proof), "invalid_dpop_proof").await,
            "invalid_dpop_proof"
        );
    }

    let used = owner.proof("GET", &url, &nonce, Some(token));
    let first = app.get_with_proof("/api/me", &dpop, Some(&used)).await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(
        refused(&app, &dpop, Some(&used), "invalid_dpop_proof").await,
        "invalid_dpop_proof",
        "replayed"
    );

    let stale = owner.sign(
        &owner.header(),
        &owner.claims("GET", &url, Some("not-a-nonce"), Some(token)),
    );
    assert_eq!(
        refused(&app, &dpop, Some(&stale), "use_dpop_nonce").await,
        "use_dpop_nonce"
    );
}

async fn an_unbound_token_sent_as_dpop_is_invalid(backend: Backend) {
    let app = spawn_app_with(backend, &["--device-binding", "allow"]).await;
    let session = app.signed_up("ada@example.com").await;
    let key = DeviceKey::new();
    let proof = key.proof(
        "GET",
        &app.htu("/api/me"),
        &app.nonce().await,
        Some(&session.access_token),
    );
    let code = refused(
        &app,
        &format!("DPoP {}", session.access_token),
        Some(&proof),
        "invalid_token",
    )
    .await;
    assert_eq!(code, "invalid_token");
    assert_eq!(
        app.get_with_token("/api/me", &session.access_token)
            .await
            .status(),
        StatusCode::OK
    );
}
