//! Importing GIAS from the web: upload (with progress), then a page that
//! follows the import and shows its report or exactly what is wrong.

use super::render;
use crate::AppState;
use crate::ctx::{Ctx, redirect};
use crate::error::Failure;
use crate::forms::Path;
use crate::layout::{Layout, thousands, when, when_opt};
use crate::services::gias;
use crate::services::imports::{TempUpload, receive, start_import};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::Response;
use upward_domain::ids::ImportId;
use upward_domain::policy::Action;
use upward_domain::workflow::ImportStatus;
use upward_storage::imports;

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
