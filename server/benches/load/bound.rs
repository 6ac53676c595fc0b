//! The scenarios in the configuration browsers get (`Instance::start_default`): sessions bound
//! to a device key, each request carrying a DPoP proof the server verifies in full (signature,
//! method, URL, `ath`, nonce, `jti` spent once). As in a browser, each connection is its own
//! device with its own key and session.
//!
//! Proofs are signed ahead of each timed run (`proofs`): signing is the browser's work, not
//! the server's.

use std::sync::{Arc, Mutex, atomic::Ordering};
use std::time::Duration;

use reqwest::{Client, Response, header};
use serde_json::{Value, json};

use super::{
    driver,
    instance::Instance,
    proofs::{FIRST_GUESS, Proofs},
    scenarios::{SLICES, gets, median_ratio},
    support::{
        dpop_key::DeviceKey,
        http::{ORIGIN, PASSWORD, cookie_of, htu},
    },
};

/// More rotations per second than SQLite reaches here (~4,000 Bearer).
const REFRESH_GUESS: f64 = 8_000.0;

pub struct Device {
    pub key: DeviceKey,
    pub access: String,
    cookie: Mutex<String>,
}

fn nonce_of(response: &Response) -> String {
    response.headers()["dpop-nonce"].to_str().unwrap().to_string()
}

/// The nonce the server hands out now (every API answer carries it, a 401 too).
async fn nonce(client: &Client, base: &str) -> String {
    nonce_of(&client.get(format!("{base}/api/session")).send().await.unwrap())
}

