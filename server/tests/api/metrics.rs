//! `/metrics` on its own address (`LATCH_METRICS_LISTEN`): after a scripted run of sign-ins,
//! refreshes and a theft, a Prometheus text parser reads back exactly the counts that
//! happened. The public listener serves no metrics.

use prometheus_parse::{Sample, Scrape, Value as Metric};
use reqwest::StatusCode;
use serde_json::json;

use crate::{
    helpers::{Backend, ORIGIN, PASSWORD, Session, TestDatabase},
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
    let refresh = |token: String| {
        client
            .post(format!("{}/api/auth/refresh", instance.address))
            .header("cookie", format!("latch_refresh={token}"))
            .header("origin", ORIGIN)
            .send()
    };

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
    let second = Session::from(refresh(signed_up.refresh_token.clone()).await.unwrap()).await;
    let third = refresh(second.refresh_token.clone()).await.unwrap();
    assert_eq!(third.status(), StatusCode::OK);
    // The answer was lost: the just-retired token again, within the grace period.
    let again = refresh(second.refresh_token.clone()).await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    let reused = refresh(signed_up.refresh_token.clone()).await.unwrap();
    assert_eq!(reused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        refresh("bm90LWEtdG9rZW4".into()).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );

    let public = client
        .get(format!("{}/metrics", instance.address))
        .send()
        .await
        .unwrap();
    assert_ne!(public.status(), StatusCode::OK, "never on the public listener");
    let text = client
        .get(format!("http://{listen}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let scrape = Scrape::parse(text.lines().map(|line| Ok(line.to_owned()))).expect("Prometheus text");

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
    assert_eq!(
        value(&scrape, "latch_sessions_started_total", &[]),
        2.0,
        "the sign-up's and the sign-in's"
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
