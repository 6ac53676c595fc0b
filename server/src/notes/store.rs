//! Where notes are kept: one table, every query scoped to the owner, on either backend.

use app::notes::{NOTES_PER_ACCOUNT, Note};

use crate::{
    clock,
    db::{Db, WritePool},
    with_pool,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    text: String,
    created_at: i64,
}

impl From<Row> for Note {
    fn from(row: Row) -> Note {
        Note {
            id: row.id,
            text: row.text,
            created_at: clock::rfc3339(row.created_at),
        }
    }
}

/// The owner's notes, newest first.
pub async fn list(db: &Db, owner: &str) -> Result<Vec<Note>, sqlx::Error> {
    let rows: Vec<Row> = with_pool!(db, |pool| {
        sqlx::query_as(
            "SELECT id, text, created_at FROM notes WHERE user_id = $1 \
             ORDER BY created_at DESC, id DESC",
        )
        .bind(owner)
        .fetch_all(pool)
        .await?
    });
    Ok(rows.into_iter().map(Note::from).collect())
}

/// Adds a note; `None` when the owner already keeps as many as an account may. The count and
/// the insert share one write transaction, so two adds at once cannot both pass the limit.
pub async fn add(db: &Db, owner: &str, text: &str) -> Result<Option<Note>, sqlx::Error> {
    // Time-ordered ids (UUIDv7): notes added in the same millisecond still list newest first.
    let row = Row {
        id: uuid::Uuid::now_v7().to_string(),
        text: text.to_owned(),
        created_at: clock::now_millis(),
    };
    let added = with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let (held,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notes WHERE user_id = $1")
            .bind(owner)
            .fetch_one(&mut *tx)
            .await?;
        if held >= NOTES_PER_ACCOUNT as i64 {
            return Ok(None);
        }
        sqlx::query("INSERT INTO notes (id, user_id, text, created_at) VALUES ($1, $2, $3, $4)")
            .bind(&row.id)
            .bind(owner)
            .bind(&row.text)
            .bind(row.created_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        true
    });
    Ok(added.then(|| Note::from(row)))
}

/// Deletes one of the owner's notes; false when the owner has no note with that id (another
/// account's included: nobody learns that it exists).
pub async fn delete(db: &Db, owner: &str, id: &str) -> Result<bool, sqlx::Error> {
    Ok(delete_where(db, "id = $1 AND user_id = $2", &[id, owner]).await? == 1)
}

/// Deletes every note of the owner; how many there were.
pub async fn delete_all(db: &Db, owner: &str) -> Result<u64, sqlx::Error> {
    delete_where(db, "user_id = $1", &[owner]).await
}

/// A DELETE in a write transaction (on SQLite, the writers' one lane).
async fn delete_where(db: &Db, condition: &str, values: &[&str]) -> Result<u64, sqlx::Error> {
    let statement = format!("DELETE FROM notes WHERE {condition}");
    Ok(with_pool!(db, |pool| {
        let mut tx = pool.begin_write().await?;
        let mut query = sqlx::query(&statement);
        for value in values {
            query = query.bind(*value);
        }
        let deleted = query.execute(&mut *tx).await?.rows_affected();
        tx.commit().await?;
        deleted
    }))
}
