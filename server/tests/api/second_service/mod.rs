//! A second service that accepts Latch's tokens (`examples/second_service`, through
//! `latch_verify`), run beside a real Latch: a bound token counts there only with a fresh
//! proof from its key made for the service's own URL, and a key Latch rotates in is fetched.

mod harness;
#[path = "../../../examples/second_service/routes.rs"]
mod routes;

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use latch_verify::Settings;
use reqwest::{Response, StatusCode, header};
use serde_json::{Value, json};

use crate::{
    dpop_key::DeviceKey,
    helpers::{Backend, ORIGIN, Session, error_code, spawn_app, spawn_app_with},
};
use harness::{ME, SERVICE, call, proof, refused, spawn_service};

#[tokio::test]
async fn a_bound_token_counts_only_with_a_fresh_proof_from_its_key_for_this_service() {
    let app = spawn_app_with(Backend::Sqlite, &["--device-binding", "require"]).await;
    let owner = DeviceKey::new();
    let session = Session::from(
        app.start_bound("/api/auth/signup", "ada@example.com", &owner)
            .await,
    )
    .await;
    let token = session.access_token.as_str();
    let dpop = format!("DPoP {token}");
    let service = spawn_service(&app, |_| {}).await;

    let good = proof(&owner, token, |_| {});
    let answer = call(&app, &service, Some(&dpop), Some(&good)).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let me: Value = answer.json().await.unwrap();
    assert_eq!(me["user_id"], session.body["user"]["id"]);
    assert_eq!(me["device_bound"], true);

    let invalid_proof = r#"error="invalid_dpop_proof""#;
    refused(
        call(&app, &service, Some(&dpop), Some(&good)).await,
        "invalid_dpop_proof",
        invalid_proof,
    )
    .await;
    // The copied token alone, as a bearer token: what a JWKS-only check would accept.
    refused(
        call(&app, &service, Some(&format!("Bearer {token}")), None).await,
        "invalid_token",
        "DPoP",
    )
    .await;
    refused(
        call(&app, &service, Some(&dpop), None).await,
        "invalid_dpop_proof",
        invalid_proof,
    )
    .await;

    let now = jsonwebtoken::get_current_timestamp();
    let latch_url = format!("{ORIGIN}{ME}");
    let wrong = [
        ("another key", proof(&DeviceKey::new(), token, |_| {})),
        (
            "Latch's URL",
            proof(&owner, token, |c| c["htu"] = json!(latch_url)),
        ),
        (
            "another path",
            proof(&owner, token, |c| c["htu"] = json!(format!("{SERVICE}/v1/other"))),
        ),
        (
            "another method",
            proof(&owner, token, |c| c["htm"] = json!("POST")),
        ),
        ("another token", proof(&owner, "another.access.token", |_| {})),
        ("no ath", proof(&owner, token, |c| c["ath"] = Value::Null)),
        (
            "made long ago",
            proof(&owner, token, |c| c["iat"] = json!(now - 600)),
        ),
        (
            "made later",
            proof(&owner, token, |c| c["iat"] = json!(now + 600)),
        ),
        (
            "iat as text",
            proof(&owner, token, |c| c["iat"] = json!(now.to_string())),
        ),
    ];
    for (why, proof) in wrong {
        let response = call(&app, &service, Some(&dpop), Some(&proof)).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{why}");
        assert_eq!(error_code(response).await, "invalid_dpop_proof", "{why}");
    }
    assert_eq!(
        call(&app, &service, Some(&dpop), Some(&proof(&owner, token, |_| {})))
            .await
            .status(),
        StatusCode::OK,
        "none of those spent the owner's next proof"
    );
}

#[tokio::test]
async fn the_token_itself_is_checked_as_latch_checks_it() {
    let app = spawn_app(Backend::Sqlite).await;
    let session = app.signed_up("ada@example.com").await;
    let token = session.access_token.as_str();
    let service = spawn_service(&app, |_| {}).await;
    let bearer = format!("Bearer {token}");
    let answer = call(&app, &service, Some(&bearer), None).await;
    assert_eq!(
        answer.status(),
        StatusCode::OK,
        "an unbound session's token is a bearer token"
    );
    assert_eq!(answer.json::<Value>().await.unwrap()["device_bound"], false);

    let unauthenticated = call(&app, &service, None, None).await;
    assert_eq!(unauthenticated.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(unauthenticated).await, "unauthenticated");
    refused(
        call(&app, &service, Some(&format!("DPoP {token}")), None).await,
        "invalid_token",
        "invalid_token",
    )
    .await;

    // The claims rewritten (another user), the signature kept.
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    claims["sub"] = json!("someone-else");
    parts[1] = URL_SAFE_NO_PAD.encode(claims.to_string());
    let forged = format!("Bearer {}", parts.join("."));
    refused(
        call(&app, &service, Some(&forged), None).await,
        "invalid_token",
        "invalid_token",
    )
    .await;

    // Tokens for another audience or from another issuer are not this service's.
    for tune in [
        (|s: &mut Settings| s.audience = "elsewhere".into()) as fn(&mut Settings),
        |s: &mut Settings| s.latch = "https://other-latch.example".parse().unwrap(),
        |s: &mut Settings| s.max_token_lifetime = Duration::from_secs(60),
    ] {
        let other = spawn_service(&app, tune).await;
        refused(
            call(&app, &other, Some(&bearer), None).await,
            "invalid_token",
            "invalid_token",
        )
        .await;
    }
}

