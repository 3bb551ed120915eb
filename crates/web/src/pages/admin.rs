//! The central team's audit trail and outbox.

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use crate::export::{Cell, Format, Table, download};
use crate::forms::Path;
use crate::forms::{Query, page_number};
use crate::layout::{Layout, thousands, when, when_opt};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use upward_domain::ids::MessageId;
use upward_domain::policy::Action;
use upward_storage::audit::{self, AuditEntry, AuditQuery};
use upward_storage::{Page, outbox};

/// A search of the audit trail, as the page's form and the API send it.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AuditSearch {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub q: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub action: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub entity: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub entity_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub actor: String,
    /// From the start of this day (YYYY-MM-DD, in England).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from: String,
    /// To the end of this day.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub to: String,
    #[serde(skip_serializing)]
    pub page: String,
    #[serde(skip_serializing)]
    pub per_page: String,
    #[serde(skip_serializing)]
    pub format: String,
}

/// The longest text a search field takes.
const SEARCH_MAX: usize = 200;

fn opt(field: &str, s: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let t = s.trim();
    if t.chars().count() > SEARCH_MAX {
        errors.push(FieldError::new(field, format!("Search for at most {SEARCH_MAX} characters")));
        return None;
    }
    (!t.is_empty()).then(|| t.to_string())
}

impl AuditSearch {
    /// The storage query, or what is wrong with the search (same for the
    /// page and the API). Days are England's days.
    pub fn check(&self) -> (AuditQuery, Vec<FieldError>) {
        let mut errors = vec![];
        let mut day = |field: &str, v: &str, end: bool| -> Option<i64> {
            let v = v.trim();
            if v.is_empty() {
                return None;
            }
            match chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => {
                    let d = if end { d.succ_opt().unwrap_or(d) } else { d };
                    d.and_hms_opt(0, 0, 0).map(upward_domain::clock::from_london)
                }
                Err(_) => {
                    errors.push(FieldError::new(field, format!("\"{v}\" is not a date like 2026-11-24")));
                    None
                }
            }
        };
        let from = day("from", &self.from, false);
        let to = day("to", &self.to, true);
        let actor_id = match self.actor.trim() {
            "" => None,
            v => match v.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(FieldError::new("actor", format!("Actor must be the number of a person, not \"{v}\"")));
                    None
                }
            },
        };
        let query = AuditQuery {
            q: opt("q", &self.q, &mut errors),
            action: opt("action", &self.action, &mut errors),
            entity_kind: opt("entity", &self.entity, &mut errors),
            entity_id: opt("entity_id", &self.entity_id, &mut errors),
            from,
            to,
            actor_id,
        };
        (query, errors)
    }

    /// This search as a query string, without the page (for page links and
    /// downloads).
    pub fn query_string(&self) -> String {
        serde_html_form::to_string(self).unwrap_or_default()
    }
}

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

/// A search of the outbox, as the page and the API send it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct OutboxSearch {
    pub q: String,
    pub page: String,
    pub per_page: String,
}

impl OutboxSearch {
    /// The words to look for, or what is wrong with them.
    pub fn words(&self) -> Result<Option<String>, Vec<FieldError>> {
        let mut errors = vec![];
        let q = opt("q", &self.q, &mut errors);
        if errors.is_empty() { Ok(q) } else { Err(errors) }
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
