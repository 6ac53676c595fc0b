//! Security events: what happened to an account, newest first, for its owner to see, a page
//! at a time. Repeats of an attempt an outsider can make again and again are one row with a
//! count, so they cannot push the rest of the history out of sight.

use app::contract::EventKind;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

use crate::auth::client::ClientInfo;
use crate::{
    db::{Db, WritePool},
    with_pool,
};

/// A client as a session or event remembers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub ip: String,
    pub user_agent: String,
}

/// One event as stored.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub kind: EventKind,
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
    pub session_id: Option<String>,
    /// On a reuse event: who had last refreshed the session before the retired token came back.
    pub last_refreshed_by: Option<Party>,
    /// How many times it happened (repeats of a coalescing kind; `at` is the latest).
    pub count: i64,
}

impl Event {
    /// Where the page after this event starts.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at: self.at,
            id: self.id.clone(),
        }
    }
}

/// A place in an account's history, just before one event in its order (`at`, then `id`,
/// both descending). Opaque to clients: base64url of `at:id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    at: i64,
    id: String,
}

/// A `before` that is no cursor this server handed out.
#[derive(Debug, thiserror::Error)]
#[error("not a cursor of this list")]
pub struct BadCursor;

impl Cursor {
    /// Longer than any cursor this server writes (`i64::MIN:` and a UUID is 76 characters).
    const MAX_LEN: usize = 128;

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}:{}", self.at, self.id))
    }

    /// Reads a cursor back. Event ids are UUIDs, so anything else (a NUL byte, which
    /// PostgreSQL text cannot hold, included) is refused before it reaches the database.
    pub fn parse(text: &str) -> Result<Self, BadCursor> {
        if text.len() > Self::MAX_LEN {
            return Err(BadCursor);
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| BadCursor)?;
        let text = std::str::from_utf8(&bytes).map_err(|_| BadCursor)?;
        let (at, id) = text.split_once(':').ok_or(BadCursor)?;
        Ok(Cursor {
            at: at.parse().map_err(|_| BadCursor)?,
            id: uuid::Uuid::parse_str(id).map_err(|_| BadCursor)?.to_string(),
        })
    }
}

/// An event as the table holds it, before its kind is read.
#[derive(sqlx::FromRow)]
struct StoredEvent {
    id: String,
    kind: String,
    at: i64,
    ip: String,
    user_agent: String,
    session_id: Option<String>,
    last_refreshed_ip: Option<String>,
    last_refreshed_user_agent: Option<String>,
    count: i64,
}

