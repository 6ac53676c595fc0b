//! Deleting an account: every live session ends (told to the other instances, so their access
//! tokens stop everywhere within a second) and the account goes with everything it owns
//! (sessions, refresh tokens, links, passkeys, ceremonies, events: the foreign keys cascade),
//! in one transaction.

use app::contract::EndReason;

use super::{SessionStore, end_session};
use crate::{
    auth::accounts::users::tell_others,
    clock,
    db::{WritePool, for_update},
    with_pool,
};

impl SessionStore {
    /// Deletes the account and ends its sessions. The address it had, or `None` if it was
    /// already gone.
    pub async fn delete_account(&self, user_id: &str) -> Result<Option<String>, sqlx::Error> {
        let now = clock::now_millis();
        let deleted = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // Locked first, as a sign-in's `start` locks it: none can open a session meanwhile.
            let email: Option<String> = sqlx::query_scalar(&format!(
                "SELECT email FROM users WHERE id = $1{}",
                for_update(pool)
            ))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            let Some(email) = email else {
                return Ok(None);
            };
            let live: Vec<String> =
                sqlx::query_scalar("SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL")
                    .bind(user_id)
                    .fetch_all(&mut *tx)
                    .await?;
            for id in &live {
                end_session!(pool, tx, id.as_str(), EndReason::RevokedByUser, now);
            }
            tell_others!(pool, tx, [user_id]);
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Some((email, live))
        });
        Ok(deleted.map(|(email, ended)| {
            for id in &ended {
                self.revocations.insert(id);
            }
            email
        }))
    }
}
