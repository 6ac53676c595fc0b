//! A throw-away PostgreSQL database for one benchmark run, on the server named by
//! `LATCH_TEST_POSTGRES_URL` (scripts/bench starts one), dropped at the end.

use sqlx::{Connection, Executor, PgConnection};

pub struct PgDatabase {
    admin: PgConnection,
    name: String,
    pub url: String,
}

impl PgDatabase {
    /// A new database, or `None` when `LATCH_TEST_POSTGRES_URL` is not set.
    pub async fn create(prefix: &str) -> Option<PgDatabase> {
        let Ok(admin_url) = std::env::var("LATCH_TEST_POSTGRES_URL") else {
            eprintln!("LATCH_TEST_POSTGRES_URL not set: PostgreSQL not measured");
            return None;
        };
        let name = format!("{prefix}_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url).await.unwrap();
        admin
            .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
            .await
            .unwrap();
        let mut url = url::Url::parse(&admin_url).unwrap();
        url.set_path(&name);
        Some(PgDatabase {
            admin,
            name,
            url: url.to_string(),
        })
    }

    pub async fn drop_it(mut self) {
        let drop = format!(r#"DROP DATABASE "{}" WITH (FORCE)"#, self.name);
        let _ = self.admin.execute(drop.as_str()).await;
    }
}
