//! Uploads and imports, for the pages and the API alike: an uploaded file
//! that removes itself unless an import takes it over, and the background
//! import whose progress any instance can show.

use crate::AppState;
use crate::error::Failure;
use crate::services::gias::{self, ImportFailure, Stage};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use upward_storage::{Who, imports};

/// An uploaded file waiting in the upload folder. Dropped, it deletes the
/// file, so no error path can leave one behind; the import task that takes
/// it over deletes it when it ends.
#[derive(Debug)]
pub struct TempUpload {
    path: std::path::PathBuf,
}

impl TempUpload {
    /// A new, empty file in `dir` (created when missing).
    pub async fn create(dir: &std::path::Path) -> Result<(TempUpload, tokio::fs::File), Failure> {
        let temp = |e: std::io::Error| Failure::internal(format!("cannot write an upload in {}: {e}", dir.display()));
        tokio::fs::create_dir_all(dir).await.map_err(temp)?;
        let path = dir.join(format!("upward-upload-{}.csv", crate::security::new_token()));
        let file = tokio::fs::File::create(&path).await.map_err(temp)?;
        Ok((TempUpload { path }, file))
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempUpload {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Copy a request body (or one part of a form) into a new upload file.
/// On any error the file is gone again.
pub async fn receive<S, E>(dir: &std::path::Path, mut chunks: S) -> Result<(TempUpload, u64), Failure>
where
    S: futures_util::Stream<Item = Result<axum::body::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    use futures_util::StreamExt;
    let (upload, mut file) = TempUpload::create(dir).await?;
    let write_failed = |e: std::io::Error| Failure::internal(format!("cannot write an upload: {e}"));
    let mut size = 0u64;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| {
            let msg = e.to_string();
            if msg.contains("length limit") {
                Failure::TooLarge
            } else {
                Failure::BadRequest(format!("The upload did not arrive whole ({msg}). Please send it again."))
            }
        })?;
        size += chunk.len() as u64;
        file.write_all(&chunk).await.map_err(write_failed)?;
    }
    file.flush().await.map_err(write_failed)?;
    Ok((upload, size))
}

/// Start an import of the file at `path` in the background; returns the
/// run's id. Progress goes to the database so any instance can show it.
pub async fn start_import(
    state: &AppState,
    who: Who,
    upload: TempUpload,
    name: String,
    size: u64,
) -> Result<i64, Failure> {
    let run = imports::start(&state.db, "gias", &name, who.person_id, Some(size as i64)).await?;
    let db = state.db.clone();
    tokio::spawn(async move {
        // The latest (rows, bytes, stage) reported by the reader thread.
        type Latest = Option<(i64, i64, &'static str)>;
        let latest: Arc<Mutex<Latest>> = Arc::new(Mutex::new(None));
        let sink = latest.clone();
        let (done_tx, mut done_rx) = tokio::sync::oneshot::channel::<()>();
        let db2 = db.clone();
        let ticker = tokio::spawn(async move {
            let mut last = None;
            loop {
                let now = *latest.lock().unwrap_or_else(|e| e.into_inner());
                if now != last {
                    if let Some((rows, bytes, msg)) = now {
                        let _ = imports::progress(&db2, run, rows, bytes, Some(msg)).await;
                    }
                    last = now;
                }
                tokio::select! {
                    _ = tokio::time::sleep(std::time::Duration::from_millis(250)) => {}
                    _ = &mut done_rx => return,
                }
            }
        });
        let result = gias::import(&db, &who, upload.path(), &name, move |stage| {
            let mut g = sink.lock().unwrap_or_else(|e| e.into_inner());
            let (rows, bytes) = g.map(|x| (x.0, x.1)).unwrap_or((0, 0));
            *g = Some(match stage {
                Stage::Reading(p) => (p.rows as i64, p.bytes as i64, "Reading and checking every row"),
                Stage::Comparing => (rows, bytes, "Comparing with the schools held"),
                Stage::Saving => (rows, bytes, "Saving the changes"),
            });
        })
        .await;
        let _ = done_tx.send(());
        let _ = ticker.await;
        drop(upload);
        match result {
            Ok(report) => {
                let _ = imports::progress(&db, run, report.rows as i64, size as i64, None).await;
                let _ = imports::finish(
                    &db,
                    run,
                    true,
                    &report.summary,
                    Some(&serde_json::to_value(&report).unwrap_or_default()),
                )
                .await;
            }
            Err(ImportFailure::Refused(r)) => {
                let _ =
                    imports::finish(&db, run, false, &r.message, Some(&serde_json::to_value(&r).unwrap_or_default()))
                        .await;
            }
            Err(ImportFailure::Storage(e)) => {
                tracing::error!(error = %e, "import failed");
                let _ = imports::finish(
                    &db,
                    run,
                    false,
                    "The import could not be saved. Nothing was changed. Please try again.",
                    None,
                )
                .await;
            }
        }
    });
    Ok(run)
}
