//! The purge: what no longer serves anyone leaves the database, so it does not grow without
//! bound. Sessions that ended or expired more than the retention ago go with their
//! refresh-token rows (a late replay of their cookie is then just an unknown token, still
//! refused), and security events older than theirs. A live session's own token rows are
//! bounded at rotation (`sessions::KEPT_GENERATIONS`).
//!
//! Ended sessions are kept at least as long as one of their access tokens can live: a
//! starting instance builds its revocation set from them.

use std::time::Duration;

use crate::{
    clock,
    config::Retention,
    db::{Db, WritePool},
    with_pool,
};

/// Rows deleted per statement, so a large purge never holds SQLite's writer for long.
const BATCH: i64 = 500;

/// What one run deleted.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    pub sessions: u64,
    pub events: u64,
}

#[derive(Clone)]
pub struct Purge {
    db: Db,
    idle: Duration,
    ended_sessions: Duration,
    events: Duration,
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

impl Purge {
    /// `longest_token` is the longest an access token can live (leeway included).
    pub fn new(db: Db, idle: Duration, retention: &Retention, longest_token: Duration) -> Self {
        Self {
            db,
            idle,
            ended_sessions: Duration::from_secs(retention.ended_session_retention).max(longest_token),
            events: Duration::from_secs(retention.security_event_retention),
        }
    }

    /// Deletes what was past its retention at `now` (Unix ms).
    pub async fn run_at(&self, now: i64) -> Result<Purged, sqlx::Error> {
        let ended_before = now - millis(self.ended_sessions);
        let idle_before = ended_before - millis(self.idle);
        let events_before = now - millis(self.events);
        let over = "(revoked_at IS NOT NULL AND revoked_at < $1) OR expires_at < $1 OR last_used_at < $2";
        let mut purged = Purged::default();
        with_pool!(&self.db, |pool| {
            loop {
                let mut tx = pool.begin_write().await?;
                let batch = format!("SELECT id FROM sessions WHERE {over} LIMIT {BATCH}");
                sqlx::query(&format!(
                    "DELETE FROM refresh_tokens WHERE session_id IN ({batch})"
                ))
                .bind(ended_before)
                .bind(idle_before)
                .execute(&mut *tx)
                .await?;
                let deleted = sqlx::query(&format!("DELETE FROM sessions WHERE id IN ({batch})"))
                    .bind(ended_before)
                    .bind(idle_before)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                purged.sessions += deleted;
                if deleted < BATCH as u64 {
                    break;
                }
            }
            loop {
                let deleted = sqlx::query(&format!(
                    "DELETE FROM security_events WHERE id IN \
                     (SELECT id FROM security_events WHERE at < $1 LIMIT {BATCH})"
                ))
                .bind(events_before)
                .execute(pool)
                .await?
                .rows_affected();
                purged.events += deleted;
                if deleted < BATCH as u64 {
                    break;
                }
            }
        });
        Ok(purged)
    }

    /// Runs the purge now and then every `every`, for as long as the process runs. A failed
    /// run (the database away) is logged and tried again at the next tick.
    pub fn spawn(self, every: Duration) {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                match self.run_at(clock::now_millis()).await {
                    Ok(purged) if purged != Purged::default() => {
                        tracing::info!(sessions = purged.sessions, events = purged.events, "purged");
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "purge failed; trying again later"),
                }
            }
        });
    }
}
