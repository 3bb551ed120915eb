//! Importing GIAS from the web: upload (with progress), then a page that
//! follows the import and shows its report or exactly what is wrong.

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, redirect};
use crate::error::Failure;
use crate::layout::{Layout, thousands, when, when_opt};
use crate::services::gias::{self, ImportFailure, Stage};
use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncWriteExt;
use upward_domain::ids::ImportId;
use upward_domain::policy::Action;
use upward_domain::workflow::ImportStatus;
use upward_storage::{Who, imports};

#[derive(Template)]
#[template(path = "imports/index.html")]
struct Index {
    l: Layout,
    runs: Vec<imports::ImportRun>,
    error: Option<String>,
}

impl Index {
    fn when(&self, t: &i64) -> String {
        when(*t)
    }
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    ctx.require(Action::ImportData)?;
    let runs = imports::recent(&state.db, 20).await?;
    Ok(render(&Index { l: Layout::new(&ctx, "Imports"), runs, error: None }))
}

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

/// Save the "file" part of an upload form; returns the file, its original
/// name and its size (None: no file was sent).
pub async fn save_upload(
    dir: &std::path::Path,
    mut mp: Multipart,
) -> Result<Option<(TempUpload, String, u64)>, Failure> {
    while let Some(field) =
        mp.next_field().await.map_err(|e| Failure::BadRequest(format!("The upload did not arrive whole: {e}")))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .file_name()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).chars().take(200).collect::<String>())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "upload.csv".into());
        let (upload, size) = receive(dir, Box::pin(field)).await?;
        return Ok(Some((upload, name, size)));
    }
    Ok(None)
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

pub async fn upload_gias(
    State(state): State<AppState>,
    ctx: Ctx,
    req: axum::extract::Request,
) -> Result<Response, Failure> {
    ctx.require(Action::ImportData)?;
    use axum::extract::FromRequest;
    let mp = Multipart::from_request(req, &state).await.map_err(|_| {
        Failure::BadRequest("Send the file as a form upload (multipart/form-data) with the field \"file\".".into())
    })?;
    let Some((upload, name, size)) = save_upload(&state.config.upload_dir(), mp).await? else {
        let runs = imports::recent(&state.db, 20).await?;
        let page = Index { l: Layout::new(&ctx, "Imports"), runs, error: Some("Choose a file to import.".into()) };
        return Ok(super::render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let run = start_import(&state, ctx.who(), upload, name, size).await?;
    Ok(redirect(&format!("/admin/imports/{run}")))
}

#[derive(Template)]
#[template(path = "imports/show.html")]
struct Show {
    l: Layout,
    run: imports::ImportRun,
    report: Option<gias::Report>,
    refusal: Option<gias::Refusal>,
}

impl Show {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn u(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn when(&self, t: &Option<i64>) -> String {
        when_opt(*t)
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<ImportId>) -> Result<Response, Failure> {
    ctx.require(Action::ImportData)?;
    let id = id.get();
    let run = imports::get(&state.db, id).await?.ok_or(Failure::NotFound("import".into()))?;
    let (report, refusal) = match (run.status, &run.report) {
        (ImportStatus::Succeeded, Some(r)) => (serde_json::from_value(r.clone()).ok(), None),
        (ImportStatus::Failed, Some(r)) => (None, serde_json::from_value(r.clone()).ok()),
        (ImportStatus::Running, _) | (_, None) => (None, None),
    };
    let title = format!("Import of {}", run.file_name);
    Ok(render(&Show { l: Layout::new(&ctx, title), run, report, refusal }))
}
