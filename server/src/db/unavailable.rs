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
