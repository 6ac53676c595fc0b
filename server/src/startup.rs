//! Builds the router and runs the server; shared by `main` and the integration tests.

use std::{future::Future, net::SocketAddr, sync::Arc};

use app::{App, shell};
use axum::{Router, extract::DefaultBodyLimit, routing::get};
use leptos::config::get_configuration;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::{config::Config, db::Db, error::Error, health, state::AppState};

/// Requests with larger bodies are refused with 413 before any handler sees them.
pub const BODY_LIMIT: usize = 16 * 1024;

pub struct Application {
    listener: TcpListener,
    router: Router,
    db: Db,
}

impl Application {
    /// Validates the configuration, connects and migrates the database, binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        config.validate()?;
        let db = Db::connect(&config.database_url, config.db_max_connections).await?;

        let mut leptos_options = get_configuration(None)?.leptos_options;
        leptos_options.site_addr = config.listen;

        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", config.listen))?;

        let state =
            AppState { leptos_options, db: db.clone(), config: Arc::new(config) };
        Ok(Self { listener, router: router(state), db })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// The database pool, so tests can inspect what the server stored.
    pub fn db(&self) -> Db {
        self.db.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.db.close().await;
        Ok(())
    }
}

fn router(state: AppState) -> Router {
    let pages = generate_route_list(App);
    let api = Router::new().fallback(|| async { Error::NotFound });

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .nest("/api", api)
        .leptos_routes(&state, pages, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
