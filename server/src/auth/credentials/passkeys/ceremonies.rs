//! WebAuthn ceremonies between their options and their finish, kept in the database so that
//! any instance can finish what another began: single-use (taken by a DELETE), five minutes.
//! The browser holds a random id; the table holds its SHA-256. Each holder (an account for a
//! registration, a client address for a sign-in) keeps at most a few open: a new one past
//! that replaces the holder's oldest, so one party cannot fill the table for everybody.

use std::time::Duration;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use ring::{
    digest::{SHA256, digest},
    rand::{SecureRandom, SystemRandom},
};

use crate::{
    clock,
    db::{Db, WritePool},
    with_pool,
};

/// How long a ceremony may take, options to finish.
pub const LIFETIME: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Register,
    Authenticate,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Register => "register",
            Kind::Authenticate => "authenticate",
        }
    }

    /// How many ceremonies of this kind one holder may keep open. A sign-in page opens one
    /// per load (autofill), and a household or office may share an address.
    fn per_holder(self) -> i64 {
        match self {
            Kind::Register => 4,
            Kind::Authenticate => 32,
        }
    }
}

/// A ceremony taken for its finish: the account it was begun for (registrations) and the
/// relying party's state, as JSON.
pub struct Taken {
    pub user_id: Option<String>,
    pub state: String,
}

fn id_hash(id: &str) -> Vec<u8> {
    digest(&SHA256, id.as_bytes()).as_ref().to_vec()
}

/// Stores a new ceremony and returns the id the browser sends back with its finish.
pub async fn open(
    db: &Db,
    kind: Kind,
    holder: &str,
    user_id: Option<&str>,
    state: &str,
) -> Result<String, sqlx::Error> {
    let mut bytes = [0u8; 32];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| sqlx::Error::Protocol("no randomness for a ceremony id".into()))?;
    let id = URL_SAFE_NO_PAD.encode(bytes);
    let now = clock::now_millis();
    let expires_at = now + i64::try_from(LIFETIME.as_millis()).unwrap_or(i64::MAX);
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        sqlx::query("DELETE FROM passkey_ceremonies WHERE expires_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?;
        // Keep the holder's newest (cap - 1), making room for this one.
        sqlx::query(
            "DELETE FROM passkey_ceremonies WHERE id_hash IN (SELECT id_hash FROM passkey_ceremonies \
             WHERE holder = $1 AND kind = $2 ORDER BY created_at DESC LIMIT 1000000 OFFSET $3)",
        )
        .bind(holder)
        .bind(kind.as_str())
        .bind(kind.per_holder() - 1)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO passkey_ceremonies (id_hash, kind, holder, user_id, state, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id_hash(&id))
        .bind(kind.as_str())
        .bind(holder)
        .bind(user_id)
        .bind(state)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    });
    Ok(id)
}

/// Takes the ceremony: whatever the finish then decides, it cannot be used again. `None` when
/// it is unknown, of another kind, already taken, or expired.
pub async fn take(db: &Db, id: &str, kind: Kind) -> Result<Option<Taken>, sqlx::Error> {
    let now = clock::now_millis();
    let row: Option<(Option<String>, String, i64)> = with_pool!(db, |pool| {
        sqlx::query_as(
            "DELETE FROM passkey_ceremonies WHERE id_hash = $1 AND kind = $2 \
             RETURNING user_id, state, expires_at",
        )
        .bind(id_hash(id))
        .bind(kind.as_str())
        .fetch_optional(pool)
        .await?
    });
    Ok(row
        .filter(|(_, _, expires_at)| *expires_at > now)
        .map(|(user_id, state, _)| Taken { user_id, state }))
}
