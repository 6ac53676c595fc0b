//! The session and refresh-token store: one session per sign-in, and the chain of refresh
//! tokens it was given, kept by keyed hash.
//!
//! Rotation rules (every path runs in one write-locked transaction, so concurrent refreshes
//! of a session are serialised on every backend and every instance):
//! - the current token is retired and its successor (generation + 1) becomes current;
//! - the just-retired token, within the grace window, yields that same successor again
//!   (a retried request, tabs refreshing together) and never a second branch;
//! - any other retired token ends the session: it was copied, and whoever holds the other
//!   copy cannot be told apart from the owner.

use std::time::Duration;

use sqlx::Row;

use super::{
    events::{self, NewEvent},
    refresh::RefreshToken,
    revocations::Revocations,
};
use crate::{
    clock,
    db::{Db, WritePool},
    secret::ServerSecret,
    with_pool,
};

/// Why a session ended; stored, and reported to the client on refresh.
pub mod reason {
    pub const SIGNED_OUT: &str = "signed_out";
    pub const EXPIRED: &str = "expired";
    pub const REFRESH_TOKEN_REUSE: &str = "refresh_token_reuse";
    pub const REVOKED_BY_USER: &str = "revoked_by_user";
    pub const PASSWORD_CHANGED: &str = "password_changed";
}

#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub lifetime: Duration,
    pub grace: Duration,
}

/// Who is asking, as recorded on the session and in security events.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    pub ip: String,
    pub user_agent: String,
}

/// A session with a refresh token the client may use now.
#[derive(Debug)]
pub struct Issued {
    pub session_id: String,
    pub user_id: String,
    pub token: RefreshToken,
    /// When the refresh token stops working if unused (Unix ms): the idle or absolute limit.
    pub expires_at: i64,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Rejected {
    /// Not a token this server issued (or its session was purged).
    Unknown,
    /// The session ended earlier, for this reason.
    Ended { reason: String },
    /// The session just passed its idle or absolute limit.
    Expired,
    /// A retired token was presented: the session has now been revoked.
    Reused,
}

#[derive(Clone)]
pub struct SessionStore {
    db: Db,
    hash_key: [u8; 32],
    successor_key: [u8; 32],
    policy: SessionPolicy,
    revocations: Revocations,
}

/// A live session as the sessions page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveSession {
    pub id: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

fn for_update<P: WritePool>(_: &P) -> &'static str {
    P::FOR_UPDATE
}

fn notify_revoked<P: WritePool>(_: &P) -> Option<&'static str> {
    P::NOTIFY_REVOKED
}

/// Ends a session inside the caller's transaction and, where other instances exist, tells
/// them when it commits. Evaluates to whether this call ended it.
macro_rules! end_session {
    ($pool:expr, $tx:expr, $session_id:expr, $why:expr, $now:expr) => {{
        let ended = end($session_id, $why, $now)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
            > 0;
        if ended {
            if let Some(notify) = notify_revoked($pool) {
                sqlx::query(notify).bind($session_id).execute(&mut *$tx).await?;
            }
        }
        ended
    }};
}

impl SessionStore {
    pub fn new(db: Db, secret: &ServerSecret, policy: SessionPolicy, revocations: Revocations) -> Self {
        Self {
            db,
            hash_key: secret.refresh_hash_key,
            successor_key: secret.successor_key,
            policy,
            revocations,
        }
    }

    fn expiry(&self, last_used_at: i64, absolute: i64) -> i64 {
        (last_used_at + millis(self.policy.idle)).min(absolute)
    }

