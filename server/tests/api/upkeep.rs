//! State that does not grow without bound: a session's refresh-token rows stay few however
//! often it rotates, a session refreshes only so fast, and the purge removes ended sessions
//! and old security events after their retention.

use reqwest::{StatusCode, header};
use server::clock;

use crate::helpers::{
    Backend, PASSWORD, Session, error_code, on_both_backends, refresh_set_cookie, spawn_app_with,
};

on_both_backends!(
    a_session_rotated_ten_thousand_times_keeps_a_bounded_number_of_token_rows,
    a_session_refreshing_too_fast_is_slowed_down_not_ended,
    the_purge_removes_ended_sessions_and_old_events_after_their_retention,
);

const DAY_MS: i64 = 24 * 3600 * 1000;

async fn a_session_rotated_ten_thousand_times_keeps_a_bounded_number_of_token_rows(backend: Backend) {
    let app = spawn_app_with(backend, &["--refreshes-per-session", "1000000"]).await;
    let first = app.signed_up("ada@example.com").await;
    let mut previous = first.refresh_token.clone();
    let mut current = first.refresh_token;
    for _ in 0..10_000 {
        let response = app.refresh(&current).await;
        assert_eq!(response.status(), StatusCode::OK);
        previous = std::mem::replace(&mut current, Session::from(response).await.refresh_token);
    }
    let rows = app.count("refresh_tokens").await;
    assert!(rows <= 256, "{rows} refresh-token rows after 10,000 rotations");
    // Recent tokens are still known: a retry, and a replay from elsewhere.
    let retry = app.refresh(&previous).await;
    assert_eq!(retry.status(), StatusCode::OK, "the grace window's retry");
    let replay = app.refresh_as(&previous, "another browser").await;
    assert_eq!(error_code(replay).await, "refresh_token_reuse");
}

async fn a_session_refreshing_too_fast_is_slowed_down_not_ended(backend: Backend) {
    let app = spawn_app_with(backend, &["--refreshes-per-session", "3"]).await;
    let mut session = app.signed_up("ada@example.com").await;
    for _ in 0..3 {
        session = Session::from(app.refresh(&session.refresh_token).await).await;
    }
    let throttled = app.refresh(&session.refresh_token).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(throttled.headers().contains_key(header::RETRY_AFTER));
    assert_eq!(
        refresh_set_cookie(&throttled),
        None,
        "the cookie is neither rotated nor cleared"
    );
    assert_eq!(error_code(throttled).await, "rate_limited");
    app.assert_session_alive(&session).await;

    let other = app.signed_up("bob@example.com").await;
    assert_eq!(
        app.refresh(&other.refresh_token).await.status(),
        StatusCode::OK,
        "each session has its own count"
    );
}

async fn the_purge_removes_ended_sessions_and_old_events_after_their_retention(backend: Backend) {
    let settings = [
        "--ended-session-retention",
        "86400",
        "--security-event-retention",
        "864000",
        "--session-idle-timeout",
        "172800",
    ];
    let app = spawn_app_with(backend, &settings).await;
    let kept = app.signed_up("ada@example.com").await;
    let ended = Session::from(app.login("ada@example.com", PASSWORD).await).await;
    assert_eq!(
        app.logout(&ended.refresh_token).await.status(),
        StatusCode::NO_CONTENT
    );
    let sessions = || app.count("sessions");
    let tokens = || app.count("refresh_tokens");
    assert_eq!((sessions().await, tokens().await), (2, 2));

    let now = clock::now_millis();
    let within_retention = app.state.purge.run_at(now + DAY_MS / 2).await.unwrap();
    assert_eq!(within_retention.sessions, 0, "ended half a day ago: kept");

    let purged = app.state.purge.run_at(now + DAY_MS + 60_000).await.unwrap();
    assert_eq!(purged.sessions, 1, "ended over a day ago: gone");
    assert_eq!((sessions().await, tokens().await), (1, 1), "the live one stays");
    let replay = app.refresh(&ended.refresh_token).await;
    assert_eq!(error_code(replay).await, "invalid_refresh_token", "still refused");

    let events = app.get_list("/api/security-events", &kept.access_token).await;
    assert_eq!(events.len(), 2, "signed up, signed in: within their retention");

    // Ten days on: the events are past their retention, and the idle session too (two days
    // idle, then a day kept).
    let later = app.state.purge.run_at(now + 10 * DAY_MS + 60_000).await.unwrap();
    assert_eq!((later.sessions, later.events), (1, 2));
    assert_eq!((sessions().await, tokens().await), (0, 0));
    assert_eq!(app.count("security_events").await, 0);
    assert_eq!(
        app.count("users").await,
        1,
        "an account signed up with confirmation off is unconfirmed, but never an abandoned sign-up"
    );
}
