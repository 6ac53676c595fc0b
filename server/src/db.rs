//! The connection pool for whichever backend `DATABASE_URL` names, and its migrations.

mod sqlite_writer;
mod unavailable;
mod write_lane;

pub use unavailable::Unavailable;
pub use write_lane::{WriteTx, read_row, run_on_writer};

use std::{future::Future, pin::Pin, str::FromStr, time::Duration};

use sqlx::{
    Connection, PgPool, SqlitePool,
    postgres::PgPoolOptions,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

/// Runs the same code against whichever pool `db` holds. The SQL text is shared by both
/// backends: `$N` placeholders (SQLite accepts them too) and column types both read alike
/// (TEXT ids, BIGINT Unix-millisecond times, BLOB/BYTEA bytes).
#[macro_export]
macro_rules! with_pool {
    ($db:expr, |$pool:ident| $body:expr) => {
        match $db {
            $crate::db::Db::Sqlite($pool) => $body,
            $crate::db::Db::Postgres($pool) => $body,
        }
    };
}

/// A transaction that holds the write lock it needs from its first statement, so two
/// rotations of one session can never interleave: PostgreSQL locks rows (`FOR UPDATE`),
/// SQLite takes the database write lock up front (`BEGIN IMMEDIATE`).
pub trait WritePool {
    type Database: sqlx::Database;
    /// Appended to a SELECT that must lock the rows it reads.
    const FOR_UPDATE: &'static str;
    /// A statement that tells other instances something (channel `$1`, payload `$2`; see
    /// `auth::sessions::broadcast`), delivered when the transaction commits; none for the single-node
    /// backend.
    const NOTIFY: Option<&'static str>;
    // Boxed: an `async fn` here trips the compiler's "Send is not general enough" limitation
    // once the future is awaited inside an axum handler.
    fn begin_write(&self) -> BoxFuture<'_, WriteTx<Self::Database>>;
}

/// `P::FOR_UPDATE` for a pool whose type is known only inside `with_pool!`.
pub fn for_update<P: WritePool>(_: &P) -> &'static str {
    P::FOR_UPDATE
}

/// `P::NOTIFY` for a pool whose type is known only inside `with_pool!`.
pub fn notify_statement<P: WritePool>(_: &P) -> Option<&'static str> {
    P::NOTIFY
}

/// A boxed database future: what `WritePool` and `Advance` return, so they stay `Send` inside
/// axum handlers.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, sqlx::Error>> + Send + 'a>>;

impl WritePool for SqlitePool {
    type Database = sqlx::Sqlite;
    const FOR_UPDATE: &'static str = "";
    // The processes sharing the file follow this table (`broadcast::follow_file`).
    const NOTIFY: Option<&'static str> = Some(
        "INSERT INTO instance_notices (channel, payload, at) \
         VALUES ($1, $2, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))",
    );
    fn begin_write(&self) -> BoxFuture<'_, WriteTx<sqlx::Sqlite>> {
        Box::pin(async move {
            let lane = write_lane::enter(self).await?;
            Ok(WriteTx::new(
                self.begin_with("BEGIN IMMEDIATE").await?,
                Some(lane),
            ))
        })
    }
}

impl WritePool for PgPool {
    type Database = sqlx::Postgres;
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const NOTIFY: Option<&'static str> = Some("SELECT pg_notify($1, $2)");
    fn begin_write(&self) -> BoxFuture<'_, WriteTx<sqlx::Postgres>> {
        Box::pin(async move { Ok(WriteTx::new(self.begin().await?, None)) })
    }
}

/// How long a request waits for a free connection before the database counts as unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// How long a SQLite writer waits for another process's write lock (every connection to the
/// file, sqlx's and the rotation writer's, uses it).
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Result<Self, DbError> {
        if url.starts_with("sqlite:") {
            Ok(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres)
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL must start with sqlite: or postgres://")]
    UnsupportedUrl,
    #[error("could not connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("could not apply database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Db {
    /// Connects and brings the schema up to date. A SQLite file is created if missing.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, DbError> {
        let db = match Backend::of_url(url)? {
            Backend::Sqlite => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(DbError::Connect)?
                    .create_if_missing(true)
                    // WAL lets readers proceed during a write; the busy timeout makes concurrent
                    // writers wait their turn instead of failing with SQLITE_BUSY.
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    // A COMMIT refused by a full disk is rolled back by SQLite itself, but sqlx
                    // still counts the transaction as open, and every later BEGIN on that
                    // connection would fail: such a connection is dropped, not reused. (sqlx
                    // pings each connection as it comes back to the pool, which runs any queued
                    // rollback first; a ping here too cost every query another round trip to
                    // SQLite's worker thread.)
                    .before_acquire(|conn, _| Box::pin(async move { Ok(!conn.is_in_transaction()) }))
                    .connect_with(options)
                    .await
                    .map_err(DbError::Connect)?;
                Db::Sqlite(pool)
            }
            Backend::Postgres => {
                let pool = PgPoolOptions::new()
                    .max_connections(max_connections)
                    .acquire_timeout(ACQUIRE_TIMEOUT)
                    .connect(url)
                    .await
                    .map_err(DbError::Connect)?;
                Db::Postgres(pool)
            }
        };
        db.migrate().await?;
        Ok(db)
    }

    async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Db::Sqlite(pool) => sqlx::migrate!("./migrations/sqlite").run(pool).await?,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
            Db::Postgres(pool) => sqlx::query("SELECT 1").execute(pool).await.map(drop),
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }

    /// The pool's open connections and how many of them are idle (for `/metrics`).
    pub fn pool_use(&self) -> (u32, usize) {
        match self {
            Db::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }
}
