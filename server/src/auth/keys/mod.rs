//! The key ring: the Ed25519 keys that sign access tokens, loaded into memory. They live in
//! the database (`store`) so every instance shares them, with the private half sealed under a
//! key derived from the server secret (`seal`). The newest generation signs; every stored key
//! verifies and is published as JWKS.

mod seal;
mod store;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, RwLock},
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use jsonwebtoken::{
    DecodingKey, EncodingKey,
    jwk::{
        AlgorithmParameters, CommonParameters, EllipticCurve, Jwk, JwkSet, KeyAlgorithm,
        OctetKeyPairParameters, OctetKeyPairType, PublicKeyUse,
    },
};

use self::{
    seal::unseal,
    store::{StoredKey, insert_new_key, stored_keys},
};
use crate::{db::Db, secret::ServerSecret};

struct Ring {
    signing_kid: String,
    signing: EncodingKey,
    decoding: HashMap<String, DecodingKey>,
    /// Newest first.
    published: JwkSet,
}

#[derive(Clone)]
pub struct KeyRing {
    ring: Arc<RwLock<Ring>>,
    seal_key: [u8; 32],
    db: Db,
    /// When an unknown key id last made us re-read the keys, to bound such re-reads.
    reloaded_at: Arc<Mutex<Option<Instant>>>,
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
            reloaded_at: Arc::new(Mutex::new(None)),
        })
    }

    /// Adds a new signing key; tokens signed with older keys stay valid until they expire.
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

fn build_ring(rows: &[StoredKey], seal_key: &[u8; 32]) -> anyhow::Result<Ring> {
    let newest = rows.first().ok_or_else(|| anyhow!("no signing key stored"))?;
    let seed = unseal(seal_key, &newest.kid, &newest.sealed_private_key)?;
    let der = SigningKey::from_bytes(&seed)
        .to_pkcs8_der()
        .context("encoding the signing key")?;
    let mut decoding = HashMap::new();
    let mut published = Vec::new();
    for row in rows {
        let jwk = public_jwk(row)?;
        decoding.insert(row.kid.clone(), DecodingKey::from_jwk(&jwk)?);
        published.push(jwk);
    }
    Ok(Ring {
        signing_kid: newest.kid.clone(),
        signing: EncodingKey::from_ed_der(der.as_bytes()),
        decoding,
        published: JwkSet { keys: published },
    })
}

/// A stored public key as a JWK (RFC 8037 `OKP`/`Ed25519`).
fn public_jwk(row: &StoredKey) -> anyhow::Result<Jwk> {
    let x: [u8; 32] = row
        .public_key
        .as_slice()
        .try_into()
        .map_err(|_| anyhow!("stored public key {} has the wrong length", row.kid))?;
    Ok(Jwk {
        common: CommonParameters {
            public_key_use: Some(PublicKeyUse::Signature),
            key_algorithm: Some(KeyAlgorithm::EdDSA),
            key_id: Some(row.kid.clone()),
            ..CommonParameters::default()
        },
        algorithm: AlgorithmParameters::OctetKeyPair(OctetKeyPairParameters {
            key_type: OctetKeyPairType::OctetKeyPair,
            curve: EllipticCurve::Ed25519,
            x: URL_SAFE_NO_PAD.encode(x),
        }),
    })
}
