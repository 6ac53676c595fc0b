use std::time::Duration;

use clap::Parser;
use reqwest::{Client, Response, redirect::Policy};
use server::{config::Config, db::Db, startup::Application};
use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs an `async fn(Backend)` test once per storage backend:
/// `on_both_backends!(name);` makes tests `name::sqlite` and `name::postgres`.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::helpers::Backend::Postgres).await
            }
        }
    )+};
}
pub(crate) use on_both_backends;

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: Db,
    stop: Option<oneshot::Sender<()>>,
    fresh: FreshDatabase,
}

/// A database that exists only for one test.
enum FreshDatabase {
    Sqlite { _dir: tempfile::TempDir },
    Postgres { admin_url: String, name: String },
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    let (database_url, fresh) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite:{}", dir.path().join("latch.db").display());
            (url, FreshDatabase::Sqlite { _dir: dir })
        }
        Backend::Postgres => {
            let admin_url = std::env::var("LATCH_TEST_POSTGRES_URL").expect(
                "LATCH_TEST_POSTGRES_URL is not set: run the tests with scripts/test, which \
                 starts a throw-away PostgreSQL, or point it at a server you may create \
                 databases on",
            );
            let name = format!("latch_test_{}", uuid::Uuid::new_v4().simple());
            let mut admin = PgConnection::connect(&admin_url).await.expect("connect to PostgreSQL");
            admin
                .execute(format!(r#"CREATE DATABASE "{name}""#).as_str())
                .await
                .expect("create test database");
            let url = with_database(&admin_url, &name);
            (url, FreshDatabase::Postgres { admin_url, name })
        }
    };

    let config = Config::try_parse_from([
        "latch",
        "--listen",
        "127.0.0.1:0",
        "--public-origin",
        "http://localhost:3000",
        "--database-url",
        &database_url,
    ])
    .expect("test configuration parses");
    let app = Application::build(config).await.expect("application starts");
    let address = format!("http://{}", app.local_addr());
    let db = app.db();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let client = Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    TestApp { address, client, db, stop: Some(stop), fresh }
}

/// Replaces the database name (the URL path) of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let mut url = url::Url::parse(url).expect("LATCH_TEST_POSTGRES_URL is a URL");
    url.set_path(name);
    url.to_string()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request reaches the server")
    }

    /// Makes the database refuse service: the pool is closed (SQLite) or the database stops
    /// accepting connections (PostgreSQL). Returns a way to bring it back where one exists.
    pub async fn take_database_down(&self) {
        match (&self.db, &self.fresh) {
            (Db::Postgres(_), FreshDatabase::Postgres { admin_url, name }) => {
                let mut admin = PgConnection::connect(admin_url).await.unwrap();
                admin
                    .execute(format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS false"#).as_str())
                    .await
                    .unwrap();
                admin
                    .execute(
                        format!(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                             WHERE datname = '{name}'"
                        )
                        .as_str(),
                    )
                    .await
                    .unwrap();
            }
            (db, _) => db.close().await,
        }
    }

    /// Undoes `take_database_down` for PostgreSQL (a closed SQLite pool stays closed).
    pub async fn bring_postgres_back(&self) {
        if let FreshDatabase::Postgres { admin_url, name } = &self.fresh {
            let mut admin = PgConnection::connect(admin_url).await.unwrap();
            admin
                .execute(format!(r#"ALTER DATABASE "{name}" ALLOW_CONNECTIONS true"#).as_str())
                .await
                .unwrap();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Leave nothing behind on a PostgreSQL server someone lent us.
        if let FreshDatabase::Postgres { admin_url, name } = &self.fresh {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                runtime.block_on(async {
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
    }
}
