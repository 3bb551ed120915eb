//! The connection pool, transactions and migrations, on SQLite or PostgreSQL.
//!
//! One code path serves both databases through sqlx's `Any` driver. The few
//! places where the dialects differ (identity columns in migrations, row
//! locking for the job queue, advisory locks) are behind [`Backend`].

use crate::error::StoreError;
use crate::sql::Sql;
use sqlx::AnyConnection;
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Executor, Row};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use upward_domain::Clock;

/// How long a statement waits for a lock another writer holds (SQLite's
/// busy timeout, PostgreSQL's lock_timeout) before it gives up with a
/// "busy" error ([`StoreError::is_busy`]), which people see as "Upward is
/// busy, try again in a moment" rather than a failure. Requests are bounded
/// so that no write holds a lock anywhere near this long.
pub const LOCK_WAIT: Duration = Duration::from_secs(5);

/// Which database a [`Db`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A transaction. Every change of state happens inside one, together with
/// its audit record. It knows the time it began (from the database's
/// clock): every record it writes carries that one time.
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
    now: i64,
    backend: Backend,
}

impl Tx {
    /// The time this transaction began, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.now
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.inner.commit().await?)
    }

    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.inner.rollback().await?)
    }
}

impl std::ops::Deref for Tx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }
}

/// The backend a transaction runs on.
pub fn backend_of(tx: &Tx) -> Backend {
    tx.backend
}

/// The database: a pool of connections, the backend's dialect, and the
/// clock that stamps every record.
#[derive(Clone)]
pub struct Db {
    pub(crate) pool: AnyPool,
    backend: Backend,
    clock: Clock,
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
                if path != ":memory:"
                    && !path.is_empty()
                    && let Some(dir) = Path::new(path).parent()
                    && !dir.as_os_str().is_empty()
                {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Config(format!("cannot create the folder {}: {e}", dir.display())))?;
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
                    match backend {
                        Backend::Sqlite => {
                            conn.execute(
                                format!(
                                    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                                     PRAGMA busy_timeout = {}; PRAGMA synchronous = NORMAL;",
                                    LOCK_WAIT.as_millis()
                                )
                                .as_str(),
                            )
                            .await?;
                        }
                        Backend::Postgres => {
                            conn.execute(format!("SET lock_timeout = {}", LOCK_WAIT.as_millis()).as_str()).await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| StoreError::Connect(redact(&url), e.to_string()))?;
        Ok(Db { pool, backend, clock: Clock::system() })
    }

    /// The same database, read and written at the time `clock` tells (tests
    /// move it; everything else uses the system's clock).
    pub fn with_clock(mut self, clock: Clock) -> Db {
        self.clock = clock;
        self
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Now, in Unix seconds, by this database's clock.
    pub fn now(&self) -> i64 {
        self.clock.timestamp()
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
        let inner = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Tx { inner, now: self.now(), backend: self.backend })
    }

