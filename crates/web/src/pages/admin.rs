//! The central team's audit trail and outbox.

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use crate::export::{Cell, Format, Table, download};
use crate::forms::Path;
use crate::forms::{Fields, RawQuery, page_of};
use crate::layout::{Layout, thousands, when, when_opt};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use upward_domain::ids::MessageId;
use upward_domain::policy::Action;
use upward_storage::audit::{self, AuditEntry, AuditQuery};
use upward_storage::{Page, outbox};

/// Read an audit search; dates are `YYYY-MM-DD` (from the start of `from`
/// to the end of `to`, UTC).
pub fn parse_audit_query(q: &Fields) -> (AuditQuery, Vec<FieldError>) {
    let mut errors = vec![];
    let mut day = |field: &str, end: bool| -> Option<i64> {
        let v = q.get(field);
        if v.is_empty() {
            return None;
        }
        match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
            Ok(d) => {
                let d = if end { d.succ_opt().unwrap_or(d) } else { d };
                d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().timestamp())
            }
            Err(_) => {
                errors.push(FieldError {
                    field: field.into(),
                    message: format!("\"{v}\" is not a date like 2026-11-24"),
                });
                None
            }
        }
    };
    let from = day("from", false);
    let to = day("to", true);
    let mut out = AuditQuery {
        q: q.opt("q"),
        action: q.opt("action"),
        entity_kind: q.opt("entity"),
        entity_id: q.opt("entity_id"),
        from,
        to,
        actor_id: None,
    };
    out.actor_id = q.int("actor", "Actor", &mut errors);
    (out, errors)
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct Audit {
    l: Layout,
    f: Fields,
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
    fn v(&self, name: &str) -> String {
        self.f.get(name).to_string()
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

pub async fn audit(State(state): State<AppState>, ctx: Ctx, RawQuery(q): RawQuery) -> Result<Response, Failure> {
    ctx.require(Action::ViewAudit)?;
    let (query, errors) = parse_audit_query(&q);
    if let Some(f) = Format::from_query(q.get("format")) {
        let rows = audit::export(&state.db, &query, 200_000).await?;
        return Ok(download(&audit_table(&rows), f, state.today()));
    }
    let page = audit::search(&state.db, &query, page_of(&q), 50).await?;
    let actions = audit::actions(&state.db).await?;
    Ok(render(&Audit {
        l: Layout::new(&ctx, "Audit trail"),
        base_query: q.without(&["page", "format"]),
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

pub async fn outbox(State(state): State<AppState>, ctx: Ctx, RawQuery(q): RawQuery) -> Result<Response, Failure> {
    ctx.require(Action::ViewOutbox)?;
    let page = outbox::list(&state.db, q.opt("q").as_deref(), page_of(&q), 50).await?;
    Ok(render(&Outbox { l: Layout::new(&ctx, "Outbox"), q: q.get("q").into(), page }))
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
