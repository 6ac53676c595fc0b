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
    path::PathBuf,
    sync::{Arc, LazyLock, Mutex},
    time::Duration,
};

use sqlx::{Database, SqlitePool, Transaction};
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

/// Each file's writer, for reads that need no lane (`read_on_writer`).
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
    let file = pool.connect_options().get_filename().to_path_buf();
    if !lane.writer.as_ref().is_some_and(SqliteWriter::is_alive) {
        lane.writer = None;
        if file.is_file() {
            match SqliteWriter::open(&file) {
                Ok(writer) => {
                    READERS
                        .lock()
                        .expect("readers lock")
                        .insert(file.clone(), writer.clone());
                    lane.writer = Some(writer);
                }
                Err(err) => tracing::warn!(error = %err, "cannot open the SQLite writer connection"),
            }
        }
    }
    Ok(match &lane.writer {
        Some(writer) => writer.run(job).await,
        None => None,
    })
}

/// Runs a read-only `job` on the writer connection of `pool`'s file, between its writes and
/// without the lane: one trip to a thread, where a read through sqlx's pool takes several
/// (acquiring, the statement, the rows, the ping on release). `None` when the writer has not
/// been opened yet or has ended (idle): the caller reads through sqlx.
pub async fn read_on_writer<T: Send + 'static>(
    pool: &SqlitePool,
    job: impl FnOnce(&mut rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Option<T> {
    let options = pool.connect_options();
    let writer = READERS
        .lock()
        .expect("readers lock")
        .get(options.get_filename())?
        .clone();
    if !writer.is_alive() {
        return None;
    }
    writer.run(job).await
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
