//! Accounts: an email and a password hash.

use super::email::Email;
use crate::{clock, db::Db, with_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub created_at: i64,
}

#[derive(Debug)]
pub struct EmailTaken;

const COLUMNS: &str = "id, email, password_hash, created_at";

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
    };
    const SQL: &str = "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)";
    let inserted = with_pool!(db, |pool| {
        sqlx::query(SQL)
            .bind(&user.id)
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(user.created_at)
            .execute(pool)
            .await
            .map(drop)
    });
    match inserted {
        Ok(_) => Ok(Ok(user)),
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => Ok(Err(EmailTaken)),
        Err(err) => Err(err),
    }
}

pub async fn by_email(db: &Db, email: &Email) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE email = $1");
    with_pool!(db, |pool| {
        sqlx::query_as::<_, User>(&sql)
            .bind(email.as_str())
            .fetch_optional(pool)
            .await
    })
}

pub async fn by_id(db: &Db, id: &str) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1");
    with_pool!(db, |pool| {
        sqlx::query_as::<_, User>(&sql)
            .bind(id)
            .fetch_optional(pool)
            .await
    })
}
