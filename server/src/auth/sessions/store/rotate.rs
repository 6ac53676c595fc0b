//! Refresh-token rotation and reuse detection:
//! - the current token is retired and its successor (generation + 1) becomes current;
//! - a device-bound session rotates only with a proof from its key; without one nothing
//!   changes (no rotation, no ending) and the blocked attempt is recorded;
//! - the just-retired token yields that same successor again (a retried request, tabs
//!   refreshing together), never a second branch: for a bound session as long as the
//!   successor is unused (only the key's holder can ask), otherwise within the grace window
//!   and from the browser that rotated it;
//! - any other retired token ends the session: it was copied, and whoever holds the other
//!   copy cannot be told apart from the owner. The event names both: the party presenting the
//!   retired token and the one that last refreshed the session.
//!
//! A session keeps its newest `KEPT_GENERATIONS` tokens, so rotating for ever does not grow
//! the table; a token older than that is simply unknown (refused, without an alarm: by then
//! its copy has been useless for hundreds of refreshes). Each session may refresh only so
//! often (`--refreshes-per-session`), checked before any write lock is taken.
//!
//! The common case, the current token of a live session, takes a shorter path with the same
//! guarantees (`advance.rs`); this file is the full one.

use app::contract::{EndReason, EventKind};
use sqlx::Row;

use super::{
    Issued, Rejected, SessionStore,
    advance::Advance,
    end_session, for_update,
    holder::{Holder, ReadHolder},
    millis,
};
use crate::{
    auth::{
        accounts::events::{NewEvent, Party},
        client::ClientInfo,
        sessions::refresh_token::RefreshToken,
        tokens::dpop::DeviceProof,
    },
    clock,
    db::WritePool,
    with_pool,
};

/// Refresh tokens each session keeps, newest first, for reuse detection.
pub const KEPT_GENERATIONS: i64 = 256;

/// A rotation's result: the successor, and the account's email for the session body.
#[derive(Debug)]
pub struct Rotated {
    pub issued: Issued,
    pub email: String,
    /// The just-retired token was presented and got the same successor again.
    pub repeated: bool,
}

