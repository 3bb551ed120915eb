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
