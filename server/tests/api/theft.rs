//! What happens when a refresh token is stolen: rotation, reuse detection, the grace window.

use futures::future::join_all;
use reqwest::{StatusCode, header};

use crate::helpers::{
    Backend, ORIGIN, PASSWORD, Session, TestApp, cookie_value, error_code, on_both_backends,
    refresh_set_cookie, spawn_app_with,
};

on_both_backends!(
    replaying_the_previous_token_after_the_grace_window_revokes_the_session,
    replaying_an_older_ancestor_revokes_the_session_even_within_the_window,
    a_retry_within_the_grace_window_gets_the_identical_successor,
    fifty_parallel_refreshes_with_one_token_converge_on_one_successor,
    a_replay_within_the_window_from_another_browser_is_reuse,
    the_reuse_event_names_the_thief_and_the_last_honest_refresh,
);

const CHROME: &str =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36";
const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn a_replay_within_the_window_from_another_browser_is_reuse(backend: Backend) {
    let app = spawn_app_with(backend, &["--refresh-grace", "30"]).await;
    let first = app.signed_up("ada@example.com").await;
    let rotated = Session::from(app.refresh_as(&first.refresh_token, CHROME).await).await;

    let thief = app.refresh_as(&first.refresh_token, FIREFOX).await;
    assert_eq!(
        thief.status(),
        StatusCode::UNAUTHORIZED,
        "well inside the window, yet another browser"
    );
    assert_eq!(error_code(thief).await, "refresh_token_reuse");
    app.assert_session_ended(&rotated).await;
}

async fn replaying_the_previous_token_after_the_grace_window_revokes_the_session(backend: Backend) {
    let app = spawn_app_with(backend, &["--refresh-grace", "0"]).await;
    let victim = app.signed_up("ada@example.com").await;
    let stolen = victim.refresh_token.clone();
    let rotated = Session::from(app.refresh(&victim.refresh_token).await).await;

    let attacker = app.refresh(&stolen).await;
    assert_eq!(attacker.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(attacker).await, "refresh_token_reuse");

    let victim_next = app.refresh(&rotated.refresh_token).await;
    assert_eq!(
        victim_next.status(),
        StatusCode::UNAUTHORIZED,
        "the whole session is revoked"
    );
    assert_eq!(
        error_code(victim_next).await,
        "refresh_token_reuse",
        "and the victim learns why"
    );
}

async fn replaying_an_older_ancestor_revokes_the_session_even_within_the_window(backend: Backend) {
    let app = spawn_app_with(backend, &["--refresh-grace", "30"]).await;
    let first = app.signed_up("ada@example.com").await;
    let second = Session::from(app.refresh(&first.refresh_token).await).await;
    let third = Session::from(app.refresh(&second.refresh_token).await).await;

    let replay = app.refresh(&first.refresh_token).await;
    assert_eq!(
        replay.status(),
        StatusCode::UNAUTHORIZED,
        "only the immediately previous token has a grace window"
    );
    assert_eq!(error_code(replay).await, "refresh_token_reuse");
    assert_eq!(
        app.refresh(&third.refresh_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn a_retry_within_the_grace_window_gets_the_identical_successor(backend: Backend) {
    let app = spawn_app_with(backend, &["--refresh-grace", "30"]).await;
    let first = app.signed_up("ada@example.com").await;
    let lost = Session::from(app.refresh(&first.refresh_token).await).await;
    let retried = Session::from(app.refresh(&first.refresh_token).await).await;
    assert_eq!(retried.refresh_token, lost.refresh_token, "no second branch");

    let next = app.refresh(&retried.refresh_token).await;
    assert_eq!(next.status(), StatusCode::OK, "the converged token keeps working");
}

async fn fifty_parallel_refreshes_with_one_token_converge_on_one_successor(backend: Backend) {
    let app = spawn_app_with(backend, &["--refresh-grace", "30"]).await;
    let first = app.signed_up("ada@example.com").await;

    let responses = join_all((0..50).map(|_| app.refresh(&first.refresh_token))).await;
    let mut successors = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
        successors.push(cookie_value(&refresh_set_cookie(&response).unwrap()).to_string());
    }
    successors.dedup();
    assert_eq!(successors.len(), 1, "every refresh got the same successor");
    assert_ne!(successors[0], first.refresh_token);
    assert_eq!(
        app.refresh(&successors[0]).await.status(),
        StatusCode::OK,
        "the session is alive"
    );
}

/// A refresh arriving through the trusted proxy on loopback, from `address` with `browser`.
async fn refresh_from(app: &TestApp, token: &str, address: &str, browser: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/auth/refresh"))
        .header(header::COOKIE, format!("latch_refresh={token}"))
        .header(header::ORIGIN, ORIGIN)
        .header(header::USER_AGENT, browser)
        .header("x-forwarded-for", address)
        .send()
        .await
        .expect("request reaches the server")
}

async fn the_reuse_event_names_the_thief_and_the_last_honest_refresh(backend: Backend) {
    let settings = ["--refresh-grace", "0", "--trusted-proxies", "127.0.0.1"];
    let app = spawn_app_with(backend, &settings).await;
    let stolen = app.signed_up("ada@example.com").await.refresh_token;
    let owner = refresh_from(&app, &stolen, "198.51.100.7", CHROME).await;
    assert_eq!(owner.status(), StatusCode::OK);
    let thief = refresh_from(&app, &stolen, "203.0.113.9", FIREFOX).await;
    assert_eq!(error_code(thief).await, "refresh_token_reuse");

    let fresh = Session::from(app.login("ada@example.com", PASSWORD).await).await;
    let events = app.get_list("/api/security-events", &fresh.access_token).await;
    let reuse = events
        .iter()
        .find(|event| event["kind"] == "refresh_token_reuse")
        .expect("a reuse event");
    assert_eq!(reuse["ip"], "203.0.113.9", "who presented the retired token");
    assert_eq!(reuse["user_agent"], FIREFOX);
    let before = &reuse["last_refreshed_by"];
    assert_eq!(
        (&before["ip"], &before["user_agent"], &before["device"]),
        (
            &"198.51.100.7".into(),
            &CHROME.into(),
            &"Chrome 156 on Linux".into()
        ),
        "who had refreshed the session before: one of the two is the thief"
    );
}
