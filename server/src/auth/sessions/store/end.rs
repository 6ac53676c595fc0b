//! Ending sessions: sign-out, the user revoking one device, all other devices, a password
//! change or reset, or an undone change of address. Each ends its sessions in one transaction
//! with the event it records (and, for a password change, reset or undo, with cancelling the
//! account's pending links), and puts them in the revocation set so their access tokens stop
//! working at once.

use app::contract::{EndReason, EventKind};
use sqlx::Row;

use super::{
    Rejected, SessionStore, end_session,
    holder::ReadHolder,
    is_live, millis,
};
use crate::{
    auth::{client::ClientInfo, tokens::dpop::DeviceProof, accounts::events::NewEvent, accounts::links, accounts::users::tell_others, credentials::passkeys::store::StoredPasskey, sessions::refresh_token::RefreshToken},
    clock,
    db::WritePool,
    with_pool,
};

/// Why every other session of a user ends.
#[derive(Clone, Copy)]
enum EndOthers<'a> {
    UserAsked,
    /// The password changes in the same transaction, so the two can never come apart.
    PasswordChanged {
        new_hash: &'a str,
    },
    /// Set from a reset link, which also proves the address: it is confirmed too. With a
    /// passkey, the hash is empty and the passkey becomes the account's only one.
    PasswordReset {
        new_hash: &'a str,
        passkey: Option<&'a StoredPasskey>,
    },
    /// The old address took the account back with the undo link made at `undo_created_at`.
    EmailChangeUndone { undo_created_at: i64 },
}

impl SessionStore {
    /// Ends the session a refresh token belongs to (sign-out). Returns its id, if any. A
    /// device-bound session ends only with a proof from its key, so a cookie thief cannot
    /// sign the owner out either.
    pub async fn end_by_token(
        &self,
        presented: &RefreshToken,
        client: &ClientInfo,
        device: &DeviceProof,
    ) -> Result<Result<Option<String>, Rejected>, sqlx::Error> {
        let hash = presented.keyed_hash(&self.hash_key);
        let now = clock::now_millis();
        let ended = with_pool!(&self.db, |pool| {
            // Read and judged before the write transaction: spending the key's proof may take
            // a connection of its own, which must not wait behind this request's transaction.
            let Some(holder) = pool.holder(&hash).await? else {
                return Ok(Ok(None));
            };
            if let Some((rejected, event)) = holder.refusal(device, client, &self.blocked_events).await? {
                if let Some(event) = event {
                    event.insert().execute(pool).await?;
                    self.mail_blocked_attempt(&holder, client);
                }
                return Ok(Err(rejected));
            }
            let mut tx = pool.begin_write().await?;
            end_session!(pool, tx, holder.session_id.as_str(), EndReason::SignedOut, now);
            tx.commit().await?;
            holder.session_id
        });
        self.revocations.insert(&ended);
        Ok(Ok(Some(ended)))
    }

