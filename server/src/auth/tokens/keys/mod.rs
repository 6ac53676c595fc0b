//! The key ring: the Ed25519 keys that sign access tokens, loaded into memory. They live in
//! the database (`store`) so every instance shares them, with the private half sealed under a
//! key derived from the server secret (`seal`). The newest generation signs; older keys verify
//! and are published as JWKS until nothing they signed can still be valid (`ring`). Every
//! instance re-reads the keys every minute, so a rotation reaches all of them without a
//! restart.

mod lifecycle;
mod ring;
mod seal;
mod store;

use std::{
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use anyhow::Context;
use jsonwebtoken::{DecodingKey, jwk::JwkSet};

pub use lifecycle::{KeyState, KeyStatus, NotRetired};

use self::{
    ring::Ring,
    store::{insert_new_key, stored_keys},
};
use crate::{clock, db::Db, secret::ServerSecret};

#[derive(Clone)]
pub struct KeyRing {
    ring: Arc<RwLock<Ring>>,
    seal_key: [u8; 32],
    db: Db,
    /// When an unknown key id last made us re-read the keys, to bound such re-reads.
    reloaded_at: Arc<Mutex<Option<Instant>>>,
    /// The longest an access token can live, leeway included.
    longest_token: Duration,
}

/// How often each instance re-reads the keys.
pub const REFRESH_EVERY: Duration = Duration::from_secs(60);

/// An unknown `kid` re-reads the keys at most this often (forged ids must not hammer the DB).
const RELOAD_INTERVAL: Duration = Duration::from_secs(5);

impl KeyRing {
    /// Loads the stored keys, creating the first one if there is none. Instances starting
    /// together agree on one key: generation numbers are unique, so only one insert wins.
    pub async fn load_or_create(
        db: &Db,
        secret: &ServerSecret,
        longest_token: Duration,
    ) -> anyhow::Result<Self> {
        let mut rows = stored_keys(db).await?;
        if rows.is_empty() {
            insert_new_key(db, &secret.key_seal_key, 1).await?;
            rows = stored_keys(db).await?;
        }
        let ring = ring::build(&rows, &secret.key_seal_key, clock::now_millis(), longest_token)?;
        Ok(Self {
            ring: Arc::new(RwLock::new(ring)),
            seal_key: secret.key_seal_key,
            db: db.clone(),
            reloaded_at: Arc::new(Mutex::new(None)),
            longest_token,
        })
    }

    /// Adds a new signing key; tokens signed with older keys stay valid until they expire, and
    /// every instance signs with the new key within `ring::SWITCH_TIME`.
    pub async fn rotate(&self) -> anyhow::Result<String> {
        let newest = stored_keys(&self.db).await?.iter().map(|k| k.generation).max();
        insert_new_key(&self.db, &self.seal_key, newest.unwrap_or(0) + 1).await?;
        self.reload().await?;
        Ok(self.signing_kid())
    }

    /// Re-reads the keys when a token names a key we have not loaded, at most every few
    /// seconds. True if the keys were re-read.
    pub async fn reload_for_unknown_kid(&self) -> bool {
        {
            let mut reloaded_at = self.reloaded_at.lock().expect("key ring lock");
            if reloaded_at.is_some_and(|at| at.elapsed() < RELOAD_INTERVAL) {
                return false;
            }
            *reloaded_at = Some(Instant::now());
        }
        match self.reload().await {
            Ok(()) => true,
            Err(err) => {
                tracing::warn!(error = %err, "could not re-read the signing keys");
                false
            }
        }
    }

    /// Re-reads the keys, e.g. after another instance rotated.
    pub async fn reload(&self) -> anyhow::Result<()> {
        let rows = stored_keys(&self.db).await?;
        let ring = ring::build(&rows, &self.seal_key, clock::now_millis(), self.longest_token)?;
        *self.ring.write().expect("key ring lock") = ring;
        Ok(())
    }

    /// Re-reads the keys every `REFRESH_EVERY`, for as long as the process runs: a rotation
    /// starts signing, and a retired key stops verifying, without a restart.
    pub fn follow(&self) {
        let keys = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(REFRESH_EVERY);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                if let Err(err) = keys.reload().await {
                    tracing::warn!(error = format!("{err:#}"), "could not re-read the signing keys");
                }
            }
        });
    }

    pub fn signing_kid(&self) -> String {
        self.ring.read().expect("key ring lock").signing_kid.clone()
    }

    pub fn sign(
        &self,
        header: &jsonwebtoken::Header,
        claims: &impl serde::Serialize,
    ) -> anyhow::Result<String> {
        let ring = self.ring.read().expect("key ring lock");
        ring.sign(header, claims).context("signing an access token")
    }

    pub fn decoding_key(&self, kid: &str) -> Option<DecodingKey> {
        self.ring
            .read()
            .expect("key ring lock")
            .decoding
            .get(kid)
            .cloned()
    }

    /// The JWKS document (RFC 7517) of every key that may still verify a live token.
    pub fn jwks(&self) -> JwkSet {
        self.ring.read().expect("key ring lock").published.clone()
    }
}
