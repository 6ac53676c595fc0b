//! Everything handlers share, handed out piecewise through `FromRef`.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    auth::{AuthService, dpop::DeviceBinding, purge::Purge, revocations::Revocations, tokens::TokenIssuer},
    config::Config,
    db::Db,
    mail::Mailer,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    /// What handlers call: the auth core.
    pub auth: AuthService,
    /// For the bearer extractor, which validates without touching the database.
    pub tokens: TokenIssuer,
    pub revocations: Revocations,
    /// DPoP nonces and used proofs, for the extractors that check proofs.
    pub binding: DeviceBinding,
    /// The upkeep job, also runnable on demand (tests run it at a chosen time).
    pub purge: Purge,
    /// Sends mail through the relay, or into the development outbox that `/dev/outbox` shows.
    pub mailer: Mailer,
}
