//! The flood scenario: how a sign-in flood slows the protected GETs of signed-in users.
//!
//! The measuring client runs on a thread and runtime of its own: on the driver's runtime its
//! requests would also wait behind the flooders' tasks, and the p99 would be partly the
//! driver's own queue.

use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::json;

use super::{driver, scenarios::get_ok};

/// What the flood scenario saw.
pub struct Flooded {
    pub idle_p99_ms: f64,
    pub flooded_p99_ms: f64,
    /// Sign-in attempts the flood made, and how many were answered 503 (the hashing queue full).
    pub attempts: usize,
    pub turned_away: usize,
}

/// `GET /api/me` p99 over `length`, from a client on a thread of its own.
fn p99_apart(url: String, token: String, length: Duration) -> std::thread::JoinHandle<f64> {
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = Client::new();
            let deadline = Instant::now() + length;
            let mut samples = Vec::new();
            while Instant::now() < deadline {
                let sent = Instant::now();
                get_ok(&client, &url, Some(&token)).await;
                samples.push(sent.elapsed());
            }
            samples.sort();
            samples[(samples.len() - 1) * 99 / 100].as_secs_f64() * 1000.0
        })
    })
}

/// `GET /api/me` p99 from one client, idle and while the other 15 connections flood sign-in
/// with unknown emails (a full Argon2id hash each, or a fast 503 once the queue is full).
pub async fn flood(client: &Client, base: &str, token: &str, length: Duration) -> Flooded {
    let url = format!("{base}/api/me");
    let idle_p99_ms = p99_apart(url.clone(), token.to_string(), length).join().unwrap();
    let deadline = Instant::now() + length + Duration::from_millis(500);
    let flooders: Vec<_> = (1..driver::CONNECTIONS)
        .map(|i| {
            let (client, base) = (client.clone(), base.to_string());
            tokio::spawn(async move {
                let (mut attempts, mut turned_away) = (0, 0);
                while Instant::now() < deadline {
                    let body = json!({"email": format!("nobody{i}-{attempts}@example.com"), "password": "a wrong guess"});
                    let sent = client.post(format!("{base}/api/auth/login")).json(&body).send().await;
                    attempts += 1;
                    turned_away += usize::from(sent.is_ok_and(|r| r.status() == 503));
                }
                (attempts, turned_away)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let measuring = p99_apart(url, token.to_string(), length);
    let (mut attempts, mut turned_away) = (0, 0);
    for flooder in flooders {
        let (a, t) = flooder.await.unwrap();
        attempts += a;
        turned_away += t;
    }
    Flooded {
        idle_p99_ms,
        flooded_p99_ms: measuring.join().unwrap(),
        attempts,
        turned_away,
    }
}
