//! The database behind a test app: what it holds, letting time pass in it (deadlines the
//! server reads from its rows move into the past, so the tests see what happens after minutes
//! without waiting them), and taking it down.

use std::time::Duration;

use crate::helpers::TestApp;

impl TestApp {
    /// Moves every session's last sign-in or re-authentication `by` into the past: how the
    /// tests let the five minutes of recent authentication run out.
    pub async fn age_authentication(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap();
        server::with_pool!(&self.db, |pool| sqlx::query(
            "UPDATE sessions SET auth_time = auth_time - $1"
        )
        .bind(millis)
        .execute(pool)
        .await
        .expect("aged")
        .rows_affected());
    }

    /// Moves every open passkey ceremony's deadline `by` into the past.
    pub async fn age_ceremonies(&self, by: Duration) {
        let millis = i64::try_from(by.as_millis()).unwrap();
        server::with_pool!(&self.db, |pool| sqlx::query(
            "UPDATE passkey_ceremonies SET expires_at = expires_at - $1"
        )
        .bind(millis)
        .execute(pool)
        .await
        .expect("aged")
        .rows_affected());
    }

    /// The number of rows in `table`: what the server has stored.
    pub async fn count(&self, table: &str) -> i64 {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        server::with_pool!(&self.db, |pool| sqlx::query_scalar::<_, i64>(&sql)
            .fetch_one(pool)
            .await
            .expect("a count"))
    }

    /// Makes the database refuse service: the pool is closed (SQLite, for good) or the
    /// database stops accepting connections (PostgreSQL, until `bring_postgres_back`).
    pub async fn take_database_down(&self) {
        if !self.database.refuse_connections().await {
            self.db.close().await;
        }
    }

    /// Undoes `take_database_down` for PostgreSQL (a closed SQLite pool stays closed).
    pub async fn bring_postgres_back(&self) {
        self.database.allow_connections().await;
    }
}
