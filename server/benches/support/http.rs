//! The requests the benchmark times, and how it summarises them.

use std::time::{Duration, Instant};

use reqwest::{Client, header};
use serde_json::{Value, json};

use super::dpop_key::DeviceKey;

pub const ORIGIN: &str = "http://localhost:3000";
pub const PASSWORD: &str = "correct horse battery staple";

/// The URL a proof for `path` names (`htu`): on the public origin the server was started
/// with (`ORIGIN`), the only one it accepts, not on the address the benchmark connects to.
pub fn htu(path: &str) -> String {
    format!("{ORIGIN}{path}")
}

pub fn cookie_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("latch_refresh="))
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim_start_matches("latch_refresh=").to_string())
        .expect("refresh cookie")
}

pub async fn signup(client: &Client, base: &str, email: &str) -> (String, String) {
    let response = client
        .post(format!("{base}/api/auth/signup"))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let cookie = cookie_of(&response);
    let body: Value = response.json().await.unwrap();
    (body["access_token"].as_str().unwrap().to_string(), cookie)
}

pub async fn refresh(client: &Client, base: &str, token: &str) -> String {
    let response = client
        .post(format!("{base}/api/auth/refresh"))
        .header(header::COOKIE, format!("latch_refresh={token}"))
        .header(header::ORIGIN, ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    cookie_of(&response)
}

pub fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

/// Requests each latency row is made of.
pub const SAMPLES: usize = 500;

/// Runs `one` `SAMPLES` times in a row; each call times its own request.
pub async fn sample(mut one: impl AsyncFnMut() -> Duration) -> Vec<Duration> {
    let mut samples = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        samples.push(one().await);
    }
    samples
}

/// Sequential `GET /api/me` with a Bearer token.
pub async fn me_samples(client: &Client, base: &str, access: &str) -> Vec<Duration> {
    sample(async || {
        let started = Instant::now();
        let response = client
            .get(format!("{base}/api/me"))
            .bearer_auth(access)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        started.elapsed()
    })
    .await
}

/// The `DPoP-Nonce` a response hands out.
fn nonce_of(response: &reqwest::Response) -> String {
    response.headers()["dpop-nonce"].to_str().unwrap().to_string()
}

/// A device-bound session: its key, access token, refresh cookie and the latest nonce.
pub struct Bound {
    pub key: DeviceKey,
    pub access: String,
    pub cookie: String,
    pub nonce: String,
}

pub async fn signup_bound(client: &Client, base: &str, email: &str) -> Bound {
    let key = DeviceKey::new();
    let nonce = nonce_of(&client.get(format!("{base}/api/me")).send().await.unwrap());
    let response = client
        .post(format!("{base}/api/auth/signup"))
        .header("DPoP", key.proof("POST", &htu("/api/auth/signup"), &nonce, None))
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let cookie = cookie_of(&response);
    let nonce = nonce_of(&response);
    let body: Value = response.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_string();
    Bound {
        key,
        access,
        cookie,
        nonce,
    }
}

/// Sequential rotations with a proof each, as a bound browser makes them. Only the request
/// is timed, not the signing of its proof (the browser's work).
pub async fn refresh_bound_samples(client: &Client, base: &str, session: &mut Bound) -> Vec<Duration> {
    let url = format!("{base}/api/auth/refresh");
    let htu = htu("/api/auth/refresh");
    sample(async || {
        let proof = session.key.proof("POST", &htu, &session.nonce, None);
        let started = Instant::now();
        let response = client
            .post(&url)
            .header(header::COOKIE, format!("latch_refresh={}", session.cookie))
            .header(header::ORIGIN, ORIGIN)
            .header("DPoP", proof)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let elapsed = started.elapsed();
        session.cookie = cookie_of(&response);
        session.nonce = nonce_of(&response);
        elapsed
    })
    .await
}

/// Sequential `GET /api/me` with a bound token and a fresh proof each.
pub async fn me_bound_samples(client: &Client, base: &str, session: &mut Bound) -> Vec<Duration> {
    let url = format!("{base}/api/me");
    let htu = htu("/api/me");
    sample(async || {
        let proof = session
            .key
            .proof("GET", &htu, &session.nonce, Some(&session.access));
        let started = Instant::now();
        let response = client
            .get(&url)
            .header(header::AUTHORIZATION, format!("DPoP {}", session.access))
            .header("DPoP", proof)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let elapsed = started.elapsed();
        session.nonce = nonce_of(&response);
        elapsed
    })
    .await
}
