//! Sessions, API tokens, one-time links and sign-in attempts.
//!
//! Only hashes of secrets are stored; the web layer hashes a token before it
//! calls anything here.

use crate::audit::{self, Change, Who};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_i64, get_oi64, get_str};
use serde::Serialize;
use upward_domain::throttle;

/// How long a session lasts without use, and at most.
pub const SESSION_IDLE_SECS: i64 = 8 * 3600;
pub const SESSION_MAX_SECS: i64 = 14 * 24 * 3600;

pub async fn create_session(
    db: &Db,
    person_id: i64,
    token_hash: &str,
    user_agent: Option<&str>,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let t = db.now();
    Sql::new("INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at, expires_at, user_agent) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(token_hash)
        .bind(person_id)
        .bind(t)
        .bind(t)
        .bind(t + SESSION_MAX_SECS)
        .bind(user_agent.map(|u| u.chars().take(200).collect::<String>()))
        .query()
        .execute(&mut *tx)
        .await?;
    crate::people::touch_sign_in(&mut tx, person_id).await?;
    audit::record(
        &mut tx,
        &Who::person(person_id, "self"),
        Change::new("session.signed_in", "person", person_id, "Signed in"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The person a live session belongs to; refreshes its last use (at most
/// once a minute, to spare the database).
pub async fn session_person(db: &Db, token_hash: &str) -> Result<Option<i64>, StoreError> {
    let t = db.now();
    let row = db
        .fetch_optional(
            &Sql::new(
                "SELECT s.person_id, s.last_seen_at FROM sessions s JOIN people p ON p.id = s.person_id \
                 WHERE s.token_hash = ? AND s.expires_at > ? AND s.last_seen_at > ? AND p.status = 'active'",
            )
            .bind(token_hash)
            .bind(t)
            .bind(t - SESSION_IDLE_SECS),
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let person = get_i64(&row, "person_id")?;
    if t - get_i64(&row, "last_seen_at")? > 60 {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(t)
            .bind(token_hash)
            .execute(&db.pool)
            .await?;
    }
    Ok(Some(person))
}

pub async fn end_session(db: &Db, token_hash: &str) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let row = Sql::new("DELETE FROM sessions WHERE token_hash = ? RETURNING person_id")
        .bind(token_hash)
        .query()
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(r) = row {
        let pid = get_i64(&r, "person_id")?;
        audit::record(
            &mut tx,
            &Who::person(pid, "self"),
            Change::new("session.signed_out", "person", pid, "Signed out"),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Remove expired sessions, used links and old attempts (failures after a
/// day; successes, which tell an address the account was used from, after
/// thirty).
pub async fn sweep(db: &Db) -> Result<(), StoreError> {
    let t = db.now();
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2")
        .bind(t)
        .bind(t - SESSION_IDLE_SECS)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM auth_attempts WHERE (succeeded = 0 AND at < $1) OR at < $2")
        .bind(t - throttle::PAIR_WINDOW.max(throttle::RESET_WINDOW))
        .bind(t - throttle::KNOWN_FOR)
        .execute(&db.pool)
        .await?;
    sqlx::query("DELETE FROM one_time_tokens WHERE expires_at < $1").bind(t - 7 * 24 * 3600).execute(&db.pool).await?;
    Ok(())
}

/// What an attempt was: signing in, or asking for a reset link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    SignIn,
    Reset,
}

impl Attempt {
    fn as_str(self) -> &'static str {
        match self {
            Attempt::SignIn => "sign_in",
            Attempt::Reset => "reset",
        }
    }
}

/// Record an attempt for an account (the e-mail address typed, known or
/// not) from an address.
pub async fn note_attempt(db: &Db, kind: Attempt, account: &str, ip: &str, succeeded: bool) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO auth_attempts (kind, account, ip, at, succeeded) VALUES ($1, $2, $3, $4, $5)")
        .bind(kind.as_str())
        .bind(account)
        .bind(ip)
        .bind(db.now())
        .bind(succeeded as i64)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Count and date failures matching `filter` (with its values) since `since`.
async fn failures(
    db: &Db,
    filter: &str,
    values: &[&str],
    since: i64,
) -> Result<(i64, Option<i64>, Option<i64>), StoreError> {
    let mut s = Sql::new(&format!(
        "SELECT COUNT(*) AS n, MIN(at) AS oldest, MAX(at) AS newest FROM auth_attempts \
         WHERE kind = 'sign_in' AND succeeded = 0 AND at > ? AND {filter}"
    ));
    s.arg(since);
    for v in values {
        s.arg(*v);
    }
    let row = db.fetch_one(&s).await?;
    Ok((get_i64(&row, "n")?, get_oi64(&row, "oldest")?, get_oi64(&row, "newest")?))
}

/// What the sign-in limits need to know about an account and the address
/// asking (see `upward_domain::throttle`).
pub async fn sign_in_history(db: &Db, account: &str, ip: &str) -> Result<throttle::SignInHistory, StoreError> {
    let t = db.now();
    let (pair_failures, _, pair_last_failure) =
        failures(db, "account = ? AND ip = ?", &[account, ip], t - throttle::PAIR_WINDOW).await?;
    let (ip_failures, ip_oldest_failure, _) = failures(db, "ip = ?", &[ip], t - throttle::IP_WINDOW).await?;
    let (account_failures, account_oldest_failure, _) =
        failures(db, "account = ?", &[account], t - throttle::ACCOUNT_WINDOW).await?;
    let known_address = db
        .count(
            &Sql::new(
                "SELECT COUNT(*) FROM auth_attempts WHERE kind = 'sign_in' AND succeeded = 1 AND account = ? AND ip = ? AND at > ?",
            )
            .bind(account)
            .bind(ip)
            .bind(t - throttle::KNOWN_FOR),
        )
        .await?
        > 0;
    Ok(throttle::SignInHistory {
        pair_failures,
        pair_last_failure,
        ip_failures,
        ip_oldest_failure,
        account_failures,
        account_oldest_failure,
        known_address,
    })
}

/// A successful sign-in: the pair's mistakes are forgiven, and the address
/// is remembered as one the account is used from.
pub async fn signed_in_from(db: &Db, account: &str, ip: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM auth_attempts WHERE kind = 'sign_in' AND succeeded = 0 AND account = $1 AND ip = $2")
        .bind(account)
        .bind(ip)
        .execute(&db.pool)
        .await?;
    note_attempt(db, Attempt::SignIn, account, ip, true).await
}

/// Reset links asked for in the last `throttle::RESET_WINDOW`: for this
/// account, and from this address.
pub async fn reset_requests(db: &Db, account: &str, ip: &str) -> Result<(i64, i64), StoreError> {
    let since = db.now() - throttle::RESET_WINDOW;
    let by_account = db
        .count(
            &Sql::new("SELECT COUNT(*) FROM auth_attempts WHERE kind = 'reset' AND account = ? AND at > ?")
                .bind(account)
                .bind(since),
        )
        .await?;
    let by_ip = db
        .count(
            &Sql::new("SELECT COUNT(*) FROM auth_attempts WHERE kind = 'reset' AND ip = ? AND at > ?")
                .bind(ip)
                .bind(since),
        )
        .await?;
    Ok((by_account, by_ip))
}

/// A link for a password reset ('reset') or an invitation ('invite').
pub async fn create_one_time(
    tx: &mut Tx,
    person_id: i64,
    purpose: &str,
    token_hash: &str,
    valid_secs: i64,
) -> Result<(), StoreError> {
    let t = tx.now();
    // A new link replaces older unused ones of the same purpose.
    Sql::new("UPDATE one_time_tokens SET used_at = ? WHERE person_id = ? AND purpose = ? AND used_at IS NULL")
        .bind(t)
        .bind(person_id)
        .bind(purpose)
        .query()
        .execute(&mut **tx)
        .await?;
    Sql::new(
        "INSERT INTO one_time_tokens (token_hash, person_id, purpose, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(token_hash)
    .bind(person_id)
    .bind(purpose)
    .bind(t)
    .bind(t + valid_secs)
    .query()
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The person a live link belongs to (without using it up).
pub async fn peek_one_time(db: &Db, token_hash: &str, purpose: &str) -> Result<Option<i64>, StoreError> {
    let row = db
        .fetch_optional(
            &Sql::new("SELECT person_id FROM one_time_tokens WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ?")
                .bind(token_hash)
                .bind(purpose)
                .bind(db.now()),
        )
        .await?;
    row.map(|r| get_i64(&r, "person_id")).transpose()
}

/// Use up a live link, in the caller's transaction; None if it is not live.
pub async fn use_one_time(tx: &mut Tx, token_hash: &str, purpose: &str) -> Result<Option<i64>, StoreError> {
    let t = tx.now();
    let row = Sql::new(
        "UPDATE one_time_tokens SET used_at = ? WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? RETURNING person_id",
    )
    .bind(t)
    .bind(token_hash)
    .bind(purpose)
    .bind(t)
    .query()
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| get_i64(&r, "person_id")).transpose()
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

pub async fn create_api_token(
    tx: &mut Tx,
    who: &Who,
    person_id: i64,
    name: &str,
    token_hash: &str,
    hint: &str,
) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO api_tokens (person_id, name, token_hash, hint, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(person_id)
    .bind(name)
    .bind(token_hash)
    .bind(hint)
    .bind(tx.now())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    audit::record(
        tx,
        who,
        Change::new("api_token.created", "person", person_id, format!("API token '{name}' created ({hint}…)")),
    )
    .await?;
    Ok(id)
}

pub async fn api_tokens(db: &Db, person_id: i64) -> Result<Vec<ApiToken>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new("SELECT id, name, hint, created_at, last_used_at FROM api_tokens WHERE person_id = ? AND revoked_at IS NULL ORDER BY id")
                .bind(person_id),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ApiToken {
                id: get_i64(r, "id")?,
                name: get_str(r, "name")?,
                hint: get_str(r, "hint")?,
                created_at: get_i64(r, "created_at")?,
                last_used_at: get_oi64(r, "last_used_at")?,
            })
        })
        .collect()
}

pub async fn revoke_api_token(tx: &mut Tx, who: &Who, person_id: i64, token_id: i64) -> Result<bool, StoreError> {
    let r = Sql::new("UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND person_id = ? AND revoked_at IS NULL")
        .bind(tx.now())
        .bind(token_id)
        .bind(person_id)
        .query()
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    audit::record(
        tx,
        who,
        Change::new("api_token.revoked", "person", person_id, format!("API token {token_id} revoked")),
    )
    .await?;
    Ok(true)
}

/// End every session of a person and revoke every API token they hold (a
/// password changed or reset: whoever had the old one is out, whatever
/// they made with it too). On the audit trail when anything ended.
/// Returns (sessions ended, tokens revoked).
pub async fn sign_out_everywhere(tx: &mut Tx, who: &Who, person_id: i64) -> Result<(u64, u64), StoreError> {
    let sessions = Sql::new("DELETE FROM sessions WHERE person_id = ?")
        .bind(person_id)
        .query()
        .execute(&mut **tx)
        .await?
        .rows_affected();
    let tokens = Sql::new("UPDATE api_tokens SET revoked_at = ? WHERE person_id = ? AND revoked_at IS NULL")
        .bind(tx.now())
        .bind(person_id)
        .query()
        .execute(&mut **tx)
        .await?
        .rows_affected();
    if sessions + tokens > 0 {
        let plural = |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        audit::record(
            tx,
            who,
            Change::new(
                "person.signed_out_everywhere",
                "person",
                person_id,
                format!(
                    "Signed out everywhere: {} ended, {} revoked",
                    plural(sessions, "session", "sessions"),
                    plural(tokens, "API token", "API tokens")
                ),
            )
            .after(serde_json::json!({"sessions_ended": sessions, "api_tokens_revoked": tokens})),
        )
        .await?;
    }
    Ok((sessions, tokens))
}

/// The person an API token belongs to.
pub async fn api_token_person(db: &Db, token_hash: &str) -> Result<Option<i64>, StoreError> {
    let row = db
        .fetch_optional(
            &Sql::new(
                "SELECT t.person_id, t.last_used_at FROM api_tokens t JOIN people p ON p.id = t.person_id \
                 WHERE t.token_hash = ? AND t.revoked_at IS NULL AND p.status = 'active'",
            )
            .bind(token_hash),
        )
        .await?;
    let Some(row) = row else { return Ok(None) };
    let t = db.now();
    if get_oi64(&row, "last_used_at")?.is_none_or(|l| t - l > 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
            .bind(t)
            .bind(token_hash)
            .execute(&db.pool)
            .await?;
    }
    Ok(Some(get_i64(&row, "person_id")?))
}
