//! Home, health, help and the not-found page.

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::Failure;
use crate::layout::{Layout, thousands};
use crate::services::{self, home::HomeItem, home::ItemKind};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use upward_domain::policy::{Action, Actor};
use upward_storage::{people, schools};

pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

/// One line of the home page, ready to show.
pub struct ItemView {
    pub title: String,
    pub href: String,
    /// "12 Dec 2026" or "7 to 9 Dec 2026", or empty.
    pub when: String,
    /// ISO date for the `datetime` attribute, or empty.
    pub iso: String,
    pub overdue: bool,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    l: Layout,
    first_name: String,
    roles: Vec<String>,
    school: Option<(i64, String)>,
    counts: Option<schools::DirectoryCounts>,
    to_do: Vec<ItemView>,
    coming_up: Vec<ItemView>,
    can_browse: bool,
    can_people: bool,
    can_import: bool,
    can_audit: bool,
}

impl Home {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
}

/// "7 to 9 Dec 2026", "30 Nov to 2 Dec 2026", "12 Dec 2026".
pub fn span(from: chrono::NaiveDate, to: Option<chrono::NaiveDate>) -> String {
    match to.filter(|t| *t != from) {
        None => from.format("%-d %b %Y").to_string(),
        Some(t) if t.year() == from.year() && t.month() == from.month() => {
            format!("{} to {}", from.format("%-d"), t.format("%-d %b %Y"))
        }
        Some(t) if t.year() == from.year() => format!("{} to {}", from.format("%-d %b"), t.format("%-d %b %Y")),
        Some(t) => format!("{} to {}", from.format("%-d %b %Y"), t.format("%-d %b %Y")),
    }
}

/// Everything every area has for this person today.
pub async fn items_for(state: &AppState, actor: &Actor) -> Result<Vec<HomeItem>, Failure> {
    let today = state.today();
    let mut items = Vec::new();
    items.extend(services::programmes::home_items(state, actor, today).await?);
    items.extend(services::people::home_items(state, actor, today).await?);
    items.extend(services::platform::home_items(state, actor, today).await?);
    items.extend(services::matching::home_items(state, actor, today).await?);
    Ok(services::home::sorted(items))
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    let me = ctx.me()?;
    let actor = ctx.require(Action::UseOwnAccount)?;
    let person =
        people::get(&state.db, upward_domain::ids::PersonId(me.person_id)).await?.ok_or(Failure::SignInRequired)?;
    let can_browse = ctx.can(&Action::BrowseDirectory);
    let counts = if can_browse { Some(schools::counts(&state.db).await?) } else { None };
    let today = state.today();
    let (mut to_do, mut coming_up) = (vec![], vec![]);
    for i in items_for(&state, actor).await? {
        let view = ItemView {
            overdue: i.overdue(today),
            when: i.due.map(|d| span(d, i.until)).unwrap_or_default(),
            iso: i.due.map(|d| d.to_string()).unwrap_or_default(),
            title: i.title,
            href: i.href,
            detail: i.detail,
        };
        match i.kind {
            ItemKind::ToDo => to_do.push(view),
            ItemKind::ComingUp => coming_up.push(view),
        }
    }
    let page = Home {
        l: Layout::new(&ctx, "Home"),
        first_name: me.name.split_whitespace().next().unwrap_or(&me.name).to_string(),
        roles: person.grants.iter().map(|g| g.describe()).collect(),
        school: person.school_urn.zip(person.school_name.clone()),
        counts,
        to_do,
        coming_up,
        can_browse,
        can_people: ctx.can(&Action::ListPeople),
        can_import: ctx.can(&Action::ImportData),
        can_audit: ctx.can(&Action::ViewAudit),
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "help.html")]
struct Help {
    l: Layout,
}

pub async fn help(ctx: Ctx) -> Response {
    render(&Help { l: Layout::new(&ctx, "Help and guides") })
}

#[derive(Template)]
#[template(path = "accessibility.html")]
struct Accessibility {
    l: Layout,
}

pub async fn accessibility(ctx: Ctx) -> Response {
    render(&Accessibility { l: Layout::new(&ctx, "Accessibility") })
}

pub async fn not_found() -> Failure {
    Failure::NotFound("page".into())
}

#[cfg(test)]
mod tests {
    use super::span;

    #[test]
    fn spans_say_the_month_and_year_once() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(span(d("2026-12-07"), None), "7 Dec 2026");
        assert_eq!(span(d("2026-12-07"), Some(d("2026-12-07"))), "7 Dec 2026");
        assert_eq!(span(d("2026-12-07"), Some(d("2026-12-09"))), "7 to 9 Dec 2026");
        assert_eq!(span(d("2026-11-30"), Some(d("2026-12-02"))), "30 Nov to 2 Dec 2026");
        assert_eq!(span(d("2026-12-30"), Some(d("2027-01-01"))), "30 Dec 2026 to 1 Jan 2027");
    }
}
