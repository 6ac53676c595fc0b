//! Builds the router and runs the server; shared by `main` and the integration tests.

use secrecy::ExposeSecret;
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use app::{App, DpopNonce, ServiceOrigins, shell};
use axum::{Router, extract::DefaultBodyLimit, http::request::Parts, middleware, routing::get};
use leptos::{config::get_configuration, nonce::Nonce, prelude::*};
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::{
    api, assets,
    auth::{
        AuthService,
        accounts::links::Links,
        accounts::notices::Notices,
        accounts::recovery::Recovery,
        credentials::device_cookies::DeviceCookies,
        credentials::passkeys::Passkeys,
        credentials::password::PasswordHasher,
        credentials::throttle::Throttles,
        purge::Purge,
        service::CoreParts,
        sessions::broadcast,
        sessions::revocations::Revocations,
        sessions::store::{SessionPolicy, SessionStore},
        tokens::access::TokenIssuer,
        tokens::dpop::{DeviceBinding, ProofLimits},
        tokens::keys::KeyRing,
    },
    config::{Config, Delivery},
    db::Db,
    error::Error,
    health,
    mail::{self, Mailer},
    secret::ServerSecret,
    state::{AppState, Shared},
};

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Validates the configuration, connects and migrates the database, loads the secret and
    /// signing keys, and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        config.validate()?;
        crate::allocator::return_large_buffers_to_the_os();
        let secret = ServerSecret::load(&config)?;
        let db = Db::connect(config.database_url.expose_secret(), config.db_max_connections).await?;
        // The longest an access token can live, leeway included: revocations, retired keys
        // and ended sessions are remembered at least this long.
        let longest_token = config.access_token_ttl() + Duration::from_secs(60);
        let keys = KeyRing::load_or_create(&db, &secret, longest_token).await?;
        let tokens = TokenIssuer::new(
            keys,
            config.origin(),
            config.jwt_audience.clone(),
            config.access_token_ttl(),
        );
        let revocations = Revocations::new(longest_token);
        revocations.load(&db).await?;
        let mail = config.mail.settings(&config.public_origin)?;
        log_mail_route(&mail.delivery, &config);
        let mailer = Mailer::new(mail, &config.public_origin)?;
        let notices = Notices::new(mailer.clone(), config.origin());
        let sessions = SessionStore::new(
            db.clone(),
            &secret,
            SessionPolicy::of(&config),
            revocations.clone(),
            config.limits.refreshes_per_session,
            notices.clone(),
        );
        let purge = Purge::new(
            db.clone(),
            Duration::from_secs(config.session_idle_timeout),
            &config.retention,
            longest_token,
        );
        let throttle = Throttles::new(&config.limits);
        let devices = DeviceCookies::new(secret.device_cookie_key);
        let binding = DeviceBinding::new(
            secret.dpop_nonce_key,
            &db,
            config.device_binding,
            ProofLimits::of(&config),
        );
        let hasher = PasswordHasher::new(
            config.limits.hash_concurrency(),
            config.limits.hash_queue as usize,
        )?;

        let mut leptos_options = get_configuration(None)?.leptos_options;
        leptos_options.site_addr = config.listen;
        let names = assets::configure(&mut leptos_options, &config.assets)?;
        tracing::debug!(?names, "asset names");

        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|err| anyhow::anyhow!("cannot listen on {}: {err}", config.listen))?;

        let links = Links::new(db.clone(), secret.link_hash_key, config.public_origin.clone());
        let recovery = Recovery::new(
            links,
            notices,
            config.recovery.clone(),
            config.limits.signups_per_address,
        );
        let auth = AuthService::new(CoreParts {
            db: db.clone(),
            hasher,
            sessions,
            tokens: tokens.clone(),
            throttle,
            devices,
            recovery,
            passkeys: Passkeys::new(&config.public_origin)?,
            dbsc: crate::auth::tokens::dbsc::Dbsc::new(secret.dbsc_challenge_key, &config.dbsc),
        });
        match &db {
            Db::Postgres(pool) => broadcast::follow(pool.clone(), revocations.clone(), auth.profiles()),
            Db::Sqlite(pool) => {
                broadcast::follow_file(pool.clone(), revocations.clone(), auth.profiles(), longest_token);
            }
        }
        if let Some(listen) = config.metrics_listen {
            let address = crate::metrics::serve(
                listen,
                crate::metrics::Sampled {
                    db: db.clone(),
                    auth: auth.clone(),
                    binding: binding.clone(),
                },
            )
            .await?;
            tracing::info!(%address, "metrics at /metrics");
        }
        let state = AppState::new(Shared {
            leptos_options,
            db,
            config: Arc::new(config),
            auth,
            tokens,
            revocations,
            binding,
            purge,
            mailer,
        });
        Ok(Self {
            listener,
            router: router(state.clone()),
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// The shared state, so tests can inspect what the server stored.
    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let purge_interval = Duration::from_secs(self.state.config.retention.purge_interval);
        self.state.purge.clone().spawn(purge_interval);
        self.state.tokens.keys().follow();
        self.state.binding.follow();
        assets::spawn_precompression(assets::pkg_dir(&self.state.leptos_options));
        let head_timeout = self.state.config.timeouts.request_head();
        crate::serve::serve(self.listener, self.router, head_timeout, shutdown).await;
        // The mails of the last requests (a reset link, a security notice) still go out; a
        // relay that hangs does not hold the stop past systemd's patience.
        if tokio::time::timeout(MAIL_DRAIN, self.state.auth.mails_sent()).await.is_err() {
            tracing::warn!("stopped with mails still being sent");
        }
        self.state.db.close().await;
        Ok(())
    }
}

