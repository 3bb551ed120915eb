//! The e-mail outbox: every message Upward sends is recorded here, then
//! delivered by a job (by SMTP when configured). Account e-mails with a live
//! link (password reset, invitation) are the exception: the copy kept here
//! has the link withheld, and the process that made the link delivers the
//! real message itself, so no live secret is ever stored.

use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::jobs;
use crate::sql::Sql;
use crate::util::{Page, get_i64, get_oi64, get_ostr, get_str, like_escape};
use serde::Serialize;
use sqlx::any::AnyRow;
use upward_domain::workflow::EmailStatus;

#[derive(Debug, Clone, Serialize)]
pub struct Email {
    pub id: i64,
    pub created_at: i64,
    pub to_address: String,
    pub to_person_id: Option<i64>,
    pub topic: String,
    pub subject: String,
    pub body_text: String,
    /// 'queued', 'sending' (an account e-mail being delivered directly),
    /// 'sent' (by SMTP), 'recorded' (no SMTP: only this copy exists),
    /// 'failed', or 'suppressed' (the person switched the topic off).
    pub status: EmailStatus,
    pub sent_at: Option<i64>,
    pub error: Option<String>,
}

fn email(r: &AnyRow) -> Result<Email, StoreError> {
    Ok(Email {
        id: get_i64(r, "id")?,
        created_at: get_i64(r, "created_at")?,
        to_address: get_str(r, "to_address")?,
        to_person_id: get_oi64(r, "to_person_id")?,
        topic: get_str(r, "topic")?,
        subject: get_str(r, "subject")?,
        body_text: get_str(r, "body_text")?,
        status: crate::util::get_state(r, "status")?,
        sent_at: get_oi64(r, "sent_at")?,
        error: get_ostr(r, "error")?,
    })
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct NewEmail<'a> {
    pub to_address: &'a str,
    pub to_person_id: Option<i64>,
    pub topic: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
}

/// Record a message and queue its delivery, in the caller's transaction.
/// `suppressed` messages are recorded but not delivered.
pub async fn enqueue(tx: &mut Tx, m: &NewEmail<'_>, suppressed: bool) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO outbox (created_at, to_address, to_person_id, topic, subject, body_text, status) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(tx.now())
    .bind(m.to_address)
    .bind(m.to_person_id)
    .bind(m.topic)
    .bind(m.subject)
    .bind(m.body_text)
    .bind(if suppressed { EmailStatus::Suppressed } else { EmailStatus::Queued }.as_str())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    if !suppressed {
        jobs::enqueue(tx, "send_email", &serde_json::json!({ "outbox_id": id }).to_string(), tx.now()).await?;
    }
    Ok(id)
}

/// Record a message without queueing it: an account e-mail whose live
/// link only the delivered copy carries (the caller delivers it after the
/// transaction commits, then [`mark`]s it). `body_text` is the copy kept,
/// with the link withheld. Status 'sending' until marked.
pub async fn record(tx: &mut Tx, m: &NewEmail<'_>) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO outbox (created_at, to_address, to_person_id, topic, subject, body_text, status) VALUES (?, ?, ?, ?, ?, ?, 'sending') RETURNING id",
    )
    .bind(tx.now())
    .bind(m.to_address)
    .bind(m.to_person_id)
    .bind(m.topic)
    .bind(m.subject)
    .bind(m.body_text)
    .query()
    .fetch_one(&mut **tx)
    .await?;
    get_i64(&row, "id")
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Email>, StoreError> {
    db.fetch_optional(&Sql::new("SELECT * FROM outbox WHERE id = ?").bind(id)).await?.as_ref().map(email).transpose()
}

pub async fn mark(db: &Db, id: i64, status: EmailStatus, error: Option<&str>) -> Result<(), StoreError> {
    let sent_at = matches!(status, EmailStatus::Sent | EmailStatus::Recorded).then(|| db.now());
    sqlx::query("UPDATE outbox SET status = $1, error = $2, sent_at = $3 WHERE id = $4")
        .bind(status.as_str())
        .bind(error)
        .bind(sent_at)
        .bind(id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn list(db: &Db, q: Option<&str>, page: i64, per_page: i64) -> Result<Page<Email>, StoreError> {
    let mut w = Sql::new(" WHERE 1=1");
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pat = format!("%{}%", like_escape(&q.to_lowercase()));
        w.push(" AND (LOWER(to_address) LIKE ? ESCAPE '\\' OR LOWER(subject) LIKE ? ESCAPE '\\')");
        w.arg(pat.clone()).arg(pat);
    }
    let mut c = Sql::new("SELECT COUNT(*) FROM outbox");
    c.append(&w);
    let total = db.count(&c).await?;
    let mut s = Sql::new("SELECT * FROM outbox");
    s.append(&w);
    s.push_bind(" ORDER BY id DESC LIMIT ?", per_page).push_bind(" OFFSET ?", (page - 1) * per_page);
    let items = db.fetch_all(&s).await?.iter().map(email).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page })
}

/// The newest message to an address, as kept (an account e-mail's link is
/// withheld here: only the recipient's copy has it).
pub async fn latest_to(db: &Db, address: &str) -> Result<Option<Email>, StoreError> {
    db.fetch_optional(&Sql::new("SELECT * FROM outbox WHERE to_address = ? ORDER BY id DESC LIMIT 1").bind(address))
        .await?
        .as_ref()
        .map(email)
        .transpose()
}
