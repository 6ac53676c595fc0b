//! Proofs already spent: a proof's `jti` counts once per key for as long as the proof could be
//! accepted (its nonce's lifetime). Kept in memory (`memory.rs`), and on PostgreSQL also in the
//! shared database, so a proof replayed at another instance is caught too. Only requests that
//! are otherwise accepted spend a proof (`Proven::spend`), so strangers cannot fill either.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use sha2::{Digest, Sha256};

use super::{
    ProofLimits,
    memory::{Entry, Memory, Seen},
    nonce::{self, PROOF_LIFETIME},
    shared::Shared,
};
use crate::{clock, db::Db};

/// One reference count to clone: every proof a request presents holds a handle.
#[derive(Clone)]
pub struct Replays(Arc<Remembered>);

struct Remembered {
    seen: Mutex<Memory>,
    shared: Option<Shared>,
}

/// The memory's entry for the proof `jti` of key `jkt` with a nonce of `bucket`. The proof's
/// id is also its row's in the shared table, so instances of different builds agree on it.
pub fn entry(jkt: &str, jti: &str, bucket: u64) -> Entry {
    let proof = Sha256::new()
        .chain_update(jkt.as_bytes())
        .chain_update(b"\0")
        .chain_update(jti.as_bytes())
        .finalize();
    // The thumbprint is a SHA-256 digest already (base64url): its first 8 characters, 48 bits,
    // tell keys apart well enough to share out the memory, without hashing it again.
    let mut key = [0u8; 8];
    for (byte, from) in key.iter_mut().zip(jkt.bytes()) {
        *byte = from;
    }
    Entry {
        bucket,
        key,
        proof: proof[..16].try_into().expect("a SHA-256 digest has 32 bytes"),
    }
}

impl Replays {
    pub fn new(db: &Db, limits: ProofLimits) -> Self {
        Self(Arc::new(Remembered {
            seen: Mutex::new(Memory::new(limits.capacity, limits.per_key)),
            shared: match db {
                Db::Postgres(pool) => Some(Shared::new(pool.clone())),
                Db::Sqlite(_) => None,
            },
        }))
    }

    /// Proofs remembered on this instance, and how many may be.
    pub fn occupancy(&self) -> (usize, usize) {
        self.0.seen.lock().expect("replay memory lock").occupancy()
    }

    /// Records `entry` as spent, telling whether it had been spent before or found no room.
    pub async fn spend(&self, entry: &Entry) -> Result<Seen, sqlx::Error> {
        let here = self
            .0
            .seen
            .lock()
            .expect("replay memory lock")
            .spend(entry, nonce::bucket_now());
        let (Seen::First, Some(shared)) = (&here, &self.0.shared) else {
            return Ok(here);
        };
        let expires_at = clock::now_millis() + PROOF_LIFETIME.as_millis() as i64;
        let first = shared.spend(entry.proof, expires_at).await?;
        Ok(if first { Seen::First } else { Seen::Again })
    }

    /// On PostgreSQL, deletes lapsed proofs every minute (each instance; the deletes are
    /// idempotent).
    pub fn follow(&self) {
        let Some(pool) = self.0.shared.as_ref().map(|shared| shared.pool().clone()) else {
            return;
        };
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_secs(60));
            loop {
                ticks.tick().await;
                let swept = sqlx::query("DELETE FROM dpop_proofs WHERE expires_at < $1")
                    .bind(clock::now_millis())
                    .execute(&pool)
                    .await;
                if let Err(err) = swept {
                    tracing::warn!(error = %err, "could not delete lapsed DPoP proofs; trying again later");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_hash_key_and_jti_apart() {
        let one = entry("key-a", "jti-1", 10);
        assert_eq!(one, entry("key-a", "jti-1", 10));
        assert_ne!(one.proof, entry("key-b", "jti-1", 10).proof, "another key's jti");
        assert_ne!(one.proof, entry("key-a", "jti-2", 10).proof);
        assert_eq!(one.key, entry("key-a", "jti-2", 10).key, "one key, one share");
    }
}
