//! Security events: what happened to an account, newest first, for its owner to see.

use app::contract::EventKind;
use sqlx::Row;

use super::client_info::ClientInfo;
use crate::{db::Db, with_pool};

/// One event as stored.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventKind,
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
    pub session_id: Option<String>,
}

/// An event as the table holds it, before its kind is read.
#[derive(sqlx::FromRow)]
struct StoredEvent {
    kind: String,
    at: i64,
    ip: String,
    user_agent: String,
    session_id: Option<String>,
}

/// The user's events, newest first.
pub async fn list(db: &Db, user_id: &str, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    let stored = with_pool!(db, |pool| {
        sqlx::query_as::<_, StoredEvent>(
            "SELECT kind, at, ip, user_agent, session_id FROM security_events \
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
            id: uuid::Uuid::new_v4().to_string(),
            at: crate::clock::now_millis(),
        }
    }

    /// The INSERT, for the caller to execute on its own (concrete) connection.
    pub fn insert<DB: sqlx::Database>(&'a self) -> sqlx::query::Query<'a, DB, DB::Arguments<'a>>
    where
        &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        Option<&'a str>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        sqlx::query(
            "INSERT INTO security_events (id, user_id, kind, at, ip, user_agent, session_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(self.id.as_str())
        .bind(self.user_id)
        .bind(self.kind.as_str())
        .bind(self.at)
        .bind(self.client.ip.as_str())
        .bind(self.client.user_agent.as_str())
        .bind(self.session_id)
    }
}
