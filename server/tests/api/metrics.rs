//! `/metrics` on its own address (`LATCH_METRICS_LISTEN`): after a scripted run of sign-ins,
//! refreshes, a theft and a refresh blocked without its device key, a Prometheus text parser
//! reads back exactly the counts that happened, and the bounded memories (hashing queue,
//! throttles, proof memory) read as what they hold at the moment of the scrape. The public listener serves no metrics.

use prometheus_parse::{Sample, Scrape, Value as Metric};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    device_key::{DeviceKey, nonce_of},
    helpers::{Backend, ORIGIN, PASSWORD, Session, TestDatabase, refresh_at},
    process::Instance,
};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The value of `name` with exactly these labels among theirs (0 when absent).
fn value(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching = |sample: &&Sample| {
        sample.metric == name && labels.iter().all(|(k, v)| sample.labels.get(k) == Some(*v))
    };
    scrape
        .samples
        .iter()
        .filter(matching)
        .map(|sample| match &sample.value {
            Metric::Counter(v) | Metric::Gauge(v) | Metric::Untyped(v) => *v,
            Metric::Histogram(buckets) => buckets.last().map_or(0.0, |b| b.count),
            Metric::Summary(_) => 0.0,
        })
        .sum()
}

async fn scrape(listen: &str) -> (Scrape, String) {
    let text = reqwest::get(format!("http://{listen}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("Prometheus text");
    (scrape, text)
}

#[tokio::test]
async fn counters_match_a_scripted_run_of_sign_ins_refreshes_and_a_theft() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("latch.secret");
    let metrics_port = free_port();
    let listen = format!("127.0.0.1:{metrics_port}");
    let instance = Instance::start_with(
        database.url(),
        secret.to_str().unwrap(),
        &[("LATCH_METRICS_LISTEN", &listen)],
    )
    .await;
    let client = reqwest::Client::new();
    let post = |path: &str, body: serde_json::Value| {
        client
            .post(format!("{}{path}", instance.address))
            .json(&body)
            .send()
    };
    let base = instance.address.as_str();

    let credentials = json!({"email": "ada@example.com", "password": PASSWORD});
    let signed_up = Session::from(post("/api/auth/signup", credentials.clone()).await.unwrap()).await;
    let signed_in = post("/api/auth/login", credentials).await.unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let wrong = json!({"email": "ada@example.com", "password": "not the password at all"});
    for _ in 0..2 {
        assert_eq!(
            post("/api/auth/login", wrong.clone()).await.unwrap().status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Two rotations, a retry, then the first token once more (reused after a newer one was used): theft.
    let second = Session::from(refresh_at(&client, base, &signed_up.refresh_token).await).await;
    let third = refresh_at(&client, base, &second.refresh_token).await;
    assert_eq!(third.status(), StatusCode::OK);
    // The answer was lost: the just-retired token again, within the grace period.
    let again = refresh_at(&client, base, &second.refresh_token).await;
    assert_eq!(again.status(), StatusCode::OK);
    let reused = refresh_at(&client, base, &signed_up.refresh_token).await;
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    // A session bound to a device key, its cookie presented without the key's proof: blocked.
    let key = DeviceKey::new();
    let nonce = nonce_of(
        &client
            .get(format!("{}/api/me", instance.address))
            .send()
            .await
            .unwrap(),
    )
    .unwrap();
    let bound = client
        .post(format!("{}/api/auth/signup", instance.address))
        .header(
            "DPoP",
            key.proof("POST", &format!("{ORIGIN}/api/auth/signup"), &nonce, None),
        )
        .json(&json!({"email": "bo@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let bound = Session::from(bound).await;
    let blocked = refresh_at(&client, base, &bound.refresh_token).await;
    assert_eq!(blocked.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh_at(&client, base, "bm90LWEtdG9rZW4").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let public = client
        .get(format!("{}/metrics", instance.address))
        .send()
        .await
        .unwrap();
    assert_ne!(public.status(), StatusCode::OK, "never on the public listener");
    let (scrape, text) = scrape(&listen).await;

    let sign_ins = |result| {
        value(
            &scrape,
            "latch_sign_ins_total",
            &[("method", "password"), ("result", result)],
        )
    };
    assert_eq!(sign_ins("ok"), 1.0);
    assert_eq!(sign_ins("invalid_credentials"), 2.0);
    let refreshes = |result| value(&scrape, "latch_refreshes_total", &[("result", result)]);
    assert_eq!(refreshes("rotated"), 2.0);
    assert_eq!(refreshes("same_successor"), 1.0);
    assert_eq!(refreshes("reuse_detected"), 1.0);
    assert_eq!(refreshes("unknown"), 1.0);
    assert_eq!(refreshes("blocked_without_key"), 1.0);
    assert_eq!(
        value(&scrape, "latch_sessions_started_total", &[]),
        3.0,
        "the two sign-ups' and the sign-in's"
    );
    assert_eq!(
        value(
            &scrape,
            "latch_sessions_ended_total",
            &[("reason", "refresh_token_reuse")]
        ),
        1.0
    );
    let logins = [("route", "/api/auth/login"), ("method", "POST")];
    assert_eq!(
        value(
            &scrape,
            "latch_http_request_duration_seconds_count",
            &[logins[0], logins[1], ("status", "401")]
        ),
        2.0
    );
    assert_eq!(
        value(
            &scrape,
            "latch_http_request_duration_seconds_count",
            &[logins[0], logins[1], ("status", "200")]
        ),
        1.0
    );
    assert!(
        value(&scrape, "latch_db_pool_connections", &[("state", "idle")]) >= 1.0,
        "{text}"
    );
}

#[tokio::test]
async fn the_bounded_memories_read_as_what_they_hold_when_scraped() {
    let database = TestDatabase::new(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("latch.secret");
    let listen = format!("127.0.0.1:{}", free_port());
    // One hashing thread and no queue: a second hash at the same moment is refused.
    let settings = [
        ("LATCH_METRICS_LISTEN", listen.as_str()),
        ("LATCH_DEVICE_BINDING", "require"),
        ("LATCH_HASH_CONCURRENCY", "1"),
        ("LATCH_HASH_QUEUE", "0"),
        ("LATCH_THROTTLE_CAPACITY", "5000"),
        ("LATCH_LOGIN_ATTEMPTS_PER_ACCOUNT", "100"),
        ("LATCH_LOGIN_ATTEMPTS_PER_ADDRESS", "100"),
        ("LATCH_DPOP_PROOF_MEMORY", "7000"),
    ];
    let instance = Instance::start_with(database.url(), secret.to_str().unwrap(), &settings).await;
    let client = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", instance.address);
    let key = DeviceKey::new();
    let nonce = nonce_of(&client.get(url("/api/me")).send().await.unwrap()).unwrap();
    let signup = client
        .post(url("/api/auth/signup"))
        .header(
            "DPoP",
            key.proof("POST", &format!("{ORIGIN}/api/auth/signup"), &nonce, None),
        )
        .json(&json!({"email": "ada@example.com", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(signup.status(), StatusCode::CREATED);
    let token = Session::from(signup).await.access_token;

    let (before, _) = scrape(&listen).await;
    let replay = |scrape: &Scrape| value(scrape, "latch_dpop_replay_entries", &[]);
    for _ in 0..3 {
        let proof = key.proof("GET", &format!("{ORIGIN}/api/me"), &nonce, Some(&token));
        let me = client
            .get(url("/api/me"))
            .header("authorization", format!("DPoP {token}"))
            .header("DPoP", proof)
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), StatusCode::OK);
    }
    // Eight wrong passwords at once on one hashing place: some wait their turn in vain.
    let wrong = json!({"email": "ada@example.com", "password": "not the password at all"});
    let attempts = (0..8).map(|_| {
        let proof = key.proof("POST", &format!("{ORIGIN}/api/auth/login"), &nonce, None);
        client
            .post(url("/api/auth/login"))
            .header("DPoP", proof)
            .json(&wrong)
            .send()
    });
    let statuses: Vec<StatusCode> = futures::future::join_all(attempts)
        .await
        .into_iter()
        .map(|response| response.unwrap().status())
        .collect();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
        .count();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(refused + checked, 8, "{statuses:?}");
    assert!(refused > 0 && checked > 0, "{statuses:?}");

    let (after, text) = scrape(&listen).await;
    assert_eq!(replay(&after) - replay(&before), 3.0, "three proofs spent");
    assert_eq!(value(&after, "latch_dpop_replay_capacity", &[]), 7000.0);
    assert_eq!(
        value(&after, "latch_password_hash_refused_total", &[]),
        refused as f64
    );
    assert_eq!(
        value(&after, "latch_password_hash_wait_seconds_count", &[]),
        (1 + checked) as f64,
        "the sign-up's hash and each checked guess's"
    );
    assert_eq!(
        value(&after, "latch_password_hashes", &[]),
        0.0,
        "nothing hashing or waiting once all are answered"
    );
    let throttle = |table| value(&after, "latch_throttle_entries", &[("table", table)]);
    assert_eq!(throttle("sign_ups"), 1.0, "{text}");
    assert_eq!(throttle("per_address"), 1.0, "the guesses' one address");
    assert_eq!(throttle("per_account"), 1.0, "ada's count of strangers' guesses");
    assert_eq!(throttle("per_session"), 0.0);
    assert_eq!(
        value(&after, "latch_throttle_capacity", &[("table", "per_address")]),
        5000.0
    );
}
