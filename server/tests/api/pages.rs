use reqwest::{StatusCode, header};
use serde_json::Value;

use crate::helpers::{Backend, on_both_backends, spawn_app};

on_both_backends!(
    home_page_is_rendered_on_the_server,
    unknown_page_answers_404_with_a_page,
    unknown_api_path_answers_404_with_an_error_body,
);

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
