//! Everything handlers share, handed out piecewise through `FromRef`.
//!
//! axum clones the state for every request, and each `State<T>` extractor clones its part:
//! so the state is one `Arc`, and each part a handler takes is cheap to clone.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::{
    auth::{
        AuthService, purge::Purge, sessions::revocations::Revocations, tokens::access::TokenIssuer,
        tokens::dpop::DeviceBinding,
    },
    config::Config,
    db::Db,
    mail::Mailer,
};

#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
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

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// `State<T>` for each part.
macro_rules! parts {
    ($($field:ident: $part:ty),* $(,)?) => {
        $(impl FromRef<AppState> for $part {
            fn from_ref(state: &AppState) -> Self {
                state.0.$field.clone()
            }
        })*
    };
}

parts!(
    leptos_options: LeptosOptions,
    db: Db,
    config: Arc<Config>,
    auth: AuthService,
    tokens: TokenIssuer,
    revocations: Revocations,
    binding: DeviceBinding,
    purge: Purge,
    mailer: Mailer,
);
