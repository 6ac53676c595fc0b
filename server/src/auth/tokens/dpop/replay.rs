//! Proofs already spent: a proof's `jti` counts once per key for as long as the proof could be
//! accepted (its nonce's lifetime). Kept in memory (`memory.rs`), and on PostgreSQL also in the
//! shared database, so a proof replayed at another instance is caught too. Only requests that
//! are otherwise accepted spend a proof (`Proven::spend`), so strangers cannot fill either.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use latch_verify::dpop::{Entry, Memory, Seen};

use super::{
    ProofLimits,
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
