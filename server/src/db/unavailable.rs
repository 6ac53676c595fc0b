//! Telling a database that cannot work *now* from a bug: an unreachable or busy database,
//! and storage that is full or read-only, are answered 503 with `Retry-After` (the client
//! waits and retries, nobody is signed out) instead of 500.

use sqlx::error::DatabaseError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// No connection: the server is down, restarting, or refusing connections.
    Unreachable,
    /// Another writer held the lock too long, or the server is saturated.
    Busy,
    /// The disk is full: nothing can be written until an operator frees space.
    StorageFull,
    /// The files cannot be written (a read-only mount, an I/O error).
    StorageReadOnly,
}

impl Unavailable {
    pub fn of(err: &sqlx::Error) -> Option<Self> {
        match err {
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => {
                Some(Self::Unreachable)
            }
            sqlx::Error::Database(db) => Self::of_database(db.as_ref()),
            _ => None,
        }
    }

    /// Whether an operator has to act (as opposed to a state that passes by itself).
    pub fn needs_an_operator(self) -> bool {
        matches!(self, Self::StorageFull | Self::StorageReadOnly)
    }

    fn of_database(err: &dyn DatabaseError) -> Option<Self> {
        let code = err.code()?;
        if err.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
            // Primary result codes (the low byte of an extended code): BUSY, LOCKED, READONLY,
            // IOERR, FULL, CANTOPEN.
            return match code.parse::<i32>().ok()? & 0xff {
                5 | 6 => Some(Self::Busy),
                13 => Some(Self::StorageFull),
                8 | 10 | 14 => Some(Self::StorageReadOnly),
                _ => None,
            };
        }
        match code.as_ref() {
            "55P03" | "53300" => Some(Self::Busy),
            "57P01" | "57P02" | "57P03" => Some(Self::Unreachable),
            code if code.starts_with("08") => Some(Self::Unreachable),
            "53100" => Some(Self::StorageFull),
            "25006" | "58030" => Some(Self::StorageReadOnly),
            _ => None,
        }
    }
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Unreachable => "the database cannot be reached",
            Self::Busy => "the database is busy",
            Self::StorageFull => "the database's storage is full: free disk space",
            Self::StorageReadOnly => "the database's files cannot be written: check the file system",
        })
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use sqlx::{
        Connection, Executor, SqliteConnection,
        sqlite::{SqliteConnectOptions, SqliteJournalMode},
    };

    use super::*;

    async fn open(path: &std::path::Path, read_only: bool) -> SqliteConnection {
        let options = SqliteConnectOptions::from_str(&format!("sqlite:{}", path.display()))
            .unwrap()
            .create_if_missing(!read_only)
            .read_only(read_only)
            .journal_mode(SqliteJournalMode::Wal);
        SqliteConnection::connect_with(&options).await.unwrap()
    }

    /// Real SQLite errors, not made-up codes: a read-only file, a full one, a held lock.
    #[tokio::test]
    async fn sqlite_storage_and_lock_errors_are_unavailable_not_bugs() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let mut writer = open(&path, false).await;
        writer.execute("CREATE TABLE t (x BLOB)").await.unwrap();

        let mut reader = open(&path, true).await;
        let read_only = reader.execute("INSERT INTO t VALUES (x'00')").await.unwrap_err();
        assert_eq!(
            Unavailable::of(&read_only),
            Some(Unavailable::StorageReadOnly),
            "{read_only}"
        );

        // The file may not grow past its current pages: what a full disk looks like to SQLite.
        writer.execute("PRAGMA max_page_count = 3").await.unwrap();
        let full = writer
            .execute("INSERT INTO t VALUES (zeroblob(100000))")
            .await
            .unwrap_err();
        assert_eq!(Unavailable::of(&full), Some(Unavailable::StorageFull), "{full}");
        assert!(Unavailable::StorageFull.needs_an_operator());

        writer.execute("PRAGMA max_page_count = 1000000").await.unwrap();
        writer.execute("BEGIN IMMEDIATE").await.unwrap();
        let mut other = open(&path, false).await;
        other.execute("PRAGMA busy_timeout = 0").await.unwrap();
        let busy = other.execute("BEGIN IMMEDIATE").await.unwrap_err();
        assert_eq!(Unavailable::of(&busy), Some(Unavailable::Busy), "{busy}");
        assert!(!Unavailable::Busy.needs_an_operator());

        let bug = writer.execute("SELECT * FROM no_such_table").await.unwrap_err();
        assert_eq!(Unavailable::of(&bug), None, "a bug stays a 500");
    }
}
