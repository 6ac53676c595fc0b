//! The security page's history survives a thief: blocked attempts from one party coalesce
//! into one entry with a count, and older events stay reachable page by page
//! (`GET /api/security-events?before=<cursor>`).

use std::collections::HashSet;

use app::contract::EventKind;
use reqwest::{Response, StatusCode, header};
use serde_json::Value;
use server::{
    auth::{ClientInfo, accounts::events::NewEvent},
    clock,
};

use crate::{
    device_key::DeviceKey,
    helpers::{Backend, Session, TestApp, error_code, on_both_backends, spawn_app, spawn_app_with},
};

on_both_backends!(
    blocked_attempts_coalesce_and_leave_the_owners_history_on_the_first_page,
    older_events_page_without_duplicates_or_gaps,
    a_malformed_before_is_a_400_with_the_error_body,
    a_purged_coalesced_entry_starts_counting_afresh,
);

const EMAIL: &str = "ada@example.com";
const PAGE: usize = 50;
/// How many refused refreshes a session records per minute (`sessions::store::BLOCKED_EVENTS_PER_MINUTE`).
const RECORDED_PER_MINUTE: u64 = 10;
const BLOCKED: &str = "refresh_without_device_key";

async fn bound_app(backend: Backend) -> (TestApp, DeviceKey, Session) {
    let app = spawn_app_with(backend, &["--device-binding", "require", "--refresh-grace", "0"]).await;
    let key = DeviceKey::new();
    let response = app.start_bound("/api/auth/signup", EMAIL, &key).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    (app, key, Session::from(response).await)
}

/// A request with a bound access token and a fresh proof from `key`.
async fn bound(app: &TestApp, method: &str, path: &str, session: &Session, key: &DeviceKey) -> Response {
    let proof = key.proof(
        method,
        &app.htu(path),
        &app.nonce().await,
        Some(&session.access_token),
    );
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    app.client
        .request(method, app.url(path))
        .header(header::AUTHORIZATION, format!("DPoP {}", session.access_token))
        .header("DPoP", proof)
        .send()
        .await
        .unwrap()
}

async fn page(app: &TestApp, path: &str, session: &Session, key: Option<&DeviceKey>) -> Vec<Value> {
    let response = match key {
        Some(key) => bound(app, "GET", path, session, key).await,
        None => app.get_with_token(path, &session.access_token).await,
    };
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.json().await.unwrap()
}

fn cursor(event: &Value) -> &str {
    event["cursor"]
        .as_str()
        .expect("every event carries an opaque cursor")
}

/// Records `times` events of `kind` through the core's own API, as the server would.
async fn record(app: &TestApp, session: &Session, kind: EventKind, client: &ClientInfo, times: usize) {
    let user_id = session.body["user"]["id"].as_str().unwrap();
    let sid = session_id_of(session);
    for _ in 0..times {
        NewEvent::new(user_id, kind, client, Some(&sid))
            .record(&app.db)
            .await
            .unwrap();
    }
}

/// The session id an access token carries (`sid`).
fn session_id_of(session: &Session) -> String {
    let payload = session.access_token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload).unwrap(),
    )
    .unwrap();
    claims["sid"]
        .as_str()
        .expect("the token names its session")
        .to_string()
}

async fn blocked_attempts_coalesce_and_leave_the_owners_history_on_the_first_page(backend: Backend) {
    let (app, owner_key, owner) = bound_app(backend).await;
    // The owner's own history: a second device signs in, and the owner signs it out.
    let laptop_key = DeviceKey::new();
    let laptop = Session::from(app.start_bound("/api/auth/login", EMAIL, &laptop_key).await).await;
    let revoke = format!("/api/sessions/{}", session_id_of(&laptop));
    let revoked = bound(&app, "DELETE", &revoke, &owner, &owner_key).await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);

    // A thief with a copy of the cookie and no key: every refresh is refused.
    for _ in 0..200 {
        let attempt = app
            .post_with_proof("/api/auth/refresh", &owner.refresh_token, None)
            .await;
        assert_eq!(attempt.status(), StatusCode::UNAUTHORIZED);
    }
    // Hours of the throttle's allowance, recorded as the server records each one.
    let first = page(&app, "/api/security-events", &owner, Some(&owner_key)).await;
    let seen = first
        .iter()
        .find(|event| event["kind"] == BLOCKED)
        .expect("recorded");
    let thief = ClientInfo {
        ip: seen["ip"].as_str().unwrap().to_string(),
        user_agent: seen["user_agent"].as_str().unwrap().to_string(),
    };
    record(&app, &owner, EventKind::RefreshWithoutDeviceKey, &thief, 300).await;
    // Another party trying the same cookie is a separate entry, a few milliseconds later so
    // that "newest first" does not fall back to the ids' order.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let other = ClientInfo {
        ip: "203.0.113.7".into(),
        user_agent: "curl/8.5.0".into(),
    };
    record(&app, &owner, EventKind::RefreshWithoutDeviceKey, &other, 3).await;

    let events = page(&app, "/api/security-events", &owner, Some(&owner_key)).await;
    let kinds: Vec<&str> = events
        .iter()
        .map(|event| event["kind"].as_str().unwrap())
        .collect();
    for own in ["session_revoked", "signed_up"] {
        assert!(
            kinds.contains(&own),
            "the owner's `{own}` is still on the first page: {} entries, {:?}…",
            kinds.len(),
            &kinds[..kinds.len().min(5)]
        );
    }
    let blocked: Vec<&Value> = events.iter().filter(|event| event["kind"] == BLOCKED).collect();
    let counts: Vec<(u64, &str)> = blocked
        .iter()
        .map(|event| (event["count"].as_u64().unwrap(), event["ip"].as_str().unwrap()))
        .collect();
    assert_eq!(
        counts,
        [(3, "203.0.113.7"), (RECORDED_PER_MINUTE + 300, thief.ip.as_str())],
        "one entry per party, newest first, counting every recorded attempt"
    );
    assert!(
        events
            .iter()
            .filter(|event| event["kind"] != BLOCKED)
            .all(|event| event["count"] == 1),
        "a single event counts 1"
    );
    assert!(events.len() < PAGE, "one page holds it all");
    let after_last = format!("/api/security-events?before={}", cursor(events.last().unwrap()));
    assert!(page(&app, &after_last, &owner, Some(&owner_key)).await.is_empty());
}

