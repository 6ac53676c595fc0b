//! Single-use links mailed to an address: confirm a sign-up, reset the password, confirm a new
//! address, undo a change of address. The token is a 256-bit random value (the same kind as a
//! refresh token) that travels in the link's fragment and is stored only as a keyed hash.
//! A link works once, until it expires, and only while no newer link of its purpose was sent.

use std::time::Duration;

use url::Url;

use crate::auth::sessions::refresh_token::RefreshToken;
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

/// The condition on `email_links` rows that reserve the address bound at placeholder `email`
/// at the time bound at `now`: live undo links, which would put the address back.
pub fn reserving(email: &str, now: &str) -> String {
    format!("purpose = 'undo_email' AND email = {email} AND used_at IS NULL AND expires_at > {now}")
}

/// Cancels (at `$1`) every unused link of account `$2` but its undo links: what a password
/// change or reset does, so a link an intruder asked for dies with the intruder's password.
/// The undo links stay: they are the owner's way back if the address was moved.
pub const CANCEL_ALL_BUT_UNDO: &str =
    "UPDATE email_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL AND purpose <> 'undo_email'";

/// After an undo whose link was made at `$3`: every unused link of account `$2` stops
/// working, except undo links older than it. So whoever changed the address twice cannot use
/// the second change's undo to cancel the first one's, and the oldest address wins.
pub const CANCEL_AFTER_UNDO: &str = "UPDATE email_links SET used_at = $1 WHERE user_id = $2 \
     AND used_at IS NULL AND (purpose <> 'undo_email' OR created_at >= $3)";

/// Cancels (at `$1`) account `$2`'s unused sign-up links: its address is confirmed.
pub const CANCEL_SIGN_UPS: &str =
    "UPDATE email_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL AND purpose = 'verify_email'";

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

    /// Stores a new link, superseding the user's unused links of the same purpose, and returns
    /// its URL (the only place the token exists in clear). Undo links are never superseded
    /// (each change keeps its own), nor are sign-up links: each carries the password typed
    /// with its own sign-up, so a later sign-up by a stranger cannot void the owner's link.
    pub async fn issue(&self, link: NewLink<'_>) -> Result<String, sqlx::Error> {
        let token = RefreshToken::generate();
        let hash = token.keyed_hash(&self.hash_key);
        let now = clock::now_millis();
        let expires_at = now.saturating_add(i64::try_from(link.ttl.as_millis()).unwrap_or(i64::MAX));
        let purpose = link.purpose.as_str();
        let supersedes = !matches!(link.purpose, Purpose::UndoEmail | Purpose::VerifyEmail);
        with_pool!(&self.db, |pool| {
            let mut tx = pool.begin_write().await?;
            // Concurrent requests for one account queue here (a row lock on PostgreSQL), so
            // each supersedes the one before and exactly one link stays usable.
            sqlx::query("UPDATE users SET id = id WHERE id = $1")
                .bind(link.user_id)
                .execute(&mut *tx)
                .await?;
            if supersedes {
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

    /// Withdraws a link just issued whose change did not happen (`url` as `issue` made it).
    pub async fn withdraw(&self, url: &str) -> Result<(), sqlx::Error> {
        let token = url.rsplit_once("#token=").map(|(_, token)| token).unwrap_or_default();
        let Some(hash) = self.hash(token) else {
            return Ok(());
        };
        with_pool!(&self.db, |pool| {
            sqlx::query("UPDATE email_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL")
                .bind(clock::now_millis())
                .bind(&hash)
                .execute(pool)
                .await
                .map(drop)
        })
    }

    /// Whether `email` is reserved for the account it just left: a live undo link would put
    /// it back, so nobody else may take it meanwhile.
    pub async fn reserved(&self, email: &str) -> Result<bool, sqlx::Error> {
        let sql = format!("SELECT COUNT(*) FROM email_links WHERE {}", reserving("$1", "$2"));
        let count: i64 = with_pool!(&self.db, |pool| {
            sqlx::query_scalar(&sql)
                .bind(email)
                .bind(clock::now_millis())
                .fetch_one(pool)
                .await
        })?;
        Ok(count > 0)
    }

    fn hash(&self, token: &str) -> Option<Vec<u8>> {
        RefreshToken::parse(token).map(|token| token.keyed_hash(&self.hash_key))
    }
}
