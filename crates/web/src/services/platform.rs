//! What the platform gives the central team's home page: school records
//! that have not been refreshed from GIAS for a while, and e-mails that
//! could not be sent.

use crate::AppState;
use crate::error::{Failure, FieldError};
use crate::services::home::HomeItem;
use chrono::NaiveDate;
use upward_domain::policy::{Action, Actor, authorize};
use upward_storage::audit::AuditQuery;
use upward_storage::{imports, jobs};

/// How old the last GIAS import may be before the central team is asked
/// to refresh the school records (GIAS changes daily; monthly is enough).
pub const GIAS_STALE_DAYS: i64 = 35;

pub async fn home_items(state: &AppState, actor: &Actor, today: NaiveDate) -> Result<Vec<HomeItem>, Failure> {
    let mut out = Vec::new();
    if authorize(Some(actor), &Action::ImportData).allowed() {
        let last = imports::recent(&state.db, 50)
            .await?
            .into_iter()
            .filter(|r| r.status == upward_domain::workflow::ImportStatus::Succeeded)
            .filter_map(|r| r.finished_at)
            .max();
        match last {
            None => out.push(
                HomeItem::to_do("Refresh the school records from GIAS", "/admin/imports", None)
                    .detail("No GIAS extract has been imported into this Upward yet."),
            ),
            Some(t) => {
                let on = upward_domain::clock::london_date(t);
                let due = on + chrono::Duration::days(GIAS_STALE_DAYS);
                if due <= today + chrono::Duration::days(7) {
                    out.push(
                        HomeItem::to_do("Refresh the school records from GIAS", "/admin/imports", Some(due))
                            .detail(format!("Last imported on {}.", crate::layout::date(&on.to_string()))),
                    );
                }
            }
        }
    }
    if authorize(Some(actor), &Action::ViewOutbox).allowed() {
        let (_, failed) = jobs::backlog(&state.db).await?;
        if failed > 0 {
            out.push(
                HomeItem::to_do(
                    format!("{failed} e-mail{} could not be sent", if failed == 1 { "" } else { "s" }),
                    "/admin/outbox",
                    Some(today),
                )
                .detail("Check the e-mail settings, then the addresses in the outbox."),
            );
        }
    }
    Ok(out)
}

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
