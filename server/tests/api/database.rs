//! Throw-away databases: a SQLite file in a temporary directory, or a database created on the
//! test PostgreSQL server (`LATCH_TEST_POSTGRES_URL`) and dropped afterwards.

use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::Backend;

/// A database that exists only for one test: a SQLite file in a temporary directory, or a
/// database on the test PostgreSQL server that is dropped afterwards.
pub enum TestDatabase {
    Sqlite {
        url: String,
        _dir: tempfile::TempDir,
    },
    Postgres {
        url: String,
        admin_url: String,
        name: String,
    },
}

impl TestDatabase {
    pub async fn new(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temporary directory");
                let url = format!("sqlite:{}", dir.path().join("latch.db").display());
                TestDatabase::Sqlite { url, _dir: dir }
            }
            Backend::Postgres => {
                let (admin_url, name) = create_postgres_database().await;
                let url = with_database(&admin_url, &name);
                TestDatabase::Postgres { url, admin_url, name }
            }
        }
    }

    /// A SQLite file in `dir`, a directory the test prepared (e.g. on a small file system).
    pub fn sqlite_in(dir: tempfile::TempDir) -> Self {
        let url = format!("sqlite:{}", dir.path().join("latch.db").display());
        TestDatabase::Sqlite { url, _dir: dir }
    }

    /// PostgreSQL only: stops accepting connections and ends the open ones. False for
    /// SQLite, which has no server to refuse.
    pub async fn refuse_connections(&self) -> bool {
        let TestDatabase::Postgres { admin_url, name, .. } = self else {
            return false;
        };
        let mut admin = PgConnection::connect(admin_url).await.unwrap();
        admin
            .execute(format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS false"#).as_str())
            .await
            .unwrap();
        let terminate =
            format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'");
        admin.execute(terminate.as_str()).await.unwrap();
        true
    }

    /// Undoes `refuse_connections`.
    pub async fn allow_connections(&self) {
        if let TestDatabase::Postgres { admin_url, name, .. } = self {
            let mut admin = PgConnection::connect(admin_url).await.unwrap();
            admin
                .execute(format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS true"#).as_str())
                .await
                .unwrap();
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Sqlite { url, .. } | TestDatabase::Postgres { url, .. } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Leave nothing behind on a PostgreSQL server someone lent us.
        if let TestDatabase::Postgres { admin_url, name, .. } = self {
            drop_database(admin_url.clone(), name.clone());
        }
    }
}

/// Creates an empty database on the test PostgreSQL server; returns the admin URL and its name.
async fn create_postgres_database() -> (String, String) {
    let admin_url = std::env::var("LATCH_TEST_POSTGRES_URL").expect(
        "LATCH_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which starts a \
         throw-away PostgreSQL, or point it at a server you may create databases on",
    );
    let name = format!("latch_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = PgConnection::connect(&admin_url)
        .await
        .expect("connect to PostgreSQL");
    admin
        .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
        .await
        .expect("create test database");
    (admin_url, name)
}

/// Drops a test database (from a plain thread: this runs in `Drop`, outside any runtime).
fn drop_database(admin_url: String, name: String) {
    let _ = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        runtime
            .block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await?;
                admin
                    .execute(format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#).as_str())
                    .await
                    .map(drop)
            })
            .map_err(std::io::Error::other)
    })
    .join();
}

/// Replaces the database name (the URL path) of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let mut url = url::Url::parse(url).expect("LATCH_TEST_POSTGRES_URL is a URL");
    url.set_path(name);
    url.to_string()
}
