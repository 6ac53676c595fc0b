//! A second service, in its own process, that accepts Latch's access tokens the right way
//! (`latch_verify`): a bound token only with a fresh proof from its key, made for this
//! service's URL. Latch's notes page calls it from the browser, across origins.
//!
//! ```text
//! cargo run --release -p server --example second_service -- \
//!     --latch https://latch.example --origin https://api.example
//! ```

mod routes;

use std::net::SocketAddr;

use anyhow::Context;
use axum::http::HeaderValue;
use clap::Parser;
use latch_verify::{Settings, Verifier};
use url::Url;

#[derive(Parser)]
#[command(about = "A service that accepts Latch's access tokens (the worked example).")]
struct Args {
    /// Where to listen.
    #[arg(long, env = "SECOND_SERVICE_LISTEN", default_value = "127.0.0.1:3200")]
    listen: SocketAddr,
    /// Latch's public origin: its tokens' issuer, and where its JWKS is.
    #[arg(long, env = "SECOND_SERVICE_LATCH", default_value = "http://127.0.0.1:3000")]
    latch: Url,
    /// Fetch Latch's keys here instead (an internal address).
    #[arg(long, env = "SECOND_SERVICE_JWKS_URL")]
    jwks_url: Option<Url>,
    /// This service's public origin, as browsers address it (what proofs must name).
    #[arg(long, env = "SECOND_SERVICE_ORIGIN", default_value = "http://127.0.0.1:3200")]
    origin: Url,
    /// The origin whose pages may call this service (Latch's, by default).
    #[arg(long, env = "SECOND_SERVICE_ALLOW_ORIGIN")]
    allow_origin: Option<Url>,
    /// The `aud` of Latch's tokens (LATCH_JWT_AUDIENCE).
    #[arg(long, env = "SECOND_SERVICE_AUDIENCE", default_value = "latch")]
    audience: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_string());
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let args = Args::parse();
    let allowed = args.allow_origin.as_ref().unwrap_or(&args.latch);
    let allowed = HeaderValue::from_str(&allowed.origin().ascii_serialization())
        .context("--allow-origin must be an origin")?;
    let mut settings = Settings::new(args.latch, args.origin);
    settings.jwks_url = args.jwks_url;
    settings.audience = args.audience;
    let verifier = Verifier::new(settings)?;

    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %args.listen, "second service listening");
    axum::serve(listener, routes::router(verifier, allowed))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
