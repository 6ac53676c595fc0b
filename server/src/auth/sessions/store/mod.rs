//! The session store: one session per sign-in, and the chain of refresh tokens it was given,
//! kept by keyed hash. Opening a session is here; rotating its refresh token is in `rotate`,
//! ending sessions in `end`, listing them in `list`.
//!
//! Every write runs in one write-locked transaction, so concurrent refreshes of a session are
//! serialised on every backend and every instance.

mod advance;
mod admin;
mod authenticated;
mod dbsc;
mod deletion;
pub use admin::Which;
mod end;
mod holder;
mod list;
mod rotate;

use std::time::Duration;

use app::contract::{EndReason, EventKind};

use crate::auth::{
    accounts::events::NewEvent, accounts::notices::Notices, client::ClientInfo,
    credentials::throttle::Throttle, sessions::refresh_token::RefreshToken,
    sessions::revocations::Revocations,
};
use crate::{
    clock,
    db::{Db, WritePool, for_update},
    secret::ServerSecret,
    with_pool,
};

#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    pub idle: Duration,
    pub lifetime: Duration,
    pub grace: Duration,
    /// How long a sign-in or re-authentication counts as recent (`step_up`).
    pub recent_auth: Duration,
}

impl SessionPolicy {
    /// The deployment's limits, as configured.
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            idle: Duration::from_secs(config.session_idle_timeout),
            lifetime: Duration::from_secs(config.session_lifetime),
            grace: Duration::from_secs(config.refresh_grace),
            recent_auth: Duration::from_secs(config.recent_auth),
        }
    }
}

/// A session with a refresh token the client may use now.
#[derive(Debug)]
pub struct Issued {
    pub session_id: String,
    pub user_id: String,
    pub token: RefreshToken,
    /// When the refresh token stops working if unused (Unix ms): the idle or absolute limit.
    pub expires_at: i64,
    /// The thumbprint of the browser key the session is bound to, if it is.
    pub device_key: Option<String>,
    /// When the person last proved themselves on this session (Unix ms): its sign-in, or its
    /// latest re-authentication.
    pub auth_time: i64,
    /// On a DBSC-bound session: until when its refresh cookie works (Unix ms), before the
    /// browser renews it with the device's key.
    pub dbsc_until: Option<i64>,
}

