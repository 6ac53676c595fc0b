//! Several server processes sharing one PostgreSQL: any instance validates any token, rotation
//! is consistent across them, and a revocation on one reaches the others within a second.

use std::{
    process::Command,
    time::{Duration, Instant},
};

use reqwest::StatusCode;

use crate::{
    helpers::{Backend, ORIGIN, Session, TestDatabase},
    process::{Instance, cut_listeners, holds_within},
};

/// How long until `instance` refuses `access_token`, polling for at most `limit`.
pub(crate) async fn refused_within(
    client: &reqwest::Client,
    instance: &Instance,
    access_token: &str,
    limit: Duration,
) -> Option<Duration> {
    holds_within(limit, || async {
        let me = client
            .get(format!("{}/api/me", instance.address))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        me.status() == StatusCode::UNAUTHORIZED
    })
    .await
}

#[tokio::test]
async fn two_processes_on_one_postgres_share_sessions_and_revocations() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("latch.secret");
    let secret_file = secret_file.to_str().unwrap();
    let a = Instance::start(database.url(), secret_file).await;
    let b = Instance::start(database.url(), secret_file).await;
    let client = reqwest::Client::new();

    let signup = client
        .post(format!("{}/api/auth/signup", a.address))
        .json(&serde_json::json!({"email": "ada@example.com", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);
    let on_a = Session::from(signup).await;

    // Refresh on A, then on B: one chain, whichever instance answers.
    let refresh = |address: &str, token: &str| {
        client
            .post(format!("{address}/api/auth/refresh"))
            .header("cookie", format!("latch_refresh={token}"))
            .header("origin", ORIGIN)
            .send()
    };
    let second = Session::from(refresh(&a.address, &on_a.refresh_token).await.unwrap()).await;
    let third = refresh(&b.address, &second.refresh_token).await.unwrap();
    assert_eq!(third.status(), StatusCode::OK);
    let third = Session::from(third).await;

    let me_on_b = |token: String| {
        client
            .get(format!("{}/api/me", b.address))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        me_on_b(third.access_token.clone()).await.unwrap().status(),
        StatusCode::OK,
        "B accepts A's keys"
    );

    // Sign out on A; B must refuse the still-unexpired access token within about a second.
    let logout = client
        .post(format!("{}/api/auth/logout", a.address))
        .header("cookie", format!("latch_refresh={}", third.refresh_token))
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let refused_after = refused_within(&client, &b, &third.access_token, Duration::from_secs(3))
        .await
        .expect("B never refused the revoked session's token");
    println!("revocation reached the second instance after {refused_after:?}");
    assert!(
        refused_after < Duration::from_millis(1500),
        "took {refused_after:?}"
    );

    // A third instance started afterwards learns the revocation at start-up.
    let c = Instance::start(database.url(), secret_file).await;
    let on_c = client
        .get(format!("{}/api/me", c.address))
        .bearer_auth(&third.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(on_c.status(), StatusCode::UNAUTHORIZED);

    // Key rotation while A and B run: an instance started afterwards signs with the new key,
    // and A, which has never seen it, still accepts its tokens.
    let rotated = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["--rotate-signing-key", "--log", "warn"])
        .env("DATABASE_URL", database.url())
        .env("LATCH_SECRET_FILE", secret_file)
        .env("LATCH_PUBLIC_ORIGIN", ORIGIN)
        .output()
        .expect("the rotation command runs");
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let new_kid = String::from_utf8_lossy(&rotated.stdout)
        .trim()
        .trim_start_matches("new signing key: ")
        .to_string();
    let d = Instance::start(database.url(), secret_file).await;
    let login = client
        .post(format!("{}/api/auth/login", d.address))
        .json(&serde_json::json!({"email": "ada@example.com", "password": crate::helpers::PASSWORD}))
        .send()
        .await
        .unwrap();
    let on_d = Session::from(login).await;
    let kid = jsonwebtoken::decode_header(&on_d.access_token)
        .unwrap()
        .kid
        .unwrap();
    assert_eq!(kid, new_kid);
    let on_a = client
        .get(format!("{}/api/me", a.address))
        .bearer_auth(&on_d.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        on_a.status(),
        StatusCode::OK,
        "A learns the rotated key when it first meets it"
    );
    let jwks: serde_json::Value = client
        .get(format!("{}/.well-known/jwks.json", a.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "old and new keys are both published"
    );
}

/// The revocation listener's connection is cut (as a failover or an idle-connection reaper
/// would) right before a revocation on another instance: it must subscribe again and catch
/// up, so the revoked token is still refused within 1.5 s. Twenty times in a row.
#[tokio::test]
async fn a_listener_cut_off_resubscribes_and_catches_up() {
    let database = TestDatabase::new(Backend::Postgres).await;
    let secret_dir = tempfile::tempdir().unwrap();
    let secret_file = secret_dir.path().join("latch.secret");
    let secret_file = secret_file.to_str().unwrap();
    let a = Instance::start(database.url(), secret_file).await;
    let b = Instance::start(database.url(), secret_file).await;
    let admin = sqlx::PgPool::connect(database.url()).await.unwrap();
    let client = reqwest::Client::new();
    let credentials = serde_json::json!({"email": "ada@example.com", "password": crate::helpers::PASSWORD});
    let signup = client
        .post(format!("{}/api/auth/signup", a.address))
        .json(&credentials)
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);

    for round in 1..=20 {
        let login = client
            .post(format!("{}/api/auth/login", a.address))
            .json(&credentials)
            .send()
            .await
            .unwrap();
        let session = Session::from(login).await;
        // Both instances are subscribed again before the next cut.
        let listening = "SELECT COUNT(*) FROM pg_stat_activity \
                         WHERE datname = current_database() AND query ILIKE 'LISTEN%'";
        let deadline = Instant::now() + Duration::from_secs(5);
        while sqlx::query_scalar::<_, i64>(listening)
            .fetch_one(&admin)
            .await
            .unwrap()
            < 2
        {
            assert!(
                Instant::now() < deadline,
                "round {round}: the listeners never came back"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let cut = cut_listeners(&admin).await;
        assert!(cut > 0, "round {round}: no listener connection to cut");
        let logout = client
            .post(format!("{}/api/auth/logout", a.address))
            .header("cookie", format!("latch_refresh={}", session.refresh_token))
            .header("origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), StatusCode::NO_CONTENT);
        let refused = refused_within(&client, &b, &session.access_token, Duration::from_secs(3)).await;
        assert!(
            refused.is_some_and(|after| after < Duration::from_millis(1500)),
            "round {round}: B refused the revoked token after {refused:?}"
        );
    }
}
