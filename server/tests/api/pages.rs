use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::helpers::{Backend, on_both_backends, spawn_app};

on_both_backends!(
    home_page_is_rendered_on_the_server,
    unknown_page_answers_404_with_a_page,
    unknown_api_path_answers_404_with_an_error_body,
    protected_pages_render_a_neutral_checking_state,
);

/// The server cannot know who is signed in (the refresh cookie never reaches page URLs), so it
/// renders neither the page nor a sign-in form: the client decides after its silent refresh.
async fn protected_pages_render_a_neutral_checking_state(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/account",
        "/account/sessions",
        "/account/security",
        "/account/password",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("Checking session"), "{path}");
        assert!(
            !html.contains("type=\"password\""),
            "{path} shows no form before the check"
        );
        assert!(
            !html.contains("href=\"/login\""),
            "{path} shows no signed-out menu before the check"
        );
    }
}

async fn home_page_is_rendered_on_the_server(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = response.text().await.unwrap();
    assert!(
        html.contains("<h1>Latch</h1>"),
        "content is present before any script runs"
    );
    assert!(
        html.contains("/pkg/latch.js"),
        "the hydration script is referenced"
    );
}

async fn unknown_page_answers_404_with_a_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
}

async fn unknown_api_path_answers_404_with_an_error_body(backend: Backend) {
    let app = spawn_app(backend).await;
    let response = app.get("/api/no-such-endpoint").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "not_found");
}
