//! Servers as separate processes of this build: for several instances on one database, and
//! for crashes.

use std::{
    future::Future,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use crate::helpers::ORIGIN;

/// A `server` process of this build, on its own port.
pub struct Instance {
    child: Child,
    pub address: String,
}

impl Instance {
    pub async fn start(database_url: &str, secret_file: &str) -> Instance {
        Self::start_with(database_url, secret_file, &[]).await
    }

    /// Like `start`, with extra settings in the environment (e.g. `("LATCH_REFRESH_GRACE", "30")`).
    pub async fn start_with(database_url: &str, secret_file: &str, settings: &[(&str, &str)]) -> Instance {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .env("LATCH_LISTEN", format!("127.0.0.1:{port}"))
            .env("LATCH_PUBLIC_ORIGIN", ORIGIN)
            .env("DATABASE_URL", database_url)
            .env("LATCH_SECRET_FILE", secret_file)
            .env(
                "LATCH_MAIL_OUTBOX",
                std::path::Path::new(secret_file).with_file_name("outbox"),
            )
            .env("LATCH_LOG", "warn")
            // As in `spawn_app_on`: keyless clients unless a test asks for binding.
            .env("LATCH_DEVICE_BINDING", "allow")
            .env("LATCH_EMAIL_VERIFICATION", "off")
            .envs(settings.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .expect("the server binary starts");
        let address = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client.get(format!("{address}/readyz")).send().await
                && response.status() == StatusCode::OK
            {
                return Instance { child, address };
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Not left running behind the failed test.
        let _ = child.kill();
        let _ = child.wait();
        panic!("instance on port {port} did not become ready");
    }
}

impl Instance {
    /// Asks the process to stop (SIGTERM), as systemd does, and waits until it has.
    pub fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        self.child.wait().unwrap()
    }

    /// Kills the process at once (SIGKILL): no graceful shutdown, as in a crash.
    pub fn kill(mut self) {
        self.child.kill().expect("the server process can be killed");
        let _ = self.child.wait();
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How long until `check` holds, asking every 5 ms for at most `limit` (`None`: it never did).
pub async fn holds_within<F, Fut>(limit: Duration, mut check: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < limit {
        if check().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    None
}

/// Ends every instance's listener connection (as a failover or an idle-connection reaper
/// would); returns how many were cut.
pub async fn cut_listeners(admin: &sqlx::PgPool) -> usize {
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(admin)
    .await
    .unwrap();
    cut.len()
}
