//! One's own account: password, notification settings, calendar feed, API
//! tokens; and the private calendar feed itself.
//!
//! A new API token or calendar address is a secret shown once: the POST
//! that makes it redirects to the account page (so a reload does not make
//! another), carrying the secret in a short-lived cookie bound to the
//! session, which that page shows once and clears. Only hashes are stored.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect_with};
use crate::error::Failure;
use crate::forms::{Form, Path};
use crate::layout::{Layout, when, when_opt};
use crate::security::{hash_password, new_token, same, token_hash, verify_password};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use upward_domain::account;
use upward_domain::ids::TokenId;
use upward_domain::policy::Action;
use upward_domain::validate;
use upward_storage::{auth, people, programmes};

pub struct Topic {
    pub code: &'static str,
    pub label: &'static str,
    pub on: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct Account {
    l: Layout,
    person: people::Person,
    topics: Vec<Topic>,
    /// A calendar address is made (its address is not kept).
    has_feed: bool,
    /// The address just made, shown this once.
    feed_url: Option<String>,
    tokens: Vec<auth::ApiToken>,
    /// The token just made, shown this once.
    new_token: Option<String>,
    password_error: Option<String>,
    notifications_error: Option<String>,
    token_error: Option<String>,
}

impl Account {
    fn when(&self, t: &i64) -> String {
        when(*t)
    }
    fn when_opt(&self, t: &Option<i64>) -> String {
        when_opt(*t)
    }
}

async fn page(state: &AppState, ctx: &Ctx) -> Result<Account, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let person = people::get(&state.db, upward_domain::ids::PersonId(me)).await?.ok_or(Failure::SignInRequired)?;
    let settings = people::notification_settings(&state.db, me).await?;
    let topics = people::TOPICS
        .iter()
        .map(|(code, label)| Topic {
            code,
            label,
            on: settings.iter().find(|(t, _)| t == code).map(|x| x.1).unwrap_or(true),
        })
        .collect();
    let has_feed = people::has_calendar_feed(&state.db, me).await?;
    let tokens = auth::api_tokens(&state.db, me).await?;
    Ok(Account {
        l: Layout::new(ctx, "My account"),
        person,
        topics,
        has_feed,
        feed_url: None,
        tokens,
        new_token: None,
        password_error: None,
        notifications_error: None,
        token_error: None,
    })
}

/// The cookie carrying a secret from the POST that made it to the page
/// that shows it once.
const REVEAL_COOKIE: &str = "upward_reveal";

/// What the reveal cookie holds: the kind, the secret, and a tag of the
/// session it was made in (a different session does not see it).
fn reveal_value(ctx: &Ctx, kind: &str, secret: &str) -> String {
    format!("{kind}.{}.{secret}", &token_hash(&ctx.csrf)[..16])
}

fn reveal_cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let mut c = format!("{REVEAL_COOKIE}={value}; Path=/account; HttpOnly; SameSite=Strict; Max-Age={max_age}");
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Redirect to the account page, which shows `secret` once.
fn reveal(ctx: &Ctx, to: &str, kind: &str, secret: &str, message: &str) -> Response {
    let mut res = redirect_with(to, "success", message, ctx.secure);
    res.headers_mut().append(header::SET_COOKIE, reveal_cookie(&reveal_value(ctx, kind, secret), 300, ctx.secure));
    res
}

/// The secret to show now, if one was just made in this session.
fn revealed(ctx: &Ctx, headers: &HeaderMap, kind: &str) -> Option<String> {
    let v = crate::ctx::cookie(headers, REVEAL_COOKIE)?;
    let (k, rest) = v.split_once('.')?;
    let (tag, secret) = rest.split_once('.')?;
    let ok = k == kind
        && same(tag, &token_hash(&ctx.csrf)[..16])
        && secret.len() <= 100
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    ok.then(|| secret.to_string())
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, headers: HeaderMap) -> Result<Response, Failure> {
    let mut p = page(&state, &ctx).await?;
    p.new_token = revealed(&ctx, &headers, "token");
    p.feed_url = revealed(&ctx, &headers, "calendar").map(|t| state.config.link(&format!("/calendar/{t}.ics")));
    let mut res = render(&p);
    if crate::ctx::cookie(&headers, REVEAL_COOKIE).is_some() {
        // Shown once: a reload shows it no more.
        res.headers_mut().append(header::SET_COOKIE, reveal_cookie("", 0, ctx.secure));
    }
    Ok(res)
}

