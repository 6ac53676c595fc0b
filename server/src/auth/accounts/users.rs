//! Accounts: an email (confirmed or not) and a password hash.

use crate::auth::{
    accounts::email::Email, accounts::links, accounts::profiles::Profiles,
};
use crate::{
    clock,
    db::{Db, WritePool, read_row},
    with_pool,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
    /// When the address was confirmed from a mailed link; `None` until then.
    pub email_verified_at: Option<i64>,
}

#[derive(Debug)]
pub struct EmailTaken;

/// A `SELECT` of a `User` with the given `WHERE` clause.
macro_rules! select_where {
    ($condition:literal) => {
        concat!(
            "SELECT id, email, password_hash, created_at, email_verified_at FROM users WHERE ",
            $condition
        )
    };
}

impl User {
    /// The rusqlite twin of the `sqlx::FromRow` derive, for `read_row`.
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(User {
            id: row.get(0)?,
            email: row.get(1)?,
            password_hash: row.get(2)?,
            created_at: row.get(3)?,
            email_verified_at: row.get(4)?,
        })
    }
}

pub async fn create(
    db: &Db,
    email: &Email,
    password_hash: String,
) -> Result<Result<User, EmailTaken>, sqlx::Error> {
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.as_str().to_string(),
        password_hash,
        created_at: clock::now_millis(),
        email_verified_at: None,
    };
    // An address reserved by a live undo link is taken too, checked in the same statement.
    let sql = format!(
        "INSERT INTO users (id, email, password_hash, created_at) SELECT $1, $2, $3, $4 \
         WHERE NOT EXISTS (SELECT 1 FROM email_links WHERE {})",
        links::reserving("$2", "$4")
    );
    let inserted = with_pool!(db, |pool| {
        sqlx::query(&sql)
            .bind(&user.id)
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(user.created_at)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
    });
    match inserted {
        Ok(0) => Ok(Err(EmailTaken)),
        Ok(_) => Ok(Ok(user)),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(Err(EmailTaken)),
        Err(err) => Err(err),
    }
}

pub async fn by_email(db: &Db, email: &Email) -> Result<Option<User>, sqlx::Error> {
    with_pool!(db, |pool| {
        sqlx::query_as::<_, User>(select_where!("email = $1"))
            .bind(email.as_str())
            .fetch_optional(pool)
            .await
    })
}

/// The account with this id. On SQLite, read on the file's writer connection (`read_row`):
/// every `GET /api/me` asks, so the fewest trips between threads count.
pub async fn by_id(db: &Db, id: &str) -> Result<Option<User>, sqlx::Error> {
    const BY_ID: &str = select_where!("id = $1");
    match db {
        Db::Sqlite(pool) => read_row(pool, BY_ID, id.to_owned(), User::from_row).await,
        Db::Postgres(pool) => sqlx::query_as(BY_ID).bind(id).fetch_optional(pool).await,
    }
}

/// Tells the other instances, when the transaction commits, that these accounts' profiles
/// changed (`profiles.rs`). Every write to what `GET /api/me` shows goes through here.
macro_rules! tell_others {
    ($pool:expr, $tx:expr, $ids:expr) => {
        if let Some(notify) = $crate::db::notify_statement($pool) {
            for id in $ids {
                sqlx::query(notify)
                    .bind($crate::auth::sessions::broadcast::ACCOUNT_CHANGED)
                    .bind(id)
                    .execute(&mut *$tx)
                    .await?;
            }
        }
    };
}
pub(crate) use tell_others;

/// Confirms an unconfirmed account's address (a sign-up link sent to it was opened), sets
/// the password typed with that sign-up, and cancels the account's other sign-up links. False
/// if the account is gone or already confirmed: a confirmed account's password is never
/// replaced by a sign-up link.
pub async fn confirm(
    db: &Db,
    profiles: &Profiles,
    id: &str,
    password_hash: Option<&str>,
) -> Result<bool, sqlx::Error> {
    const SQL: &str = "UPDATE users SET email_verified_at = $1, \
         password_hash = COALESCE($2, password_hash) WHERE id = $3 AND email_verified_at IS NULL";
    let now = clock::now_millis();
    // Forgotten whatever the outcome: a commit that failed may still have happened.
    let updated = with_pool!(db, |pool| async {
        let mut tx = pool.begin_write().await?;
        let updated = sqlx::query(SQL)
            .bind(now)
            .bind(password_hash)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query(links::CANCEL_SIGN_UPS)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tell_others!(pool, tx, [id]);
        tx.commit().await?;
        Ok::<_, sqlx::Error>(updated > 0)
    }
    .await);
    profiles.forget(id);
    updated
}

/// Makes `to` (just proven to be the user's mailbox) the account's address, confirmed. When
/// `evict_unconfirmed`, an account that holds `to` without ever having confirmed it is
/// deleted first: it was made by someone who does not own the mailbox, and must not block its
/// owner (e.g. from undoing a hijacker's change). `Err(EmailTaken)` if a confirmed account
/// holds it, or another account's live undo link reserves it; `Ok(false)` if the user is gone.
/// The account's sign-up links are cancelled: its address is confirmed now.
pub async fn take_address(
    db: &Db,
    profiles: &Profiles,
    id: &str,
    to: &str,
    evict_unconfirmed: bool,
) -> Result<Result<bool, EmailTaken>, sqlx::Error> {
    const EVICT: &str =
        "DELETE FROM users WHERE email = $1 AND email_verified_at IS NULL AND id <> $2 RETURNING id";
    let reserved = format!(
        "SELECT COUNT(*) FROM email_links WHERE user_id <> $3 AND {}",
        links::reserving("$1", "$2")
    );
    let now = clock::now_millis();
    let mut changed = vec![id.to_owned()];
    let updated = with_pool!(db, |pool| async {
        let mut tx = pool.begin_write().await?;
        let reserved: i64 = sqlx::query_scalar(&reserved)
            .bind(to)
            .bind(now)
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if reserved > 0 {
            return Ok(Err(EmailTaken));
        }
        if evict_unconfirmed {
            let evicted: Vec<(String,)> = sqlx::query_as(EVICT)
                .bind(to)
                .bind(id)
                .fetch_all(&mut *tx)
                .await?;
            changed.extend(evicted.into_iter().map(|(id,)| id));
        }
        let updated = sqlx::query("UPDATE users SET email = $1, email_verified_at = $2 WHERE id = $3")
            .bind(to)
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await;
        match updated {
            Ok(done) => {
                sqlx::query(links::CANCEL_SIGN_UPS)
                    .bind(now)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                tell_others!(pool, tx, &changed);
                tx.commit().await?;
                Ok(Ok(done.rows_affected() > 0))
            }
            Err(err) => Err(err),
        }
    }
    .await);
    for id in &changed {
        profiles.forget(id);
    }
    match updated {
        Ok(done) => Ok(done),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(Err(EmailTaken)),
        Err(err) => Err(err),
    }
}
