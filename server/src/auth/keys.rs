//! The Ed25519 keys that sign access tokens. They live in the database so every instance
//! shares them, with the private half sealed under a key derived from the server secret.
//! The newest generation signs; every stored key verifies and is published as JWKS.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow, bail};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chacha20poly1305::{
    XChaCha20Poly1305, XNonce,
    aead::{Aead, KeyInit, Payload},
};
use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use sqlx::Row;

use crate::{db::Db, secret::ServerSecret, with_pool};

const NONCE_BYTES: usize = 24;

/// One verification key, as published.
#[derive(Clone)]
struct PublicKey {
    kid: String,
    x: [u8; 32],
    decoding: DecodingKey,
}

struct Ring {
    signing_kid: String,
    signing: EncodingKey,
    public: HashMap<String, PublicKey>,
    /// Newest first, for the JWKS document.
    order: Vec<String>,
}

#[derive(Clone)]
pub struct KeyRing {
    ring: Arc<RwLock<Ring>>,
    seal_key: [u8; 32],
    db: Db,
    /// When an unknown key id last made us re-read the keys, to bound such re-reads.
    reloaded_at: Arc<std::sync::Mutex<Option<Instant>>>,
}

/// An unknown `kid` re-reads the keys at most this often (forged ids must not hammer the DB).
const RELOAD_INTERVAL: Duration = Duration::from_secs(5);

impl KeyRing {
    /// Loads the stored keys, creating the first one if there is none. Instances starting
    /// together agree on one key: generation numbers are unique, so only one insert wins.
    pub async fn load_or_create(db: &Db, secret: &ServerSecret) -> anyhow::Result<Self> {
        let mut rows = stored_keys(db).await?;
        if rows.is_empty() {
            insert_new_key(db, &secret.key_seal_key, 1).await?;
            rows = stored_keys(db).await?;
        }
        let ring = build_ring(&rows, &secret.key_seal_key)?;
        Ok(Self {
            ring: Arc::new(RwLock::new(ring)),
            seal_key: secret.key_seal_key,
            db: db.clone(),
            reloaded_at: Arc::new(std::sync::Mutex::new(None)),
        })
    }

    /// Adds a new signing key; tokens signed with older keys stay valid until they expire.
    pub async fn rotate(&self) -> anyhow::Result<String> {
        let next = stored_keys(&self.db)
            .await?
            .iter()
            .map(|k| k.generation)
            .max()
            .unwrap_or(0)
            + 1;
        insert_new_key(&self.db, &self.seal_key, next).await?;
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
        let ring = build_ring(&stored_keys(&self.db).await?, &self.seal_key)?;
        *self.ring.write().expect("key ring lock") = ring;
        Ok(())
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
        let mut header = header.clone();
        header.kid = Some(ring.signing_kid.clone());
        jsonwebtoken::encode(&header, claims, &ring.signing).context("signing an access token")
    }

    pub fn decoding_key(&self, kid: &str) -> Option<DecodingKey> {
        let ring = self.ring.read().expect("key ring lock");
        ring.public.get(kid).map(|key| key.decoding.clone())
    }

    /// The JWKS document (RFC 7517) of every key that may still verify a live token.
    pub fn jwks(&self) -> Value {
        let ring = self.ring.read().expect("key ring lock");
        let keys: Vec<Value> = ring
            .order
            .iter()
            .filter_map(|kid| ring.public.get(kid))
            .map(|key| {
                json!({
                    "kty": "OKP",
                    "crv": "Ed25519",
                    "alg": "EdDSA",
                    "use": "sig",
                    "kid": key.kid,
                    "x": URL_SAFE_NO_PAD.encode(key.x),
                })
            })
            .collect();
        json!({ "keys": keys })
    }
}

struct StoredKey {
    kid: String,
    generation: i64,
    public_key: Vec<u8>,
    sealed_private_key: Vec<u8>,
}

