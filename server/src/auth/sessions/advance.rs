//! The common rotation in the fewest statements: the session's current token, presented
//! while the session is live. Everything else (a retired token, an ended or lapsed session,
//! a race lost to another request) takes the full path in `rotate.rs`, which reads under the
//! session's lock and decides between a retry, reuse and expiry.
//!
//! The read that found the token (`holder.rs`) was made outside the write transaction, so
//! nothing it said is trusted here. The first statement updates the session row only if it is
//! still live, which also takes its lock (SQLite: the whole file; PostgreSQL: the row, as
//! `FOR UPDATE` would), so rotations of one session still run one at a time. The second
//! retires the token only if it is still current. Both must change exactly one row, or the
//! transaction is rolled back and nothing was written.
//!
//! Statements per rotation: one read, then BEGIN, two updates, one insert (and, once a
//! session holds `KEPT_GENERATIONS` tokens, one delete), COMMIT; the full path needed two
//! reads more inside the transaction and the user's row after it.

use super::{SessionStore, holder::Holder, millis};

impl SessionStore {
    /// Whether `holder` (read before any lock) looks like the common case at `now`.
    pub(super) fn may_advance(&self, holder: &Holder, now: i64) -> bool {
        holder.retired_at.is_none()
            && holder.revoked_at.is_none()
            && now < holder.expires_at
            && now < holder.last_used_at + millis(self.policy.idle)
    }
}

/// In a `with_pool!` body: retires `$hash` (the current token of `$holder`'s session) and
/// stores `$successor_hash` as current at `$now`, if the session and the token are still
/// what the read said. Evaluates to whether it did; when not, nothing was written. (A macro,
/// as `end_session!`: generic async code over both pools trips "Send is not general enough"
/// inside axum handlers.)
macro_rules! advance {
    ($pool:expr, $holder:expr, $hash:expr, $successor_hash:expr, $client:expr, $idle_cutoff:expr, $now:expr) => {{
        let holder: &super::holder::Holder = $holder;
        let session_id = holder.session_id.as_str();
        let client: &crate::auth::client_info::ClientInfo = $client;
        let now: i64 = $now;
        let mut tx = $pool.begin_write().await?;
        let live = sqlx::query(
            "UPDATE sessions SET last_used_at = $1, last_user_agent = $2, last_ip = $3 \
             WHERE id = $4 AND revoked_at IS NULL AND expires_at > $1 AND last_used_at > $5",
        )
        .bind(now)
        .bind(&client.user_agent)
        .bind(&client.ip)
        .bind(session_id)
        .bind($idle_cutoff)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let retired = live
            && sqlx::query(
                "UPDATE refresh_tokens SET retired_at = $1 WHERE token_hash = $2 AND retired_at IS NULL",
            )
            .bind(now)
            .bind($hash)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
        if retired {
            let generation = holder.generation + 1;
            sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, session_id, generation, issued_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind($successor_hash)
            .bind(session_id)
            .bind(generation)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let oldest_kept = generation + 1 - super::rotate::KEPT_GENERATIONS;
            if oldest_kept > 0 {
                sqlx::query("DELETE FROM refresh_tokens WHERE session_id = $1 AND generation < $2")
                    .bind(session_id)
                    .bind(oldest_kept)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        retired
    }};
}
pub(super) use advance;
