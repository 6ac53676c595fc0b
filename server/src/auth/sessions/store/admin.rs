//! What an operator does to an account from the command line (`crate::admin`): disable it
//! (every session ends, and none starts until it is enabled again), enable it, end its
//! sessions. Each is one transaction with its security event, told to every instance (the
//! ended sessions' tokens stop everywhere within a second, as a sign-out's do).

use app::contract::{EndReason, EventKind};

use super::{SessionStore, end_session};
use crate::{
    auth::{accounts::events::NewEvent, accounts::users::tell_others, client::ClientInfo},
    clock,
    db::{WritePool, for_update},
    with_pool,
};

/// Which of an account's sessions an operator ends.
#[derive(Debug, Clone, Copy)]
pub enum Which<'a> {
    All,
    One(&'a str),
}

impl SessionStore {
    /// Disables or enables the account; disabling ends every live session. `None` if there is
    /// no such account; `Some(false)` if it already was so (nothing recorded).
    pub async fn set_disabled(
        &self,
        user_id: &str,
        disabled: bool,
        client: &ClientInfo,
    ) -> Result<Option<bool>, sqlx::Error> {
        let now = clock::now_millis();
        let (changed, ended) = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let current: Option<Option<i64>> = sqlx::query_scalar(&format!(
                "SELECT disabled_at FROM users WHERE id = $1{}",
                for_update(pool)
            ))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(current) = current else {
                return Ok(None);
            };
            if current.is_some() == disabled {
                return Ok(Some(false));
            }
            sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                .bind(disabled.then_some(now))
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            let mut ended = Vec::new();
            if disabled {
                for id in live_sessions!(tx, user_id) {
                    if end_session!(pool, tx, id.as_str(), EndReason::AccountDisabled, now) {
                        ended.push(id);
                    }
                }
            }
            let kind = if disabled {
                EventKind::AccountDisabled
            } else {
                EventKind::AccountEnabled
            };
            NewEvent::new(user_id, kind, client, None)
                .insert()
                .execute(&mut *tx)
                .await?;
            tell_others!(pool, tx, [user_id]);
            tx.commit().await?;
            (true, ended)
        });
        for id in &ended {
            self.revocations.insert(id);
        }
        Ok(Some(changed))
    }

    /// Ends the account's live sessions (all, or the one named). Returns how many ended.
    pub async fn end_by_operator(
        &self,
        user_id: &str,
        which: Which<'_>,
        client: &ClientInfo,
    ) -> Result<usize, sqlx::Error> {
        let now = clock::now_millis();
        let ended = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let mut ended = Vec::new();
            for id in live_sessions!(tx, user_id) {
                let chosen = match which {
                    Which::All => true,
                    Which::One(only) => id == only,
                };
                if chosen && end_session!(pool, tx, id.as_str(), EndReason::RevokedByAdmin, now) {
                    ended.push(id);
                }
            }
            if !ended.is_empty() {
                let event = NewEvent::new(user_id, EventKind::SessionsRevokedByAdmin, client, None);
                event.insert().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            ended
        });
        for id in &ended {
            self.revocations.insert(id);
        }
        Ok(ended.len())
    }
}

/// The ids of the account's sessions not yet ended, read in the caller's transaction.
macro_rules! live_sessions {
    ($tx:expr, $user_id:expr) => {{
        let ids: Vec<String> =
            sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL")
                .bind($user_id)
                .fetch_all(&mut *$tx)
                .await?;
        ids
    }};
}
use live_sessions;
