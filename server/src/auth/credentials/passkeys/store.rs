//! Passkeys as stored: a row per credential, holding webauthn-rs's record of it as JSON, and
//! the account's random WebAuthn user handle. Every change that could leave an account
//! without a way in (deleting a passkey, removing the password) checks that in the same
//! write transaction, with the account's row locked.

use app::contract::EventKind;

use crate::auth::{accounts::events::NewEvent, accounts::users::tell_others, client::ClientInfo};
use crate::{
    clock,
    db::{Db, WritePool},
    with_pool,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredPasskey {
    pub id: String,
    pub user_id: String,
    /// The credential's id, as the authenticator made it.
    pub credential_id: Vec<u8>,
    /// webauthn-rs's `Passkey`, as JSON.
    pub passkey: String,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub backed_up: bool,
}

/// Whether the account has a password, and how many passkeys: read inside the caller's write
/// transaction, with the account's row locked, so two changes cannot both take the last way in.
macro_rules! ways_in {
    ($pool:expr, $tx:expr, $user_id:expr) => {{
        let hash: Option<String> = sqlx::query_scalar(&format!(
            "SELECT password_hash FROM users WHERE id = $1{}",
            $crate::db::for_update($pool)
        ))
        .bind($user_id)
        .fetch_optional(&mut *$tx)
        .await?;
        let passkeys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM passkeys WHERE user_id = $1")
            .bind($user_id)
            .fetch_one(&mut *$tx)
            .await?;
        (hash.is_some_and(|hash| !hash.is_empty()), passkeys)
    }};
}

const COLUMNS: &str = "id, user_id, credential_id, passkey, name, created_at, last_used_at, backed_up";

/// Why a change of credentials was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// No such passkey on this account.
    NotFound,
    /// It would leave the account without a password and without a passkey.
    LastCredential,
    /// The credential is registered already (on any account).
    Taken,
}

/// The account's user handle, made (16 random bytes) the first time it is asked for.
pub async fn user_handle(db: &Db, user_id: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let fresh = uuid::Uuid::new_v4().as_bytes().to_vec();
    with_pool!(db, |pool| {
        sqlx::query("UPDATE users SET passkey_handle = $2 WHERE id = $1 AND passkey_handle IS NULL")
            .bind(user_id)
            .bind(&fresh)
            .execute(pool)
            .await?;
        sqlx::query_scalar("SELECT passkey_handle FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
    })
    .map(Option::flatten)
}

/// The account whose user handle this is.
pub async fn user_of_handle(db: &Db, handle: &[u8]) -> Result<Option<String>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_scalar("SELECT id FROM users WHERE passkey_handle = $1")
            .bind(handle)
            .fetch_optional(pool)
            .await
    })
}

/// The account's user handle, if it was ever made (read only).
pub async fn handle_of(db: &Db, user_id: &str) -> Result<Option<Vec<u8>>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_scalar("SELECT passkey_handle FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await
    })
    .map(Option::flatten)
}

/// The account's passkeys, newest first.
pub async fn of_user(db: &Db, user_id: &str) -> Result<Vec<StoredPasskey>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at DESC, id");
    with_pool!(db, |pool| sqlx::query_as(&sql)
        .bind(user_id)
        .fetch_all(pool)
        .await)
}

pub async fn by_credential_id(db: &Db, credential_id: &[u8]) -> Result<Option<StoredPasskey>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM passkeys WHERE credential_id = $1");
    with_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(credential_id)
            .fetch_optional(pool)
            .await
    })
}