    /// Is the database reachable?
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Fold SQLite's write-ahead log into the database file (so the file
    /// can be copied whole). Nothing to do on PostgreSQL.
    pub async fn checkpoint(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await?;
        }
        Ok(())
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
            // Another instance may be migrating: wait for it however long
            // it takes (not only LOCK_WAIT).
            conn.execute("SET lock_timeout = 0").await?;
            conn.execute("SELECT pg_advisory_lock(4242424242)").await?;
        }
        let mut result = self.migrate_locked(&mut conn).await;
        // Stored search texts made by an older fold are made again (once).
        if result.is_ok()
            && let Err(e) = crate::search::refresh_if_stale(self).await
        {
            result = Err(e);
        }
        if self.backend == Backend::Postgres {
            let _ = conn.execute("SELECT pg_advisory_unlock(4242424242)").await;
            let _ = conn.execute(format!("SET lock_timeout = {}", LOCK_WAIT.as_millis()).as_str()).await;
        }
        result
    }

    async fn migrate_locked(&self, conn: &mut sqlx::pool::PoolConnection<Any>) -> Result<Vec<String>, StoreError> {
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
        // Databases made before migrations were checksummed gain the column;
        // their checksums are recorded on this first run.
        if sqlx::query("SELECT checksum FROM schema_migrations WHERE 1 = 0").fetch_all(&mut **conn).await.is_err() {
            conn.execute("ALTER TABLE schema_migrations ADD COLUMN checksum TEXT").await?;
        }
        let rows = sqlx::query("SELECT version, checksum FROM schema_migrations").fetch_all(&mut **conn).await?;
        let mut done: Vec<(i64, Option<String>)> = Vec::new();
        for r in &rows {
            done.push((r.try_get::<i64, _>(0)?, r.try_get::<Option<String>, _>(1)?));
        }
        let mut applied = Vec::new();
        for m in crate::migrations::MIGRATIONS {
            let sum = m.checksum();
            if let Some((_, recorded)) = done.iter().find(|(v, _)| *v == m.version) {
                match recorded {
                    Some(r) if *r == sum => {}
                    Some(_) => {
                        return Err(StoreError::Migration(format!(
                            "migration {:04} ({}) has changed since it was applied to this database. \
                             A migration must never change once released: put the file back as it was, and make the change in a new migration.",
                            m.version, m.name
                        )));
                    }
                    None => {
                        Sql::new("UPDATE schema_migrations SET checksum = ? WHERE version = ?")
                            .bind(sum)
                            .bind(m.version)
                            .query()
                            .execute(&mut **conn)
                            .await?;
                    }
                }
                continue;
            }
            let mut tx = sqlx::Connection::begin(&mut **conn).await?;
            for stmt in split_statements(&for_backend(m.sql, self.backend)) {
                let stmt = self.dialect(&stmt);
                tx.execute(stmt.as_str())
                    .await
                    .map_err(|e| StoreError::Migration(format!("migration {} ({}): {e}", m.version, m.name)))?;
            }
            Sql::new("INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (?, ?, ?, ?)")
                .bind(m.version)
                .bind(m.name)
                .bind(self.now())
                .bind(sum)
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

/// The lines of a migration for one backend. Most of a migration is common
/// to both; where they must differ (adding a CHECK to an existing table:
/// PostgreSQL alters the table, SQLite guards it with triggers) the lines
/// sit between `-- @sqlite` or `-- @postgres` and `-- @end`.
fn for_backend(sql: &str, backend: Backend) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut only: Option<Backend> = None;
    for line in sql.lines() {
        match line.trim() {
            "-- @sqlite" => only = Some(Backend::Sqlite),
            "-- @postgres" => only = Some(Backend::Postgres),
            "-- @end" => only = None,
            _ if only.is_none_or(|b| b == backend) => {
                out.push_str(line);
                out.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// Split a migration into statements at each `;` that ends one: not one in
/// a comment, a string, a dollar-quoted body (PostgreSQL functions), nor
/// inside BEGIN ... END (SQLite trigger bodies) or CASE ... END.
fn split_statements(sql: &str) -> Vec<String> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    let mut i = 0;
    let push = |out: &mut Vec<String>, text: &str| {
        let t = text.trim();
        if !t.lines().all(|l| l.trim().is_empty() || l.trim_start().starts_with("--")) {
            out.push(t.to_string());
        }
    };
    while i < b.len() {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
            }
            b'$' => {
                // $tag$ ... $tag$
                let tag_end =
                    b[i + 1..].iter().position(|c| !(c.is_ascii_alphanumeric() || *c == b'_')).map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if b[e] == b'$' => {
                        let tag = &sql[i..=e];
                        i = sql[e + 1..].find(tag).map(|p| e + 1 + p + tag.len()).unwrap_or(b.len());
                    }
                    _ => i += 1,
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                match sql[s..i].to_ascii_uppercase().as_str() {
                    "BEGIN" | "CASE" => depth += 1,
                    "END" => depth -= 1,
                    _ => {}
                }
            }
            b';' if depth <= 0 => {
                push(&mut out, &sql[start..i]);
                start = i + 1;
                depth = 0;
                i += 1;
            }
            _ => i += 1,
        }
    }
    push(&mut out, &sql[start..]);
    out
}

/// Run one administrative statement (CREATE DATABASE, DROP DATABASE) on a
/// PostgreSQL server, outside any transaction. Tests make and drop their
/// databases with it.
pub async fn postgres_admin(server_url: &str, statement: &str) -> Result<(), StoreError> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(server_url)
        .await
        .map_err(|e| StoreError::Connect(redact(server_url), e.to_string()))?;
    let r = sqlx::Executor::execute(&mut c, statement).await;
    let _ = c.close().await;
    r?;
    Ok(())
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
    fn statements_split_where_they_end() {
        let s = "-- c;\nCREATE TABLE a (x TEXT DEFAULT ';');\nCREATE TABLE b (y TEXT);\n-- only a comment;\n";
        assert_eq!(split_statements(s), vec!["-- c;\nCREATE TABLE a (x TEXT DEFAULT ';')", "CREATE TABLE b (y TEXT)"]);
    }

    #[test]
    fn trigger_and_function_bodies_stay_whole() {
        let s = "CREATE TRIGGER t BEFORE INSERT ON a WHEN NEW.x NOT IN ('a', 'b')\nBEGIN\n  SELECT RAISE(ABORT, 'a.x; is wrong');\n  SELECT CASE WHEN 1 THEN 2 END;\nEND;\n\
                 CREATE FUNCTION f() RETURNS trigger AS $body$ BEGIN RETURN NEW; END; $body$ LANGUAGE plpgsql;\nCREATE INDEX i ON a (x);";
        let v = split_statements(s);
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(v[0].starts_with("CREATE TRIGGER") && v[0].ends_with("END"), "{}", v[0]);
        assert!(v[1].ends_with("LANGUAGE plpgsql"), "{}", v[1]);
        assert_eq!(v[2], "CREATE INDEX i ON a (x)");
    }

    #[test]
    fn dialect_blocks_keep_one_backends_lines() {
        let s =
            "CREATE TABLE a (x TEXT);\n-- @sqlite\nSELECT 1;\n-- @end\n-- @postgres\nSELECT 2;\n-- @end\nSELECT 3;\n";
        assert_eq!(
            split_statements(&for_backend(s, Backend::Sqlite)),
            vec!["CREATE TABLE a (x TEXT)", "SELECT 1", "SELECT 3"]
        );
        assert_eq!(
            split_statements(&for_backend(s, Backend::Postgres)),
            vec!["CREATE TABLE a (x TEXT)", "SELECT 2", "SELECT 3"]
        );
    }
}
