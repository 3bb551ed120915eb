//! One's own account: password, notification settings, calendar feed, API
//! tokens; and the private calendar feed itself.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect_with};
use crate::error::Failure;
use crate::forms::Path;
use crate::forms::RawForm;
use crate::layout::{Layout, when, when_opt};
use crate::security::{hash_password, new_token, token_hash, verify_password};
use askama::Template;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
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
    feed_url: Option<String>,
    tokens: Vec<auth::ApiToken>,
    new_token: Option<String>,
    password_error: Option<String>,
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
    let feed_url =
        people::calendar_token(&state.db, me).await?.map(|t| state.config.link(&format!("/calendar/{t}.ics")));
    let tokens = auth::api_tokens(&state.db, me).await?;
    Ok(Account {
        l: Layout::new(ctx, "My account"),
        person,
        topics,
        feed_url,
        tokens,
        new_token: None,
        password_error: None,
        token_error: None,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    Ok(render(&page(&state, &ctx).await?))
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let email = ctx.me()?.email.clone();
    let creds = people::credentials(&state.db, &email).await?.ok_or(Failure::SignInRequired)?;
    let current = f.raw("current").to_string();
    let stored = creds.password_hash.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, stored.as_deref())).await.unwrap_or(false);
    let problem = if !ok {
        Some("Your current password is not right.".to_string())
    } else {
        validate::password(f.raw("password"), f.raw("confirm")).err()
    };
    if let Some(m) = problem {
        let mut p = page(&state, &ctx).await?;
        p.password_error = Some(m);
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
    }
    let pw = f.raw("password").to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|_| Failure::Internal("hash".into()))?
        .map_err(Failure::Internal)?;
    let mut tx = state.db.begin().await?;
    people::set_password(&mut tx, &ctx.who(), me, &hash).await?;
    tx.commit().await?;
    // Other sessions ended; start a fresh one here.
    let token = new_token();
    auth::create_session(&state.db, me, &token_hash(&token), None).await?;
    let mut res = redirect_with(
        "/account",
        "success",
        "Your password has been changed. You have been signed out everywhere else.",
        ctx.secure,
    );
    res.headers_mut().append(
        header::SET_COOKIE,
        crate::ctx::set_cookie(crate::ctx::SESSION_COOKIE, &token, None, "Lax", ctx.secure),
    );
    Ok(res)
}

pub async fn save_notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let on: Vec<(String, bool)> =
        people::TOPICS.iter().map(|(t, _)| (t.to_string(), f.all("topic").iter().any(|x| x == t))).collect();
    let mut tx = state.db.begin().await?;
    people::set_notification_settings(&mut tx, &ctx.who(), me, &on).await?;
    tx.commit().await?;
    Ok(redirect_with("/account#notifications", "success", "Your e-mail settings are saved.", ctx.secure))
}

pub async fn reset_calendar(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let mut tx = state.db.begin().await?;
    people::set_calendar_token(&mut tx, &ctx.who(), me, &new_token()).await?;
    tx.commit().await?;
    Ok(redirect_with(
        "/account#calendar",
        "success",
        "Your private calendar address is ready. Any older address no longer works.",
        ctx.secure,
    ))
}

pub async fn create_token(State(state): State<AppState>, ctx: Ctx, RawForm(f): RawForm) -> Result<Response, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let name = match validate::required_text("a name for the token", f.get("name"), 80) {
        Ok(n) => n,
        Err(m) => {
            let mut p = page(&state, &ctx).await?;
            p.token_error = Some(m);
            return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &p));
        }
    };
    let token = format!("upw_{}", new_token());
    let mut tx = state.db.begin().await?;
    auth::create_api_token(&mut tx, &ctx.who(), me, &name, &token_hash(&token), &token[..8]).await?;
    tx.commit().await?;
    let mut p = page(&state, &ctx).await?;
    p.new_token = Some(token);
    Ok(render(&p))
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

/// The private calendar feed: `/calendar/{token}.ics`.
pub async fn calendar_feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response, Failure> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let person = people::by_calendar_token(&state.db, token).await?.ok_or(Failure::NotFound("calendar".into()))?;
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
        }];
        let s = ics(&items);
        assert!(s.contains("BEGIN:VCALENDAR"));
        assert!(s.contains("SUMMARY:QA Review: Oak School"));
        assert!(s.contains("DTSTART;VALUE=DATE:20260302"), "{s}");
        assert!(s.contains("DTEND;VALUE=DATE:20260305"), "{s}");
        assert!(s.contains("UID:review-1-lead-2@upward"));
    }
}
