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

/// Save an upload to a temporary file; returns (path, original name, size).
pub async fn save_upload(mut mp: Multipart) -> Result<Option<(std::path::PathBuf, String, u64)>, Failure> {
    while let Some(mut field) =
        mp.next_field().await.map_err(|e| Failure::BadRequest(format!("The upload did not arrive whole: {e}")))?
    {
        if field.name() != Some("file") {
            continue;
        }
        let name = field
            .file_name()
            .map(|n| n.rsplit(['/', '\\']).next().unwrap_or(n).to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "upload.csv".into());
        let path = std::env::temp_dir().join(format!("upward-upload-{}.csv", crate::security::new_token()));
        let mut file =
            tokio::fs::File::create(&path).await.map_err(|e| Failure::internal(format!("temp file: {e}")))?;
        let mut size = 0u64;
        while let Some(chunk) =
            field.chunk().await.map_err(|e| Failure::BadRequest(format!("The upload did not arrive whole: {e}")))?
        {
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(|e| Failure::internal(format!("temp file: {e}")))?;
        }
        file.flush().await.map_err(|e| Failure::internal(format!("temp file: {e}")))?;
        return Ok(Some((path, name, size)));
    }
    Ok(None)
}

/// Start an import of the file at `path` in the background; returns the
/// run's id. Progress goes to the database so any instance can show it.
pub async fn start_import(
    state: &AppState,
    who: Who,
    path: std::path::PathBuf,
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
        let result = gias::import(&db, &who, &path, &name, move |stage| {
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
        let _ = tokio::fs::remove_file(&path).await;
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
    let Some((path, name, size)) = save_upload(mp).await? else {
        let runs = imports::recent(&state.db, 20).await?;
        let page = Index { l: Layout::new(&ctx, "Imports"), runs, error: Some("Choose a file to import.".into()) };
        return Ok(super::render_status(axum::http::StatusCode::UNPROCESSABLE_ENTITY, &page));
    };
    let run = start_import(&state, ctx.who(), path, name, size).await?;
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