impl SessionStore {
    /// Exchanges a refresh token for its successor, following the rules above. `device` is
    /// what the request's DPoP proof showed.
    pub async fn rotate(
        &self,
        presented: &RefreshToken,
        client: &ClientInfo,
        device: &DeviceProof,
    ) -> Result<Result<Rotated, Rejected>, sqlx::Error> {
        let hash = presented.keyed_hash(&self.hash_key);
        let successor = presented.successor(&self.successor_key);
        let successor_hash = successor.keyed_hash(&self.hash_key);
        let idle = millis(self.policy.idle);
        let grace = millis(self.policy.grace);

        with_pool!(&self.db, |pool| {
            // A plain read first, outside any write lock: unknown tokens, requests without
            // the session's key and throttled sessions never wait for the writers.
            let Some(holder) = pool.holder(&hash).await? else {
                return Ok(Err(Rejected::Unknown));
            };
            if let Some((rejected, event)) = holder.refusal(device, client, &self.blocked_events).await? {
                if let Some(event) = event {
                    event.insert().execute(pool).await?;
                    self.mail_blocked_attempt(&holder, client);
                }
                return Ok(Err(rejected));
            }
            if let Err(retry_after) = self.refreshes.reserve(&holder.session_id) {
                return Ok(Err(Rejected::TooFrequent { retry_after }));
            }
            let now = clock::now_millis();
            if let Some(step) = self.next_step(&holder, &hash, &successor_hash, client, now)
                && pool.advance(&step).await?
            {
                let expires_at = self.expiry(step.now, holder.expires_at);
                return Ok(Ok(Rotated {
                    issued: Issued {
                        session_id: holder.session_id,
                        user_id: holder.user_id,
                        token: successor,
                        expires_at,
                        device_key: holder.dpop_jkt,
                        auth_time: holder.auth_time,
                        dbsc_until: holder.dbsc_until,
                    },
                    email: holder.email,
                    repeated: false,
                }));
            }
            let Holder {
                session_id,
                dpop_jkt: device_key,
                email,
                auth_time,
                dbsc_until,
                ..
            } = holder;
            let mut tx = pool.begin_write().await?;
            // Locking the session row serialises every rotation of this session.
            let session = sqlx::query(&format!(
                "SELECT user_id, last_used_at, expires_at, revoked_reason, last_user_agent, last_ip \
                 FROM sessions WHERE id = $1{}",
                for_update(pool)
            ))
            .bind(&session_id)
            .fetch_optional(&mut *tx)
            .await?;
            // Purged by the upkeep job since the read above.
            let Some(session) = session else {
                return Ok(Err(Rejected::Unknown));
            };
            let user_id: String = session.get("user_id");
            let last_used_at: i64 = session.get("last_used_at");
            let absolute: i64 = session.get("expires_at");
            let last_party = Party {
                ip: session.get("last_ip"),
                user_agent: session.get("last_user_agent"),
            };
            if let Some(reason) = session.get::<Option<String>, _>("revoked_reason") {
                // A reason this build does not know (a newer instance wrote it) still ended it.
                let reason = reason.parse().unwrap_or(EndReason::RevokedByUser);
                return Ok(Err(Rejected::Ended { reason }));
            }

            let now = clock::now_millis();
            if now >= absolute || now >= last_used_at + idle {
                end_session!(pool, tx, &session_id, EndReason::Expired, now);
                tx.commit().await?;
                self.revocations.insert(&session_id);
                return Ok(Err(Rejected::Expired));
            }

            let token = sqlx::query(
                "SELECT t.generation, t.retired_at, \
                        (SELECT MAX(generation) FROM refresh_tokens WHERE session_id = t.session_id) AS newest, \
                        (SELECT token_hash FROM refresh_tokens WHERE session_id = t.session_id \
                         ORDER BY generation DESC LIMIT 1) AS newest_hash \
                 FROM refresh_tokens t WHERE t.token_hash = $1",
            )
            .bind(&hash)
            .fetch_optional(&mut *tx)
            .await?;
            // Pruned by a concurrent rotation since the read above.
            let Some(token) = token else {
                return Ok(Err(Rejected::Unknown));
            };
            let generation: i64 = token.get("generation");
            let retired_at: Option<i64> = token.get("retired_at");
            let newest: i64 = token.get("newest");
            // The newest is this token's own successor, not a fresh one a DBSC renewal gave a
            // browser whose cookie had lapsed (`store/dbsc.rs`): then this is a copy.
            let succeeded_by_its_own = token.get::<Vec<u8>, _>("newest_hash") == successor_hash;

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
                    sqlx::query("DELETE FROM refresh_tokens WHERE session_id = $1 AND generation <= $2")
                        .bind(&session_id)
                        .bind(generation + 1 - KEPT_GENERATIONS)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query(
                        "UPDATE sessions SET last_used_at = $1, last_user_agent = $2, last_ip = $3 WHERE id = $4",
                    )
                    .bind(now)
                    .bind(&client.user_agent)
                    .bind(&client.ip)
                    .bind(&session_id)
                        .execute(&mut *tx)
                        .await?;
                    tx.commit().await?;
                    let expires_at = self.expiry(now, absolute);
                    let issued = Issued {
                        session_id,
                        user_id,
                        token: successor,
                        expires_at,
                        device_key,
                        auth_time,
                        dbsc_until,
                    };
                    Ok(Ok(Rotated { issued, email, repeated: false }))
                }
                // Bound: the key was proven above, so this is the owner whose answer was lost.
                Some(retired_at)
                    if generation == newest - 1
                        && succeeded_by_its_own
                        && (device_key.is_some()
                            || (now - retired_at < grace && client.user_agent == last_party.user_agent)) =>
                {
                    tx.commit().await?;
                    let expires_at = self.expiry(last_used_at, absolute);
                    let issued = Issued {
                        session_id,
                        user_id,
                        token: successor,
                        expires_at,
                        device_key,
                        auth_time,
                        dbsc_until,
                    };
                    Ok(Ok(Rotated { issued, email, repeated: true }))
                }
                Some(_) => {
                    end_session!(pool, tx, &session_id, EndReason::RefreshTokenReuse, now);
                    let event =
                        NewEvent::new(&user_id, EventKind::RefreshTokenReuse, client, Some(&session_id))
                            .last_refreshed_by(&last_party);
                    event.insert().execute(&mut *tx).await?;
                    tx.commit().await?;
                    self.revocations.insert(&session_id);
                    tracing::warn!(session = %session_id, "retired refresh token reused: session revoked");
                    self.notices.stolen_session(&email, client);
                    Ok(Err(Rejected::Reused))
                }
            }
        })
    }
}
