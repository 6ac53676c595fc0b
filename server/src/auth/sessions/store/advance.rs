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
//! Statements per rotation on SQLite: one read, then BEGIN, two updates, one insert (and, once
//! a session holds `KEPT_GENERATIONS` tokens, one delete), COMMIT: the read and then the
//! transaction each in one trip to the file's writer connection (`db/sqlite_writer.rs`). On
//! PostgreSQL the same steps are one statement (`STEP_IN_ONE`): two round trips per rotation
//! with the read. The full path needs two reads more inside the transaction and the user's
//! row after it.

use sqlx::{PgPool, SqlitePool};

use super::{SessionStore, holder::Holder, millis, rotate::KEPT_GENERATIONS};
use crate::db::{BoxFuture, WritePool, run_on_writer};

const LIVE_SESSION: &str = "UPDATE sessions SET last_used_at = $1, last_user_agent = $2, last_ip = $3 \
     WHERE id = $4 AND revoked_at IS NULL AND expires_at > $1 AND last_used_at > $5";
const RETIRE: &str = "UPDATE refresh_tokens SET retired_at = $1 WHERE token_hash = $2 AND retired_at IS NULL";
const SUCCEED: &str =
    "INSERT INTO refresh_tokens (token_hash, session_id, generation, issued_at) VALUES ($1, $2, $3, $4)";
const PRUNE: &str = "DELETE FROM refresh_tokens WHERE session_id = $1 AND generation < $2";

/// One step of a session's chain, as the read before the lock saw it.
#[derive(Clone)]
pub struct Step {
    pub session_id: String,
    pub hash: Vec<u8>,
    pub successor_hash: Vec<u8>,
    /// The successor's generation.
    pub generation: i64,
    pub user_agent: String,
    pub ip: String,
    pub idle_cutoff: i64,
    pub now: i64,
}

impl Step {
    /// Generations older than this are pruned with the step.
    fn oldest_kept(&self) -> i64 {
        self.generation + 1 - KEPT_GENERATIONS
    }

    /// The step on the writer's own connection (SQLite).
    fn run(&self, connection: &mut rusqlite::Connection) -> rusqlite::Result<bool> {
        let tx = connection.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let params = rusqlite::params![
            self.now,
            self.user_agent,
            self.ip,
            self.session_id,
            self.idle_cutoff
        ];
        if tx.prepare_cached(LIVE_SESSION)?.execute(params)? != 1
            || tx
                .prepare_cached(RETIRE)?
                .execute(rusqlite::params![self.now, self.hash])?
                != 1
        {
            return Ok(false); // dropping `tx` rolls it back
        }
        let successor = rusqlite::params![self.successor_hash, self.session_id, self.generation, self.now];
        tx.prepare_cached(SUCCEED)?.execute(successor)?;
        if self.oldest_kept() > 0 {
            tx.prepare_cached(PRUNE)?
                .execute(rusqlite::params![self.session_id, self.oldest_kept()])?;
        }
        tx.commit()?;
        Ok(true)
    }
}

/// The step through sqlx, in one write transaction: SQLite's path when its writer connection
/// is not available.
async fn advance_with_sqlx(pool: &SqlitePool, step: &Step) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin_write().await?;
    let changed = |done: u64| done == 1;
    let live = changed(
        sqlx::query(LIVE_SESSION)
            .bind(step.now)
            .bind(&step.user_agent)
            .bind(&step.ip)
            .bind(&step.session_id)
            .bind(step.idle_cutoff)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
    );
    let retired = live
        && changed(
            sqlx::query(RETIRE)
                .bind(step.now)
                .bind(&step.hash)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        );
    if !retired {
        tx.rollback().await?;
        return Ok(false);
    }
    sqlx::query(SUCCEED)
        .bind(&step.successor_hash)
        .bind(&step.session_id)
        .bind(step.generation)
        .bind(step.now)
        .execute(&mut *tx)
        .await?;
    if step.oldest_kept() > 0 {
        sqlx::query(PRUNE)
            .bind(&step.session_id)
            .bind(step.oldest_kept())
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Takes a step on a pool: whether it did (the successor is stored and current); when not,
/// nothing was written. (Boxed, as `WritePool::begin_write`, for axum's `Send` bounds.)
pub trait Advance {
    fn advance<'a>(&'a self, step: &'a Step) -> BoxFuture<'a, bool>;
}

/// The step as one PostgreSQL statement, so one round trip and its own transaction. The
/// session row is locked first (`FOR UPDATE` in the innermost select, re-checked against the
/// newest row version if it had to wait, so a revocation or rotation that committed meanwhile
/// is seen), then the token is retired only if still current; the session update, the insert
/// and the prune act only on what that retired. Nothing matches: nothing is written.
const STEP_IN_ONE: &str = "WITH retired AS ( \
       UPDATE refresh_tokens SET retired_at = $1 \
       WHERE token_hash = $2 AND retired_at IS NULL AND session_id = ( \
         SELECT id FROM sessions WHERE id = $3 AND revoked_at IS NULL AND expires_at > $1 \
           AND last_used_at > $4 FOR UPDATE) \
       RETURNING session_id), \
     live AS ( \
       UPDATE sessions SET last_used_at = $1, last_user_agent = $5, last_ip = $6 \
       WHERE id IN (SELECT session_id FROM retired) RETURNING id), \
     succeeded AS ( \
       INSERT INTO refresh_tokens (token_hash, session_id, generation, issued_at) \
       SELECT $7, id, $8, $1 FROM live RETURNING session_id), \
     pruned AS ( \
       DELETE FROM refresh_tokens WHERE session_id IN (SELECT session_id FROM succeeded) \
         AND generation < $9) \
     SELECT COUNT(*) FROM succeeded";

impl Advance for PgPool {
    fn advance<'a>(&'a self, step: &'a Step) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let done: i64 = sqlx::query_scalar(STEP_IN_ONE)
                .bind(step.now)
                .bind(&step.hash)
                .bind(&step.session_id)
                .bind(step.idle_cutoff)
                .bind(&step.user_agent)
                .bind(&step.ip)
                .bind(&step.successor_hash)
                .bind(step.generation)
                .bind(step.oldest_kept())
                .fetch_one(self)
                .await?;
            Ok(done == 1)
        })
    }
}

impl Advance for SqlitePool {
    fn advance<'a>(&'a self, step: &'a Step) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            let owned = step.clone();
            if let Some(done) = run_on_writer(self, move |connection| owned.run(connection)).await? {
                return Ok(done);
            }
            advance_with_sqlx(self, step).await
        })
    }
}

impl SessionStore {
    /// The step `holder` (read before any lock) would take at `now`, if it looks like the
    /// common case.
    pub(super) fn next_step(
        &self,
        holder: &Holder,
        hash: &[u8],
        successor_hash: &[u8],
        client: &crate::auth::client::ClientInfo,
        now: i64,
    ) -> Option<Step> {
        let idle_cutoff = now - millis(self.policy.idle);
        let live = holder.retired_at.is_none()
            && holder.revoked_at.is_none()
            && now < holder.expires_at
            && holder.last_used_at > idle_cutoff;
        live.then(|| Step {
            session_id: holder.session_id.clone(),
            hash: hash.to_vec(),
            successor_hash: successor_hash.to_vec(),
            generation: holder.generation + 1,
            user_agent: client.user_agent.clone(),
            ip: client.ip.clone(),
            idle_cutoff,
            now,
        })
    }
}
