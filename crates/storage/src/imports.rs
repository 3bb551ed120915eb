//! Import runs: progress while a file is read, and the report after.

use crate::db::Db;
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_i64, get_oi64, get_ostr, get_str};
use serde::Serialize;
use sqlx::any::AnyRow;
use upward_domain::workflow::ImportStatus;

#[derive(Debug, Clone, Serialize)]
pub struct ImportRun {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub started_by: Option<i64>,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: ImportStatus,
    pub rows_done: i64,
    pub bytes_done: i64,
    pub bytes_total: Option<i64>,
    pub message: Option<String>,
    pub report: Option<serde_json::Value>,
}

impl ImportRun {
    /// Progress from 0 to 100, from the bytes read.
    pub fn percent(&self) -> i64 {
        match (self.status, self.bytes_total) {
            (ImportStatus::Succeeded, _) => 100,
            (_, Some(t)) if t > 0 => (self.bytes_done * 100 / t).clamp(0, 100),
            _ => 0,
        }
    }
}

fn run(r: &AnyRow) -> Result<ImportRun, StoreError> {
    Ok(ImportRun {
        id: get_i64(r, "id")?,
        kind: get_str(r, "kind")?,
        file_name: get_str(r, "file_name")?,
        started_by: get_oi64(r, "started_by")?,
        started_at: get_i64(r, "started_at")?,
        finished_at: get_oi64(r, "finished_at")?,
        status: crate::util::get_state(r, "status")?,
        rows_done: get_i64(r, "rows_done")?,
        bytes_done: get_i64(r, "bytes_done")?,
        bytes_total: get_oi64(r, "bytes_total")?,
        message: get_ostr(r, "message")?,
        report: get_ostr(r, "report_json")?.and_then(|s| serde_json::from_str(&s).ok()),
    })
}

pub async fn start(
    db: &Db,
    kind: &str,
    file_name: &str,
    started_by: Option<i64>,
    bytes_total: Option<i64>,
) -> Result<i64, StoreError> {
    let row = db
        .fetch_one(
            &Sql::new("INSERT INTO import_runs (kind, file_name, started_by, started_at, status, bytes_total) VALUES (?, ?, ?, ?, 'running', ?) RETURNING id")
                .bind(kind)
                .bind(file_name)
                .bind(started_by)
                .bind(db.now())
                .bind(bytes_total),
        )
        .await?;
    get_i64(&row, "id")
}

pub async fn progress(
    db: &Db,
    id: i64,
    rows_done: i64,
    bytes_done: i64,
    message: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE import_runs SET rows_done = $1, bytes_done = $2, message = COALESCE($3, message) WHERE id = $4",
    )
    .bind(rows_done)
    .bind(bytes_done)
    .bind(message)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

pub async fn finish(
    db: &Db,
    id: i64,
    succeeded: bool,
    message: &str,
    report: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE import_runs SET status = $1, finished_at = $2, message = $3, report_json = $4 WHERE id = $5")
        .bind(if succeeded { ImportStatus::Succeeded } else { ImportStatus::Failed }.as_str())
        .bind(db.now())
        .bind(message)
        .bind(report.map(|r| r.to_string()))
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn get(db: &Db, id: i64) -> Result<Option<ImportRun>, StoreError> {
    db.fetch_optional(&Sql::new("SELECT * FROM import_runs WHERE id = ?").bind(id)).await?.as_ref().map(run).transpose()
}

pub async fn recent(db: &Db, limit: i64) -> Result<Vec<ImportRun>, StoreError> {
    db.fetch_all(&Sql::new("SELECT * FROM import_runs ORDER BY id DESC LIMIT ?").bind(limit))
        .await?
        .iter()
        .map(run)
        .collect()
}

/// Runs left 'running' by an instance that stopped are marked failed.
pub async fn fail_abandoned(db: &Db, older_than_secs: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE import_runs SET status = 'failed', message = 'The import stopped before it finished (the server restarted). Nothing was changed; please upload the file again.', finished_at = $1 WHERE status = 'running' AND started_at < $2")
        .bind(db.now())
        .bind(db.now() - older_than_secs)
        .execute(&db.pool)
        .await?;
    Ok(())
}
