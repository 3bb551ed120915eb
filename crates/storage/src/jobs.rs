//! A job queue kept in the database. On PostgreSQL a job is claimed with
//! `FOR UPDATE SKIP LOCKED`, so several instances never run the same job;
//! on SQLite the write lock does the same.

use crate::db::{Backend, Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_i64, get_str};

#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    pub payload: String,
    pub attempts: i64,
    pub max_attempts: i64,
}

/// Queue a job, in the caller's transaction.
pub async fn enqueue(tx: &mut Tx, kind: &str, payload: &str, run_at: i64) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO jobs (kind, payload, status, run_at, created_at) VALUES (?, ?, 'queued', ?, ?) RETURNING id",
    )
    .bind(kind)
    .bind(payload)
    .bind(run_at)
    .bind(tx.now())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    get_i64(&row, "id")
}

/// Claim the next due job for `lease_secs`. A job whose lease ran out (its
/// instance died) is due again.
pub async fn claim(db: &Db, lease_secs: i64) -> Result<Option<Job>, StoreError> {
    let t = db.now();
    let lock = match db.backend() {
        Backend::Postgres => " FOR UPDATE SKIP LOCKED",
        Backend::Sqlite => "",
    };
    let sql = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = ? \
         WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= ?) OR (status = 'running' AND locked_until < ?) \
         ORDER BY run_at, id LIMIT 1{lock}) RETURNING id, kind, payload, attempts, max_attempts"
    );
    let mut tx = db.begin().await?;
    let row = Sql::new(&sql).bind(t + lease_secs).bind(t).bind(t).query().fetch_optional(&mut *tx).await?;
    tx.commit().await?;
    row.map(|r| {
        Ok(Job {
            id: get_i64(&r, "id")?,
            kind: get_str(&r, "kind")?,
            payload: get_str(&r, "payload")?,
            attempts: get_i64(&r, "attempts")?,
            max_attempts: get_i64(&r, "max_attempts")?,
        })
    })
    .transpose()
}

pub async fn complete(db: &Db, id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE jobs SET status = 'done', finished_at = $1, locked_until = NULL WHERE id = $2")
        .bind(db.now())
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A failed attempt: retry later with back-off, or give up after the last.
pub async fn fail(db: &Db, job: &Job, error: &str) -> Result<(), StoreError> {
    let t = db.now();
    if job.attempts >= job.max_attempts {
        sqlx::query(
            "UPDATE jobs SET status = 'failed', last_error = $1, finished_at = $2, locked_until = NULL WHERE id = $3",
        )
        .bind(error)
        .bind(t)
        .bind(job.id)
        .execute(&db.pool)
        .await?;
    } else {
        let delay = 30 * (1i64 << job.attempts.clamp(0, 10));
        sqlx::query(
            "UPDATE jobs SET status = 'queued', last_error = $1, run_at = $2, locked_until = NULL WHERE id = $3",
        )
        .bind(error)
        .bind(t + delay)
        .bind(job.id)
        .execute(&db.pool)
        .await?;
    }
    Ok(())
}

/// Jobs not yet done: (queued or running, failed).
pub async fn backlog(db: &Db) -> Result<(i64, i64), StoreError> {
    let open = db.count(&Sql::new("SELECT COUNT(*) FROM jobs WHERE status IN ('queued', 'running')")).await?;
    let failed = db.count(&Sql::new("SELECT COUNT(*) FROM jobs WHERE status = 'failed'")).await?;
    Ok((open, failed))
}
