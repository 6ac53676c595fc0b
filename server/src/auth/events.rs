//! Security events: what happened to an account, newest first, for its owner to see.

use super::sessions::ClientInfo;

pub mod kind {
    pub const SIGNED_UP: &str = "signed_up";
    pub const SIGNED_IN: &str = "signed_in";
    pub const REFRESH_TOKEN_REUSE: &str = "refresh_token_reuse";
}

/// An event to append, usually inside the transaction that caused it.
pub struct NewEvent<'a> {
    pub user_id: &'a str,
    pub kind: &'a str,
    pub client: &'a ClientInfo,
    pub session_id: Option<&'a str>,
    id: String,
    at: i64,
}

impl<'a> NewEvent<'a> {
    pub fn new(
        user_id: &'a str,
        kind: &'a str,
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
        .bind(self.kind)
        .bind(self.at)
        .bind(self.client.ip.as_str())
        .bind(self.client.user_agent.as_str())
        .bind(self.session_id)
    }
}
