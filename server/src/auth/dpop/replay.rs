//! Proofs already used: a proof's `jti` counts once per key for as long as the proof could be
//! accepted (its nonce's lifetime). Kept in memory, and on PostgreSQL also in the shared
//! database, so a proof replayed at another instance is caught too.
//!
//! Entries are a 16-byte hash of key and `jti` (never the raw, client-chosen text), and the
//! map has a hard cap: past it, proofs are refused as "busy" until entries lapse.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::nonce::PROOF_LIFETIME;
use crate::{clock, db::Db};

/// Proofs remembered at most; a million is ~30 MB, ten minutes of 1,600 proofs a second.
const CAPACITY: usize = 1_000_000;

#[derive(Debug, PartialEq, Eq)]
pub enum Seen {
    First,
    Again,
    /// The memory is full of proofs not yet lapsed.
    Full,
}

#[derive(Clone)]
pub struct Replays {
    seen: Arc<Mutex<Memory>>,
    shared: Option<PgPool>,
}

#[derive(Default)]
struct Memory {
    until: HashMap<[u8; 16], Instant>,
    /// When expired entries were last swept out.
    swept: Option<Instant>,
}

fn key(jkt: &str, jti: &str) -> [u8; 16] {
    let digest = Sha256::new()
        .chain_update(jkt.as_bytes())
        .chain_update(b"\0")
        .chain_update(jti.as_bytes())
        .finalize();
    digest[..16].try_into().expect("a SHA-256 digest has 32 bytes")
}

impl Memory {
    fn record(&mut self, key: [u8; 16], now: Instant) -> Seen {
        if self.until.get(&key).is_some_and(|until| *until > now) {
            return Seen::Again;
        }
        let sweep_due = self
            .swept
            .is_none_or(|at| now.duration_since(at) >= Duration::from_secs(10));
        if self.until.len() >= CAPACITY || (sweep_due && self.until.len() > 1024) {
            self.until.retain(|_, until| *until > now);
            self.swept = Some(now);
        }
        if self.until.len() >= CAPACITY {
            return Seen::Full;
        }
        self.until.insert(key, now + PROOF_LIFETIME);
        Seen::First
    }
}

impl Replays {
    pub fn new(db: &Db) -> Self {
        Self {
            seen: Arc::default(),
            shared: match db {
                Db::Postgres(pool) => Some(pool.clone()),
                Db::Sqlite(_) => None,
            },
        }
    }

    /// Records that `jkt` used `jti`, telling whether it had been used before.
    pub async fn record(&self, jkt: &str, jti: &str) -> Result<Seen, sqlx::Error> {
        let key = key(jkt, jti);
        let here = self
            .seen
            .lock()
            .expect("replay memory lock")
            .record(key, Instant::now());
        let (Seen::First, Some(pool)) = (&here, &self.shared) else {
            return Ok(here);
        };
        let expires_at = clock::now_millis() + PROOF_LIFETIME.as_millis() as i64;
        let inserted = sqlx::query(
            "INSERT INTO dpop_proofs (id, expires_at) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&key[..])
        .bind(expires_at)
        .execute(pool)
        .await?
        .rows_affected();
        Ok(if inserted == 1 { Seen::First } else { Seen::Again })
    }

    /// On PostgreSQL, deletes lapsed proofs every minute (each instance; the deletes are
    /// idempotent).
    pub fn follow(&self) {
        let Some(pool) = self.shared.clone() else {
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
    fn a_jti_counts_once_per_key_until_it_lapses() {
        let mut memory = Memory::default();
        let now = Instant::now();
        assert_eq!(memory.record(key("key-a", "jti-1"), now), Seen::First);
        assert_eq!(memory.record(key("key-a", "jti-1"), now), Seen::Again);
        assert_eq!(
            memory.record(key("key-b", "jti-1"), now),
            Seen::First,
            "another key's jti"
        );
        let later = now + PROOF_LIFETIME + Duration::from_secs(1);
        assert_eq!(memory.record(key("key-a", "jti-1"), later), Seen::First, "lapsed");
    }
}
