use std::time::Duration;

use clap::Parser;
use reqwest::{Client, Response, StatusCode, header, redirect::Policy};
use serde_json::{Value, json};
use server::{config::Config, db::Db, startup::Application, state::AppState};
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

pub const ORIGIN: &str = "http://localhost:3000";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: Db,
    pub state: AppState,
    _secret_dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    database: TestDatabase,
}

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

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Like `spawn_app`, with extra command-line settings (e.g. `["--refresh-grace", "0"]`).
pub async fn spawn_app_with(backend: Backend, settings: &[&str]) -> TestApp {
    let database = TestDatabase::new(backend).await;
    let database_url = database.url().to_string();

    let secret_dir = tempfile::tempdir().expect("temporary directory");
    let secret_file = secret_dir.path().join("latch.secret");
    let mut args = vec![
        "latch",
        "--listen",
        "127.0.0.1:0",
        "--public-origin",
        ORIGIN,
        "--database-url",
        &database_url,
        "--secret-file",
        secret_file.to_str().unwrap(),
    ];
    args.extend_from_slice(settings);
    let config = Config::try_parse_from(args).expect("test configuration parses");
    let app = Application::build(config).await.expect("application starts");
    let address = format!("http://{}", app.local_addr());
    let state = app.state();
    let db = state.db.clone();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async {
        let _ = stopped.await;
    }));

    let client = Client::builder()
        .redirect(Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("HTTP client");
    TestApp {
        address,
        client,
        db,
        state,
        _secret_dir: secret_dir,
        stop: Some(stop),
        database,
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

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request reaches the server")
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request reaches the server")
    }

    pub async fn signup(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/auth/signup",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    pub async fn login(&self, email: &str, password: &str) -> Response {
        self.post_json(
            "/api/auth/login",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Signs up a fresh account and returns its session.
    pub async fn signed_up(&self, email: &str) -> Session {
        let response = self.signup(email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::CREATED, "sign-up succeeds");
        Session::from(response).await
    }

    /// POSTs to refresh with this refresh token in the cookie, as the app's own page would.
    pub async fn refresh(&self, refresh_token: &str) -> Response {
        self.client
            .post(self.url("/api/auth/refresh"))
            .header(header::COOKIE, format!("latch_refresh={refresh_token}"))
            .header(header::ORIGIN, ORIGIN)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Like `refresh`, from a browser that says it is `user_agent`.
    pub async fn refresh_as(&self, refresh_token: &str, user_agent: &str) -> Response {
        self.client
            .post(self.url("/api/auth/refresh"))
            .header(header::COOKIE, format!("latch_refresh={refresh_token}"))
            .header(header::ORIGIN, ORIGIN)
            .header(header::USER_AGENT, user_agent)
            .send()
            .await
            .expect("request reaches the server")
    }

    pub async fn logout(&self, refresh_token: &str) -> Response {
        self.client
            .post(self.url("/api/auth/logout"))
            .header(header::COOKIE, format!("latch_refresh={refresh_token}"))
            .header(header::ORIGIN, ORIGIN)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Both of the session's tokens are refused: the unexpired access token and the refresh
    /// token.
    pub async fn assert_session_ended(&self, session: &Session) {
        let me = self.get_with_token("/api/me", &session.access_token).await;
        assert_eq!(
            me.status(),
            StatusCode::UNAUTHORIZED,
            "the access token is refused"
        );
        let refresh = self.refresh(&session.refresh_token).await;
        assert_eq!(
            refresh.status(),
            StatusCode::UNAUTHORIZED,
            "the refresh token is refused"
        );
    }

    /// The session's access token still works. (Its refresh token is left alone: using it
    /// would rotate it.)
    pub async fn assert_session_alive(&self, session: &Session) {
        let me = self.get_with_token("/api/me", &session.access_token).await;
        assert_eq!(me.status(), StatusCode::OK, "the access token still works");
    }

    pub async fn delete_with_token(&self, path: &str, access_token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("request reaches the server")
    }

    pub async fn get_with_token(&self, path: &str, access_token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Makes the database refuse service: the pool is closed (SQLite, for good) or the
    /// database stops accepting connections (PostgreSQL, until `bring_postgres_back`).
    pub async fn take_database_down(&self) {
        match (&self.db, &self.database) {
            (Db::Postgres(_), TestDatabase::Postgres { admin_url, name, .. }) => {
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
        if let TestDatabase::Postgres { admin_url, name, .. } = &self.database {
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
    }
}

/// What a successful sign-up, sign-in or refresh hands the client.
#[derive(Debug, Clone)]
pub struct Session {
    pub body: Value,
    pub access_token: String,
    pub refresh_token: String,
    #[allow(dead_code)]
    pub set_cookie: String,
}

impl Session {
    pub async fn from(response: Response) -> Self {
        let set_cookie = refresh_set_cookie(&response).expect("a refresh cookie is set");
        let refresh_token = cookie_value(&set_cookie).to_string();
        let body: Value = response.json().await.expect("a JSON session body");
        let access_token = body["access_token"]
            .as_str()
            .expect("an access token")
            .to_string();
        Session {
            body,
            access_token,
            refresh_token,
            set_cookie,
        }
    }
}

/// The `Set-Cookie` header for the refresh cookie, if the response has one.
pub fn refresh_set_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("latch_refresh="))
        .map(str::to_string)
}

pub fn cookie_value(set_cookie: &str) -> &str {
    set_cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("latch_refresh=")
}

/// Reads a JSON error body and checks its shape: `{"error": code, "message": text}`.
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.expect("a JSON error body");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "error has a message: {body}"
    );
    body["error"].as_str().expect("error has a code").to_string()
}
