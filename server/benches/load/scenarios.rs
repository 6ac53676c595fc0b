//! The single-instance scenarios: the baseline (an unauthenticated GET), protected GETs (one
//! reading the user's row, one reading no row), refresh with rotation (each connection its
//! own chain), sign-in, a mixed profile, and a sign-in flood under a measuring client.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use reqwest::Client;
use serde_json::{Value, json};

use super::{
    driver, flood,
    instance::Instance,
    support::http::{PASSWORD, cookie_of, refresh},
};

/// Argon2id hashes per second with two threads at the server's parameters, each thread
/// hashing into memory it keeps (the faster way, as the server's hashing threads do, so the
/// stricter ceiling): what sign-in throughput is compared with. Measured in turns with the
/// sign-ins, since this machine's speed drifts by more than the effect within a minute.
pub async fn argon2_ceiling(length: Duration) -> f64 {
    tokio::task::spawn_blocking(move || {
        use argon2::{Algorithm, Argon2, Block, Params, Version};
        let deadline = Instant::now() + length;
        let threads: Vec<_> = (0..2)
            .map(|_| {
                std::thread::spawn(move || {
                    let params = Params::new(19_456, 2, 1, Some(32)).unwrap();
                    let mut memory = vec![Block::default(); params.block_count()];
                    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
                    let (mut out, mut count) = ([0u8; 32], 0u64);
                    while Instant::now() < deadline {
                        argon
                            .hash_password_into_with_memory(
                                PASSWORD.as_bytes(),
                                b"sixteen byte salt",
                                &mut out,
                                &mut memory,
                            )
                            .unwrap();
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        let hashes: u64 = threads.into_iter().map(|t| t.join().unwrap()).sum();
        hashes as f64 / length.as_secs_f64()
    })
    .await
    .unwrap()
}

pub async fn credentials(client: &Client, base: &str, path: &str, email: &str) -> reqwest::Response {
    let body = json!({"email": email, "password": PASSWORD});
    client
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// One session per connection of `email`'s account: (access token, refresh cookie).
pub async fn sessions(client: &Client, base: &str, email: &str) -> Vec<(String, String)> {
    let mut sessions = Vec::new();
    for _ in 0..driver::CONNECTIONS {
        let response = credentials(client, base, "/api/auth/login", email).await;
        assert_eq!(response.status(), 200);
        let cookie = cookie_of(&response);
        let body: Value = response.json().await.unwrap();
        sessions.push((body["access_token"].as_str().unwrap().to_string(), cookie));
    }
    sessions
}

pub async fn get_ok(client: &Client, url: &str, bearer: Option<&str>) {
    let mut request = client.get(url);
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {url}");
}

/// One rotation of `chain`: its cookie is replaced by the successor.
pub async fn rotate(client: &Client, base: &str, chain: &Mutex<String>) {
    let cookie = chain.lock().unwrap().clone();
    *chain.lock().unwrap() = refresh(client, base, &cookie).await;
}

/// `GET path` from every connection for `length`, each with its own session's token if any.
pub(super) async fn gets(
    server: &Instance,
    client: &Client,
    base: &str,
    path: &str,
    tokens: Option<&Arc<Vec<String>>>,
    length: Duration,
) -> driver::Outcome {
    let (client, url, tokens) = (client.clone(), Arc::new(format!("{base}{path}")), tokens.cloned());
    driver::run(&[server], length, move |i, _| {
        let (client, url, tokens) = (client.clone(), url.clone(), tokens.clone());
        async move { get_ok(&client, &url, tokens.as_ref().map(|t| t[i].as_str())).await }
    })
    .await
}

/// Slices each of the three GET scenarios is run in, taking turns (0.2 s each with the
/// default 5 s): the shorter the turns, the less the machine's drift falls on one scenario.
pub(super) const SLICES: usize = 25;
/// Slices sign-in and the Argon2id ceiling take turns in (1 s each with the default 5 s; a
/// sign-in takes a sixth of a second under load, so shorter turns would be mostly edges).
const SIGN_IN_SLICES: usize = 5;

/// The median of `a ÷ b` over slices run side by side, then the lowest and highest, and
/// `whole`, the ratio of the whole runs.
pub(super) fn median_ratio(a: &[driver::Outcome], b: &[driver::Outcome], whole: f64) -> String {
    let ratios = a.iter().zip(b).map(|(a, b)| a.per_second / b.per_second);
    median_of(ratios.collect(), whole)
}

fn median_of(mut ratios: Vec<f64>, whole: f64) -> String {
    ratios.sort_by(f64::total_cmp);
    format!(
        "{:.2} (median of {} slices, {:.2}–{:.2}; whole runs {whole:.2})",
        ratios[ratios.len() / 2],
        ratios.len(),
        ratios[0],
        ratios[ratios.len() - 1]
    )
}

/// Every single-instance scenario on `server`: the table's rows and the ratios.
pub async fn all(backend: &str, server: &Instance, length: Duration) -> (Vec<String>, Vec<String>) {
    let client = Client::new();
    let base = Arc::new(server.base.clone());
    let rss_start = server.rss_mib();
    let email = format!("load-{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(
        credentials(&client, &base, "/api/auth/signup", &email)
            .await
            .status(),
        201
    );
    let sessions = sessions(&client, &base, &email).await;
    let tokens: Arc<Vec<String>> = Arc::new(sessions.iter().map(|s| s.0.clone()).collect());
    let chains: Arc<Vec<Mutex<String>>> = Arc::new(sessions.into_iter().map(|s| Mutex::new(s.1)).collect());
    let mut rows = Vec::new();

    // The three GETs take turns in short slices, so the machine's drift over a run (a fifth of
    // the baseline's rate between runs here) falls on each alike; each ratio is the median of
    // the slices' ratios.
    let (mut baselines, mut protecteds, mut token_onlys) = (Vec::new(), Vec::new(), Vec::new());
    let slice = length / SLICES as u32;
    for _ in 0..SLICES {
        baselines.push(gets(server, &client, &base, "/healthz", None, slice).await);
        protecteds.push(gets(server, &client, &base, "/api/me", Some(&tokens), slice).await);
        token_onlys.push(gets(server, &client, &base, "/api/session", Some(&tokens), slice).await);
    }
    let (baseline, protected, token_only) = (
        driver::Outcome::merged(&baselines),
        driver::Outcome::merged(&protecteds),
        driver::Outcome::merged(&token_onlys),
    );
    let protected_ratio = median_ratio(
        &protecteds,
        &baselines,
        protected.per_second / baseline.per_second,
    );
    let token_only_ratio = median_ratio(
        &token_onlys,
        &baselines,
        token_only.per_second / baseline.per_second,
    );
    rows.push(baseline.row(backend, "baseline: `GET /healthz` (no auth)"));
    rows.push(protected.row(backend, "protected: `GET /api/me` (token + account, remembered)"));
    rows.push(token_only.row(backend, "token only: `GET /api/session` (no row read)"));

    let statements_before = server.statements().await;
    let (c, b, ch) = (client.clone(), base.clone(), chains.clone());
    let refresh = driver::run(&[server], length, move |i, _| {
        let (c, b, ch) = (c.clone(), b.clone(), ch.clone());
        async move { rotate(&c, &b, &ch[i]).await }
    })
    .await;
    rows.push(refresh.row(backend, "refresh with rotation (16 chains)"));
    let statements = match (statements_before, server.statements().await) {
        (Some(before), Some(after)) => format!("{:.2}", (after - before) as f64 / refresh.requests as f64),
        _ => "not counted (SQLite, or no `pg_stat_statements`)".to_string(),
    };

    // Sign-in and the Argon2id ceiling take turns as the GETs do: this machine's speed
    // moved by a quarter between a ceiling measured just before a sign-in run and one just
    // after it.
    let (mut ceilings, mut sign_ins) = (Vec::new(), Vec::new());
    let slice = length / SIGN_IN_SLICES as u32;
    let signing_in = Arc::new(email.clone());
    for _ in 0..SIGN_IN_SLICES {
        ceilings.push(argon2_ceiling(slice).await);
        let (c, b, e) = (client.clone(), base.clone(), signing_in.clone());
        sign_ins.push(
            driver::run(&[server], slice, move |_, _| {
                let (c, b, e) = (c.clone(), b.clone(), e.clone());
                async move { assert_eq!(credentials(&c, &b, "/api/auth/login", &e).await.status(), 200) }
            })
            .await,
        );
    }
    let rss_after_sign_in = server.rss_mib();
    let sign_in = driver::Outcome::merged(&sign_ins);
    rows.push(sign_in.row(backend, "sign-in (Argon2id)"));
    let ceiling = ceilings.iter().sum::<f64>() / ceilings.len() as f64;
    let sign_in_ratio = median_of(
        sign_ins
            .iter()
            .zip(&ceilings)
            .map(|(s, c)| s.per_second / c)
            .collect(),
        sign_in.per_second / ceiling,
    );

    let (c, b, t, ch, e) = (
        client.clone(),
        base.clone(),
        tokens.clone(),
        chains.clone(),
        Arc::new(email),
    );
    let mixed = driver::run(&[server], length, move |i, n| {
        let (c, b, t, ch, e) = (c.clone(), b.clone(), t.clone(), ch.clone(), e.clone());
        async move {
            match (n * 7 + i) % 100 {
                0 => assert_eq!(credentials(&c, &b, "/api/auth/login", &e).await.status(), 200),
                1..=4 => rotate(&c, &b, &ch[i]).await,
                _ => get_ok(&c, &format!("{b}/api/me"), Some(&t[i])).await,
            }
        }
    })
    .await;
    rows.push(mixed.row(backend, "mixed: 95 % `/api/me`, 4 % refresh, 1 % sign-in"));

    let flood = flood::flood(&client, &base, &tokens[0], length).await;
    let rss_after_flood = server.rss_mib();
    // The server frees its hashing buffers after 10 s without a hash.
    tokio::time::sleep(Duration::from_secs(16)).await;
    let rss_quiet = server.rss_mib();
    rows.push(format!(
        "| {backend} | memory (server RSS) | start {rss_start:.0} MiB | after sign-ins {rss_after_sign_in:.0} MiB | after the flood {rss_after_flood:.0} MiB | 16 s later {rss_quiet:.0} MiB |"
    ));

    let ratios = vec![
        format!(
            "| {backend} | protected GET ÷ baseline (requests/s) | {protected_ratio}; server CPU per request {:.1} against {:.1} µs | ≥ 0.9 |",
            protected.cpu_us, baseline.cpu_us
        ),
        format!(
            "| {backend} | token-only GET ÷ baseline (requests/s) | {token_only_ratio}; server CPU per request {:.1} against {:.1} µs | ≥ 0.9 |",
            token_only.cpu_us, baseline.cpu_us
        ),
        format!(
            "| {backend} | refresh ÷ baseline (requests/s) | {:.2} | |",
            refresh.per_second / baseline.per_second
        ),
        format!(
            "| {backend} | refresh (requests/s) | {:.0} | ≥ 3,000 on SQLite, p99 ≤ 20 ms |",
            refresh.per_second
        ),
        format!(
            "| {backend} | sign-in ÷ Argon2id ceiling | {sign_in_ratio}: {:.1}/s ÷ {ceiling:.1} hashes/s (slices {:.0}–{:.0}) | ≥ 0.85 |",
            sign_in.per_second,
            ceilings.iter().copied().fold(f64::INFINITY, f64::min),
            ceilings.iter().copied().fold(0.0, f64::max),
        ),
        format!(
            "| {backend} | protected-GET p99 during a sign-in flood ÷ idle | {:.1} ({:.2} ms ÷ {:.2} ms; {} attempts, {} turned away with 503) | ≤ 2 |",
            flood.flooded_p99_ms / flood.idle_p99_ms,
            flood.flooded_p99_ms,
            flood.idle_p99_ms,
            flood.attempts,
            flood.turned_away
        ),
        format!(
            "| {backend} | database statements per rotation (`BEGIN`/`COMMIT` included) | {statements} | fewest |"
        ),
    ];
    (rows, ratios)
}
