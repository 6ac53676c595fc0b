//! Sessions, immediate revocation, password change and security events.

use reqwest::{StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{
    Backend, ORIGIN, PASSWORD, Session, TestApp, error_code, on_both_backends, set_cookie_value, spawn_app,
    spawn_app_with,
};

on_both_backends!(
    sessions_lists_every_signed_in_device_and_marks_the_current_one,
    revoking_a_session_stops_its_access_and_refresh_tokens_at_once,
    revoke_others_keeps_only_the_current_session,
    nobody_can_see_or_revoke_another_users_sessions,
    changing_the_password_signs_out_every_other_session,
    theft_is_recorded_as_a_security_event_the_user_can_see,
    sessions_past_their_absolute_lifetime_end,
);

const FIREFOX: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0";

async fn login_with_agent(app: &TestApp, email: &str, agent: &str) -> Session {
    let response = app
        .client
        .post(app.url("/api/auth/login"))
        .header(header::USER_AGENT, agent)
        .json(&json!({"email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    Session::from(response).await
}

async fn sessions_of(app: &TestApp, session: &Session) -> Vec<Value> {
    let response = app.get_with_token("/api/sessions", &session.access_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<Vec<Value>>().await.unwrap()
}

async fn post(app: &TestApp, path: &str, token: &str, body: Option<Value>) -> reqwest::Response {
    let request = app.client.post(app.url(path)).bearer_auth(token);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    request.send().await.unwrap()
}

async fn sessions_lists_every_signed_in_device_and_marks_the_current_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let laptop = app.signed_up("ada@example.com").await;
    let phone = login_with_agent(&app, "ada@example.com", FIREFOX).await;

    let listed = sessions_of(&app, &phone).await;
    assert_eq!(listed.len(), 2);
    let current: Vec<&Value> = listed.iter().filter(|s| s["current"] == true).collect();
    assert_eq!(current.len(), 1);
    assert!(
        current[0]["device"]
            .as_str()
            .unwrap()
            .starts_with("Firefox 128 on Windows"),
        "{listed:?}"
    );
    assert_eq!(current[0]["user_agent"], FIREFOX);
    assert_eq!(current[0]["ip"], "127.0.0.1");
    for session in &listed {
        for field in ["id", "created_at", "last_used_at"] {
            assert!(
                session[field].as_str().is_some_and(|v| !v.is_empty()),
                "{field} in {session}"
            );
        }
    }
    let from_laptop = sessions_of(&app, &laptop).await;
    assert_eq!(from_laptop.iter().filter(|s| s["current"] == true).count(), 1);
}

async fn revoking_a_session_stops_its_access_and_refresh_tokens_at_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let laptop = app.signed_up("ada@example.com").await;
    let phone = login_with_agent(&app, "ada@example.com", FIREFOX).await;
    let phone_id = sessions_of(&app, &phone)
        .await
        .into_iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Used once, so the server now remembers the token as verified: revocation must still win.
    app.assert_session_alive(&phone).await;
    let current: Value = app
        .get_with_token("/api/session", &phone.access_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["session_id"], phone_id.as_str());
    assert_eq!(current["user_id"], laptop.body["user"]["id"]);
    assert_eq!(current["device_bound"], false);
    assert!(current["expires_at"].as_str().unwrap().ends_with('Z'));
    let response = app
        .delete_with_token(&format!("/api/sessions/{phone_id}"), &laptop.access_token)
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let me = app.get_with_token("/api/me", &phone.access_token).await;
    assert_eq!(
        me.status(),
        StatusCode::UNAUTHORIZED,
        "the unexpired access token stops working now"
    );
    assert_eq!(error_code(me).await, "invalid_token");
    let token_only = app.get_with_token("/api/session", &phone.access_token).await;
    assert_eq!(
        token_only.status(),
        StatusCode::UNAUTHORIZED,
        "the endpoint that reads no row asks the revocation set too"
    );
    assert_eq!(
        app.refresh(&phone.refresh_token).await.status(),
        StatusCode::UNAUTHORIZED
    );
    app.assert_session_alive(&laptop).await;
    assert_eq!(sessions_of(&app, &laptop).await.len(), 1);

    let again = app
        .delete_with_token(&format!("/api/sessions/{phone_id}"), &laptop.access_token)
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

async fn revoke_others_keeps_only_the_current_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let laptop = app.signed_up("ada@example.com").await;
    let phone = login_with_agent(&app, "ada@example.com", FIREFOX).await;
    let tablet = login_with_agent(&app, "ada@example.com", FIREFOX).await;

    let response = post(&app, "/api/sessions/revoke-others", &laptop.access_token, None).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    for other in [&phone, &tablet] {
        app.assert_session_ended(other).await;
    }
    let left = sessions_of(&app, &laptop).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0]["current"], true);
    assert_eq!(app.refresh(&laptop.refresh_token).await.status(), StatusCode::OK);
}

async fn nobody_can_see_or_revoke_another_users_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let ada = app.signed_up("ada@example.com").await;
    let eve = app.signed_up("eve@example.com").await;
    let ada_ids: Vec<String> = sessions_of(&app, &ada)
        .await
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();

    let eves_view = sessions_of(&app, &eve).await;
    assert!(
        eves_view
            .iter()
            .all(|s| !ada_ids.contains(&s["id"].as_str().unwrap().to_string()))
    );
    let attempt = app
        .delete_with_token(&format!("/api/sessions/{}", ada_ids[0]), &eve.access_token)
        .await;
    assert_eq!(
        attempt.status(),
        StatusCode::NOT_FOUND,
        "indistinguishable from a missing session"
    );
    app.assert_session_alive(&ada).await;
    assert_eq!(
        app.delete_with_token("/api/sessions/not-a-session", &eve.access_token)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.client
            .delete(app.url(&format!("/api/sessions/{}", ada_ids[0])))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

async fn changing_the_password_signs_out_every_other_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let laptop = app.signed_up("ada@example.com").await;
    let phone = login_with_agent(&app, "ada@example.com", FIREFOX).await;
    let new_password = "violet umbrella quietly folding maps";

    let wrong = post(
        &app,
        "/api/account/password",
        &laptop.access_token,
        Some(json!({"current_password": "nope nope nope", "new_password": new_password})),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = wrong.json().await.unwrap();
    assert!(body["fields"]["current_password"].is_string());

    let weak = post(
        &app,
        "/api/account/password",
        &laptop.access_token,
        Some(json!({"current_password": PASSWORD, "new_password": "password1"})),
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.get_with_token("/api/me", &phone.access_token).await.status(),
        StatusCode::OK,
        "a refused change revokes nothing"
    );

    let changed = post(
        &app,
        "/api/account/password",
        &laptop.access_token,
        Some(json!({"current_password": PASSWORD, "new_password": new_password})),
    )
    .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    app.assert_session_ended(&phone).await;
    app.assert_session_alive(&laptop).await;
    assert_eq!(
        app.login("ada@example.com", PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login("ada@example.com", new_password).await.status(),
        StatusCode::OK
    );
}

async fn theft_is_recorded_as_a_security_event_the_user_can_see(backend: Backend) {
    let app = spawn_app_with(backend, &["--refresh-grace", "0"]).await;
    let signed_up = app.signup("ada@example.com", PASSWORD).await;
    let device = set_cookie_value(&signed_up, "latch_device").expect("a device cookie");
    let victim = Session::from(signed_up).await;
    let rotated = Session::from(app.refresh(&victim.refresh_token).await).await;
    let attacker = app
        .client
        .post(app.url("/api/auth/refresh"))
        .header(header::COOKIE, format!("latch_refresh={}", victim.refresh_token))
        .header(header::USER_AGENT, FIREFOX)
        .header(header::ORIGIN, ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(attacker.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.get_with_token("/api/me", &rotated.access_token)
            .await
            .status(),
        StatusCode::UNAUTHORIZED,
        "the victim's live access token is revoked too"
    );

    let owners = format!("latch_device={device}");
    let fresh = Session::from(app.login_with_cookie("ada@example.com", PASSWORD, &owners).await).await;
    let events = app.get_list("/api/security-events", &fresh.access_token).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["signed_in", "refresh_token_reuse", "signed_up"], "newest first");
    let reuse = &events[1];
    assert_eq!(
        reuse["user_agent"], FIREFOX,
        "the event shows who presented the stolen token"
    );
    assert!(reuse["session_id"].is_string() && reuse["at"].is_string() && reuse["ip"].is_string());
}

async fn sessions_past_their_absolute_lifetime_end(backend: Backend) {
    let app = spawn_app_with(
        backend,
        &["--session-idle-timeout", "1", "--session-lifetime", "1"],
    )
    .await;
    let session = app.signed_up("ada@example.com").await;
    let body = &session.body;
    assert!(
        body["expires_in"].as_u64().unwrap() <= 1,
        "the access token never outlives its session"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let response = app.refresh(&session.refresh_token).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(response).await, "session_expired");
}
