//! How cost grows. With live sessions: refresh with rotation and the server's memory at 1 k,
//! 10 k and 100 k live sessions, each request refreshing another session (round robin over all of them), so the
//! rows read and the server's per-session memory (the refresh limiter) are those of many users
//! rather than of 16 hot ones.
//!
//! The sessions are written straight into the database: an Argon2id sign-in each would take
//! twenty minutes for 100 k. Their refresh tokens are made and hashed by the server's own code
//! under the run's secret, so the server cannot tell them from tokens it issued.
//!
//! With instances: protected GETs spread over two PostgreSQL instances, against one.

use std::{
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use clap::Parser;
use reqwest::Client;
use server::{auth::sessions::refresh_token::RefreshToken, config::Config, secret::ServerSecret};
use sqlx::{Connection, PgConnection, SqliteConnection};

use super::{
    driver,
    instance::Instance,
    scenarios::{credentials, get_ok, rotate, sessions},
};

pub const STEPS: [usize; 3] = [1_000, 10_000, 100_000];
/// Rows per INSERT statement while seeding.
const BATCH: usize = 1_000;

enum Seeder {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Seeder {
    async fn connect(url: &str) -> Seeder {
        if url.starts_with("sqlite:") {
            Seeder::Sqlite(SqliteConnection::connect(url).await.unwrap())
        } else {
            Seeder::Postgres(PgConnection::connect(url).await.unwrap())
        }
    }

    fn blob(&self, bytes: &[u8]) -> String {
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        match self {
            Seeder::Sqlite(_) => format!("X'{hex}'"),
            Seeder::Postgres(_) => format!("'\\x{hex}'::bytea"),
        }
    }

    /// Runs `sql`, which holds only values this file generated (no input from elsewhere).
    async fn run(&mut self, sql: &str) {
        match self {
            Seeder::Sqlite(connection) => _ = sqlx::raw_sql(sql).execute(connection).await.unwrap(),
            Seeder::Postgres(connection) => _ = sqlx::raw_sql(sql).execute(connection).await.unwrap(),
        }
    }
}

/// Writes `count` more accounts with one live session each; returns their refresh cookies.
async fn seed(seeder: &mut Seeder, secret: &ServerSecret, from: usize, count: usize) -> Vec<String> {
    let now = server::clock::now_millis();
    let ends = now + 7 * 24 * 3_600_000;
    let mut cookies = Vec::with_capacity(count);
    seeder.run("BEGIN").await;
    for start in (from..from + count).step_by(BATCH) {
        let (mut users, mut sessions, mut tokens) = (Vec::new(), Vec::new(), Vec::new());
        for n in start..(start + BATCH).min(from + count) {
            let (user, session) = (uuid::Uuid::new_v4(), uuid::Uuid::new_v4());
            let token = RefreshToken::generate();
            let hash = seeder.blob(&token.keyed_hash(&secret.refresh_hash_key));
            cookies.push(token.encode());
            users.push(format!(
                "('{user}', 'grow{n}@example.com', '$argon2id$seeded', {now})"
            ));
            sessions.push(format!(
                "('{session}', '{user}', {now}, {now}, {ends}, 'load', '127.0.0.1', 'load', '127.0.0.1')"
            ));
            tokens.push(format!("({hash}, '{session}', 1, {now})"));
        }
        seeder
            .run(&format!(
                "INSERT INTO users (id, email, password_hash, created_at) VALUES {};\
                 INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, ip, \
                 last_user_agent, last_ip) VALUES {};\
                 INSERT INTO refresh_tokens (token_hash, session_id, generation, issued_at) VALUES {}",
                users.join(","),
                sessions.join(","),
                tokens.join(",")
            ))
            .await;
    }
    seeder.run("COMMIT").await;
    cookies
}

/// The growth rows: for each step, refresh throughput over all live sessions and the
/// server's resident memory after it.
pub async fn growth(backend: &str, server: &Instance, secret_file: &Path, length: Duration) -> Vec<String> {
    let config = Config::try_parse_from(["latch", "--secret-file", &secret_file.display().to_string()])
        .expect("a configuration naming the run's secret");
    let secret = ServerSecret::load(&config).unwrap();
    let mut seeder = Seeder::connect(&server.database_url).await;
    let client = Client::new();
    let mut chains: Vec<Mutex<String>> = Vec::new();
    let mut rows = Vec::new();
    for step in STEPS {
        let more = seed(&mut seeder, &secret, chains.len(), step - chains.len()).await;
        chains.extend(more.into_iter().map(Mutex::new));
        let shared = Arc::new(std::mem::take(&mut chains));
        let (c, b, ch) = (client.clone(), Arc::new(server.base.clone()), shared.clone());
        // Connection i owns the sessions i, i + 16, i + 32, …: no chain is used by two at once.
        let owned = shared.len() / driver::CONNECTIONS;
        let outcome = driver::run(&[server], length, move |i, n| {
            let (c, b, ch) = (c.clone(), b.clone(), ch.clone());
            async move { rotate(&c, &b, &ch[i + driver::CONNECTIONS * (n % owned)]).await }
        })
        .await;
        chains = Arc::try_unwrap(shared).unwrap_or_else(|_| panic!("the driver has finished"));
        rows.push(outcome.row(backend, &format!("growth: refresh over {step} live sessions")));
        rows.push(format!(
            "| {backend} | memory with {step} live sessions, after that load | {:.0} MiB | | | |",
            server.rss_mib()
        ));
    }
    rows
}

/// Protected GETs and refreshes spread over two PostgreSQL instances, against one.
pub async fn two_instances(one: &Instance, two: &Instance, length: Duration) -> Vec<String> {
    let client = Client::new();
    let email = format!("pair-{}@example.com", uuid::Uuid::new_v4().simple());
    assert_eq!(
        credentials(&client, &one.base, "/api/auth/signup", &email)
            .await
            .status(),
        201
    );
    let tokens: Arc<Vec<String>> = Arc::new(
        sessions(&client, &one.base, &email)
            .await
            .into_iter()
            .map(|s| s.0)
            .collect(),
    );
    let mut per_second = Vec::new();
    for servers in [vec![one.base.clone()], vec![one.base.clone(), two.base.clone()]] {
        let (c, t, s) = (client.clone(), tokens.clone(), Arc::new(servers));
        let outcome = driver::run(&[one, two], length, move |i, _| {
            let (c, t, s) = (c.clone(), t.clone(), s.clone());
            async move { get_ok(&c, &format!("{}/api/me", s[i % s.len()]), Some(&t[i])).await }
        })
        .await;
        per_second.push(outcome.per_second);
    }
    vec![format!(
        "| PostgreSQL | protected GET, two instances ÷ one (same 2 cores) | {:.2} | |",
        per_second[1] / per_second[0]
    )]
}
