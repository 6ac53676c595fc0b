//! Compression of responses made per request: pages, JSON, and `/pkg` files that have no
//! precompressed sibling (yet). A response that already has a `Content-Encoding` (a
//! precompressed file) is never compressed again; tiny ones are not worth the bytes.
//!
//! BREACH: compressing a body that holds a secret next to text an attacker chooses lets the
//! attacker guess the secret from the compressed length, one byte at a time. The bodies of
//! `/api/auth/*` hold access tokens (sign-up, sign-in and refresh answer with one), so they
//! go out uncompressed; they are under a kilobyte, so little is lost. Other responses hold
//! no credential: pages carry a CSP and a DPoP nonce, but both are new in every response and
//! a guess needs the same secret in many; other JSON is the account's own data (its email,
//! its sessions), none of which lets anyone in.

use axum::{
    extract::Request,
    http::{Extensions, HeaderMap, StatusCode, Version},
    middleware::Next,
    response::Response,
};
use tower_http::compression::{
    CompressionLayer, Predicate,
    predicate::{NotForContentType, SizeAbove},
};

/// Below this, compression saves a few dozen bytes at best: not worth the CPU.
const MIN_SIZE: u16 = 512;

/// The paths whose responses carry tokens.
const TOKEN_PATHS: &str = "/api/auth/";

/// Marks a response that must not be compressed.
#[derive(Debug, Clone, Copy)]
struct Uncompressed;

/// Brotli or gzip, whichever the client prefers (brotli on a tie), for responses the policy
/// above allows. Must wrap `keep_tokens_uncompressed`.
pub fn layer() -> CompressionLayer<impl Predicate> {
    let allowed = |_: StatusCode, _: Version, _: &HeaderMap, extensions: &Extensions| {
        extensions.get::<Uncompressed>().is_none()
    };
    // Pinned to the two every browser speaks, whatever features other crates turn on.
    CompressionLayer::new().no_deflate().no_zstd().compress_when(
        SizeAbove::new(MIN_SIZE)
            .and(NotForContentType::IMAGES)
            .and(NotForContentType::SSE)
            .and(allowed),
    )
}

/// Marks the responses of the token-issuing endpoints so that `layer` leaves them alone.
pub async fn keep_tokens_uncompressed(request: Request, next: Next) -> Response {
    let carries_tokens = request.uri().path().starts_with(TOKEN_PATHS);
    let mut response = next.run(request).await;
    if carries_tokens {
        response.extensions_mut().insert(Uncompressed);
    }
    response
}
