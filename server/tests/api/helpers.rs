use std::time::Duration;

use clap::Parser;
use reqwest::{Client, Response, StatusCode, header, redirect::Policy};
use serde_json::{Value, json};
use server::{config::Config, db::Db, startup::Application, state::AppState};
use tokio::sync::oneshot;

pub use crate::{
    database::TestDatabase,
    responses::{Session, cookie_value, error_code, refresh_set_cookie, set_cookie_value},
};

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
    pub config: Config,
    _data_dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    pub(crate) database: TestDatabase,
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Like `spawn_app`, with extra command-line settings (e.g. `["--refresh-grace", "0"]`).
pub async fn spawn_app_with(backend: Backend, settings: &[&str]) -> TestApp {
    spawn_app_on(TestDatabase::new(backend).await, settings).await
}

/// Like `spawn_app_with`, on a database the test prepared. Device binding is `allow` and email
/// verification `off` unless the settings say otherwise (API clients without a key that sign
/// up at once); the binding and recovery tests ask for `require` and `required`.
pub async fn spawn_app_on(database: TestDatabase, settings: &[&str]) -> TestApp {
    let database_url = database.url().to_string();
    let data_dir = tempfile::tempdir().expect("temporary directory");
    let secret_file = data_dir.path().join("latch.secret");
    let outbox = data_dir.path().join("outbox");
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
        "--mail-outbox",
        outbox.to_str().unwrap(),
    ];
    if !settings.contains(&"--device-binding") {
        args.extend_from_slice(&["--device-binding", "allow"]);
    }
    if !settings.contains(&"--email-verification") {
        args.extend_from_slice(&["--email-verification", "off"]);
    }
    args.extend_from_slice(settings);
    let config = Config::try_parse_from(args).expect("test configuration parses");
    let app = Application::build(config.clone())
        .await
        .expect("application starts");
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
        config,
        _data_dir: data_dir,
        stop: Some(stop),
        database,
    }
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

    /// POSTs `body` as it is, with the given content type: for bodies `json` would not write.
    pub async fn post_body(&self, path: &str, content_type: &str, body: String) -> Response {
        self.client
            .post(self.url(path))
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
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

    /// Signs in from a browser that sends `cookie` (e.g. its `latch_device` cookie).
    pub async fn login_with_cookie(&self, email: &str, password: &str, cookie: &str) -> Response {
        self.client
            .post(self.url("/api/auth/login"))
            .header(header::COOKIE, cookie)
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Signs up a fresh account and returns its session.
    pub async fn signed_up(&self, email: &str) -> Session {
        let response = self.signup(email, PASSWORD).await;
        assert_eq!(response.status(), StatusCode::CREATED, "sign-up succeeds");
        Session::from(response).await
    }

    /// POSTs to refresh with this refresh token in the cookie, as the app's own page would.
    pub async fn refresh(&self, refresh_token: &str) -> Response {
        refresh_at(&self.client, &self.address, refresh_token).await
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

    /// The session's access token still works (its refresh token is left alone).
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

    /// POSTs `body` (JSON) with the bearer token.
    pub async fn post_with_token(&self, path: &str, access_token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(access_token)
            .json(body)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// GETs a JSON list with the bearer token: sessions, security events.
    pub async fn get_list(&self, path: &str, access_token: &str) -> Vec<Value> {
        let response = self.get_with_token(path, access_token).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("a JSON list")
    }

    pub async fn get_with_token(&self, path: &str, access_token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(access_token)
            .send()
            .await
            .expect("request reaches the server")
    }

    /// Starts a second instance on the same database and secret, as a restart would.
    pub async fn start_again(&self) -> anyhow::Result<Application> {
        Application::build(self.config.clone()).await
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// POSTs to `base`'s refresh with this refresh token in the cookie, as the app's own page
/// would: for a server in this process (`TestApp::refresh`) or one run as a process.
pub async fn refresh_at(client: &Client, base: &str, refresh_token: &str) -> Response {
    client
        .post(format!("{base}/api/auth/refresh"))
        .header(header::COOKIE, format!("latch_refresh={refresh_token}"))
        .header(header::ORIGIN, ORIGIN)
        .send()
        .await
        .expect("request reaches the server")
}