    /// Opens a new session (a sign-in) with its first refresh token.
    pub async fn start(
        &self,
        user_id: &str,
        client: &ClientInfo,
        event: &str,
    ) -> Result<Issued, sqlx::Error> {
        let now = clock::now_millis();
        let session_id = uuid::Uuid::new_v4().to_string();
        let token = RefreshToken::generate();
        let absolute = now + millis(self.policy.lifetime);
        let hash = token.keyed_hash(&self.hash_key);
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at, user_agent, ip) \
                 VALUES ($1, $2, $3, $3, $4, $5, $6)",
            )
            .bind(&session_id)
            .bind(user_id)
            .bind(now)
            .bind(absolute)
            .bind(&client.user_agent)
            .bind(&client.ip)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, session_id, generation, issued_at) \
                 VALUES ($1, $2, 1, $3)",
            )
            .bind(&hash)
            .bind(&session_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let event = NewEvent::new(user_id, event, client, Some(&session_id));
            event.insert().execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(Issued {
            session_id,
            user_id: user_id.to_string(),
            token,
            expires_at: self.expiry(now, absolute),
        })
    }

    /// Exchanges a refresh token for its successor, following the rules at the top.
    pub async fn rotate(
        &self,
        presented: &RefreshToken,
        client: &ClientInfo,
    ) -> Result<Result<Issued, Rejected>, sqlx::Error> {
        let hash = presented.keyed_hash(&self.hash_key);
        let successor = presented.successor(&self.successor_key);
        let successor_hash = successor.keyed_hash(&self.hash_key);
        let idle = millis(self.policy.idle);
        let grace = millis(self.policy.grace);

        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let Some(session_id) = sqlx::query("SELECT session_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.get::<String, _>("session_id"))
            else {
                return Ok(Err(Rejected::Unknown));
            };
            // Locking the session row serialises every rotation of this session.
            let session = sqlx::query(&format!(
                "SELECT user_id, last_used_at, expires_at, revoked_reason FROM sessions WHERE id = $1{}",
                for_update(pool)
            ))
            .bind(&session_id)
            .fetch_one(&mut *tx)
            .await?;
            let user_id: String = session.get("user_id");
            let last_used_at: i64 = session.get("last_used_at");
            let absolute: i64 = session.get("expires_at");
            if let Some(reason) = session.get::<Option<String>, _>("revoked_reason") {
                return Ok(Err(Rejected::Ended { reason }));
            }

            let now = clock::now_millis();
            if now >= absolute || now >= last_used_at + idle {
                end_session!(pool, tx, &session_id, reason::EXPIRED, now);
                tx.commit().await?;
                self.revocations.insert(&session_id);
                return Ok(Err(Rejected::Expired));
            }

            let token = sqlx::query(
                "SELECT t.generation, t.retired_at, \
                        (SELECT MAX(generation) FROM refresh_tokens WHERE session_id = t.session_id) AS newest \
                 FROM refresh_tokens t WHERE t.token_hash = $1",
            )
            .bind(&hash)
            .fetch_one(&mut *tx)
            .await?;
            let generation: i64 = token.get("generation");
            let retired_at: Option<i64> = token.get("retired_at");
            let newest: i64 = token.get("newest");

            match retired_at {
                None => {
                    sqlx::query("UPDATE refresh_tokens SET retired_at = $1 WHERE token_hash = $2")
                        .bind(now)
                        .bind(&hash)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "INSERT INTO refresh_tokens (token_hash, session_id, generation, issued_at) \
                         VALUES ($1, $2, $3, $4)",
                    )
                    .bind(&successor_hash)
                    .bind(&session_id)
                    .bind(generation + 1)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE sessions SET last_used_at = $1 WHERE id = $2")
                        .bind(now)
                        .bind(&session_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    Ok(Ok(Issued {
                        session_id,
                        user_id,
                        token: successor,
                        expires_at: self.expiry(now, absolute),
                    }))
                }
                Some(retired_at) if generation == newest - 1 && now - retired_at <= grace => {
                    tx.commit().await?;
                    Ok(Ok(Issued {
                        session_id,
                        user_id,
                        token: successor,
                        expires_at: self.expiry(last_used_at, absolute),
                    }))
                }
                Some(_) => {
                    end_session!(pool, tx, &session_id, reason::REFRESH_TOKEN_REUSE, now);
                    let event = NewEvent::new(
                        &user_id,
                        events::kind::REFRESH_TOKEN_REUSE,
                        client,
                        Some(&session_id),
                    );
                    event.insert().execute(&mut *tx).await?;
                    tx.commit().await?;
                    self.revocations.insert(&session_id);
                    tracing::warn!(session = %session_id, "retired refresh token reused: session revoked");
                    Ok(Err(Rejected::Reused))
                }
            }
        })
    }

    /// Ends the session a refresh token belongs to (sign-out). Returns its id, if any.
    pub async fn end_by_token(
        &self,
        presented: &RefreshToken,
        why: &str,
    ) -> Result<Option<String>, sqlx::Error> {
        let hash = presented.keyed_hash(&self.hash_key);
        let now = clock::now_millis();
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let session_id = sqlx::query("SELECT session_id FROM refresh_tokens WHERE token_hash = $1")
                .bind(&hash)
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| row.get::<String, _>("session_id"));
            if let Some(session_id) = &session_id {
                end_session!(pool, tx, session_id.as_str(), why, now);
            }
            tx.commit().await?;
            if let Some(session_id) = &session_id {
                self.revocations.insert(session_id);
            }
            Ok(session_id)
        })
    }

    /// The user's live sessions, most recently used first.
    pub async fn list_active(&self, user_id: &str) -> Result<Vec<ActiveSession>, sqlx::Error> {
        let now = clock::now_millis();
        let idle = millis(self.policy.idle);
        with_pool!(&self.db, |pool| {
            sqlx::query_as::<_, ActiveSession>(
                "SELECT id, user_agent, ip, created_at, last_used_at FROM sessions \
                 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 AND last_used_at > $3 \
                 ORDER BY last_used_at DESC, created_at DESC",
            )
            .bind(user_id)
            .bind(now)
            .bind(now - idle)
            .fetch_all(pool)
            .await
        })
    }

    /// Ends one of the user's own sessions. False when it is not theirs or already ended,
    /// so nobody can probe or touch another user's sessions.
    pub async fn revoke(
        &self,
        user_id: &str,
        session_id: &str,
        client: &ClientInfo,
    ) -> Result<bool, sqlx::Error> {
        let now = clock::now_millis();
        let ended = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let owned = sqlx::query("SELECT 1 AS found FROM sessions WHERE id = $1 AND user_id = $2")
                .bind(session_id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            let ended = owned && end_session!(pool, tx, session_id, reason::REVOKED_BY_USER, now);
            if ended {
                let event = NewEvent::new(user_id, events::kind::SESSION_REVOKED, client, Some(session_id));
                event.insert().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            ended
        });
        if ended {
            self.revocations.insert(session_id);
        }
        Ok(ended)
    }

    /// Ends every other session of the user; with `new_password_hash`, changes the password
    /// in the same transaction, so the two can never come apart.
    pub async fn revoke_others(
        &self,
        user_id: &str,
        keep: &str,
        client: &ClientInfo,
        new_password_hash: Option<&str>,
    ) -> Result<usize, sqlx::Error> {
        let now = clock::now_millis();
        let (why, kind) = match new_password_hash {
            Some(_) => (reason::PASSWORD_CHANGED, events::kind::PASSWORD_CHANGED),
            None => (reason::REVOKED_BY_USER, events::kind::OTHER_SESSIONS_REVOKED),
        };
        let ended: Vec<String> = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            if let Some(hash) = new_password_hash {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(hash)
                    .bind(user_id)
                    .execute(&mut *tx)
                    .await?;
            }
            let others: Vec<String> =
                sqlx::query("SELECT id FROM sessions WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL")
                    .bind(user_id)
                    .bind(keep)
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|row| row.get("id"))
                    .collect();
            for id in &others {
                end_session!(pool, tx, id.as_str(), why, now);
            }
            let event = NewEvent::new(user_id, kind, client, Some(keep));
            event.insert().execute(&mut *tx).await?;
            tx.commit().await?;
            others
        });
        for id in &ended {
            self.revocations.insert(id);
        }
        Ok(ended.len())
    }
}

/// Marks a session ended, keeping the first reason if it already was.
fn end<'a, DB: sqlx::Database>(
    session_id: &'a str,
    why: &'a str,
    now: i64,
) -> sqlx::query::Query<'a, DB, DB::Arguments<'a>>
where
    &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    sqlx::query(
        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(why)
    .bind(session_id)
}
