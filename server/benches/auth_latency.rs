//! Latency and throughput of the authentication endpoints, on SQLite and PostgreSQL, through
//! real HTTP against the real server (in-process, port 0). Prints a Markdown table.
//! PostgreSQL is measured when `LATCH_TEST_POSTGRES_URL` is set (scripts/bench sets it).

mod support;

use std::time::{Duration, Instant};

use clap::Parser;
use reqwest::Client;
use serde_json::json;
use server::{config::Config, startup::Application};
use sqlx::{Connection, Executor, PgConnection};
use support::{
    flood::flood,
    http::{
        ORIGIN, PASSWORD, me_bound_samples, me_samples, percentile, refresh, refresh_bound_samples, signup,
        signup_bound,
    },
};

struct Target {
    name: &'static str,
    base: String,
    _dir: tempfile::TempDir,
}

async fn start(name: &'static str, database_url: String, dir: tempfile::TempDir) -> Target {
    let secret = dir.path().join("latch.secret");
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

    // Sequential refreshes (one rotation each), and authenticated reads (no database).
    let mut refreshes = Vec::new();
    for _ in 0..500 {
        let started = Instant::now();
        cookie = refresh(&client, base, &cookie).await;
        refreshes.push(started.elapsed());
    }
    let mut me = me_samples(&client, base, &access).await;

    // The same with a device-bound session: every call signs and checks a DPoP proof.
    let mut bound = signup_bound(&client, base, "bound@example.com").await;
    let mut bound_refreshes = refresh_bound_samples(&client, base, &mut bound).await;
    let mut me_bound = me_bound_samples(&client, base, &mut bound).await;

    // Throughput: 32 sessions refreshing concurrently for 5 seconds.
    let mut sessions = Vec::new();
    for i in 0..32 {
        sessions.push(signup(&client, base, &format!("load{i}@example.com")).await.1);
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let started = Instant::now();
    let workers: Vec<_> = sessions
        .into_iter()
        .map(|mut token| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let mut count = 0u64;
                while Instant::now() < deadline {
                    token = refresh(&client, &base, &token).await;
                    count += 1;
                }
                count
            })
        })
        .collect();
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    let throughput = total as f64 / started.elapsed().as_secs_f64();

    vec![
        format!(
            "| {} | sign-in (Argon2id) | {:.1} ms | {:.1} ms | |",
            target.name,
            percentile(&mut login, 0.5),
            percentile(&mut login, 0.95)
        ),
        format!(
            "| {} | refresh (rotation) | {:.2} ms | {:.2} ms | {:.0} /s with 32 sessions |",
            target.name,
            percentile(&mut refreshes, 0.5),
            percentile(&mut refreshes, 0.95),
            throughput
        ),
        format!(
            "| {} | refresh, device-bound (DPoP proof) | {:.2} ms | {:.2} ms | |",
            target.name,
            percentile(&mut bound_refreshes, 0.5),
            percentile(&mut bound_refreshes, 0.95),
        ),
        format!(
            "| {} | `GET /api/me` (bearer) | {:.2} ms | {:.2} ms | |",
            target.name,
            percentile(&mut me, 0.5),
            percentile(&mut me, 0.95)
        ),
        format!(
            "| {} | `GET /api/me`, device-bound (DPoP proof) | {:.2} ms | {:.2} ms | |",
            target.name,
            percentile(&mut me_bound, 0.5),
            percentile(&mut me_bound, 0.95)
        ),
    ]
}

#[tokio::main]
async fn main() {
    let mut rows = Vec::new();
    let mut floods = Vec::new();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("bench.db").display());
    let sqlite = start("SQLite", url, dir).await;
    rows.extend(measure(&sqlite).await);
    floods.push(flood(sqlite.name, &sqlite.base).await);

    if let Ok(admin_url) = std::env::var("LATCH_TEST_POSTGRES_URL") {
        let name = format!("latch_bench_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap();
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_path(&name);
        let postgres = start("PostgreSQL", url.to_string(), tempfile::tempdir().unwrap()).await;
        rows.extend(measure(&postgres).await);
        floods.push(flood(postgres.name, &postgres.base).await);
        let _ = admin
            .execute(format!(r#"DROP DATABASE "{name}" WITH (FORCE)"#).as_str())
            .await;
    } else {
        eprintln!("LATCH_TEST_POSTGRES_URL not set: PostgreSQL not measured");
    }

    println!("| backend | operation | p50 | p95 | throughput |");
    println!("|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!();
    println!(
        "| backend | `GET /api/me` p99 idle | p99 during a sign-in flood | flood ÷ idle | sign-in attempts |"
    );
    println!("|---|---|---|---|---|");
    for row in floods {
        println!("{row}");
    }
}
