//! The user's live sessions, as the sessions page shows them.

use super::{SessionStore, is_live, millis};
use crate::{clock, with_pool};

/// A live session: not ended, within its idle and absolute limits.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ActiveSession {
    pub id: String,
    pub user_agent: String,
    pub ip: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub dpop_jkt: Option<String>,
    pub dbsc_key: Option<String>,
}

impl SessionStore {
    /// The user's live sessions, most recently used first.
    pub async fn list_active(&self, user_id: &str) -> Result<Vec<ActiveSession>, sqlx::Error> {
        let now = clock::now_millis();
        let idle = millis(self.policy.idle);
        with_pool!(&self.db, |pool| {
            sqlx::query_as::<_, ActiveSession>(&format!(
                "SELECT id, user_agent, ip, created_at, last_used_at, dpop_jkt, dbsc_key FROM sessions \
                 WHERE user_id = $1 AND {} ORDER BY last_used_at DESC, created_at DESC",
                is_live(2, 3)
            ))
            .bind(user_id)
            .bind(now)
            .bind(now - idle)
            .fetch_all(pool)
            .await
        })
    }
}
