//! The load benchmark (`scripts/bench`, documented in BENCHMARKS.md): a separate server
//! process on loopback, 16 connections from this process on the same 2 cores, each scenario
//! run for a fixed time on SQLite and on PostgreSQL. Prints requests/s, p50/p99, the
//! server's CPU time per request, its memory, and the ratios the goals are stated in.

mod bound;
mod driver;
mod flood;
mod instance;
mod proofs;
mod scale;
mod scenarios;
mod sizes;
// The requests, the throw-away PostgreSQL database and the device key that `auth_latency`
// uses too; the load driver needs only some of them.
#[allow(dead_code)]
#[path = "../support/mod.rs"]
mod support;

use std::time::Duration;

use instance::Instance;
use support::pg_database::PgDatabase;

#[global_allocator]
static HEAP: sizes::Counting = sizes::Counting;

/// Seconds each scenario runs (`LOAD_SECONDS`, default 5).
fn length() -> Duration {
    let seconds = std::env::var("LOAD_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    Duration::from_secs(seconds)
}

#[tokio::main]
async fn main() {
    let secrets = tempfile::tempdir().unwrap();
    let secret = secrets.path().join("latch.secret");

    let mut rows = Vec::new();
    let mut ratios = Vec::new();
    let sqlite_dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite:{}", sqlite_dir.path().join("load.db").display());
    let sqlite = Instance::start(&sqlite_url, &secret).await;
    let (r, q) = scenarios::all("SQLite", &sqlite, length()).await;
    rows.extend(r);
    ratios.extend(q);
    rows.extend(scale::growth("SQLite", &sqlite, &secret, length()).await);
    let mut sizes = sizes::revocation_set();
    sizes.push(sizes::jwks(&sqlite, "one signing key").await);
    drop(sqlite);
    Instance::rotate_signing_key(&sqlite_url, &secret);
    let restarted = Instance::start(&sqlite_url, &secret).await;
    sizes.push(sizes::jwks(&restarted, "during a key rotation").await);
    drop(restarted);
    let browsers_dir = tempfile::tempdir().unwrap();
    let browsers_url = format!("sqlite:{}", browsers_dir.path().join("bound.db").display());
    let browsers = Instance::start_default(&browsers_url, &secret).await;
    let (r, q) = bound::all("SQLite", &browsers, length()).await;
    rows.extend(r);
    ratios.extend(q);
    drop(browsers);

    if let Some(database) = PgDatabase::create("latch_load").await {
        let one = Instance::start(&database.url, &secret).await;
        let (r, q) = scenarios::all("PostgreSQL", &one, length()).await;
        rows.extend(r);
        ratios.extend(q);
        let two = Instance::start(&database.url, &secret).await;
        ratios.extend(scale::two_instances(&one, &two, length()).await);
        rows.extend(scale::growth("PostgreSQL", &one, &secret, length()).await);
        drop((one, two));
        let browsers = Instance::start_default(&database.url, &secret).await;
        let (r, q) = bound::all("PostgreSQL", &browsers, length()).await;
        rows.extend(r);
        ratios.extend(q);
        drop(browsers);
        database.drop_it().await;
    }

    println!("| backend | scenario | requests/s | p50 | p99 | server CPU per request |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    println!("\n| what | | | memory |");
    println!("|---|---|---|---|");
    for size in sizes {
        println!("{size}");
    }
    println!("\n| backend | ratio | value | goal |");
    println!("|---|---|---|---|");
    for ratio in ratios {
        println!("{ratio}");
    }
}
