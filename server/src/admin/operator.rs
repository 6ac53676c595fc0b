//! What the admin commands work with: the deployment's database and secret (never created
//! here: a command pointed at the wrong place must say so, not start a new deployment), the
//! session store the server uses, and its mail.

use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::ExposeSecret;

use crate::{
    auth::{
        ClientInfo,
        accounts::{email::Email, notices::Notices, users},
        sessions::{
            revocations::Revocations,
            store::{SessionPolicy, SessionStore},
        },
        tokens::keys::KeyRing,
    },
    config::Config,
    db::Db,
    mail::Mailer,
    secret::ServerSecret,
};

pub struct Operator {
    pub db: Db,
    pub sessions: SessionStore,
    pub notices: Notices,
    pub keys: KeyRing,
    /// Print JSON rather than text.
    pub json: bool,
}

/// Who the security events say did it.
pub fn operator_client() -> ClientInfo {
    ClientInfo {
        ip: "-".into(),
        user_agent: "latch admin command".into(),
    }
}

impl Operator {
    pub async fn connect(config: &Config) -> anyhow::Result<Self> {
        config.validate()?;
        let url = config.database_url.expose_secret();
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path
                .trim_start_matches("//")
                .split('?')
                .next()
                .unwrap_or_default();
            if !std::path::Path::new(path).exists() {
                bail!("no database at {path}: point DATABASE_URL at the deployment's database");
            }
        }
        if config.secret.is_none() && !config.secret_file.exists() {
            bail!(
                "no server secret at {}: set LATCH_SECRET or LATCH_SECRET_FILE as the server has them",
                config.secret_file.display()
            );
        }
        let secret = ServerSecret::load(config)?;
        let db = Db::connect(url, 2).await.context("cannot open the database")?;
        let longest_token = config.access_token_ttl() + Duration::from_secs(60);
        let keys = KeyRing::load_or_create(&db, &secret, longest_token).await?;
        let mail = config.mail.settings(&config.public_origin)?;
        let notices = Notices::new(Mailer::new(mail, &config.public_origin)?, config.origin());
        let sessions = SessionStore::new(
            db.clone(),
            &secret,
            SessionPolicy::of(config),
            Revocations::new(longest_token),
            config.limits.refreshes_per_session,
            notices.clone(),
        );
        Ok(Self {
            db,
            sessions,
            notices,
            keys,
            json: config.json,
        })
    }

    /// The account with this address, or a clear error.
    pub async fn account(&self, email: &str) -> anyhow::Result<users::User> {
        let parsed = Email::parse(email).map_err(|problem| anyhow::anyhow!("{email:?}: {problem}"))?;
        users::by_email(&self.db, &parsed)
            .await?
            .with_context(|| format!("no account has the address {}", parsed.as_str()))
    }

    /// Lets the mails go out, then closes the database.
    pub async fn finish(&self) {
        self.notices.all_sent().await;
        self.db.close().await;
    }
}
