//! Latency of the authentication endpoints for one client making one request at a time, on
//! SQLite and PostgreSQL, through real HTTP against the real server (in-process, port 0).
//! Prints a Markdown table. Throughput under concurrency is the `load` benchmark's.
//! PostgreSQL is measured when `LATCH_TEST_POSTGRES_URL` is set (scripts/bench sets it).

mod support;

use std::time::Instant;

use clap::Parser;
use reqwest::Client;
use serde_json::json;
use server::{config::Config, startup::Application};
use support::{
    http::{
        ORIGIN, PASSWORD, me_bound_samples, me_samples, percentile, refresh, refresh_bound_samples, sample,
        signup, signup_bound,
    },
    pg_database::PgDatabase,
};

struct Target {
    name: &'static str,
    base: String,
    _dir: tempfile::TempDir,
}

async fn start(name: &'static str, database_url: String, dir: tempfile::TempDir) -> Target {
    let secret = dir.path().join("latch.secret");
    // Security mails (a new device at every keyless sign-in) go to the run's own directory.
    let outbox = dir.path().join("outbox");
    let config = Config::try_parse_from([
        "latch",
        "--listen",
        "127.0.0.1:0",
        "--public-origin",
        ORIGIN,
        "--database-url",
        &database_url,
        "--secret-file",
        secret.to_str().unwrap(),
        "--mail-outbox",
        outbox.to_str().unwrap(),
        "--log",
        "error",
        "--refresh-grace",
        "0",
        "--login-attempts-per-address",
        "100000",
        "--signups-per-address",
        "100000",
        "--refreshes-per-session",
        "1000000",
        // Bearer sessions for the keyless rows; the bound rows bring their own key.
        "--device-binding",
        "allow",
        "--email-verification",
        "off",
    ])
    .unwrap();
    let app = Application::build(config).await.expect("server starts");
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    Target {
        name,
        base,
        _dir: dir,
    }
}

async fn measure(target: &Target) -> Vec<String> {
    let client = Client::new();
    let base = &target.base;
    let (access, mut cookie) = signup(&client, base, "bench@example.com").await;

    // Sign-in: dominated, by design, by Argon2id at 19 MiB / t=2.
    let mut login = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        let response = client
            .post(format!("{base}/api/auth/login"))
            .json(&json!({"email": "bench@example.com", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        login.push(started.elapsed());
    }

    // Sequential rotations, and authenticated reads.
    let mut refreshes = sample(async || {
        let started = Instant::now();
        cookie = refresh(&client, base, &cookie).await;
        started.elapsed()
    })
    .await;
    let mut me = me_samples(&client, base, &access).await;

    // The same with a device-bound session: every call signs and checks a DPoP proof.
    let mut bound = signup_bound(&client, base, "bound@example.com").await;
    let mut bound_refreshes = refresh_bound_samples(&client, base, &mut bound).await;
    let mut me_bound = me_bound_samples(&client, base, &mut bound).await;

    vec![
        format!(
            "| {} | sign-in (Argon2id) | {:.1} ms | {:.1} ms |",
            target.name,
            percentile(&mut login, 0.5),
            percentile(&mut login, 0.95)
        ),
        format!(
            "| {} | refresh (rotation) | {:.2} ms | {:.2} ms |",
            target.name,
            percentile(&mut refreshes, 0.5),
            percentile(&mut refreshes, 0.95),
        ),
        format!(
            "| {} | refresh, device-bound (DPoP proof) | {:.2} ms | {:.2} ms |",
            target.name,
            percentile(&mut bound_refreshes, 0.5),
            percentile(&mut bound_refreshes, 0.95),
        ),
        format!(
            "| {} | `GET /api/me` (bearer) | {:.2} ms | {:.2} ms |",
            target.name,
            percentile(&mut me, 0.5),
            percentile(&mut me, 0.95)
        ),
        format!(
            "| {} | `GET /api/me`, device-bound (DPoP proof) | {:.2} ms | {:.2} ms |",
            target.name,
            percentile(&mut me_bound, 0.5),
            percentile(&mut me_bound, 0.95)
        ),
    ]
}

#[tokio::main]
async fn main() {
    let mut rows = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    rows.extend(measure(&start("SQLite", url, dir).await).await);
    if let Some(database) = PgDatabase::create("latch_bench").await {
        let postgres = start("PostgreSQL", database.url.clone(), tempfile::tempdir().unwrap()).await;
        rows.extend(measure(&postgres).await);
        database.drop_it().await;
    }
    println!("| backend | operation | p50 | p95 |");
    println!("|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
}
