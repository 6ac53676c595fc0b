//! Access-token validation: only tokens this server minted, unaltered and current, pass.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header, Validation, jwk::JwkSet};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{Backend, ORIGIN, TestApp, error_code, on_both_backends, spawn_app};

on_both_backends!(
    forged_and_altered_tokens_are_refused,
    another_service_can_verify_tokens_with_the_jwks_alone,
    rotating_the_signing_key_keeps_existing_tokens_valid,
);

fn now() -> u64 {
    jsonwebtoken::get_current_timestamp()
}

fn claims(user: &str, session: &str) -> Value {
    json!({
        "iss": ORIGIN, "aud": "latch", "sub": user, "sid": session,
        "iat": now(), "nbf": now(), "exp": now() + 300, "jti": "test",
    })
}

fn header(kid: &str) -> Header {
    let mut header = Header::new(Algorithm::EdDSA);
    header.typ = Some("at+jwt".into());
    header.kid = Some(kid.into());
    header
}

/// Signs with the server's own current key (the KeyRing sets the kid).
fn sign_as_server(app: &TestApp, header: &Header, claims: &Value) -> String {
    app.state.tokens.keys().sign(header, claims).unwrap()
}

fn sign_with_stranger_key(header: &Header, claims: &Value) -> String {
    let der = SigningKey::from_bytes(&[42; 32]).to_pkcs8_der().unwrap();
    jsonwebtoken::encode(header, claims, &EncodingKey::from_ed_der(der.as_bytes())).unwrap()
}

fn part(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn assert_refused(app: &TestApp, token: &str, what: &str) {
    let response = app.get_with_token("/api/me", token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{what} was accepted");
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        r#"Bearer error="invalid_token""#,
        "{what}"
    );
    assert_eq!(error_code(response).await, "invalid_token", "{what}");
}

async fn forged_and_altered_tokens_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;
    let good = session.access_token.clone();
    assert_eq!(
        app.get_with_token("/api/me", &good).await.status(),
        StatusCode::OK
    );

    let token_header: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(good.split('.').next().unwrap()).unwrap()).unwrap();
    let kid = token_header["kid"].as_str().unwrap().to_string();
    let real: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(good.split('.').nth(1).unwrap()).unwrap()).unwrap();
    let (user, sid) = (real["sub"].as_str().unwrap(), real["sid"].as_str().unwrap());
    let valid = claims(user, sid);
    assert_eq!(
        app.get_with_token("/api/me", &sign_as_server(&app, &header(&kid), &valid))
            .await
            .status(),
        StatusCode::OK,
        "the forging helpers themselves make acceptable tokens"
    );

    // alg: none, with and without a trailing signature.
    let none = json!({"alg": "none", "typ": "at+jwt", "kid": kid});
    assert_refused(&app, &format!("{}.{}.", part(&none), part(&valid)), "alg none").await;
    assert_refused(
        &app,
        &format!("{}.{}", part(&none), part(&valid)),
        "alg none, two parts",
    )
    .await;

    // Algorithm confusion: HMAC keyed with the public key, in both encodings a verifier might use.
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.unwrap();
    let x = jwks["keys"][0]["x"].as_str().unwrap().to_string();
    for secret in [URL_SAFE_NO_PAD.decode(&x).unwrap(), x.clone().into_bytes()] {
        let mut hs = Header::new(Algorithm::HS256);
        hs.typ = Some("at+jwt".into());
        hs.kid = Some(kid.clone());
        let token = jsonwebtoken::encode(&hs, &valid, &EncodingKey::from_secret(&secret)).unwrap();
        assert_refused(&app, &token, "HS256 keyed with the public key").await;
    }

    // A tampered payload under the original signature.
    let mut tampered = real.clone();
    tampered["sub"] = json!("00000000-0000-0000-0000-000000000000");
    let mut pieces: Vec<String> = good.split('.').map(str::to_string).collect();
    pieces[1] = part(&tampered);
    assert_refused(&app, &pieces.join("."), "tampered payload").await;

    // Right shape, wrong key: the server's kid, or an unknown one.
    assert_refused(
        &app,
        &sign_with_stranger_key(&header(&kid), &valid),
        "signed with another key",
    )
    .await;
    assert_refused(
        &app,
        &sign_with_stranger_key(&header("unknown-kid"), &valid),
        "unknown kid",
    )
    .await;

    // Signed with the real key, but claims or header that are not ours.
    let with = |field: &str, value: Value| {
        let mut claims = valid.clone();
        claims[field] = value;
        claims
    };
    let cases = [
        ("wrong aud", with("aud", json!("another-service"))),
        ("wrong iss", with("iss", json!("https://evil.example"))),
        ("expired", with("exp", json!(now() - 60))),
        ("not yet valid", with("nbf", json!(now() + 120))),
        ("issued in the future", with("iat", json!(now() + 120))),
        ("lifetime longer than ours", with("exp", json!(now() + 86_400))),
    ];
    for (what, claims) in cases {
        assert_refused(&app, &sign_as_server(&app, &header(&kid), &claims), what).await;
    }
    let mut missing_sub = valid.clone();
    missing_sub.as_object_mut().unwrap().remove("sub");
    assert_refused(&app, &sign_as_server(&app, &header(&kid), &missing_sub), "no sub").await;

    let mut plain_jwt = header(&kid);
    plain_jwt.typ = Some("JWT".into());
    assert_refused(
        &app,
        &sign_as_server(&app, &plain_jwt, &valid),
        "typ JWT instead of at+jwt",
    )
    .await;

    for garbage in [
        "",
        "a.b.c",
        "....",
        "eyJhbGciOiJFZERTQSJ9.e30.",
        &"x".repeat(8000),
    ] {
        assert_refused(&app, garbage, "garbage").await;
    }
}

async fn another_service_can_verify_tokens_with_the_jwks_alone(backend: Backend) {
    let app = spawn_app(backend).await;
    let session = app.signed_up("ada@example.com").await;

    let response = app.get("/.well-known/jwks.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let jwks: JwkSet = response.json().await.unwrap();
    let kid = jsonwebtoken::decode_header(&session.access_token)
        .unwrap()
        .kid
        .unwrap();
    let jwk = jwks.find(&kid).expect("the token's key is published");
    assert!(
        serde_json::to_value(jwk).unwrap().get("d").is_none(),
        "no private material"
    );

    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[ORIGIN]);
    validation.set_audience(&["latch"]);
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let verified = jsonwebtoken::decode::<Value>(&session.access_token, &key, &validation).unwrap();
    assert_eq!(verified.claims["sub"], session.body["user"]["id"]);
    assert_eq!(verified.header.typ.as_deref(), Some("at+jwt"));
}

async fn rotating_the_signing_key_keeps_existing_tokens_valid(backend: Backend) {
    let app = spawn_app(backend).await;
    let before = app.signed_up("ada@example.com").await;
    let old_kid = jsonwebtoken::decode_header(&before.access_token)
        .unwrap()
        .kid
        .unwrap();

    let new_kid = app.state.tokens.keys().rotate().await.unwrap();
    assert_ne!(new_kid, old_kid);
    let after = crate::helpers::Session::from(app.refresh(&before.refresh_token).await).await;
    assert_eq!(
        jsonwebtoken::decode_header(&after.access_token)
            .unwrap()
            .kid
            .unwrap(),
        new_kid
    );

    app.assert_session_alive(&before).await;
    app.assert_session_alive(&after).await;
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert!(kids.contains(&old_kid.as_str()) && kids.contains(&new_kid.as_str()));
}