async fn post(client: &Client, base: &str, path: &str, key: &DeviceKey, body: Value) -> Response {
    let proof = key.proof("POST", &htu(path), &nonce(client, base).await, None);
    client
        .post(format!("{base}{path}"))
        .header(header::ORIGIN, ORIGIN)
        .header("DPoP", proof)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn device(key: DeviceKey, response: Response) -> Device {
    assert_eq!(response.status(), 200);
    let cookie = Mutex::new(cookie_of(&response));
    let body: Value = response.json().await.unwrap();
    let access = body["access_token"].as_str().unwrap().to_string();
    Device { key, access, cookie }
}

/// The token of the link mailed to `email` (mail goes out in the background: wait for it).
async fn verification_token(client: &Client, base: &str, email: &str) -> String {
    for _ in 0..100 {
        let latest = client
            .get(format!("{base}/dev/outbox/latest.json?to={email}"))
            .send()
            .await
            .unwrap();
        if latest.status() == 200 {
            let mail: Value = latest.json().await.unwrap();
            let text = mail["text"].as_str().unwrap();
            let token = text.split("#token=").nth(1).expect("a verification link");
            return token.split_whitespace().next().unwrap().to_string();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no verification mail for {email} in the outbox");
}

/// Signs up as a browser does under verification `required` (the link from the development
/// outbox), then signs in from one new device per connection.
async fn devices(client: &Client, base: &str) -> Vec<Device> {
    let email = format!("bound-{}@example.com", uuid::Uuid::new_v4().simple());
    let account = json!({"email": email, "password": PASSWORD});
    let first = DeviceKey::new();
    let signup = post(client, base, "/api/auth/signup", &first, account.clone()).await;
    assert_eq!(signup.status(), 202);
    let token = verification_token(client, base, &email).await;
    let verified = post(
        client,
        base,
        "/api/auth/verify-email",
        &first,
        json!({ "token": token }),
    )
    .await;
    let mut devices = vec![device(first, verified).await];
    while devices.len() < driver::CONNECTIONS {
        let key = DeviceKey::new();
        let signed_in = post(client, base, "/api/auth/login", &key, account.clone()).await;
        devices.push(device(key, signed_in).await);
    }
    devices
}

/// `method path` from every connection for `length`, each as its device with a proof made
/// ahead: a GET with the device's access token, a POST (a refresh) with its cookie, whose
/// successor it keeps.
async fn bound_run(
    server: &Instance,
    client: &Client,
    devices: &Arc<Vec<Device>>,
    (method, path): (&'static str, &'static str),
    length: Duration,
    rate: f64,
) -> (driver::Outcome, usize) {
    let nonce = Arc::new(nonce(client, &server.base).await);
    let proof = move |device: &Device, nonce: &str| {
        let access = (method == "GET").then_some(device.access.as_str());
        device.key.proof(method, &htu(path), nonce, access)
    };
    let proofs = Arc::new(Proofs::ahead(devices, length, rate, |d| proof(d, &nonce)));
    let (client, url, devices, shared) = (
        client.clone(),
        Arc::new(format!("{}{path}", server.base)),
        devices.clone(),
        proofs.clone(),
    );
    let outcome = driver::run(&[server], length, move |i, _| {
        let (client, url, devices, proofs, nonce) = (
            client.clone(),
            url.clone(),
            devices.clone(),
            shared.clone(),
            nonce.clone(),
        );
        async move {
            let device = &devices[i];
            let request = match method {
                "GET" => client
                    .get(url.as_str())
                    .header(header::AUTHORIZATION, format!("DPoP {}", device.access)),
                _ => {
                    let cookie = device.cookie.lock().unwrap().clone();
                    client
                        .request(method.parse().unwrap(), url.as_str())
                        .header(header::COOKIE, format!("latch_refresh={cookie}"))
                        .header(header::ORIGIN, ORIGIN)
                }
            };
            let proof = proofs.take(i, || proof(device, &nonce));
            let response = request.header("DPoP", proof).send().await.unwrap();
            assert_eq!(response.status(), 200, "bound {method} {url}");
            if method != "GET" {
                *device.cookie.lock().unwrap() = cookie_of(&response);
            }
        }
    })
    .await;
    (outcome, proofs.signed_inline.load(Ordering::Relaxed))
}

fn label(scenario: &str, signed_inline: usize) -> String {
    match signed_inline {
        0 => scenario.to_string(),
        n => format!("{scenario} ({n} proofs signed during the run)"),
    }
}

/// The bound scenarios on `server` (started with `Instance::start_default`): rows and ratios.
pub async fn all(backend: &str, server: &Instance, length: Duration) -> (Vec<String>, Vec<String>) {
    let client = Client::new();
    let devices = Arc::new(devices(&client, &server.base).await);
    let base = server.base.clone();

    // Taking turns in short slices with the floor on the same instance, as the Bearer GETs do.
    let (mut floors, mut protecteds, mut token_onlys) = (Vec::new(), Vec::new(), Vec::new());
    let (mut inline_me, mut inline_session) = (0, 0);
    let slice = length / SLICES as u32;
    for _ in 0..SLICES {
        floors.push(gets(server, &client, &base, "/healthz", None, slice).await);
        let rate = protecteds
            .last()
            .map_or(FIRST_GUESS, |run: &driver::Outcome| run.per_second);
        let (outcome, inline) = bound_run(server, &client, &devices, ("GET", "/api/me"), slice, rate).await;
        protecteds.push(outcome);
        inline_me += inline;
        let rate = token_onlys
            .last()
            .map_or(FIRST_GUESS, |run: &driver::Outcome| run.per_second);
        let (outcome, inline) =
            bound_run(server, &client, &devices, ("GET", "/api/session"), slice, rate).await;
        token_onlys.push(outcome);
        inline_session += inline;
    }
    let (floor, protected, token_only) = (
        driver::Outcome::merged(&floors),
        driver::Outcome::merged(&protecteds),
        driver::Outcome::merged(&token_onlys),
    );
    let protected_ratio = median_ratio(&protecteds, &floors, protected.per_second / floor.per_second);
    let token_only_ratio = median_ratio(&token_onlys, &floors, token_only.per_second / floor.per_second);
    let (refresh, inline_refresh) = bound_run(
        server,
        &client,
        &devices,
        ("POST", "/api/auth/refresh"),
        length,
        REFRESH_GUESS,
    )
    .await;

    let rows = vec![
        floor.row(backend, "defaults (`require`, `required`): `GET /healthz`"),
        protected.row(
            backend,
            &label("bound: `GET /api/me` (DPoP token + proof)", inline_me),
        ),
        token_only.row(
            backend,
            &label("bound: `GET /api/session` (DPoP, no row read)", inline_session),
        ),
        refresh.row(
            backend,
            &label("bound: refresh with rotation (16 devices)", inline_refresh),
        ),
    ];
    let ratios = vec![
        format!(
            "| {backend} | bound protected GET ÷ baseline (requests/s) | {protected_ratio}; server CPU per request {:.1} against {:.1} µs | ≥ 0.5 |",
            protected.cpu_us, floor.cpu_us
        ),
        format!(
            "| {backend} | bound token-only GET ÷ baseline (requests/s) | {token_only_ratio}; server CPU per request {:.1} µs | |",
            token_only.cpu_us
        ),
        format!(
            "| {backend} | bound refresh (requests/s) | {:.0}, p99 {:.2} ms | ≥ 2,500 on SQLite, p99 ≤ 20 ms |",
            refresh.per_second, refresh.p99_ms
        ),
    ];
    (rows, ratios)
}
