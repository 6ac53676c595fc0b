//! Faults survived, on real databases: the server killed mid-load and restarted, and SQLite's
//! disk filling up.

use std::{io::Write, path::PathBuf, process::Command, time::Duration};

use reqwest::{Client, StatusCode, header};

use crate::{
    helpers::{
        Backend, ORIGIN, PASSWORD, Session, TestDatabase, cookie_value, error_code, on_both_backends,
        refresh_set_cookie, spawn_app_on,
    },
    process::Instance,
};

on_both_backends!(a_server_killed_during_a_refresh_load_loses_and_forks_no_session);

const SESSIONS: usize = 32;
const SETTINGS: [(&str, &str); 2] = [
    ("LATCH_SIGNUPS_PER_ADDRESS", "1000"),
    ("LATCH_REFRESHES_PER_SESSION", "1000000"),
];

/// One refresh; `Some(next token)` when it was answered 200, `None` when no answer came (the
/// server died), and a failure for any other answer.
async fn refresh(client: &Client, base: &str, token: &str) -> Option<String> {
    let response = client
        .post(format!("{base}/api/auth/refresh"))
        .header("cookie", format!("latch_refresh={token}"))
        .header("origin", ORIGIN)
        .send()
        .await
        .ok()?;
    let status = response.status();
    if status != StatusCode::OK {
        let body = response.text().await.unwrap_or_default();
        panic!("a refresh was answered {status}: {body}");
    }
    Some(cookie_value(&refresh_set_cookie(&response).unwrap()).to_string())
}

/// 32 sessions refresh as fast as they can; the server is killed (SIGKILL) in the middle.
/// Some refreshes were committed but never answered. After a restart each client retries
/// with the last token it holds: every session continues (the retried token is the one just
/// retired, within the grace window, so it yields the same successor), none is ended as
/// stolen, and none has two live successors.
async fn a_server_killed_during_a_refresh_load_loses_and_forks_no_session(backend: Backend) {
    let database = TestDatabase::new(backend).await;
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("latch.secret");
    let secret_file = secret_file.to_str().unwrap();
    let server = Instance::start_with(database.url(), secret_file, &SETTINGS).await;
    let client = Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    let mut tokens = Vec::new();
    for i in 0..SESSIONS {
        let signup = client
            .post(format!("{}/api/auth/signup", server.address))
            .json(&serde_json::json!({"email": format!("user{i}@example.com"), "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        tokens.push(Session::from(signup).await.refresh_token);
    }

    let base = server.address.clone();
    let load: Vec<_> = tokens
        .into_iter()
        .map(|mut token| {
            let (client, base) = (client.clone(), base.clone());
            tokio::spawn(async move {
                let mut answered = 0;
                while let Some(next) = refresh(&client, &base, &token).await {
                    token = next;
                    answered += 1;
                }
                (token, answered)
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.kill();
    let mut held = Vec::new();
    let mut answered = 0;
    for worker in load {
        let (token, count) = worker.await.unwrap();
        held.push(token);
        answered += count;
    }
    assert!(
        answered >= SESSIONS,
        "the load ran before the kill: {answered} refreshes"
    );

    let restarted = Instance::start_with(database.url(), secret_file, &SETTINGS).await;
    for (i, token) in held.iter().enumerate() {
        let next = refresh(&client, &restarted.address, token)
            .await
            .unwrap_or_else(|| panic!("session {i}: no answer after the restart"));
        assert!(
            refresh(&client, &restarted.address, &next).await.is_some(),
            "session {i} goes on refreshing"
        );
    }
}

/// A small file system of the test's own (tmpfs, so the test needs root as the suite does for
/// PostgreSQL), which it can fill up.
struct SmallDisk {
    mount: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> Self {
        let mount = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(mount.path())
            .status()
            .expect("mount runs");
        assert!(status.success(), "mounting a tmpfs needs root (CAP_SYS_ADMIN)");
        SmallDisk { mount }
    }

    /// Writes a file until the disk is full; returns it, for freeing the space again.
    fn fill(&self) -> PathBuf {
        let path = self.mount.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 16 * 1024];
        while file.write_all(&chunk).is_ok() {}
        let _ = file.flush();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.mount.path()).status();
    }
}

/// The disk under SQLite fills up: writes are answered 503 with Retry-After (never 500, and
/// nobody is signed out); reads that need no write go on; once space is freed, everything
/// works again and the database passes SQLite's integrity check.
#[tokio::test]
async fn sqlite_on_a_full_disk_answers_503_and_recovers_intact() {
    let disk = SmallDisk::mount("8m");
    let database = TestDatabase::sqlite_in(tempfile::tempdir_in(disk.mount.path()).unwrap());
    let app = spawn_app_on(database, &["--refreshes-per-session", "1000000"]).await;
    let mut session = app.signed_up("ada@example.com").await;

    let filler = disk.fill();
    // The write-ahead log may still have room for a few writes; it cannot grow.
    let mut refused = None;
    for _ in 0..5000 {
        let response = app.refresh(&session.refresh_token).await;
        match response.status() {
            StatusCode::OK => session = Session::from(response).await,
            StatusCode::SERVICE_UNAVAILABLE => {
                refused = Some(response);
                break;
            }
            other => panic!("a refresh on a full disk was answered {other}"),
        }
    }
    let refused = refused.expect("the full disk refused a write");
    assert!(refused.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(refresh_set_cookie(&refused), None, "the cookie is kept");
    assert_eq!(error_code(refused).await, "unavailable");
    let sign_up = app.signup("bob@example.com", PASSWORD).await;
    assert_eq!(sign_up.status(), StatusCode::SERVICE_UNAVAILABLE);
    app.assert_session_alive(&session).await;

    std::fs::remove_file(filler).unwrap();
    let next = app.refresh(&session.refresh_token).await;
    assert_eq!(
        next.status(),
        StatusCode::OK,
        "the refused refresh rotated nothing"
    );
    let session = Session::from(next).await;
    app.signed_up("bob@example.com").await;
    assert_eq!(app.refresh(&session.refresh_token).await.status(), StatusCode::OK);
    let check: String = server::with_pool!(&app.db, |pool| sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(pool)
        .await
        .unwrap());
    assert_eq!(check, "ok");
}
