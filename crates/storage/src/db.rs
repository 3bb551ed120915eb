//! The connection pool, transactions and migrations, on SQLite or PostgreSQL.
//!
//! One code path serves both databases through sqlx's `Any` driver. The few
//! places where the dialects differ (identity columns in migrations, row
//! locking for the job queue, advisory locks) are behind [`Backend`].

use crate::error::StoreError;
use crate::sql::Sql;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A transaction. Every change of state happens inside one, together with
/// its audit record.
pub type Tx = sqlx::Transaction<'static, Any>;

/// The backend a transaction runs on.
pub fn backend_of(tx: &Tx) -> Backend {
    if tx.backend_name() == "PostgreSQL" { Backend::Postgres } else { Backend::Sqlite }
}

/// The database: a pool of connections and the backend's dialect.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish()
    }
}

/// Turn what a person typed (`--database`, `DATABASE_URL`, or a file path)
/// into a database URL.
pub fn database_url(input: &str) -> String {
    let s = input.trim();
    if s.starts_with("postgres://") || s.starts_with("postgresql://") || s.starts_with("sqlite:") {
        s.to_string()
    } else {
        format!("sqlite://{s}")
    }
}

impl Db {
    /// Connect to `url` (`sqlite://path/to/file.db`, `postgres://...`). A
    /// SQLite file and its folder are created when missing.
    pub async fn connect(url: &str) -> Result<Db, StoreError> {
        sqlx::any::install_default_drivers();
        let url = database_url(url);
        let backend = if url.starts_with("postgres") { Backend::Postgres } else { Backend::Sqlite };
        let (url, max) = match backend {
            Backend::Sqlite => {
                let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
                let path = path.split('?').next().unwrap_or(path);
                if path != ":memory:" && !path.is_empty()
                    && let Some(dir) = Path::new(path).parent()
                        && !dir.as_os_str().is_empty() {
                            std::fs::create_dir_all(dir).map_err(|e| {
                                StoreError::Config(format!("cannot create the folder {}: {e}", dir.display()))
                            })?;
                        }
                let sep = if url.contains('?') { '&' } else { '?' };
                let url = if url.contains("mode=") { url } else { format!("{url}{sep}mode=rwc") };
                (url, 8)
            }
            Backend::Postgres => (url, 16),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(15))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;",
                        )
                        .await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| StoreError::Connect(redact(&url), e.to_string()))?;
        Ok(Db { pool, backend })
    }

    /// The connection pool (for tests and maintenance).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Start a write transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers wait for each other instead of
    /// failing half-way.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Is the database reachable?
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) async fn fetch_all(&self, sql: &Sql) -> Result<Vec<AnyRow>, StoreError> {
        Ok(sql.query().fetch_all(&self.pool).await?)
    }

    pub(crate) async fn fetch_optional(&self, sql: &Sql) -> Result<Option<AnyRow>, StoreError> {
        Ok(sql.query().fetch_optional(&self.pool).await?)
    }

    pub(crate) async fn fetch_one(&self, sql: &Sql) -> Result<AnyRow, StoreError> {
        Ok(sql.query().fetch_one(&self.pool).await?)
    }

    pub(crate) async fn count(&self, sql: &Sql) -> Result<i64, StoreError> {
        let row = self.fetch_one(sql).await?;
        Ok(row.try_get::<i64, _>(0)?)
    }

    /// Apply every migration not yet applied. Safe to run from several
    /// instances at once (PostgreSQL serialises them with an advisory lock).
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        if self.backend == Backend::Postgres {
            conn.execute("SELECT pg_advisory_lock(4242424242)").await?;
        }
        let result = self.migrate_locked(&mut conn).await;
        if self.backend == Backend::Postgres {
            let _ = conn.execute("SELECT pg_advisory_unlock(4242424242)").await;
        }
        result
    }

    async fn migrate_locked(
        &self,
        conn: &mut sqlx::pool::PoolConnection<Any>,
    ) -> Result<Vec<String>, StoreError> {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        let rows = sqlx::query("SELECT version FROM schema_migrations").fetch_all(&mut **conn).await?;
        let done: Vec<i64> = rows.iter().map(|r| r.try_get::<i64, _>(0)).collect::<Result<_, _>>()?;
        let mut applied = Vec::new();
        for m in crate::migrations::MIGRATIONS {
            if done.contains(&m.version) {
                continue;
            }
            let sql = self.dialect(m.sql);
            let mut tx = sqlx::Connection::begin(&mut **conn).await?;
            for stmt in split_statements(&sql) {
                tx.execute(stmt).await.map_err(|e| {
                    StoreError::Migration(format!("migration {} ({}): {e}", m.version, m.name))
                })?;
            }
            Sql::new("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
                .bind(m.version)
                .bind(m.name)
                .bind(crate::now())
                .query()
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            applied.push(format!("{:04} {}", m.version, m.name));
        }
        Ok(applied)
    }

    /// Migrations are written once, in the common subset of both dialects,
    /// with one marker for the identity column.
    fn dialect(&self, sql: &str) -> String {
        match self.backend {
            Backend::Sqlite => sql.replace("BIGSERIAL PRIMARY KEY", "INTEGER PRIMARY KEY AUTOINCREMENT"),
            Backend::Postgres => sql.to_string(),
        }
    }
}

/// Split a migration file into statements on `;` at the end of a line.
fn split_statements(sql: &str) -> Vec<&str> {
    sql.split(";\n")
        .map(|s| s.trim())
        .filter(|s| {
            !s.lines()
                .all(|l| l.trim().is_empty() || l.trim_start().starts_with("--"))
        })
        .collect()
}

/// A URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match url::Url::from_str(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(database_url("data/upward.db"), "sqlite://data/upward.db");
        assert_eq!(database_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }

    #[test]
    fn statements_split_on_semicolon_line_ends() {
        let s = "-- c\nCREATE TABLE a (x TEXT);\nCREATE TABLE b (y TEXT);\n-- only a comment;\n";
        assert_eq!(split_statements(s), vec!["-- c\nCREATE TABLE a (x TEXT)", "CREATE TABLE b (y TEXT)"]);
    }
}