/// Why a sign-in that checked its credentials opened no session.
#[derive(Debug, PartialEq, Eq)]
pub enum NotStarted {
    /// The password it checked is no longer the account's: it was changed meanwhile.
    PasswordChanged,
    /// An operator disabled the account.
    Disabled,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Rejected {
    /// Not a token this server issued (or its session was purged).
    Unknown,
    /// The session ended earlier, for this reason.
    Ended { reason: EndReason },
    /// The session just passed its idle or absolute limit.
    Expired,
    /// A retired token was presented: the session has now been revoked.
    Reused,
    /// The session refreshes faster than allowed; it may try again after this long.
    TooFrequent { retry_after: Duration },
    /// The session is device-bound and the request did not prove its key (why, in words).
    /// Nothing was rotated or ended.
    WithoutDeviceKey { why: &'static str },
    /// The session is device-bound and the proof's nonce was missing or stale: retry.
    NeedsNonce,
    /// The session's own key proved it, and there is no room to remember the proof as spent:
    /// retry after this long. Nothing changed, nothing is recorded.
    ProofMemoryFull { retry_after: Duration },
    /// A DBSC-bound session's refresh cookie past its stretch: a copy (the browser renews its
    /// own with the device's key first). Nothing changed; the attempt is recorded.
    LapsedCookie,
}

#[derive(Clone)]
pub struct SessionStore {
    db: Db,
    hash_key: [u8; 32],
    successor_key: [u8; 32],
    policy: SessionPolicy,
    revocations: Revocations,
    /// Rotations per session per minute.
    refreshes: Throttle,
    /// Blocked attempts recorded per session per minute, so a thief hammering a stolen
    /// cookie cannot flood the owner's security page or the table.
    blocked_events: Throttle,
    /// Mails to the owner about a stolen or blocked session.
    notices: Notices,
    /// Blocked-attempt mails per session per hour: one says all there is to say.
    blocked_mails: Throttle,
}

const BLOCKED_EVENTS_PER_MINUTE: u32 = 10;

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}

/// The SQL condition that a session is live (not ended, within its absolute and idle limits),
/// given the parameter numbers that hold the current time and the idle cut-off (Unix ms).
fn is_live(now: usize, idle_cutoff: usize) -> String {
    format!("revoked_at IS NULL AND expires_at > ${now} AND last_used_at > ${idle_cutoff}")
}

/// Ends a session inside the caller's transaction (keeping the first reason if it had already
/// ended) and, where other instances exist, tells them when it commits. Evaluates to whether
/// this call ended it.
macro_rules! end_session {
    ($pool:expr, $tx:expr, $session_id:expr, $why:expr, $now:expr) => {{
        let session_id: &str = $session_id;
        let why: app::contract::EndReason = $why;
        let ended = sqlx::query(
            "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL",
        )
        .bind($now)
        .bind(why.as_str())
        .bind(session_id)
        .execute(&mut *$tx)
        .await?
        .rows_affected()
            > 0;
        if ended {
            // Counted as the statement succeeds: a transaction rolled back later over-counts.
            $crate::metrics::session_ended(why);
            if let Some(notify) = $crate::db::notify_statement($pool) {
                sqlx::query(notify)
                    .bind($crate::auth::sessions::broadcast::SESSION_ENDED)
                    .bind(session_id)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
        ended
    }};
}
use end_session;

impl SessionStore {
    pub fn new(
        db: Db,
        secret: &ServerSecret,
        policy: SessionPolicy,
        revocations: Revocations,
        refreshes_per_minute: u32,
        notices: Notices,
    ) -> Self {
        Self {
            db,
            hash_key: secret.refresh_hash_key,
            successor_key: secret.successor_key,
            policy,
            revocations,
            refreshes: Throttle::new(refreshes_per_minute, Duration::from_secs(60)),
            blocked_events: Throttle::new(BLOCKED_EVENTS_PER_MINUTE, Duration::from_secs(60)),
            notices,
            blocked_mails: Throttle::new(1, Duration::from_secs(3600)),
        }
    }

    /// Tells the owner that a session's cookie was presented without its key (at most once an
    /// hour per session).
    fn mail_blocked_attempt(&self, holder: &holder::Holder, client: &ClientInfo) {
        if self.blocked_mails.reserve(&holder.session_id).is_ok() {
            self.notices.blocked_attempt(&holder.email, client);
        }
    }

    fn expiry(&self, last_used_at: i64, absolute: i64) -> i64 {
        (last_used_at + millis(self.policy.idle)).min(absolute)
    }

    /// Opens a new session (a sign-in) with its first refresh token, bound to `device_key`
    /// when the browser proved one, recording `event`, if
    /// the account's password hash is still `checked_hash` and it is not disabled. The check and the insert share the
    /// write transaction that a password change also takes, so a sign-in that checked the old
    /// password cannot commit after the change and escape the sessions it ended.
    pub async fn start(
        &self,
        user_id: &str,
        checked_hash: &str,
        device_key: Option<&str>,
        client: &ClientInfo,
        event: EventKind,
    ) -> Result<Result<Issued, NotStarted>, sqlx::Error> {
        let now = clock::now_millis();
        let session_id = uuid::Uuid::new_v4().to_string();
        let token = RefreshToken::generate();
        let absolute = now + millis(self.policy.lifetime);
        let hash = token.keyed_hash(&self.hash_key);
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let current: Option<(String, Option<i64>)> = sqlx::query_as(&format!(
                "SELECT password_hash, disabled_at FROM users WHERE id = $1{}",
                for_update(pool)
            ))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
            match current {
                Some((hash, _)) if hash != checked_hash => return Ok(Err(NotStarted::PasswordChanged)),
                None => return Ok(Err(NotStarted::PasswordChanged)),
                Some((_, Some(_))) => return Ok(Err(NotStarted::Disabled)),
                Some((_, None)) => {}
            }
            sqlx::query(
                "INSERT INTO sessions \
                 (id, user_id, created_at, last_used_at, expires_at, user_agent, ip, last_user_agent, last_ip, dpop_jkt, \
                  auth_time) \
                 VALUES ($1, $2, $3, $3, $4, $5, $6, $5, $6, $7, $3)",
            )
            .bind(&session_id)
            .bind(user_id)
            .bind(now)
            .bind(absolute)
            .bind(&client.user_agent)
            .bind(&client.ip)
            .bind(device_key)
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
        crate::metrics::session_started();
        Ok(Ok(Issued {
            session_id,
            user_id: user_id.to_string(),
            token,
            expires_at: self.expiry(now, absolute),
            device_key: device_key.map(str::to_string),
            auth_time: now,
            dbsc_until: None,
        }))
    }
}
