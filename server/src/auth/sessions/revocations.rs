//! Sessions that ended while their access tokens may still be unexpired. Checking this
//! in-memory set makes revocation immediate without a database read per request. Entries
//! are kept until every token of that session must have expired anyway.
//!
//! Other instances hear about revocations through PostgreSQL `LISTEN/NOTIFY` (`broadcast.rs`;
//! the NOTIFY is sent in the revoking transaction, so it is delivered exactly when the
//! revocation commits); a starting instance, or one whose listener reconnects, reloads recent
//! revocations from the database. The single-node SQLite setup needs only the in-process set.

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
    time::Duration,
};

use sqlx::Row;

use crate::{clock, db::Db, with_pool};

#[derive(Clone)]
pub struct Revocations {
    ended: Arc<RwLock<Ended>>,
    keep_ms: i64,
}

/// Lapsed entries are swept when the map reaches `sweep_at`, which then doubles past what
/// is left: a mass sign-out of 100 k sessions costs a few sweeps, not one per insert (which
/// took 89 µs per insert under the write lock at 100 k, measured by the load benchmark).
struct Ended {
    /// Session id → when the entry may be forgotten (Unix ms).
    by_id: HashMap<String, i64>,
    sweep_at: usize,
    #[cfg(test)]
    sweeps: usize,
}

const FIRST_SWEEP_AT: usize = 1024;

impl Revocations {
    /// `keep` must cover the longest an access token can live, leeway included.
    pub fn new(keep: Duration) -> Self {
        Self {
            ended: Arc::new(RwLock::new(Ended {
                by_id: HashMap::new(),
                sweep_at: FIRST_SWEEP_AT,
                #[cfg(test)]
                sweeps: 0,
            })),
            keep_ms: i64::try_from(keep.as_millis()).unwrap_or(i64::MAX),
        }
    }

    pub fn insert(&self, session_id: &str) {
        let now = clock::now_millis();
        let mut ended = self.ended.write().expect("revocations lock");
        if ended.by_id.len() >= ended.sweep_at {
            ended.by_id.retain(|_, forget_at| *forget_at > now);
            ended.sweep_at = (2 * ended.by_id.len()).max(FIRST_SWEEP_AT);
            #[cfg(test)]
            {
                ended.sweeps += 1;
            }
        }
        ended.by_id.insert(session_id.to_string(), now + self.keep_ms);
    }

    pub fn contains(&self, session_id: &str) -> bool {
        self.ended
            .read()
            .expect("revocations lock")
            .by_id
            .contains_key(session_id)
    }

    /// Loads every session revoked recently enough that its tokens may still be live.
    pub async fn load(&self, db: &Db) -> Result<usize, sqlx::Error> {
        let since = clock::now_millis() - self.keep_ms;
        let ids: Vec<String> = with_pool!(db, |pool| {
            sqlx::query("SELECT id FROM sessions WHERE revoked_at >= $1")
                .bind(since)
                .fetch_all(pool)
                .await?
                .iter()
                .map(|row| row.get("id"))
                .collect()
        });
        for id in &ids {
            self.insert(id);
        }
        Ok(ids.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_session_is_remembered_then_forgotten() {
        let revocations = Revocations::new(Duration::from_millis(0));
        revocations.insert("a");
        assert!(revocations.contains("a"));
        assert!(!revocations.contains("b"));
        for i in 0..1100 {
            revocations.insert(&i.to_string());
        }
        assert!(!revocations.contains("a"), "expired entries are pruned");
    }

    #[test]
    fn a_mass_sign_out_sweeps_a_few_times_not_at_every_insert() {
        let revocations = Revocations::new(Duration::from_secs(600));
        for i in 0..100_000 {
            revocations.insert(&i.to_string());
        }
        let ended = revocations.ended.read().unwrap();
        assert_eq!(ended.by_id.len(), 100_000, "nothing lapsed, nothing forgotten");
        assert!(ended.sweeps <= 8, "{} sweeps", ended.sweeps);
    }
}
