//! A DPoP proof's `htu` must name the configured public origin (`LATCH_PUBLIC_ORIGIN`), not
//! whatever host the request reached: the address a client connected to, or a name it put in
//! `Host`, is another site's (issue 27).

use reqwest::{RequestBuilder, Response, StatusCode, header};
use serde_json::json;

use crate::{
    device_key::DeviceKey,
    helpers::{
        Backend, ORIGIN, PASSWORD, Session, TestApp, error_code, on_both_backends, refresh_set_cookie,
        spawn_app_with,
    },
};

on_both_backends!(a_proof_names_the_public_origin_not_the_host_the_request_reached);

const EMAIL: &str = "ada@example.com";
/// A name this server does not go by; anyone can send it in `Host`.
const MADE_UP_HOST: &str = "evil.example";

/// `path` on hosts other than the public origin, each with the `Host` to send (`None`: the
/// client's own): the address the test client connects to (`http://127.0.0.1:<port>`, not
/// `ORIGIN`), and a made-up host that the request also names in `Host`.
fn elsewhere(app: &TestApp, path: &str) -> [(String, Option<&'static str>); 2] {
    [
        (app.url(path), None),
        (format!("https://{MADE_UP_HOST}{path}"), Some(MADE_UP_HOST)),
    ]
}

/// Sends `request` with a fresh proof from `key` for `POST htu`, and `host` as `Host` if given.
async fn send(
    app: &TestApp,
    request: RequestBuilder,
    key: &DeviceKey,
    htu: &str,
    host: Option<&str>,
) -> Response {
    let mut request = request.header("DPoP", key.proof("POST", htu, &app.nonce().await, None));
    if let Some(host) = host {
        request = request.header(header::HOST, host);
    }
    request.send().await.expect("request reaches the server")
}

fn refresh(app: &TestApp, session: &Session) -> RequestBuilder {
    app.client
        .post(app.url("/api/auth/refresh"))
        .header(header::COOKIE, format!("latch_refresh={}", session.refresh_token))
        .header(header::ORIGIN, ORIGIN)
}

fn login(app: &TestApp) -> RequestBuilder {
    app.client
        .post(app.url("/api/auth/login"))
        .json(&json!({ "email": EMAIL, "password": PASSWORD }))
}

async fn a_proof_names_the_public_origin_not_the_host_the_request_reached(backend: Backend) {
    let app = spawn_app_with(backend, &["--device-binding", "require", "--refresh-grace", "0"]).await;
    let key = DeviceKey::new();
    let signup = app.start_bound("/api/auth/signup", EMAIL, &key).await;
    assert_eq!(signup.status(), StatusCode::CREATED);
    let session = Session::from(signup).await;

    for (htu, host) in elsewhere(&app, "/api/auth/refresh") {
        let response = send(&app, refresh(&app, &session), &key, &htu, host).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "refresh, htu {htu}");
        assert!(
            refresh_set_cookie(&response).is_none(),
            "{htu}: the cookie is kept"
        );
        assert_eq!(error_code(response).await, "invalid_dpop_proof", "{htu}");
    }
    assert_eq!(
        app.count("refresh_tokens WHERE retired_at IS NULL").await,
        1,
        "nothing was rotated"
    );
    assert_eq!(app.count("refresh_tokens").await, 1, "nothing was rotated");
    assert_eq!(
        app.count("sessions WHERE revoked_at IS NULL").await,
        1,
        "nothing was ended"
    );

    for (htu, host) in elsewhere(&app, "/api/auth/login") {
        let response = send(&app, login(&app), &key, &htu, host).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "login, htu {htu}");
        assert_eq!(error_code(response).await, "invalid_dpop_proof", "{htu}");
    }
    assert_eq!(app.count("sessions").await, 1, "no session was started");

    let refreshed = send(
        &app,
        refresh(&app, &session),
        &key,
        &app.htu("/api/auth/refresh"),
        None,
    )
    .await;
    assert_eq!(
        refreshed.status(),
        StatusCode::OK,
        "the public origin's proof refreshes"
    );
    let signed_in = send(&app, login(&app), &key, &app.htu("/api/auth/login"), None).await;
    assert_eq!(
        signed_in.status(),
        StatusCode::OK,
        "the public origin's proof signs in"
    );
}