/// Up to `limit` of the user's events, newest first: the newest ones, or those just older
/// than `before`.
pub async fn list(
    db: &Db,
    user_id: &str,
    before: Option<&Cursor>,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    // The newest page starts before a place later than any event: one query for both.
    let (at, id) = before.map_or((i64::MAX, ""), |cursor| (cursor.at, cursor.id.as_str()));
    let stored = with_pool!(db, |pool| {
        sqlx::query_as::<_, StoredEvent>(
            "SELECT id, kind, at, ip, user_agent, session_id, last_refreshed_ip, \
             last_refreshed_user_agent, count FROM security_events \
             WHERE user_id = $1 AND (at < $2 OR (at = $2 AND id < $3)) \
             ORDER BY at DESC, id DESC LIMIT $4",
        )
        .bind(user_id)
        .bind(at)
        .bind(id)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    // A kind written by a newer instance is skipped rather than failing the whole page.
    Ok(stored
        .into_iter()
        .filter_map(|event| {
            Some(Event {
                id: event.id,
                kind: event.kind.parse().ok()?,
                at: event.at,
                ip: event.ip,
                user_agent: event.user_agent,
                session_id: event.session_id,
                last_refreshed_by: event
                    .last_refreshed_ip
                    .zip(event.last_refreshed_user_agent)
                    .map(|(ip, user_agent)| Party { ip, user_agent }),
                count: event.count,
            })
        })
        .collect())
}

/// An event to append, usually inside the transaction that caused it.
pub struct NewEvent<'a> {
    user_id: &'a str,
    kind: EventKind,
    client: &'a ClientInfo,
    session_id: Option<&'a str>,
    last_refreshed_by: Option<&'a Party>,
    id: String,
    at: i64,
    coalesce_key: Option<String>,
}

/// Whether repeats of `kind` from one party are one row with a count: the kinds an outsider
/// can cause again and again (a copied refresh cookie sent without its device key, as often as
/// the per-session throttle lets it be recorded). Every other kind needs the password, the
/// mailbox or the session itself, or ends the session (a reuse happens once per session).
fn coalesces(kind: EventKind) -> bool {
    match kind {
        EventKind::RefreshWithoutDeviceKey => true,
        EventKind::SignedUp
        | EventKind::SignedIn
        | EventKind::SignedInNewDevice
        | EventKind::RefreshTokenReuse
        | EventKind::SessionRevoked
        | EventKind::OtherSessionsRevoked
        | EventKind::PasswordChanged
        | EventKind::PasswordReset
        | EventKind::EmailChanged
        | EventKind::EmailChangeUndone
        | EventKind::PasskeyAdded
        | EventKind::PasskeyRemoved
        | EventKind::PasswordRemoved
        | EventKind::AccountDisabled
        | EventKind::AccountEnabled
        | EventKind::SessionsRevokedByAdmin => false,
    }
}

/// What makes two events one row: kind, account, session, address and user agent, hashed so
/// the unique index stays small whatever the client sent (each part length-prefixed, so no
/// two different tuples hash alike). `None` for kinds that never coalesce.
fn coalesce_key(
    user_id: &str,
    kind: EventKind,
    client: &ClientInfo,
    session_id: Option<&str>,
) -> Option<String> {
    let session_id = session_id.filter(|_| coalesces(kind))?;
    let mut hash = Sha256::new();
    for part in [kind.as_str(), user_id, session_id, &client.ip, &client.user_agent] {
        hash.update((part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    Some(URL_SAFE_NO_PAD.encode(hash.finalize()))
}

impl<'a> NewEvent<'a> {
    pub fn new(
        user_id: &'a str,
        kind: EventKind,
        client: &'a ClientInfo,
        session_id: Option<&'a str>,
    ) -> Self {
        Self {
            user_id,
            kind,
            client,
            session_id,
            last_refreshed_by: None,
            id: uuid::Uuid::new_v4().to_string(),
            at: crate::clock::now_millis(),
            coalesce_key: coalesce_key(user_id, kind, client, session_id),
        }
    }

    /// Names the party that had last refreshed the session (on a reuse event).
    pub fn last_refreshed_by(mut self, party: &'a Party) -> Self {
        self.last_refreshed_by = Some(party);
        self
    }

    /// Records the event on its own (for events that go with no other write).
    pub async fn record(&self, db: &Db) -> Result<(), sqlx::Error> {
        with_pool!(db, |pool| {
            let mut tx = pool.begin_write().await?;
            self.insert().execute(&mut *tx).await?;
            tx.commit().await
        })
    }

    /// The INSERT, for the caller to execute on its own (concrete) connection. A repeat of a
    /// coalescing event counts on its row and moves it to now; NULL keys never conflict.
    pub fn insert<DB: sqlx::Database>(&'a self) -> sqlx::query::Query<'a, DB, DB::Arguments<'a>>
    where
        &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        sqlx::query(
            "INSERT INTO security_events \
             (id, user_id, kind, at, ip, user_agent, session_id, last_refreshed_ip, \
             last_refreshed_user_agent, coalesce_key) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (coalesce_key) DO UPDATE \
             SET count = security_events.count + 1, at = excluded.at",
        )
        .bind(self.id.as_str())
        .bind(self.user_id)
        .bind(self.kind.as_str())
        .bind(self.at)
        .bind(self.client.ip.as_str())
        .bind(self.client.user_agent.as_str())
        .bind(self.session_id)
        .bind(self.last_refreshed_by.map(|party| party.ip.as_str()))
        .bind(self.last_refreshed_by.map(|party| party.user_agent.as_str()))
        .bind(self.coalesce_key.as_deref())
    }
}
