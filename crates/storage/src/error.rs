use thiserror::Error;

/// What can go wrong in the storage layer. Messages never contain secrets.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot connect to the database at {0}: {1}")]
    Connect(String, String),
    #[error("{0}")]
    Config(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness or reference rule of the data was broken; the message
    /// says which, in plain English.
    #[error("{0}")]
    Conflict(String),
    /// A value in the database that the code does not know.
    #[error("unexpected data: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
}

impl StoreError {
    /// Did the database give up waiting for another writer (SQLite busy or
    /// locked; PostgreSQL lock timeout, serialization failure, deadlock), or
    /// the pool for a free connection? Trying again in a moment will work.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::PoolTimedOut) => true,
            StoreError::Sql(sqlx::Error::Database(e)) => {
                let code = e.code().map(|c| c.into_owned()).unwrap_or_default();
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6) with their
                // extended codes; PostgreSQL: lock_not_available,
                // serialization_failure, deadlock_detected.
                // (SQLite's codes are numbers of up to four digits;
                // PostgreSQL's SQLSTATEs are always five characters.)
                let sqlite_busy = code.len() <= 4 && code.parse::<i64>().is_ok_and(|c| matches!(c & 0xff, 5 | 6));
                sqlite_busy
                    || matches!(code.as_str(), "55P03" | "40001" | "40P01")
                    || e.message().contains("database is locked")
                    || e.message().contains("database table is locked")
            }
            _ => false,
        }
    }

    /// Is this a unique-constraint violation?
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Sql(sqlx::Error::Database(e)) => {
                e.is_unique_violation() || e.message().contains("UNIQUE constraint failed")
            }
            StoreError::Conflict(_) => true,
            _ => false,
        }
    }
}
