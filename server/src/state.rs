//! Everything handlers share, handed out piecewise through `FromRef`.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    auth::{
        password::PasswordHasher, revocations::Revocations, sessions::SessionStore, throttle::LoginThrottle,
        tokens::TokenIssuer,
    },
    config::Config,
    db::Db,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    pub tokens: TokenIssuer,
    pub sessions: SessionStore,
    pub hasher: PasswordHasher,
    pub revocations: Revocations,
    pub throttle: LoginThrottle,
}