    /// Ends one of the user's own live sessions. False when it is not theirs, already ended or
    /// expired, so nobody can probe or touch another user's sessions.
    pub async fn revoke(
        &self,
        user_id: &str,
        session_id: &str,
        client: &ClientInfo,
    ) -> Result<bool, sqlx::Error> {
        let now = clock::now_millis();
        let idle_cutoff = now - millis(self.policy.idle);
        let ended = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let owned_and_live = format!(
                "SELECT 1 AS found FROM sessions WHERE id = $1 AND user_id = $2 AND {}",
                is_live(3, 4)
            );
            let owned = sqlx::query(&owned_and_live)
                .bind(session_id)
                .bind(user_id)
                .bind(now)
                .bind(idle_cutoff)
                .fetch_optional(&mut *tx)
                .await?
                .is_some();
            let ended = owned && end_session!(pool, tx, session_id, EndReason::RevokedByUser, now);
            if ended {
                let event = NewEvent::new(user_id, EventKind::SessionRevoked, client, Some(session_id));
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

    /// Ends every session of the user but `keep`. Returns how many ended.
    pub async fn revoke_others(
        &self,
        user_id: &str,
        keep: &str,
        client: &ClientInfo,
    ) -> Result<usize, sqlx::Error> {
        self.end_others(user_id, Some(keep), client, EndOthers::UserAsked)
            .await
    }

    /// Stores a new password hash and ends every session of the user but `keep`, as one
    /// transaction. Returns how many sessions ended.
    pub async fn change_password(
        &self,
        user_id: &str,
        keep: &str,
        client: &ClientInfo,
        new_hash: &str,
    ) -> Result<usize, sqlx::Error> {
        self.end_others(
            user_id,
            Some(keep),
            client,
            EndOthers::PasswordChanged { new_hash },
        )
        .await
    }

    /// Stores the password set from a reset link (or, with `passkey`, empties it and stores
    /// the passkey) and ends every session of the user, as one transaction. Returns how many
    /// sessions ended.
    pub async fn reset_password(
        &self,
        user_id: &str,
        client: &ClientInfo,
        new_hash: &str,
        passkey: Option<&StoredPasskey>,
    ) -> Result<usize, sqlx::Error> {
        self.end_others(user_id, None, client, EndOthers::PasswordReset { new_hash, passkey })
            .await
    }

    /// Ends every session of the user, cancels its links (but undo links older than the one
    /// used) and leaves it without a password, as one transaction: the old address undid a
    /// change of address, and whoever made the change may know the password.
    pub async fn end_all_after_undo(
        &self,
        user_id: &str,
        client: &ClientInfo,
        undo_created_at: i64,
    ) -> Result<usize, sqlx::Error> {
        self.end_others(user_id, None, client, EndOthers::EmailChangeUndone { undo_created_at })
            .await
    }

    async fn end_others(
        &self,
        user_id: &str,
        keep: Option<&str>,
        client: &ClientInfo,
        why: EndOthers<'_>,
    ) -> Result<usize, sqlx::Error> {
        let now = clock::now_millis();
        let (reason, kind) = match why {
            EndOthers::UserAsked => (EndReason::RevokedByUser, EventKind::OtherSessionsRevoked),
            EndOthers::PasswordChanged { .. } => (EndReason::PasswordChanged, EventKind::PasswordChanged),
            EndOthers::PasswordReset { .. } => (EndReason::PasswordReset, EventKind::PasswordReset),
            EndOthers::EmailChangeUndone { .. } => (EndReason::EmailChangeUndone, EventKind::EmailChangeUndone),
        };
        let ended: Vec<String> = with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            if let EndOthers::PasswordChanged { new_hash } | EndOthers::PasswordReset { new_hash, .. } = why {
                sqlx::query(
                    "UPDATE users SET password_hash = $1, \
                     email_verified_at = CASE WHEN $2 THEN COALESCE(email_verified_at, $3) \
                     ELSE email_verified_at END WHERE id = $4",
                )
                .bind(new_hash)
                .bind(matches!(why, EndOthers::PasswordReset { .. }))
                .bind(now)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
            }
            // Whoever knew the password could have added a passkey of their own: the owner's
            // ways back (a reset, an undo) take every passkey away, and any registration begun.
            if let EndOthers::PasswordReset { .. } | EndOthers::EmailChangeUndone { .. } = why {
                for forget in ["DELETE FROM passkeys WHERE user_id = $1", "DELETE FROM passkey_ceremonies WHERE user_id = $1"] {
                    sqlx::query(forget).bind(user_id).execute(&mut *tx).await?;
                }
            }
            if let EndOthers::PasswordReset { passkey: Some(passkey), .. } = why {
                // The account's passkeys were just deleted: a conflict is another account's
                // credential, and leaving this one with no way in is not an option.
                if passkey.insert().execute(&mut *tx).await?.rows_affected() == 0 {
                    return Err(sqlx::Error::Protocol("the passkey is another account's".into()));
                }
                let added = NewEvent::new(user_id, EventKind::PasskeyAdded, client, None);
                added.insert().execute(&mut *tx).await?;
            }
            match why {
                EndOthers::UserAsked => {}
                EndOthers::PasswordChanged { .. } | EndOthers::PasswordReset { .. } => {
                    sqlx::query(links::CANCEL_ALL_BUT_UNDO)
                        .bind(now)
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                }
                EndOthers::EmailChangeUndone { undo_created_at } => {
                    sqlx::query(links::CANCEL_AFTER_UNDO)
                        .bind(now)
                        .bind(user_id)
                        .bind(undo_created_at)
                        .execute(&mut *tx)
                        .await?;
                    // No hash verifies against an empty one (`Hasher::verify`).
                    sqlx::query("UPDATE users SET password_hash = '' WHERE id = $1")
                        .bind(user_id)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            let others: Vec<String> =
                sqlx::query("SELECT id FROM sessions WHERE user_id = $1 AND id <> $2 AND revoked_at IS NULL")
                    .bind(user_id)
                    // No session has an empty id: with nothing to keep, every session ends.
                    .bind(keep.unwrap_or_default())
                    .fetch_all(&mut *tx)
                    .await?
                    .iter()
                    .map(|row| row.get("id"))
                    .collect();
            for id in &others {
                end_session!(pool, tx, id.as_str(), reason, now);
            }
            let event = NewEvent::new(user_id, kind, client, keep);
            event.insert().execute(&mut *tx).await?;
            // `GET /api/me` shows whether there is a password: a reset may set the first one,
            // an undo empties it (and the caller forgets the profile on this instance).
            if !matches!(why, EndOthers::UserAsked) {
                tell_others!(pool, tx, [user_id]);
            }
            tx.commit().await?;
            others
        });
        for id in &ended {
            self.revocations.insert(id);
        }
        Ok(ended.len())
    }
}
