use super::*;
use axum::body::to_bytes;

async fn render(err: Error) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
    let response = err.into_response();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), usize::MAX).await.unwrap();
    (status, headers, serde_json::from_slice(&bytes).unwrap())
}

#[tokio::test]
async fn internal_errors_hide_their_cause() {
    let (status, _, body) = render(anyhow::anyhow!("secret detail").into()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body["error"], "internal_error");
    assert!(!body.to_string().contains("secret detail"));
}

#[tokio::test]
async fn field_errors_carry_fields() {
    let (status, _, body) = render(Error::field("email", "is not an email address")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"], "invalid_fields");
    assert_eq!(body["fields"]["email"], "is not an email address");
}

#[tokio::test]
async fn unauthorized_carries_a_bearer_challenge() {
    let (_, headers, _) = render(Error::InvalidToken("bad")).await;
    assert_eq!(
        headers[header::WWW_AUTHENTICATE],
        r#"Bearer error="invalid_token""#
    );
    let (_, headers, body) = render(Error::Unauthenticated).await;
    assert_eq!(headers[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(body["error"], "unauthenticated");
    assert!(body.get("fields").is_none());
}

#[tokio::test]
async fn rate_limits_round_retry_after_up() {
    let (status, headers, _) = render(Error::RateLimited {
        retry_after: Duration::from_millis(1500),
    })
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(headers[header::RETRY_AFTER], "2");
}

#[tokio::test]
async fn busy_is_a_503_with_its_wait() {
    let (status, headers, body) = render(Error::Busy {
        retry_after: Duration::from_secs(42),
    })
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers[header::RETRY_AFTER], "42");
    assert!(headers.get(header::WWW_AUTHENTICATE).is_none());
    assert_eq!(body["error"], "unavailable");
}

#[tokio::test]
async fn dpop_refusals_carry_the_dpop_challenge_on_401_only() {
    let unauthorized = StatusCode::UNAUTHORIZED;
    let (status, headers, body) = render(Error::InvalidDpopProof {
        status: unauthorized,
        message: "no proof",
    })
    .await;
    assert_eq!(status, unauthorized);
    assert_eq!(
        headers[header::WWW_AUTHENTICATE],
        r#"DPoP error="invalid_dpop_proof""#
    );
    assert_eq!(body["error"], "invalid_dpop_proof");
    let (_, headers, body) = render(Error::UseDpopNonce { status: unauthorized }).await;
    assert_eq!(
        headers[header::WWW_AUTHENTICATE],
        r#"DPoP error="use_dpop_nonce""#
    );
    assert_eq!(body["error"], "use_dpop_nonce");
    let (_, headers, _) = render(Error::InvalidBoundToken("as bearer")).await;
    assert_eq!(headers[header::WWW_AUTHENTICATE], r#"DPoP error="invalid_token""#);
    let (status, headers, body) = render(Error::UseDpopNonce {
        status: StatusCode::BAD_REQUEST,
    })
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(headers.get(header::WWW_AUTHENTICATE).is_none());
    assert_eq!(body["error"], "use_dpop_nonce");
}
