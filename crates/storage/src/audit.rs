//! The audit trail: who did what, when, with the state before and after.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{Page, get_i64, get_oi64, get_ostr, get_str, like_escape};
use serde::Serialize;
use serde_json::Value;
use sqlx::any::AnyRow;

/// Who is making a change: a signed-in person, or the system (the command
/// line, a background job, the demo seeder).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    pub person_id: Option<i64>,
    pub label: String,
}

impl Who {
    pub fn person(id: i64, label: impl Into<String>) -> Who {
        Who { person_id: Some(id), label: label.into() }
    }
    pub fn system(label: impl Into<String>) -> Who {
        Who { person_id: None, label: label.into() }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity_kind: &'a str,
    pub entity_id: Option<String>,
    pub summary: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Change<'a> {
    pub fn new(action: &'a str, entity_kind: &'a str, entity_id: impl ToString, summary: impl Into<String>) -> Self {
        Change {
            action,
            entity_kind,
            entity_id: Some(entity_id.to_string()),
            summary: summary.into(),
            before: None,
            after: None,
        }
    }
    pub fn before(mut self, v: Value) -> Self {
        self.before = Some(v);
        self
    }
    pub fn after(mut self, v: Value) -> Self {
        self.after = Some(v);
        self
    }
}

/// Write one audit record in the caller's transaction.
pub async fn record(tx: &mut Tx, who: &Who, c: Change<'_>) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO audit_log (at, actor_id, actor_label, action, entity_kind, entity_id, summary, before_json, after_json) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(tx.now())
    .bind(who.person_id)
    .bind(&who.label)
    .bind(c.action)
    .bind(c.entity_kind)
    .bind(c.entity_id)
    .bind(c.summary)
    .bind(c.before.map(|v| v.to_string()))
    .bind(c.after.map(|v| v.to_string()))
    .query()
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Write many audit records at once (imports), in the caller's transaction.
/// The records are taken from `changes` 200 at a time, so a caller can make
/// them as they are written instead of holding all of them.
pub async fn record_many<'a>(
    tx: &mut Tx,
    who: &Who,
    changes: impl IntoIterator<Item = Change<'a>>,
) -> Result<(), StoreError> {
    let at = tx.now();
    let backend = crate::db::backend_of(tx);
    let mut changes = changes.into_iter().peekable();
    while changes.peek().is_some() {
        let mut sql = Sql::new(
            "INSERT INTO audit_log (at, actor_id, actor_label, action, entity_kind, entity_id, summary, before_json, after_json) VALUES ",
        );
        for (i, c) in changes.by_ref().take(200).enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.push("(?, ?, ?, ?, ?, ?, ?, ?, ?)");
            sql.arg(at)
                .arg(who.person_id)
                .arg(&who.label)
                .arg(c.action)
                .arg(c.entity_kind)
                .arg(c.entity_id)
                .arg(c.summary)
                .arg(c.before.map(|v| v.to_string()))
                .arg(c.after.map(|v| v.to_string()));
        }
        sql.query_on(backend).execute(&mut **tx).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor_label: String,
    pub action: String,
    pub entity_kind: String,
    pub entity_id: Option<String>,
    pub summary: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// A search of the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Words to find in the summary, action, entity or actor.
    pub q: Option<String>,
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    pub entity_kind: Option<String>,
    pub entity_id: Option<String>,
    /// Unix seconds, inclusive.
    pub from: Option<i64>,
    /// Unix seconds, exclusive.
    pub to: Option<i64>,
}

fn entry(r: &AnyRow) -> Result<AuditEntry, StoreError> {
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(AuditEntry {
        id: get_i64(r, "id")?,
        at: get_i64(r, "at")?,
        actor_id: get_oi64(r, "actor_id")?,
        actor_label: get_str(r, "actor_label")?,
        action: get_str(r, "action")?,
        entity_kind: get_str(r, "entity_kind")?,
        entity_id: get_ostr(r, "entity_id")?,
        summary: get_str(r, "summary")?,
        before: parse(get_ostr(r, "before_json")?),
        after: parse(get_ostr(r, "after_json")?),
    })
}

fn filter(q: &AuditQuery) -> Sql {
    let mut s = Sql::new(" WHERE 1=1");
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        for word in text.split_whitespace() {
            let pat = format!("%{}%", like_escape(&word.to_lowercase()));
            s.push(" AND (LOWER(summary) LIKE ? ESCAPE '\\' OR LOWER(action) LIKE ? ESCAPE '\\' OR LOWER(actor_label) LIKE ? ESCAPE '\\' OR LOWER(entity_kind) LIKE ? ESCAPE '\\' OR entity_id = ?)");
            s.arg(pat.clone()).arg(pat.clone()).arg(pat.clone()).arg(pat).arg(word.to_string());
        }
    }
    if let Some(a) = q.actor_id {
        s.push_bind(" AND actor_id = ?", a);
    }
    if let Some(a) = q.action.as_deref().filter(|a| !a.is_empty()) {
        s.push_bind(" AND action = ?", a);
    }
    if let Some(k) = q.entity_kind.as_deref().filter(|a| !a.is_empty()) {
        s.push_bind(" AND entity_kind = ?", k);
    }
    if let Some(k) = q.entity_id.as_deref().filter(|a| !a.is_empty()) {
        s.push_bind(" AND entity_id = ?", k);
    }
    if let Some(f) = q.from {
        s.push_bind(" AND at >= ?", f);
    }
    if let Some(t) = q.to {
        s.push_bind(" AND at < ?", t);
    }
    s
}

fn with_filter(head: &str, q: &AuditQuery, tail: &str) -> Sql {
    let f = filter(q);
    let mut s = Sql::new(head);
    s.append(&f);
    s.push(tail);
    s
}

pub async fn search(db: &Db, q: &AuditQuery, page: i64, per_page: i64) -> Result<Page<AuditEntry>, StoreError> {
    let total = db.count(&with_filter("SELECT COUNT(*) FROM audit_log", q, "")).await?;
    let mut s = with_filter("SELECT * FROM audit_log", q, " ORDER BY id DESC");
    s.push_bind(" LIMIT ?", per_page).push_bind(" OFFSET ?", (page - 1) * per_page);
    let items = db.fetch_all(&s).await?.iter().map(entry).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page })
}

/// Every matching record, newest first (for export), up to `limit`.
pub async fn export(db: &Db, q: &AuditQuery, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
    let mut s = with_filter("SELECT * FROM audit_log", q, " ORDER BY id DESC");
    s.push_bind(" LIMIT ?", limit);
    db.fetch_all(&s).await?.iter().map(entry).collect()
}

/// The distinct actions on record, for the search form.
pub async fn actions(db: &Db) -> Result<Vec<String>, StoreError> {
    let rows = db.fetch_all(&Sql::new("SELECT DISTINCT action FROM audit_log ORDER BY action")).await?;
    rows.iter().map(|r| get_str(r, "action")).collect()
}