/// Making credentials needs a person signed in, not an API token (a stolen
/// token must not be able to make itself a new one, or a password).
fn signed_in_in_person(ctx: &Ctx) -> Result<i64, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    if ctx.via_token {
        return Err(Failure::NeedsSession);
    }
    Ok(me)
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangePasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ChangePasswordForm>,
) -> Result<Response, Failure> {
    let me = signed_in_in_person(&ctx)?;
    let email = ctx.me()?.email.clone();
    let creds = people::credentials(&state.db, &email).await?.ok_or(Failure::SignInRequired)?;
    let current = f.current;
    let stored = creds.password_hash.clone();
    let ok = current.len() <= 1024
        && tokio::task::spawn_blocking(move || verify_password(&current, stored.as_deref())).await.unwrap_or(false);
    let problem = if !ok {
        Some("Your current password is not right.".to_string())
    } else {
        validate::password(&f.password, &f.confirm).err()
    };
    if let Some(m) = problem {
        let mut p = page(&state, &ctx).await?;
        p.password_error = Some(m);
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let pw = f.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|_| Failure::internal("password hashing stopped"))?
        .map_err(Failure::internal)?;
    let mut tx = state.db.begin().await?;
    // Every session ends and every API token is revoked (on the audit
    // trail); a fresh session starts here.
    people::set_password(&mut tx, &ctx.who(), me, &hash).await?;
    tx.commit().await?;
    let token = new_token();
    auth::create_session(&state.db, me, &token_hash(&token), None).await?;
    let mut res = redirect_with(
        "/account",
        "success",
        "Your password has been changed. You have been signed out everywhere else, and your API tokens no longer work.",
        ctx.secure,
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::ctx::set_cookie(crate::ctx::SESSION_COOKIE, &token, None, "Lax", ctx.secure),
    );
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct NotificationsForm {
    /// The topics ticked.
    #[serde(default)]
    topic: Vec<String>,
}

pub async fn save_notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NotificationsForm>,
) -> Result<Response, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let on = match account::topics_ticked(&f.topic) {
        Ok(on) => on,
        Err(errors) => {
            let mut p = page(&state, &ctx).await?;
            p.notifications_error = Some(errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(". "));
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
        }
    };
    let mut tx = state.db.begin().await?;
    people::set_notification_settings(&mut tx, &ctx.who(), me, &on).await?;
    tx.commit().await?;
    Ok(redirect_with("/account#notifications", "success", "Your e-mail settings are saved.", ctx.secure))
}

pub async fn reset_calendar(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    let me = signed_in_in_person(&ctx)?;
    let token = new_token();
    let mut tx = state.db.begin().await?;
    people::set_calendar_token(&mut tx, &ctx.who(), me, &token_hash(&token)).await?;
    tx.commit().await?;
    Ok(reveal(
        &ctx,
        "/account#calendar",
        "calendar",
        &token,
        "Your private calendar address is ready: copy it now, it is shown only once. Any older address no longer works.",
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<NewTokenForm>,
) -> Result<Response, Failure> {
    let me = signed_in_in_person(&ctx)?;
    let name = match account::token_name(&f.name) {
        Ok(n) => n,
        Err(errors) => {
            let mut p = page(&state, &ctx).await?;
            p.token_error = errors.into_iter().next().map(|e| e.message);
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
        }
    };
    let token = format!("upw_{}", new_token());
    let mut tx = state.db.begin().await?;
    auth::create_api_token(&mut tx, &ctx.who(), me, &name, &token_hash(&token), &token[..8]).await?;
    tx.commit().await?;
    Ok(reveal(&ctx, "/account#tokens", "token", &token, &format!("Your API token \"{name}\" is ready.")))
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TokenId>,
) -> Result<Response, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let mut tx = state.db.begin().await?;
    let done = auth::revoke_api_token(&mut tx, &ctx.who(), me, id.get()).await?;
    tx.commit().await?;
    if !done {
        return Err(Failure::NotFound("API token".into()));
    }
    Ok(redirect_with("/account#tokens", "success", "The API token has been revoked.", ctx.secure))
}

/// The private calendar feed: `/calendar/{token}.ics`. Only the token's
/// hash is stored.
pub async fn calendar_feed(
    State(state): State<AppState>,
    axum::extract::Path(file): axum::extract::Path<String>,
) -> Result<Response, Failure> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let not_found = || Failure::NotFound("calendar".into());
    if token.is_empty() || token.len() > 100 {
        return Err(not_found());
    }
    let person = people::by_calendar_token(&state.db, &token_hash(token)).await?.ok_or_else(not_found)?;
    let items = programmes::calendar(&state.db, person).await?;
    let body = ics(&items);
    let mut res = body.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    Ok(res)
}

/// Render calendar items as iCalendar (RFC 5545).
pub fn ics(items: &[programmes::CalendarItem]) -> String {
    use icalendar::{Calendar, Component, Event, EventLike};
    let mut cal = Calendar::new();
    cal.name("Upward");
    for i in items {
        let mut e = Event::new();
        e.uid(&i.uid).summary(&i.title).description(&i.description);
        if let Some(loc) = &i.location {
            e.location(loc);
        }
        match (&i.starts_on, &i.ends_on, i.starts_at, i.ends_at) {
            (Some(s), e_on, _, _) => {
                let Ok(start) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") else { continue };
                let end = e_on
                    .as_deref()
                    .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                    .unwrap_or(start);
                // DTEND of an all-day event is the day after the last day.
                e.starts(start).ends(end.succ_opt().unwrap_or(end));
            }
            (None, _, Some(s), Some(t)) => {
                let (Some(s), Some(t)) =
                    (chrono::DateTime::from_timestamp(s, 0), chrono::DateTime::from_timestamp(t, 0))
                else {
                    continue;
                };
                e.starts(s).ends(t);
            }
            _ => continue,
        }
        cal.push(e.done());
    }
    cal.done().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_day_reviews_end_the_day_after() {
        let items = vec![programmes::CalendarItem {
            uid: "review-1-lead-2@upward".into(),
            title: "QA Review: Oak School".into(),
            starts_on: Some("2026-03-02".into()),
            ends_on: Some("2026-03-04".into()),
            starts_at: None,
            ends_at: None,
            location: Some("Oak School, N4 3EY".into()),
            description: "You are the Lead Reviewer.".into(),
            school_urn: Some(100000),
        }];
        let s = ics(&items);
        assert!(s.contains("BEGIN:VCALENDAR"));
        assert!(s.contains("SUMMARY:QA Review: Oak School"));
        assert!(s.contains("DTSTART;VALUE=DATE:20260302"), "{s}");
        assert!(s.contains("DTEND;VALUE=DATE:20260305"), "{s}");
        assert!(s.contains("UID:review-1-lead-2@upward"));
    }
}