/// Moves every event newer than `at` to `at`.
async fn same_instant(app: &TestApp, at: i64) {
    server::with_pool!(&app.db, |pool| {
        sqlx::query("UPDATE security_events SET at = $1 WHERE at > $1")
            .bind(at)
            .execute(pool)
            .await
            .unwrap();
    })
}

async fn older_events_page_without_duplicates_or_gaps(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.signed_up(EMAIL).await;
    let client = |i: usize| ClientInfo {
        ip: format!("198.51.100.{i}"),
        user_agent: "Mozilla/5.0".into(),
    };
    // Two batches, each sharing one instant, so the pages' edges fall between ties.
    let now = clock::now_millis();
    for i in 0..60 {
        record(&app, &owner, EventKind::SignedIn, &client(i), 1).await;
    }
    same_instant(&app, now - 86_400_000).await;
    for i in 60..120 {
        record(&app, &owner, EventKind::SignedIn, &client(i), 1).await;
    }
    same_instant(&app, now - 3_600_000).await;

    let mut seen = Vec::new();
    let mut path = "/api/security-events".to_string();
    let mut sizes = Vec::new();
    loop {
        let events = page(&app, &path, &owner, None).await;
        sizes.push(events.len());
        let Some(last) = events.last() else { break };
        path = format!("/api/security-events?before={}", cursor(last));
        seen.extend(
            events
                .iter()
                .map(|event| event["ip"].as_str().unwrap().to_string()),
        );
        assert!(sizes.len() <= 4, "pages {sizes:?}: `before` must move on");
        if events.len() < PAGE {
            break;
        }
    }
    assert_eq!(sizes, [50, 50, 21], "full pages, then the rest");
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no event twice");
    let batch = |range: std::ops::Range<usize>| range.map(|i| client(i).ip).collect::<HashSet<_>>();
    let newer: HashSet<String> = seen[..60].iter().cloned().collect();
    assert_eq!(newer, batch(60..120), "the newer batch first");
    let older: HashSet<String> = seen[60..].iter().cloned().collect();
    assert!(older.is_superset(&batch(0..60)), "then the older one");
    assert_eq!(seen.len(), 121, "every event, the sign-up included");
}

async fn a_malformed_before_is_a_400_with_the_error_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let owner = app.signed_up(EMAIL).await;
    let long = format!("before={}", "A".repeat(10_000));
    for query in [
        "before=",
        "before=not%20a%20cursor",
        "before=%00",
        "before=YWJj",
        "before=MTI6bm90LWEtdXVpZA",
        "before=-1",
        &long,
        "before=a&before=b",
    ] {
        let response = app
            .get_with_token(&format!("/api/security-events?{query}"), &owner.access_token)
            .await;
        let status = response.status();
        let shown = &query[..query.len().min(40)];
        assert_eq!(status, StatusCode::BAD_REQUEST, "?{shown}");
        assert_eq!(error_code(response).await, "malformed_request", "?{shown}");
    }
    let unknown = app
        .get_with_token("/api/security-events?unrelated=1", &owner.access_token)
        .await;
    assert_eq!(unknown.status(), StatusCode::OK, "other parameters are ignored");
}

async fn a_purged_coalesced_entry_starts_counting_afresh(backend: Backend) {
    let app = spawn_app_with(backend, &["--security-event-retention", "86400"]).await;
    let owner = app.signed_up(EMAIL).await;
    let thief = ClientInfo {
        ip: "203.0.113.7".into(),
        user_agent: "curl/8.5.0".into(),
    };
    record(&app, &owner, EventKind::RefreshWithoutDeviceKey, &thief, 4).await;
    let counts = || async {
        let sql = "SELECT count FROM security_events WHERE kind = 'refresh_without_device_key'";
        server::with_pool!(&app.db, |pool| sqlx::query_scalar::<_, i64>(sql)
            .fetch_all(pool)
            .await
            .unwrap())
    };
    assert_eq!(counts().await, [4]);
    let purged = app
        .state
        .purge
        .run_at(clock::now_millis() + 2 * 86_400_000)
        .await
        .unwrap();
    assert_eq!(purged.events, 2, "the sign-up and the coalesced entry");
    record(&app, &owner, EventKind::RefreshWithoutDeviceKey, &thief, 1).await;
    assert_eq!(counts().await, [1]);
}
