//! Security events: what happened to an account, newest first, for its owner to see.

use super::sessions::ClientInfo;

pub mod kind {
    pub const SIGNED_UP: &str = "signed_up";
    pub const SIGNED_IN: &str = "signed_in";
    /// A sign-in from a browser and OS this account had not signed in from before.
    pub const SIGNED_IN_NEW_DEVICE: &str = "signed_in_new_device";
    pub const REFRESH_TOKEN_REUSE: &str = "refresh_token_reuse";
    pub const SESSION_REVOKED: &str = "session_revoked";
    pub const OTHER_SESSIONS_REVOKED: &str = "other_sessions_revoked";
    pub const PASSWORD_CHANGED: &str = "password_changed";
}

/// One event as the user sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub kind: String,
    pub at: i64,
    pub ip: String,
    pub user_agent: String,
    pub session_id: Option<String>,
}

/// The user's events, newest first.
pub async fn list(db: &crate::db::Db, user_id: &str, limit: i64) -> Result<Vec<Event>, sqlx::Error> {
    crate::with_pool!(db, |pool| {
        sqlx::query_as::<_, Event>(
            "SELECT kind, at, ip, user_agent, session_id FROM security_events \
             WHERE user_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
        )
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await
    })
}

/// The distinct user agents the user has used before (most recent few hundred events).
pub async fn known_user_agents(db: &crate::db::Db, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    use sqlx::Row;
    crate::with_pool!(db, |pool| {
        sqlx::query("SELECT DISTINCT user_agent FROM security_events WHERE user_id = $1 LIMIT 200")
            .bind(user_id)
            .fetch_all(pool)
            .await
            .map(|rows| rows.iter().map(|row| row.get("user_agent")).collect())
    })
}

/// An event to append, usually inside the transaction that caused it.
pub struct NewEvent<'a> {
    user_id: &'a str,
    kind: &'a str,
    client: &'a ClientInfo,
    session_id: Option<&'a str>,
    id: String,
    at: i64,
}

impl<'a> NewEvent<'a> {
    pub fn new(user_id: &'a str, kind: &'a str, client: &'a ClientInfo, session_id: Option<&'a str>) -> Self {
        let id = uuid::Uuid::new_v4().to_string();
        Self {
            user_id,
            kind,
            client,
            session_id,
            id,
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
        .bind(self.kind)
        .bind(self.at)
        .bind(self.client.ip.as_str())
        .bind(self.client.user_agent.as_str())
        .bind(self.session_id)
    }
}