/// How long a stopping server waits for the mails in hand.
const MAIL_DRAIN: Duration = Duration::from_secs(20);

/// Adds a new signing key to the shared database (see `--rotate-signing-key`); returns its id.
pub async fn rotate_signing_key(config: &Config) -> anyhow::Result<String> {
    config.validate()?;
    let secret = ServerSecret::load(config)?;
    let db = Db::connect(config.database_url.expose_secret(), 1).await?;
    let longest_token = config.access_token_ttl() + Duration::from_secs(60);
    let keys = KeyRing::load_or_create(&db, &secret, longest_token).await?;
    let kid = keys.rotate().await?;
    db.close().await;
    Ok(kid)
}

/// Says at start-up where mail will go, so a missing relay is noticed before the first sign-up.
fn log_mail_route(delivery: &Delivery, config: &Config) {
    match delivery {
        Delivery::Smtp(relay) => tracing::info!(
            host = %relay.host,
            port = relay.port,
            security = ?relay.security,
            "mail goes to the SMTP relay"
        ),
        Delivery::Outbox(dir) => tracing::info!(
            dir = %dir.display(),
            page = %format!("{}/dev/outbox", config.origin()),
            "no LATCH_SMTP_URL: mail goes to the development outbox"
        ),
    }
}

/// Hands Leptos the CSP nonce that `api::headers::harden` put in the response header.
fn provide_request_nonce() {
    if let Some(nonce) = use_context::<Parts>().and_then(|parts| parts.extensions.get::<Nonce>().cloned()) {
        provide_context(nonce);
    }
}

fn router(state: AppState) -> Router {
    let pages = generate_route_list(App);
    // Each page carries a fresh DPoP nonce for its client's first proof.
    let binding = state.binding.clone();
    let services = ServiceOrigins(state.config.service_origins.clone());
    let page_context = move || {
        provide_request_nonce();
        provide_context(DpopNonce(binding.nonce().to_string()));
        provide_context(services.clone());
    };

    let routes = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .merge(api::routes())
        .merge(crate::product::routes())
        .merge(mail::page::routes(&state.mailer))
        .merge(assets::routes(&state.leptos_options))
        .leptos_routes_with_context(&state, pages, page_context.clone(), {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            page_context,
            shell,
        ))
        .method_not_allowed_fallback(|| async { Error::MethodNotAllowed });
    // Timed by route only when metrics are kept: otherwise not even the clock is read.
    let routes = match state.config.metrics_listen {
        Some(_) => routes.route_layer(middleware::from_fn(crate::metrics::track)),
        None => routes,
    };
    routes
        .layer(DefaultBodyLimit::max(api::headers::BODY_LIMIT))
        .layer(middleware::from_fn_with_state(
            state.binding.clone(),
            api::dpop::hand_out_nonce,
        ))
        .layer(middleware::from_fn_with_state(
            state.config.clone(),
            api::headers::harden,
        ))
        .layer(middleware::from_fn(assets::keep_tokens_uncompressed))
        .layer(assets::compression_layer())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}