async fn stored_keys(db: &Db) -> anyhow::Result<Vec<StoredKey>> {
    const SQL: &str = "SELECT kid, generation, public_key, sealed_private_key FROM signing_keys \
                       ORDER BY generation DESC";
    let rows = with_pool!(db, |pool| {
        sqlx::query(SQL)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|row| StoredKey {
                kid: row.get("kid"),
                generation: row.get("generation"),
                public_key: row.get("public_key"),
                sealed_private_key: row.get("sealed_private_key"),
            })
            .collect()
    });
    Ok(rows)
}

async fn insert_new_key(db: &Db, seal_key: &[u8; 32], generation: i64) -> anyhow::Result<()> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).context("the OS random source failed")?;
    let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    let kid = key_id(&public);
    let sealed = seal(seal_key, &kid, &seed)?;
    const SQL: &str = "INSERT INTO signing_keys (kid, generation, public_key, sealed_private_key, created_at) \
                       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    let now = crate::clock::now_millis();
    with_pool!(db, |pool| {
        sqlx::query(SQL)
            .bind(&kid)
            .bind(generation)
            .bind(public.to_vec())
            .bind(sealed)
            .bind(now)
            .execute(pool)
            .await
            .map(drop)?
    });
    Ok(())
}

fn build_ring(rows: &[StoredKey], seal_key: &[u8; 32]) -> anyhow::Result<Ring> {
    let newest = rows.first().ok_or_else(|| anyhow!("no signing key stored"))?;
    let seed = unseal(seal_key, &newest.kid, &newest.sealed_private_key)?;
    let der = SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .context("encoding the signing key")?;
    let signing = EncodingKey::from_ed_der(der.as_bytes());
    let mut public = HashMap::new();
    for row in rows {
        let x: [u8; 32] = row
            .public_key
            .as_slice()
            .try_into()
            .map_err(|_| anyhow!("stored public key {} has the wrong length", row.kid))?;
        let decoding = DecodingKey::from_ed_components(&URL_SAFE_NO_PAD.encode(x))?;
        public.insert(
            row.kid.clone(),
            PublicKey {
                kid: row.kid.clone(),
                x,
                decoding,
            },
        );
    }
    Ok(Ring {
        signing_kid: newest.kid.clone(),
        signing,
        public,
        order: rows.iter().map(|row| row.kid.clone()).collect(),
    })
}

/// A key id derived from the public key (a truncated SHA-256), so it is stable and unique.
fn key_id(public: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12])
}

fn seal(key: &[u8; 32], kid: &str, seed: &[u8; 32]) -> anyhow::Result<Vec<u8>> {
    let mut nonce = [0u8; NONCE_BYTES];
    getrandom::fill(&mut nonce).context("the OS random source failed")?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: seed,
                aad: kid.as_bytes(),
            },
        )
        .map_err(|_| anyhow!("sealing the signing key failed"))?;
    Ok([nonce.as_slice(), &sealed].concat())
}

fn unseal(key: &[u8; 32], kid: &str, sealed: &[u8]) -> anyhow::Result<[u8; 32]> {
    if sealed.len() <= NONCE_BYTES {
        bail!("stored signing key {kid} is truncated");
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_BYTES);
    let cipher = XChaCha20Poly1305::new(key.into());
    let seed = cipher
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: kid.as_bytes(),
            },
        )
        .map_err(|_| {
            anyhow!(
                "cannot unseal signing key {kid}: the database was set up with a different \
                 server secret (LATCH_SECRET / LATCH_SECRET_FILE)"
            )
        })?;
    seed.try_into()
        .map_err(|_| anyhow!("stored signing key {kid} has the wrong length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_round_trips_and_binds_the_key_id() {
        let seed = [9u8; 32];
        let sealed = seal(&[1; 32], "kid-a", &seed).unwrap();
        assert_eq!(unseal(&[1; 32], "kid-a", &sealed).unwrap(), seed);
        assert!(
            unseal(&[2; 32], "kid-a", &sealed).is_err(),
            "another secret cannot unseal"
        );
        assert!(
            unseal(&[1; 32], "kid-b", &sealed).is_err(),
            "a sealed key cannot be moved"
        );
        assert!(
            !sealed.windows(32).any(|w| w == seed),
            "the seed is not stored in clear"
        );
    }
}
