//! Single-use links mailed to an address: confirm a sign-up, reset the password, confirm a new
//! address, undo a change of address. The token is a 256-bit random value (the same kind as a
//! refresh token) that travels in the link's fragment and is stored only as a keyed hash.
//! A link works once, until it expires, and only while no newer link of its purpose was sent.

use std::time::Duration;

use url::Url;

use super::refresh_token::RefreshToken;
use crate::{clock, db::Db, db::WritePool, with_pool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ConfirmEmail,
    UndoEmail,
}

impl Purpose {
    /// The page the link opens.
    fn page(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "/verify-email",
            Purpose::ResetPassword => "/reset-password",
            Purpose::ConfirmEmail => "/confirm-email",
            Purpose::UndoEmail => "/undo-email",
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ConfirmEmail => "confirm_email",
            Purpose::UndoEmail => "undo_email",
        }
    }
}

/// A link to send: who it is for, where it goes, and what it will do.
pub struct NewLink<'a> {
    pub purpose: Purpose,
    pub user_id: &'a str,
    /// The address the mail goes to; a change or an undo makes it the account's address.
    pub email: &'a str,
    /// The account's address that a change or an undo replaces.
    pub replaces: Option<&'a str>,
    /// A sign-up's password hash, applied when the link is opened.
    pub password_hash: Option<&'a str>,
    pub ttl: Duration,
}

/// What an opened link carries.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Opened {
    pub user_id: String,
    pub email: String,
    pub replaces: Option<String>,
    pub password_hash: Option<String>,
    pub created_at: i64,
}

const OPENED: &str = "user_id, email, replaces, password_hash, created_at";

#[derive(Clone)]
pub struct Links {
    db: Db,
    hash_key: [u8; 32],
    origin: Url,
}

impl Links {
    pub fn new(db: Db, hash_key: [u8; 32], origin: Url) -> Self {
        Self { db, hash_key, origin }
    }

    /// Stores a new link, superseding the user's unused links of the same purpose (undo links
    /// excepted: each change keeps its own), and returns its URL (the only place the token
    /// exists in clear).
    pub async fn issue(&self, link: NewLink<'_>) -> Result<String, sqlx::Error> {
        let token = RefreshToken::generate();
        let hash = token.keyed_hash(&self.hash_key);
        let now = clock::now_millis();
        let expires_at = now.saturating_add(i64::try_from(link.ttl.as_millis()).unwrap_or(i64::MAX));
        let purpose = link.purpose.as_str();
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            if link.purpose != Purpose::UndoEmail {
                sqlx::query(
                    "UPDATE email_links SET used_at = $1 \
                     WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL",
                )
                .bind(now)
                .bind(link.user_id)
                .bind(purpose)
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query(
                "INSERT INTO email_links \
                 (token_hash, purpose, user_id, email, replaces, password_hash, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&hash)
            .bind(purpose)
            .bind(link.user_id)
            .bind(link.email)
            .bind(link.replaces)
            .bind(link.password_hash)
            .bind(now)
            .bind(expires_at)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        let mut url = self
            .origin
            .join(link.purpose.page())
            .expect("a path joins any origin");
        url.set_fragment(Some(&format!("token={}", token.encode())));
        Ok(url.into())
    }

    /// What a still-usable link carries, without using it up (so a weak new password can be
    /// refused and typed again). `None` for a token that is malformed, unknown, used, expired,
    /// superseded or made for another purpose.
    pub async fn peek(&self, purpose: Purpose, token: &str) -> Result<Option<Opened>, sqlx::Error> {
        let Some(hash) = self.hash(token) else {
            return Ok(None);
        };
        let sql = format!(
            "SELECT {OPENED} FROM email_links \
             WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3"
        );
        with_pool!(&self.db, |pool| {
            sqlx::query_as::<_, Opened>(&sql)
                .bind(&hash)
                .bind(purpose.as_str())
                .bind(clock::now_millis())
                .fetch_optional(pool)
                .await
        })
    }

    /// Uses the link up: of two requests with the same token, one gets what it carries and
    /// the other `None`, as does any token `peek` would refuse.
    pub async fn redeem(&self, purpose: Purpose, token: &str) -> Result<Option<Opened>, sqlx::Error> {
        let Some(hash) = self.hash(token) else {
            return Ok(None);
        };
        let sql = format!(
            "UPDATE email_links SET used_at = $1 \
             WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 \
             RETURNING {OPENED}"
        );
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            let opened = sqlx::query_as::<_, Opened>(&sql)
                .bind(clock::now_millis())
                .bind(&hash)
                .bind(purpose.as_str())
                .fetch_optional(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(opened)
        })
    }

    /// After an undo (`undo` is the link used): every unused link of the user stops working,
    /// except undo links older than it. So whoever changed the address twice cannot use the
    /// second change's undo to cancel the first one's, and the oldest address wins.
    pub async fn cancel_after_undo(&self, user_id: &str, undo: &Opened) -> Result<(), sqlx::Error> {
        const SQL: &str = "UPDATE email_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL \
             AND (purpose <> $3 OR created_at >= $4)";
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            sqlx::query(SQL)
                .bind(clock::now_millis())
                .bind(user_id)
                .bind(Purpose::UndoEmail.as_str())
                .bind(undo.created_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await
        })
    }

    fn hash(&self, token: &str) -> Option<Vec<u8>> {
        RefreshToken::parse(token).map(|token| token.keyed_hash(&self.hash_key))
    }
}