#[tokio::test]
async fn a_key_latch_rotates_in_is_fetched_but_made_up_keys_cost_latch_one_fetch_at_most() {
    let app = spawn_app(Backend::Sqlite).await;
    let before = app.signed_up("ada@example.com").await;
    let service = spawn_service(&app, |s| s.min_refetch = Duration::from_secs(1)).await;
    let ok = |session: &Session| {
        let authorization = format!("Bearer {}", session.access_token);
        let (app, service) = (&app, &service);
        async move { call(app, service, Some(&authorization), None).await.status() }
    };
    assert_eq!(
        ok(&before).await,
        StatusCode::OK,
        "the keys are fetched at the first call"
    );

    app.state.tokens.keys().rotate().await.unwrap();
    let after = Session::from(app.refresh(&before.refresh_token).await).await;
    assert_eq!(
        ok(&after).await,
        StatusCode::UNAUTHORIZED,
        "within a second of the last fetch, an unknown key is not fetched for"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(ok(&after).await, StatusCode::OK, "the rotated-in key, fetched");
    assert_eq!(
        ok(&before).await,
        StatusCode::OK,
        "the old key still verifies its tokens"
    );
}

#[tokio::test]
async fn without_latch_s_keys_the_answer_is_unavailable_not_a_sign_out() {
    let app = spawn_app(Backend::Sqlite).await;
    let session = app.signed_up("ada@example.com").await;
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nowhere = format!("http://{}/.well-known/jwks.json", closed.local_addr().unwrap());
    drop(closed);
    let service = spawn_service(&app, |s| s.jwks_url = Some(nowhere.parse().unwrap())).await;
    let answer = call(
        &app,
        &service,
        Some(&format!("Bearer {}", session.access_token)),
        None,
    )
    .await;
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(answer.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(error_code(answer).await, "unavailable");
}

#[tokio::test]
async fn only_latch_s_pages_may_call_it_from_a_browser() {
    let app = spawn_app(Backend::Sqlite).await;
    let service = spawn_service(&app, |_| {}).await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, format!("{service}{ME}"))
            .header(header::ORIGIN, origin)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization,dpop")
            .send()
    };
    let allowed = preflight(ORIGIN).await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], ORIGIN);
    let headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(
        headers.contains("authorization") && headers.contains("dpop"),
        "{headers}"
    );
    assert!(
        !allowed.headers().contains_key("access-control-allow-credentials"),
        "no cookies cross"
    );

    let stranger = preflight("https://evil.example").await.unwrap();
    let told = stranger.headers().get("access-control-allow-origin");
    assert!(told.is_none_or(|origin| origin == ORIGIN), "{told:?}");
}

#[tokio::test]
async fn latch_s_pages_may_reach_the_configured_services_and_no_others() {
    let connect_src = |response: &Response| {
        let csp = response.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with("connect-src"))
            .unwrap()
            .to_string()
    };
    let plain = spawn_app(Backend::Sqlite).await;
    let page = plain.get("/notes").await;
    assert_eq!(connect_src(&page), "connect-src 'self'");
    assert!(!page.text().await.unwrap().contains("service-origins"));

    let app = spawn_app_with(
        Backend::Sqlite,
        &[
            "--service-origins",
            "http://127.0.0.1:3200,https://api.example.test",
        ],
    )
    .await;
    let page = app.get("/notes").await;
    assert_eq!(
        connect_src(&page),
        "connect-src 'self' http://127.0.0.1:3200 https://api.example.test"
    );
    assert!(
        page.text().await.unwrap().contains(
            r#"<meta name="service-origins" content="http://127.0.0.1:3200 https://api.example.test">"#
        ),
        "handed to the client"
    );
}
