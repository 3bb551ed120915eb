//! The central team's audit trail and outbox.

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use crate::export::{Cell, Format, Table, download};
use crate::forms::Path;
use crate::forms::{Query, page_number};
use crate::layout::{Layout, thousands, when, when_opt};
use crate::services::platform::{AuditSearch, OutboxSearch};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use upward_domain::ids::MessageId;
use upward_domain::policy::Action;
use upward_storage::audit::{self, AuditEntry};
use upward_storage::{Page, outbox};

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct Audit {
    l: Layout,
    f: AuditSearch,
    actions: Vec<String>,
    errors: Vec<FieldError>,
    page: Page<AuditEntry>,
    base_query: String,
}

impl Audit {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn when(&self, t: &i64) -> String {
        when(*t)
    }
    fn json(&self, v: &Option<serde_json::Value>) -> String {
        v.as_ref().map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_default()
    }
    fn page_link(&self, p: i64) -> String {
        if self.base_query.is_empty() {
            format!("/admin/audit?page={p}")
        } else {
            format!("/admin/audit?{}&page={p}", self.base_query)
        }
    }
}

pub async fn audit(State(state): State<AppState>, ctx: Ctx, Query(q): Query<AuditSearch>) -> Result<Response, Failure> {
    ctx.require(Action::ViewAudit)?;
    let (query, errors) = q.check();
    if let Some(f) = Format::from_query(&q.format) {
        let rows = audit::export(&state.db, &query, 200_000).await?;
        return Ok(download(&audit_table(&rows), f, state.today()));
    }
    let page = audit::search(&state.db, &query, page_number(&q.page), 50).await?;
    let actions = audit::actions(&state.db).await?;
    Ok(render(&Audit {
        l: Layout::new(&ctx, "Audit trail"),
        base_query: q.query_string(),
        f: q,
        actions,
        errors,
        page,
    }))
}

pub fn audit_table(rows: &[AuditEntry]) -> Table {
    Table {
        name: "Audit".into(),
        headers: vec!["When (UTC)", "Who", "Action", "Entity", "Entity id", "Summary", "Before", "After"],
        rows: rows
            .iter()
            .map(|e| {
                vec![
                    Cell::from(
                        chrono::DateTime::from_timestamp(e.at, 0).map(|d| d.format("%Y-%m-%d %H:%M:%S").to_string()),
                    ),
                    Cell::from(e.actor_label.as_str()),
                    Cell::from(e.action.as_str()),
                    Cell::from(e.entity_kind.as_str()),
                    Cell::from(e.entity_id.clone()),
                    Cell::from(e.summary.as_str()),
                    Cell::from(e.before.as_ref().map(|v| v.to_string())),
                    Cell::from(e.after.as_ref().map(|v| v.to_string())),
                ]
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "admin/outbox.html")]
struct Outbox {
    l: Layout,
    q: String,
    page: Page<outbox::Email>,
}

impl Outbox {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn when(&self, t: &i64) -> String {
        when(*t)
    }
}

pub async fn outbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OutboxSearch>,
) -> Result<Response, Failure> {
    ctx.require(Action::ViewOutbox)?;
    let words = q.words().map_err(Failure::Invalid)?;
    let page = outbox::list(&state.db, words.as_deref(), page_number(&q.page), 50).await?;
    Ok(render(&Outbox { l: Layout::new(&ctx, "Outbox"), q: q.q.trim().to_string(), page }))
}

#[derive(Template)]
#[template(path = "admin/message.html")]
struct Message {
    l: Layout,
    m: outbox::Email,
}

impl Message {
    fn when(&self, t: &i64) -> String {
        when(*t)
    }
    fn when_opt(&self, t: &Option<i64>) -> String {
        when_opt(*t)
    }
}

pub async fn outbox_message(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<MessageId>,
) -> Result<Response, Failure> {
    ctx.require(Action::ViewOutbox)?;
    let id = id.get();
    let m = outbox::get(&state.db, id).await?.ok_or(Failure::NotFound("message".into()))?;
    Ok(render(&Message { l: Layout::new(&ctx, m.subject.clone()), m }))
}
