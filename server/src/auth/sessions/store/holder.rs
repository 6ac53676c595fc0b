//! The session a refresh token names, read before anything is written, and whether the
//! request's DPoP proof lets it use that session. Rotation and sign-out both ask; rotation
//! also decides from it whether the token can take the short path (`advance.rs`).

use app::contract::EventKind;
use sqlx::{PgPool, SqlitePool};

use super::Rejected;
use crate::{
    auth::{
        accounts::events::NewEvent,
        client::ClientInfo,
        credentials::throttle::Throttle,
        tokens::dpop::{DeviceProof, NotSpent, REPLAYED},
    },
    db::{BoxFuture, read_row},
};

/// Selects a `Holder` by the refresh token's keyed hash (`$1`).
pub const BY_TOKEN_HASH: &str = "SELECT t.session_id, t.generation, t.retired_at, s.user_id, \
     s.dpop_jkt, s.revoked_at, s.expires_at, s.last_used_at, u.email, s.auth_time, s.dbsc_until \
     FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id JOIN users u ON u.id = s.user_id \
     WHERE t.token_hash = $1";

#[derive(sqlx::FromRow)]
pub struct Holder {
    pub session_id: String,
    pub generation: i64,
    pub retired_at: Option<i64>,
    pub user_id: String,
    /// The thumbprint of the key the session is bound to, if it is.
    pub dpop_jkt: Option<String>,
    pub revoked_at: Option<i64>,
    /// The session's absolute end (Unix ms).
    pub expires_at: i64,
    pub last_used_at: i64,
    pub email: String,
    /// When the person last proved themselves on this session (Unix ms).
    pub auth_time: i64,
    /// On a DBSC-bound session, until when its refresh cookie works (Unix ms).
    pub dbsc_until: Option<i64>,
}

impl Holder {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Holder {
            session_id: row.get(0)?,
            generation: row.get(1)?,
            retired_at: row.get(2)?,
            user_id: row.get(3)?,
            dpop_jkt: row.get(4)?,
            revoked_at: row.get(5)?,
            expires_at: row.get(6)?,
            last_used_at: row.get(7)?,
            email: row.get(8)?,
            auth_time: row.get(9)?,
            dbsc_until: row.get(10)?,
        })
    }

    /// Why this request may not use the session, if it may not: the session is live, bound,
    /// and `device` does not prove its key. A refused attempt comes with the event to record,
    /// unless `blocked_events` says this session's attempts are already being recorded too
    /// often. A stale nonce is no attempt: the owner retries with a fresh one. The key's own
    /// proof is spent here, the one place the request is known to be the owner's; no room to
    /// remember it is no attempt either.
    pub async fn refusal<'a>(
        &'a self,
        device: &DeviceProof,
        client: &'a ClientInfo,
        blocked_events: &Throttle,
    ) -> Result<Option<(Rejected, Option<NewEvent<'a>>)>, sqlx::Error> {
        if let DeviceProof::Hardware { session } = device {
            return Ok((*session != self.session_id).then_some((Rejected::Unknown, None)));
        }
        if let Some(refused) = self.lapsed_dbsc_cookie(client, blocked_events) {
            return Ok(Some(refused));
        }
        let Some(bound) = self.dpop_jkt.as_ref().filter(|_| self.revoked_at.is_none()) else {
            return Ok(None);
        };
        let why = match device {
            DeviceProof::Key(proof) if proof.jkt() == bound => match proof.spend().await? {
                Ok(()) => return Ok(None),
                Err(NotSpent::Busy { retry_after }) => {
                    return Ok(Some((Rejected::ProofMemoryFull { retry_after }, None)));
                }
                Err(NotSpent::Replayed) => REPLAYED,
            },
            DeviceProof::NeedsNonce => return Ok(Some((Rejected::NeedsNonce, None))),
            DeviceProof::Key(_) => "The DPoP proof is signed by another key than this session's.",
            DeviceProof::Absent => "This session is bound to its browser's key; send a DPoP proof.",
            DeviceProof::Invalid(why) => why,
            DeviceProof::Hardware { .. } => unreachable!("answered above"),
        };
        tracing::warn!(session = %self.session_id, "a use of the session without its device key refused");
        let event = blocked_events.reserve(&self.session_id).is_ok().then(|| {
            let kind = EventKind::RefreshWithoutDeviceKey;
            NewEvent::new(&self.user_id, kind, client, Some(&self.session_id))
        });
        Ok(Some((Rejected::WithoutDeviceKey { why }, event)))
    }
}

impl Holder {
    /// A DBSC-bound session's cookie past its stretch: the browser would have renewed it with
    /// the device's key and dropped this one, so it is a copy. Refused, recorded as a blocked
    /// attempt; nothing of the session changes.
    fn lapsed_dbsc_cookie<'a>(
        &'a self,
        client: &'a ClientInfo,
        blocked_events: &Throttle,
    ) -> Option<(Rejected, Option<NewEvent<'a>>)> {
        let until = self.dbsc_until.filter(|_| self.revoked_at.is_none())?;
        if crate::clock::now_millis() <= until + DBSC_LEEWAY_MS {
            return None;
        }
        tracing::warn!(session = %self.session_id, "a lapsed DBSC-bound refresh cookie refused");
        let event = blocked_events.reserve(&self.session_id).is_ok().then(|| {
            NewEvent::new(&self.user_id, EventKind::RefreshWithoutDeviceKey, client, Some(&self.session_id))
        });
        Some((Rejected::LapsedCookie, event))
    }
}

/// Allowance for a request that left the browser just before its cookie lapsed.
const DBSC_LEEWAY_MS: i64 = 5_000;

/// Finds the `Holder` of a refresh token by its keyed hash.
pub trait ReadHolder {
    fn holder<'a>(&'a self, hash: &'a [u8]) -> BoxFuture<'a, Option<Holder>>;
}

impl ReadHolder for PgPool {
    fn holder<'a>(&'a self, hash: &'a [u8]) -> BoxFuture<'a, Option<Holder>> {
        Box::pin(sqlx::query_as(BY_TOKEN_HASH).bind(hash).fetch_optional(self))
    }
}

impl ReadHolder for SqlitePool {
    /// On the file's writer connection (every rotation's hot path reads once and writes once,
    /// both on that thread); through sqlx only where there is no such connection.
    fn holder<'a>(&'a self, hash: &'a [u8]) -> BoxFuture<'a, Option<Holder>> {
        Box::pin(read_row(self, BY_TOKEN_HASH, hash.to_vec(), Holder::from_row))
    }
}
