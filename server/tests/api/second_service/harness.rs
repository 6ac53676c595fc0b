//! The second service beside a test's Latch, and requests to it.

use axum::http::HeaderValue;
use latch_verify::{Settings, Verifier};
use reqwest::{Response, StatusCode, header};
use serde_json::Value;

use super::routes;
use crate::{
    dpop_key::DeviceKey,
    helpers::{ORIGIN, TestApp, error_code},
};

/// How browsers address the service: what its proofs must name.
pub const SERVICE: &str = "https://api.example.test";
pub const ME: &str = "/v1/me";

/// Starts the example's router for `app`, with its settings adjusted by `tune`; returns the
/// address to connect to.
pub async fn spawn_service(app: &TestApp, tune: impl FnOnce(&mut Settings)) -> String {
    let mut settings = Settings::new(ORIGIN.parse().unwrap(), SERVICE.parse().unwrap());
    settings.jwks_url = Some(app.url("/.well-known/jwks.json").parse().unwrap());
    tune(&mut settings);
    let router = routes::router(Verifier::new(settings).unwrap(), HeaderValue::from_static(ORIGIN));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    address
}

pub async fn call(
    app: &TestApp,
    service: &str,
    authorization: Option<&str>,
    proof: Option<&str>,
) -> Response {
    let mut request = app.client.get(format!("{service}{ME}"));
    if let Some(authorization) = authorization {
        request = request.header(header::AUTHORIZATION, authorization);
    }
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    request.send().await.expect("the service answers")
}

/// A proof for the service's `/v1/me` from `key`, with its claims changed by `edit`.
pub fn proof(key: &DeviceKey, token: &str, edit: impl FnOnce(&mut Value)) -> String {
    let mut claims = key.claims("GET", &format!("{SERVICE}{ME}"), None, Some(token));
    edit(&mut claims);
    key.sign(&key.header(), &claims)
}

pub async fn refused(response: Response, code: &str, challenge: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let given = response.headers()[header::WWW_AUTHENTICATE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(given.contains(challenge), "{given}");
    assert_eq!(error_code(response).await, code);
}
