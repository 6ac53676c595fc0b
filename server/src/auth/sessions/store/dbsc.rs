//! A session's DBSC key and the stretch its refresh cookie works for (`auth::tokens::dbsc`):
//! binding the key, reading it for a renewal, starting the next stretch, and a fresh token
//! for a browser whose cookie lapsed (a renewal that carries none).

use sqlx::Row;

use super::{
    SessionStore, for_update,
    holder::{Holder, ReadHolder},
    millis,
};
use crate::{
    auth::{accounts::events::NewEvent, client::ClientInfo, sessions::refresh_token::RefreshToken},
    clock,
    db::WritePool,
    with_pool,
};

/// A session as a DBSC renewal needs it.
pub struct DbscSession {
    pub user_id: String,
    /// The registered key (canonical JWK), if any.
    pub key: Option<String>,
    /// Not ended, not past its absolute or idle limit.
    pub live: bool,
}

impl SessionStore {
    /// The live session whose *current* token `presented` is.
    pub async fn current_holder(&self, presented: &RefreshToken) -> Result<Option<Holder>, sqlx::Error> {
        let hash = presented.keyed_hash(&self.hash_key);
        let now = clock::now_millis();
        let idle = millis(self.policy.idle);
        let holder = with_pool!(&self.db, |pool| pool.holder(&hash).await?);
        Ok(holder.filter(|holder| {
            holder.retired_at.is_none()
                && holder.revoked_at.is_none()
                && now < holder.expires_at
                && now < holder.last_used_at + idle
        }))
    }

    pub async fn dbsc_session(&self, session_id: &str) -> Result<Option<DbscSession>, sqlx::Error> {
        let now = clock::now_millis();
        let idle = millis(self.policy.idle);
        let row = with_pool!(&self.db, |pool| {
            sqlx::query(
                "SELECT user_id, dbsc_key, revoked_at, expires_at, last_used_at FROM sessions WHERE id = $1",
            )
            .bind(session_id)
            .fetch_optional(pool)
            .await?
            .map(|row| DbscSession {
                user_id: row.get("user_id"),
                key: row.get("dbsc_key"),
                live: row.get::<Option<i64>, _>("revoked_at").is_none()
                    && now < row.get::<i64, _>("expires_at")
                    && now < row.get::<i64, _>("last_used_at") + idle,
            })
        });
        Ok(row)
    }

    /// Binds the live session `session_id` to `key` (canonical JWK), its cookie working until
    /// `until` (Unix ms). False if it is ended or bound already: a key is registered once.
    pub async fn bind_dbsc(&self, session_id: &str, key: &str, until: i64) -> Result<bool, sqlx::Error> {
        let bound = with_pool!(&self.db, |pool| {
            sqlx::query(
                "UPDATE sessions SET dbsc_key = $1, dbsc_until = $2 \
                 WHERE id = $3 AND dbsc_key IS NULL AND revoked_at IS NULL",
            )
            .bind(key)
            .bind(until)
            .bind(session_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(bound == 1)
    }

    /// Starts the next stretch of a bound session's cookie, until `until` (Unix ms), for a
    /// renewal that signed a challenge issued at `challenge_at` (Unix s). False if the session
    /// accepted that challenge, or a later one, already: a replayed renewal.
    pub async fn extend_dbsc(
        &self,
        session_id: &str,
        until: i64,
        challenge_at: u64,
    ) -> Result<bool, sqlx::Error> {
        let challenge_at = i64::try_from(challenge_at).unwrap_or(i64::MAX);
        let extended = with_pool!(&self.db, |pool| {
            sqlx::query(
                "UPDATE sessions SET dbsc_until = $1, dbsc_challenge_at = $2 \
                 WHERE id = $3 AND dbsc_key IS NOT NULL AND (dbsc_challenge_at IS NULL OR dbsc_challenge_at < $2)",
            )
            .bind(until)
            .bind(challenge_at)
            .bind(session_id)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(extended == 1)
    }

    /// Records a blocked renewal, unless this session's attempts are being recorded too often.
    pub async fn record_blocked(&self, session_id: &str, event: NewEvent<'_>) -> Result<(), sqlx::Error> {
        if self.blocked_events.reserve(session_id).is_ok() {
            with_pool!(&self.db, |pool| {
                event.insert().execute(pool).await?;
            });
        }
        Ok(())
    }

    /// A new current token for the live session `session_id`, whose browser renewed without
    /// its cookie (it lapsed): the old current token is retired, so a copy of it is refused
    /// as any retired token is. With the token, when it stops working if unused (Unix ms).
    pub async fn reissue(
        &self,
        session_id: &str,
        client: &ClientInfo,
    ) -> Result<Option<(RefreshToken, i64)>, sqlx::Error> {
        let token = RefreshToken::generate();
        let hash = token.keyed_hash(&self.hash_key);
        let idle = millis(self.policy.idle);
        let expires_at = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let session = sqlx::query(&format!(
                "SELECT last_used_at, expires_at, revoked_at FROM sessions WHERE id = $1{}",
                for_update(pool)
            ))
            .bind(session_id)
            .fetch_optional(&mut *tx)
            .await?;
            let now = clock::now_millis();
            let Some(session) = session.filter(|session| {
                session.get::<Option<i64>, _>("revoked_at").is_none()
                    && now < session.get::<i64, _>("expires_at")
                    && now < session.get::<i64, _>("last_used_at") + idle
            }) else {
                return Ok(None);
            };
            let absolute: i64 = session.get("expires_at");
            let newest: Option<i64> =
                sqlx::query_scalar("SELECT MAX(generation) FROM refresh_tokens WHERE session_id = $1")
                    .bind(session_id)
                    .fetch_one(&mut *tx)
                    .await?;
            sqlx::query(
                "UPDATE refresh_tokens SET retired_at = $1 WHERE session_id = $2 AND retired_at IS NULL",
            )
            .bind(now)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO refresh_tokens (token_hash, session_id, generation, issued_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&hash)
            .bind(session_id)
            .bind(newest.unwrap_or(0) + 1)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE sessions SET last_used_at = $1, last_user_agent = $2, last_ip = $3 WHERE id = $4",
            )
            .bind(now)
            .bind(&client.user_agent)
            .bind(&client.ip)
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            self.expiry(now, absolute)
        });
        Ok(Some((token, expires_at)))
    }
}
