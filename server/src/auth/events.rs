//! Security events: what happened to an account, newest first, for its owner to see.

use app::contract::EventKind;
use sqlx::Row;

use super::client_info::ClientInfo;
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
    pub kind: EventKind,
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
    pub session_id: Option<String>,
    /// On a reuse event: who had last refreshed the session before the retired token came back.
    pub last_refreshed_by: Option<Party>,
}

/// An event as the table holds it, before its kind is read.
#[derive(sqlx::FromRow)]
struct StoredEvent {
    kind: String,
    at: i64,
    ip: String,
    user_agent: String,
    session_id: Option<String>,
    last_refreshed_ip: Option<String>,
    last_refreshed_user_agent: Option<String>,
}

/// The user's events, newest first.
pub async fn list(db: &Db, user_id: &str, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    let stored = with_pool!(db, |pool| {
        sqlx::query_as::<_, StoredEvent>(
            "SELECT kind, at, ip, user_agent, session_id, last_refreshed_ip, last_refreshed_user_agent \
             FROM security_events \
             WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await?
    });
    // A kind written by a newer instance is skipped rather than failing the whole page.
    Ok(stored
        .into_iter()
        .filter_map(|event| {
            Some(Event {
                kind: event.kind.parse().ok()?,
                at: event.at,
                ip: event.ip,
                user_agent: event.user_agent,
                session_id: event.session_id,
                last_refreshed_by: event
                    .last_refreshed_ip
                    .zip(event.last_refreshed_user_agent)
                    .map(|(ip, user_agent)| Party { ip, user_agent }),
            })
        })
        .collect())
}

/// The distinct user agents of the user's most recent few hundred events.
pub async fn known_user_agents(db: &Db, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query(
            "SELECT user_agent FROM security_events WHERE user_id = $1 \
             GROUP BY user_agent ORDER BY MAX(at) DESC LIMIT 200",
        )
        .bind(user_id)
        .fetch_all(pool)
        .await
        .map(|rows| rows.iter().map(|row| row.get("user_agent")).collect())
    })
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

    /// The INSERT, for the caller to execute on its own (concrete) connection.
    pub fn insert<DB: sqlx::Database>(&'a self) -> sqlx::query::Query<'a, DB, DB::Arguments<'a>>
    where
        &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        sqlx::query(
            "INSERT INTO security_events \
             (id, user_id, kind, at, ip, user_agent, session_id, last_refreshed_ip, last_refreshed_user_agent) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
    }
}