impl StoredPasskey {
    /// The INSERT, for the caller to execute in its own transaction; it stores nothing (zero
    /// rows) when the credential is known already.
    pub fn insert<'a, DB: sqlx::Database>(&'a self) -> sqlx::query::Query<'a, DB, DB::Arguments<'a>>
    where
        &'a str: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        &'a [u8]: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        i64: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
        bool: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    {
        let passkey = self;
        sqlx::query(
            "INSERT INTO passkeys (id, user_id, credential_id, passkey, name, created_at, last_used_at, backed_up) \
             VALUES ($1, $2, $3, $4, $5, $6, NULL, $7) ON CONFLICT (credential_id) DO NOTHING",
        )
        .bind(passkey.id.as_str())
        .bind(passkey.user_id.as_str())
        .bind(self.credential_id.as_slice())
        .bind(passkey.passkey.as_str())
        .bind(passkey.name.as_str())
        .bind(passkey.created_at)
        .bind(passkey.backed_up)
    }
}

/// Stores a newly registered passkey with its event, unless the credential is known already.
pub async fn insert(
    db: &Db,
    made: &StoredPasskey,
    event: &NewEvent<'_>,
) -> Result<Result<(), Refused>, sqlx::Error> {
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let inserted = made.insert().execute(&mut *tx).await?.rows_affected();
        if inserted == 0 {
            return Ok(Err(Refused::Taken));
        }
        event.insert().execute(&mut *tx).await?;
        tx.commit().await?;
    });
    Ok(Ok(()))
}

/// Records a use: the credential's new counter and flags, and when.
pub async fn used(db: &Db, id: &str, passkey: &str, backed_up: bool) -> Result<(), sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query("UPDATE passkeys SET passkey = $2, backed_up = $3, last_used_at = $4 WHERE id = $1")
            .bind(id)
            .bind(passkey)
            .bind(backed_up)
            .bind(clock::now_millis())
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// Renames one of the account's passkeys; the row as it now is.
pub async fn rename(
    db: &Db,
    user_id: &str,
    id: &str,
    name: &str,
) -> Result<Option<StoredPasskey>, sqlx::Error> {
    let sql = format!("UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING {COLUMNS}");
    with_pool!(db, |pool| {
        sqlx::query_as(&sql)
            .bind(id)
            .bind(user_id)
            .bind(name)
            .fetch_optional(pool)
            .await
    })
}

/// Deletes one of the account's passkeys (with its event) unless it is the account's last way
/// in. `Ok(name)` of the deleted passkey.
pub async fn delete(
    db: &Db,
    user_id: &str,
    id: &str,
    client: &ClientInfo,
    session_id: &str,
) -> Result<Result<String, Refused>, sqlx::Error> {
    let event = NewEvent::new(user_id, EventKind::PasskeyRemoved, client, Some(session_id));
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let (has_password, passkeys) = ways_in!(pool, tx, user_id);
        let name: Option<String> =
            sqlx::query_scalar("SELECT name FROM passkeys WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .fetch_optional(&mut *tx)
                .await?;
        let Some(name) = name else {
            return Ok(Err(Refused::NotFound));
        };
        if !has_password && passkeys <= 1 {
            return Ok(Err(Refused::LastCredential));
        }
        sqlx::query("DELETE FROM passkeys WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        event.insert().execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Ok(name))
    })
}

/// Empties the account's password (nothing verifies against an empty hash) unless it has no
/// passkey to sign in with instead. `Ok(false)`: it had none already, and nothing changed.
pub async fn remove_password(
    db: &Db,
    user_id: &str,
    client: &ClientInfo,
    session_id: &str,
) -> Result<Result<bool, Refused>, sqlx::Error> {
    let event = NewEvent::new(user_id, EventKind::PasswordRemoved, client, Some(session_id));
    with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let (has_password, passkeys) = ways_in!(pool, tx, user_id);
        if passkeys == 0 {
            return Ok(Err(Refused::LastCredential));
        }
        if !has_password {
            return Ok(Ok(false));
        }
        sqlx::query("UPDATE users SET password_hash = '' WHERE id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        event.insert().execute(&mut *tx).await?;
        tell_others!(pool, tx, [user_id]);
        tx.commit().await?;
        Ok(Ok(true))
    })
}
