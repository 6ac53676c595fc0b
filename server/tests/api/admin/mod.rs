//! The admin commands, run as the operator runs them: the server binary as a separate process
//! on a deployment's database and secret, beside running instances of it. What they change
//! reaches the instances within a second, on both backends.

mod accounts;
mod backup;
mod keys;
mod notices;

use std::{path::PathBuf, process::Command, time::Duration};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::{Backend, PASSWORD, Session, TestDatabase},
    instances::refused_within,
    process::Instance,
};

/// A deployment: its database, its secret, one running instance (two on PostgreSQL, where
/// several instances share it).
pub struct Deployment {
    pub database: TestDatabase,
    pub dir: tempfile::TempDir,
    pub instances: Vec<Instance>,
    pub client: reqwest::Client,
}

/// What a command printed and how it ended.
pub struct Ran {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("{err}: {}", self.stdout))
    }
}

impl Deployment {
    pub async fn start(backend: Backend) -> Self {
        let database = TestDatabase::new(backend).await;
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("latch.secret");
        let secret = secret.to_str().unwrap();
        let mut instances = vec![Instance::start(database.url(), secret).await];
        if matches!(backend, Backend::Postgres) {
            instances.push(Instance::start(database.url(), secret).await);
        }
        Self {
            database,
            dir,
            instances,
            client: reqwest::Client::new(),
        }
    }

    fn secret_file(&self) -> PathBuf {
        self.dir.path().join("latch.secret")
    }

    /// Runs `latch <args>` on this deployment, as its operator would.
    pub fn admin(&self, args: &[&str]) -> Ran {
        let output = Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("DATABASE_URL", self.database.url())
            .env("LATCH_SECRET_FILE", self.secret_file())
            .env("LATCH_MAIL_OUTBOX", self.outbox())
            .env("LATCH_PUBLIC_ORIGIN", crate::helpers::ORIGIN)
            .env("LATCH_LOG", "error")
            .output()
            .expect("the server binary runs");
        Ran {
            ok: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed.
    pub fn admin_ok(&self, args: &[&str]) -> Ran {
        let ran = self.admin(args);
        assert!(ran.ok, "latch {args:?} failed: {}", ran.stderr);
        ran
    }

    pub fn outbox(&self) -> PathBuf {
        self.dir.path().join("outbox")
    }

    /// The subjects of the mails sent to `to` (the instances' and the commands' outbox).
    pub fn subjects_to(&self, to: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        entries
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "json").then_some(path)
            })
            .filter_map(|path| serde_json::from_slice::<Value>(&std::fs::read(path).ok()?).ok())
            .filter(|mail| mail["to"] == to)
            .filter_map(|mail| mail["subject"].as_str().map(str::to_owned))
            .collect()
    }

    pub async fn sign_up(&self, email: &str) -> Session {
        let response = self
            .client
            .post(format!("{}/api/auth/signup", self.instances[0].address))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        Session::from(response).await
    }

    /// At the last instance (on PostgreSQL, not the one signed up at).
    pub async fn sign_in(&self, email: &str) -> reqwest::Response {
        self.client
            .post(format!("{}/api/auth/login", self.last().address))
            .json(&json!({ "email": email, "password": PASSWORD }))
            .send()
            .await
            .unwrap()
    }

    fn last(&self) -> &Instance {
        self.instances.last().expect("an instance")
    }

    /// Presents `refresh_token` at the last instance.
    pub async fn refresh(&self, refresh_token: &str) -> reqwest::Response {
        crate::helpers::refresh_at(&self.client, &self.last().address, refresh_token).await
    }

    /// Whether every instance refuses `access_token` within a second.
    pub async fn refused_everywhere_within_a_second(&self, access_token: &str) -> bool {
        for instance in &self.instances {
            let limit = Duration::from_secs(1);
            if refused_within(&self.client, instance, access_token, limit)
                .await
                .is_none()
            {
                return false;
            }
        }
        true
    }

    pub async fn accepted(&self, access_token: &str) -> bool {
        let me = self
            .client
            .get(format!("{}/api/me", self.instances[0].address))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap();
        me.status() == StatusCode::OK
    }
}
