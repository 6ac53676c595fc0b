//! A connection of its own for the hottest write, a refresh token's rotation, on SQLite.
//!
//! sqlx runs each SQLite statement on the connection's worker thread and hands the result
//! back: one trip between threads per statement. A rotation is BEGIN, three writes and
//! COMMIT, all inside the file's write lane, so under 16 concurrent refreshes the lane was
//! held for five thread trips each, and refresh throughput was bound by that hand-off rather
//! than by SQLite (which spends ~50 µs on the writes themselves). Here the whole transaction
//! is one closure run on a thread that owns a rusqlite connection: one trip per rotation.
//!
//! Hot reads of one row (`read_row`: the rotation's token holder, `GET /api/me`'s account) run
//! here too, between writes and without the lane: one trip instead of sqlx's several.
//!
//! A write job still runs inside the write lane, so it is serialised with sqlx's writers
//! exactly as they are with one another. A job that fails leaves nothing written (its
//! transaction rolls back) and the caller takes its ordinary path, which reports the error as
//! sqlx's.

use std::{
    path::Path,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
        mpsc::{Sender, channel},
    },
    time::Duration,
};

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// A writer with nothing to do for this long closes its connection and ends its thread; the
/// next rotation or hot read opens another.
const IDLE: Duration = Duration::from_secs(60);

/// A handle on the writer's thread; clones send to the same thread and connection.
#[derive(Clone)]
pub struct SqliteWriter {
    jobs: Sender<Job>,
    alive: Arc<AtomicBool>,
}

impl SqliteWriter {
    /// Opens `file` (which sqlx created and migrated, in WAL mode) on a thread of its own.
    pub fn open(file: &Path) -> rusqlite::Result<SqliteWriter> {
        let mut connection = Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // As sqlx's connections are set up in `Db::connect`.
        connection.busy_timeout(super::SQLITE_BUSY_TIMEOUT)?;
        connection.pragma_update(None, "foreign_keys", true)?;
        connection.pragma_update(None, "synchronous", "NORMAL")?;
        let (jobs, queue) = channel::<Job>();
        let alive = Arc::new(AtomicBool::new(true));
        let running = alive.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || {
                while let Ok(job) = queue.recv_timeout(IDLE) {
                    job(&mut connection);
                }
                // A job sent after this is dropped with the queue: its caller gets `None`.
                running.store(false, Ordering::Release);
            })
            .expect("a thread for the SQLite writer");
        Ok(SqliteWriter { jobs, alive })
    }

    pub fn is_alive(&self) -> bool {
        self.alive.load(Ordering::Acquire)
    }

    /// Runs `job` on the writer's connection; `None` if the writer is gone or the job failed.
    pub async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Option<T> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move |connection| {
            let outcome = job(connection);
            if let Err(err) = &outcome {
                tracing::warn!(error = %err, "the SQLite writer's job failed; taking the ordinary path");
            }
            let _ = answer.send(outcome.ok());
        });
        self.jobs.send(job).ok()?;
        answered.await.ok().flatten()
    }
}
