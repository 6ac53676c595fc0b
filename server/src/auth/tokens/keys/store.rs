//! The `signing_keys` table: every instance reads the same keys from it.

use anyhow::Context;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::seal::seal;
use crate::{db::Db, with_pool};

pub struct StoredKey {
    pub kid: String,
    pub generation: i64,
    pub public_key: Vec<u8>,
    pub sealed_private_key: Vec<u8>,
    /// Unix ms.
    pub created_at: i64,
}

/// Every stored key, newest generation first.
pub async fn stored_keys(db: &Db) -> anyhow::Result<Vec<StoredKey>> {
    const SQL: &str = "SELECT kid, generation, public_key, sealed_private_key, created_at FROM signing_keys \
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
                created_at: row.get("created_at"),
            })
            .collect()
    });
    Ok(rows)
}

/// A freshly generated key, sealed, as it is stored.
pub fn new_key(seal_key: &[u8; 32], generation: i64, created_at: i64) -> anyhow::Result<StoredKey> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).context("the OS random source failed")?;
    let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    let kid = key_id(&public);
    let sealed_private_key = seal(seal_key, &kid, &seed)?;
    Ok(StoredKey {
        kid,
        generation,
        public_key: public.to_vec(),
        sealed_private_key,
        created_at,
    })
}

/// Generates a key and stores it as `generation`, unless another instance got there first
/// (generations are unique, so only one insert wins).
pub async fn insert_new_key(db: &Db, seal_key: &[u8; 32], generation: i64) -> anyhow::Result<()> {
    let key = new_key(seal_key, generation, crate::clock::now_millis())?;
    const SQL: &str = "INSERT INTO signing_keys (kid, generation, public_key, sealed_private_key, created_at) \
                       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
    with_pool!(db, |pool| {
        sqlx::query(SQL)
            .bind(&key.kid)
            .bind(key.generation)
            .bind(&key.public_key)
            .bind(&key.sealed_private_key)
            .bind(key.created_at)
            .execute(pool)
            .await
            .map(drop)?
    });
    Ok(())
}

/// A key id derived from the public key (a truncated SHA-256), so it is stable and unique.
pub fn key_id(public: &[u8; 32]) -> String {
    URL_SAFE_NO_PAD.encode(&Sha256::digest(public)[..12])
}
