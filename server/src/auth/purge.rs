//! The purge: what no longer serves anyone leaves the database, so it does not grow without
//! bound. Sessions that ended or expired more than the retention ago go with their
//! refresh-token rows (a late replay of their cookie is then just an unknown token, still
//! refused), and security events older than theirs. A live session's own token rows are
//! bounded at rotation (`sessions::store::KEPT_GENERATIONS`).
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
    /// Sign-ups whose confirmation links all expired unopened.
    pub unconfirmed_accounts: u64,
    pub links: u64,
}

/// Runs a batched DELETE (one whose subquery takes `LIMIT {BATCH}`) until a batch comes back
/// short, and returns how many rows went.
macro_rules! in_batches {
    ($pool:expr, $sql:expr, $($bind:expr),+) => {{
        let mut total = 0u64;
        loop {
            let deleted = sqlx::query($sql)$(.bind($bind))+.execute($pool).await?.rows_affected();
            total += deleted;
            if deleted < BATCH as u64 {
                break total;
            }
        }
    }};
}

/// Accounts that were signed up under confirmation and never confirmed, whose links have all
/// expired, and that never had a session. An account made while confirmation was off has no
/// confirmation link (and sessions), so it is never taken for one.
fn unconfirmed_accounts() -> String {
    format!(
        "DELETE FROM users WHERE id IN (SELECT u.id FROM users u \
         WHERE u.email_verified_at IS NULL \
         AND EXISTS (SELECT 1 FROM email_links l WHERE l.user_id = u.id AND l.purpose = 'verify_email') \
         AND NOT EXISTS (SELECT 1 FROM email_links l WHERE l.user_id = u.id AND l.expires_at > $1) \
         AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id) \
         LIMIT {BATCH})"
    )
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
            purged.events = in_batches!(
                pool,
                &format!(
                    "DELETE FROM security_events WHERE id IN \
                     (SELECT id FROM security_events WHERE at < $1 LIMIT {BATCH})"
                ),
                events_before
            );
            // Accounts before links: an account is recognised by its expired links.
            purged.unconfirmed_accounts = in_batches!(pool, &unconfirmed_accounts(), now);
            purged.links = in_batches!(
                pool,
                &format!(
                    "DELETE FROM email_links WHERE token_hash IN \
                     (SELECT token_hash FROM email_links WHERE expires_at <= $1 LIMIT {BATCH})"
                ),
                now
            );
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
                        tracing::info!(
                            sessions = purged.sessions,
                            events = purged.events,
                            unconfirmed_accounts = purged.unconfirmed_accounts,
                            links = purged.links,
                            "purged"
                        );
                    }
                    Ok(_) => {}
                    Err(err) => tracing::warn!(error = %err, "purge failed; trying again later"),
                }
            }
        });
    }
}
