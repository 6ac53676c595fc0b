//! The flood scenario: how a sign-in flood slows the protected GETs of signed-in users.

use std::time::{Duration, Instant};

use reqwest::Client;
use serde_json::json;

use super::{driver, scenarios::get_ok};

/// `GET /api/me` p99 from one client, idle and while the other 15 connections flood sign-in
/// with unknown emails (a full Argon2id hash each, or a fast 503 once the queue is full).
pub async fn flood(client: &Client, base: &str, token: &str, length: Duration) -> (f64, f64) {
    async fn p99(client: &Client, url: &str, token: &str, length: Duration) -> f64 {
        let deadline = Instant::now() + length;
        let mut samples = Vec::new();
        while Instant::now() < deadline {
            let sent = Instant::now();
            get_ok(client, url, Some(token)).await;
            samples.push(sent.elapsed());
        }
        samples.sort();
        samples[(samples.len() - 1) * 99 / 100].as_secs_f64() * 1000.0
    }
    let url = format!("{base}/api/me");
    let idle = p99(client, &url, token, length).await;
    let deadline = Instant::now() + length + Duration::from_millis(500);
    let flooders: Vec<_> = (1..driver::CONNECTIONS)
        .map(|i| {
            let (client, base) = (client.clone(), base.to_string());
            tokio::spawn(async move {
                let mut n = 0;
                while Instant::now() < deadline {
                    let body =
                        json!({"email": format!("nobody{i}-{n}@example.com"), "password": "a wrong guess"});
                    let _ = client
                        .post(format!("{base}/api/auth/login"))
                        .json(&body)
                        .send()
                        .await;
                    n += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(250)).await;
    let flooded = p99(client, &url, token, length).await;
    for flooder in flooders {
        flooder.await.unwrap();
    }
    (idle, flooded)
}
