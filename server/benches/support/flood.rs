//! `GET /api/me` tail latency while sign-in is flooded.

use std::time::Duration;

use reqwest::Client;
use serde_json::json;

use super::http::{me_samples, percentile, signup};

/// Token validation while 64 clients flood sign-in with unknown emails (each costs a full
/// Argon2id hash, or a fast 503 once the hashing queue is full): `GET /api/me` p99, idle and
/// during the flood.
pub async fn flood(name: &str, base: &str) -> String {
    let client = Client::new();
    let (access, _) = signup(&client, base, "flood@example.com").await;
    let idle = percentile(&mut me_samples(&client, base, &access).await, 0.99);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flooders: Vec<_> = (0..64)
        .map(|i| {
            let (client, base, stop) = (client.clone(), base.to_string(), stop.clone());
            tokio::spawn(async move {
                let mut n = 0u64;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let email = format!("nobody{i}-{n}@example.com");
                    let body = json!({"email": email, "password": "a wrong password guess"});
                    let _ = client
                        .post(format!("{base}/api/auth/login"))
                        .json(&body)
                        .send()
                        .await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let flooded = percentile(&mut me_samples(&client, base, &access).await, 0.99);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut attempts = 0;
    for flooder in flooders {
        attempts += flooder.await.unwrap();
    }
    format!(
        "| {} | {idle:.2} ms | {flooded:.2} ms | {:.2} | {attempts} |",
        name,
        flooded / idle
    )
}
