//! When the person behind a session last proved themselves: read for the actions that need
//! recent authentication, renewed by a re-authentication on that session.

use super::{SessionStore, is_live, millis};
use crate::{clock, with_pool};

impl SessionStore {
    /// Whether the live session's person proved themselves recently (`SessionPolicy::
    /// recent_auth`); `None` once it has ended.
    pub async fn recently_authenticated(&self, session_id: &str) -> Result<Option<bool>, sqlx::Error> {
        let auth_time = self.auth_time(session_id).await?;
        let recent = millis(self.policy.recent_auth);
        Ok(auth_time.map(|auth_time| clock::now_millis().saturating_sub(auth_time) < recent))
    }

    /// The live session's authentication time (Unix ms); `None` once it has ended.
    async fn auth_time(&self, session_id: &str) -> Result<Option<i64>, sqlx::Error> {
        let now = clock::now_millis();
        let idle_cutoff = now - millis(self.policy.idle);
        with_pool!(&self.db, |pool| {
            sqlx::query_scalar(&format!(
                "SELECT auth_time FROM sessions WHERE id = $1 AND {}",
                is_live(2, 3)
            ))
            .bind(session_id)
            .bind(now)
            .bind(idle_cutoff)
            .fetch_optional(pool)
            .await
        })
    }

    /// Records that the person proved themselves on this session now. False when the session
    /// has ended meanwhile.
    pub async fn renew_auth_time(&self, session_id: &str) -> Result<bool, sqlx::Error> {
        let now = clock::now_millis();
        let idle_cutoff = now - millis(self.policy.idle);
        let renewed = with_pool!(&self.db, |pool| {
            sqlx::query(&format!(
                "UPDATE sessions SET auth_time = $2 WHERE id = $1 AND {}",
                is_live(2, 3)
            ))
            .bind(session_id)
            .bind(now)
            .bind(idle_cutoff)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(renewed == 1)
    }
}
