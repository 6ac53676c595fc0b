//! A corpus of malformed and hostile requests, well over 500 of them, against every API
//! route: however a request is broken, the answer is never a 5xx (nor a dropped connection,
//! which is what a panic looks like from outside), and every refusal is the JSON error body
//! `{"error": code, "message": text}`. Each request is a well-formed one for its route with
//! one thing wrong, so it gets past the checks before the one it is aimed at.

mod bodies;
mod credentials;
mod probe;
mod raw;
mod requests;

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;

use self::probe::{Known, Probe};
use crate::helpers::{Backend, TestApp, on_both_backends, spawn_app_with};

on_both_backends!(no_malformed_request_gets_a_5xx_or_a_non_json_refusal);

/// What a route needs to get as far as its handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Credentials,
    PasswordChange,
    RefreshCookie,
    AccessToken,
}

pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub needs: Needs,
}

const fn route(method: &'static str, path: &'static str, needs: Needs) -> Route {
    Route { method, path, needs }
}

/// Every route the API serves (see `server::api::routes`, `/healthz` and `/readyz`).
pub const ROUTES: &[Route] = &[
    route("POST", "/api/auth/signup", Needs::Credentials),
    route("POST", "/api/auth/login", Needs::Credentials),
    route("POST", "/api/auth/refresh", Needs::RefreshCookie),
    route("POST", "/api/auth/logout", Needs::RefreshCookie),
    route("POST", "/api/auth/reauthenticate", Needs::AccessToken),
    route("POST", "/api/auth/passkey/options", Needs::Nothing),
    route("POST", "/api/auth/passkey/login", Needs::Nothing),
    route("POST", "/api/account/passkeys/options", Needs::AccessToken),
    route("POST", "/api/account/passkeys", Needs::AccessToken),
    route("GET", "/api/account/passkeys", Needs::AccessToken),
    route("PATCH", "/api/account/passkeys/not-a-passkey", Needs::AccessToken),
    route("DELETE", "/api/account/passkeys/not-a-passkey", Needs::AccessToken),
    route("GET", "/api/me", Needs::AccessToken),
    route("GET", "/api/sessions", Needs::AccessToken),
    route("DELETE", "/api/sessions/not-a-session", Needs::AccessToken),
    route("POST", "/api/sessions/revoke-others", Needs::AccessToken),
    route("POST", "/api/account/password", Needs::PasswordChange),
    route("GET", "/api/security-events", Needs::AccessToken),
    route("GET", "/api/openapi.json", Needs::Nothing),
    route("GET", "/.well-known/jwks.json", Needs::Nothing),
    route("GET", "/healthz", Needs::Nothing),
    route("GET", "/readyz", Needs::Nothing),
];

async fn no_malformed_request_gets_a_5xx_or_a_non_json_refusal(backend: Backend) {
    // Behind a trusted proxy, so the X-Forwarded-For walk runs on the hostile headers.
    let app = spawn_app_with(backend, &["--trusted-proxies", "127.0.0.1/32"]).await;
    let known = Known::of(&app.signed_up("owner@example.com").await);
    let probes = requests::corpus(&known);
    let raw = raw::corpus(&known);
    assert!(
        probes.len() + raw.len() >= 500,
        "only {} requests",
        probes.len() + raw.len()
    );

    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for probe in &probes {
        let outcome = match send(&app, probe).await {
            Ok((status, body)) => judge(&probe.method, status, &body).map(|()| status),
            Err(err) => Err(format!("no answer ({err})")),
        };
        match outcome {
            Ok(status) => *statuses.entry(status).or_default() += 1,
            Err(why) => failures.push(format!("{probe}: {why}")),
        }
    }
    let address = app.address.trim_start_matches("http://").to_string();
    for probe in &raw {
        let outcome = match raw::send(&address, &probe.bytes).await {
            Ok((status, body)) => judge(&Method::POST, status, &body).map(|()| status),
            Err(err) => Err(format!("no answer ({err})")),
        };
        match outcome {
            Ok(status) => *statuses.entry(status).or_default() += 1,
            Err(why) => failures.push(format!("raw {}: {why}", probe.label)),
        }
    }
    println!(
        "corpus on {backend:?}: {} malformed requests ({} raw) to {} routes; statuses {statuses:?}; {} failures",
        probes.len() + raw.len(),
        raw.len(),
        ROUTES.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(app.get("/healthz").await.status(), 200, "the server is still up");
}

async fn send(app: &TestApp, probe: &Probe) -> reqwest::Result<(u16, Vec<u8>)> {
    let mut request = app.client.request(probe.method.clone(), app.url(&probe.path));
    for (name, value) in &probe.headers {
        request = request.header(name, value);
    }
    if let Some(body) = &probe.body {
        request = request.body(body.clone());
    }
    let response = request.send().await?;
    let status = response.status().as_u16();
    Ok((status, response.bytes().await?.to_vec()))
}

/// The promise: below 500, and a refusal is the JSON error body. (A HEAD answer has no body
/// by definition, so only its status counts.)
pub fn judge(method: &Method, status: u16, body: &[u8]) -> Result<(), String> {
    if status >= 500 {
        return Err(format!("{status}: {}", String::from_utf8_lossy(body)));
    }
    if status < 400 || method == Method::HEAD {
        return Ok(());
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let text = |key: &str| {
        parsed
            .as_ref()
            .and_then(|body| body[key].as_str())
            .is_some_and(|text| !text.is_empty())
    };
    if text("error") && text("message") {
        Ok(())
    } else {
        let shown: String = String::from_utf8_lossy(body).chars().take(200).collect();
        Err(format!("{status} without the JSON error body: {shown:?}"))
    }
}
