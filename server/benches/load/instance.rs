//! A Latch server as the load driver runs it: a separate process on loopback (so its CPU time
//! can be read apart from the driver's), on a fresh SQLite file or PostgreSQL database.

use std::{
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct Instance {
    child: Child,
    pub base: String,
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// Clock ticks per second of `/proc/<pid>/stat` (`sysconf(_SC_CLK_TCK)`).
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf only reads a configuration value.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }) as f64
}

impl Instance {
    /// Starts a server on `database_url` sharing `secret` with any other instance of the run,
    /// for keyless API clients: Bearer sessions (`LATCH_DEVICE_BINDING=allow`), instant sign-up.
    pub async fn start(database_url: &str, secret: &std::path::Path) -> Instance {
        Self::launch(database_url, secret, true).await
    }

    /// The same, in the configuration browsers get: every session bound to a device key
    /// (`require`) and sign-up confirmed by mail (`required`), the defaults.
    pub async fn start_default(database_url: &str, secret: &std::path::Path) -> Instance {
        Self::launch(database_url, secret, false).await
    }

    async fn launch(database_url: &str, secret: &std::path::Path, keyless: bool) -> Instance {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        if keyless {
            command
                .env("LATCH_DEVICE_BINDING", "allow")
                .env("LATCH_EMAIL_VERIFICATION", "off");
        }
        let mut child = command
            .env("LATCH_LISTEN", format!("127.0.0.1:{port}"))
            .env("LATCH_PUBLIC_ORIGIN", super::support::http::ORIGIN)
            .env("DATABASE_URL", database_url)
            .env("LATCH_SECRET_FILE", secret)
            // Security mails (a new device at every keyless sign-in) go to the run's own directory.
            .env("LATCH_MAIL_OUTBOX", dir.path().join("outbox"))
            .env("LATCH_LOG", "error")
            // The limits are for attackers, not for the driver.
            .env("LATCH_LOGIN_ATTEMPTS_PER_ADDRESS", "1000000")
            .env("LATCH_LOGIN_ATTEMPTS_PER_ACCOUNT", "1000000")
            .env("LATCH_SIGNUPS_PER_ADDRESS", "1000000")
            .env("LATCH_REFRESHES_PER_SESSION", "1000000")
            .env("LATCH_DPOP_PROOFS_PER_KEY", "1000000")
            .env("LATCH_DB_MAX_CONNECTIONS", "16")
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client.get(format!("{base}/readyz")).send().await
                && response.status().is_success()
            {
                return Instance {
                    child,
                    base,
                    database_url: database_url.to_string(),
                    _dir: dir,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server at {base} did not become ready");
    }

    /// Adds a signing key to `database_url` as an operator would (`server --rotate-signing-key`).
    pub fn rotate_signing_key(database_url: &str, secret: &std::path::Path) {
        let status = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("--rotate-signing-key")
            .env("DATABASE_URL", database_url)
            .env("LATCH_SECRET_FILE", secret)
            .env("LATCH_LOG", "error")
            .stdout(Stdio::null())
            .status()
            .expect("the server binary runs");
        assert!(status.success(), "--rotate-signing-key failed");
    }

    /// Statements PostgreSQL has run on this instance's database so far (all connections,
    /// `BEGIN` and `COMMIT` included), if `pg_stat_statements` is loaded; `None` on SQLite.
    pub async fn statements(&self) -> Option<i64> {
        use sqlx::{Connection, Executor};
        if !self.database_url.starts_with("postgres") {
            return None;
        }
        let mut db = sqlx::PgConnection::connect(&self.database_url).await.ok()?;
        db.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            .await
            .ok()?;
        sqlx::query_scalar(
            "SELECT COALESCE(SUM(calls), 0)::BIGINT FROM pg_stat_statements \
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .fetch_one(&mut db)
        .await
        .ok()
    }

    fn stat_field(&self, index: usize) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap();
        // The command name may hold spaces; fields are counted after its closing parenthesis.
        let after_name = &stat[stat.rfind(')').unwrap() + 2..];
        after_name.split(' ').nth(index - 3).unwrap().parse().unwrap()
    }

    /// CPU seconds the server has used so far (user + system).
    pub fn cpu_seconds(&self) -> f64 {
        (self.stat_field(14) + self.stat_field(15)) / ticks_per_second()
    }

    /// Resident memory, MiB.
    pub fn rss_mib(&self) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kib: f64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0.0);
        kib / 1024.0
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
