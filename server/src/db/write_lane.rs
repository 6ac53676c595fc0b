//! Write transactions, and one writer at a time per SQLite file, queued inside the process.
//!
//! SQLite allows one writer. A second `BEGIN IMMEDIATE` waits in SQLite's busy handler, which
//! sleeps in growing steps (up to 100 ms) instead of waking when the lock is released. Under
//! 16 concurrent refreshes the slowest waited ~240 ms (p99 in the load benchmark). So this
//! process's writers first queue on an async mutex, in arrival order, and reach SQLite one at
//! a time. Another process on the same file still meets the busy handler (and its timeout).

use std::{
    collections::HashMap,
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use rusqlite::OptionalExtension;
use sqlx::{Database, Sqlite, SqlitePool, Transaction, sqlite::SqliteRow};
use tokio::sync::OwnedMutexGuard;

use super::sqlite_writer::SqliteWriter;

/// A write transaction, holding its file's write lane (SQLite) until it ends.
pub struct WriteTx<DB: Database> {
    tx: Transaction<'static, DB>,
    _lane: Option<LaneGuard>,
}

impl<DB: Database> WriteTx<DB> {
    pub fn new(tx: Transaction<'static, DB>, lane: Option<LaneGuard>) -> Self {
        Self { tx, _lane: lane }
    }

    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl<DB: Database> Deref for WriteTx<DB> {
    type Target = DB::Connection;
    fn deref(&self) -> &DB::Connection {
        &self.tx
    }
}

impl<DB: Database> DerefMut for WriteTx<DB> {
    fn deref_mut(&mut self) -> &mut DB::Connection {
        &mut self.tx
    }
}

/// What the holder of a file's lane may use: the file's own writer connection, opened on
/// first use (`sqlite_writer.rs`).
#[derive(Default)]
pub struct LaneState {
    writer: Option<SqliteWriter>,
}

pub type LaneGuard = OwnedMutexGuard<LaneState>;

type Lane = Arc<tokio::sync::Mutex<LaneState>>;

static LANES: LazyLock<Mutex<HashMap<PathBuf, Lane>>> = LazyLock::new(Mutex::default);

/// Each file's writer, for reads that need no lane (`read_row`).
static READERS: LazyLock<Mutex<HashMap<PathBuf, SqliteWriter>>> = LazyLock::new(Mutex::default);

/// As long as a writer waits for the lane before the database counts as busy (503), like
/// SQLite's own busy timeout.
const WAIT: Duration = Duration::from_secs(5);

/// Runs `job` in one transaction-sized trip on the writer connection of `pool`'s file, inside
/// its lane. `Ok(None)` when there is no such connection (an in-memory database, or it could
/// not be opened) or the job failed: the caller then takes its ordinary path.
pub async fn run_on_writer<T: Send + 'static>(
    pool: &SqlitePool,
    job: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<Option<T>, sqlx::Error> {
    let mut lane = enter(pool).await?;
    let options = pool.connect_options();
    Ok(match open_writer(&mut lane, options.get_filename()) {
        Some(writer) => writer.run(job).await,
        None => None,
    })
}

/// The writer of `file`, opened unless it is open and alive; `None` for an in-memory database
/// or one that cannot be opened.
fn open_writer(lane: &mut LaneState, file: &Path) -> Option<SqliteWriter> {
    if !lane.writer.as_ref().is_some_and(SqliteWriter::is_alive) {
        lane.writer = None;
        if file.is_file() {
            match SqliteWriter::open(file) {
                Ok(writer) => {
                    READERS
                        .lock()
                        .expect("readers lock")
                        .insert(file.to_path_buf(), writer.clone());
                    lane.writer = Some(writer);
                }
                Err(err) => tracing::warn!(error = %err, "cannot open the SQLite writer connection"),
            }
        }
    }
    lane.writer.clone()
}

/// The writer of `pool`'s file for a read: the open one without waiting for the lane, or else
/// one opened in the lane (a moment's wait, once per idle period).
async fn writer_for_read(pool: &SqlitePool) -> Option<SqliteWriter> {
    let options = pool.connect_options();
    let file = options.get_filename();
    let open = READERS
        .lock()
        .expect("readers lock")
        .get(file)
        .filter(|w| w.is_alive())
        .cloned();
    if open.is_some() || !file.is_file() {
        return open;
    }
    open_writer(&mut *enter(pool).await.ok()?, file)
}

/// Reads at most one row by `key` with `sql` (its one parameter `$1`) on the writer connection
/// of `pool`'s file, between its writes and without the lane: one trip to a thread, where a
/// read through sqlx's pool takes several (acquiring, the statement, the rows, the ping on
/// release). Through sqlx for an in-memory database, or when the writer cannot be opened.
/// `from_row` mirrors `T`'s `sqlx::FromRow`, column for column.
pub async fn read_row<K, T>(
    pool: &SqlitePool,
    sql: &'static str,
    key: K,
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, sqlx::Error>
where
    K: rusqlite::ToSql + for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + Clone + Send + 'static,
    T: for<'r> sqlx::FromRow<'r, SqliteRow> + Send + Unpin + 'static,
{
    if let Some(writer) = writer_for_read(pool).await {
        let on_writer = key.clone();
        let read = move |connection: &mut rusqlite::Connection| {
            connection
                .prepare_cached(sql)?
                .query_row([on_writer], from_row)
                .optional()
        };
        if let Some(row) = writer.run(read).await {
            return Ok(row);
        }
    }
    sqlx::query_as(sql).bind(key).fetch_optional(pool).await
}

/// Waits for the write lane of `pool`'s database file.
pub async fn enter(pool: &SqlitePool) -> Result<LaneGuard, sqlx::Error> {
    let file = pool.connect_options().get_filename().to_path_buf();
    let lane = LANES
        .lock()
        .expect("write lanes lock")
        .entry(file)
        .or_default()
        .clone();
    tokio::time::timeout(WAIT, lane.lock_owned())
        .await
        .map_err(|_| sqlx::Error::PoolTimedOut)
}
