//! Home, health, help and the not-found page.

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::Failure;
use crate::layout::{Layout, thousands};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use upward_domain::policy::Action;
use upward_storage::{people, programmes, schools};

pub async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        (StatusCode::OK, "ok").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    l: Layout,
    first_name: String,
    roles: Vec<String>,
    school: Option<(i64, String)>,
    counts: Option<schools::DirectoryCounts>,
    agenda: Vec<programmes::CalendarItem>,
    can_browse: bool,
    can_people: bool,
    can_import: bool,
    can_audit: bool,
}

impl Home {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    /// When an agenda item happens (days, or times in England).
    fn when(&self, i: &programmes::CalendarItem) -> String {
        crate::layout::calendar_when(i.starts_on.as_deref(), i.ends_on.as_deref(), i.starts_at, i.ends_at)
    }
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    let me = ctx.me()?;
    let person =
        people::get(&state.db, upward_domain::ids::PersonId(me.person_id)).await?.ok_or(Failure::SignInRequired)?;
    let can_browse = ctx.can(&Action::BrowseDirectory);
    let counts = if can_browse { Some(schools::counts(&state.db).await?) } else { None };
    let today = state.today().format("%Y-%m-%d").to_string();
    let now = state.clock().timestamp();
    let agenda = programmes::calendar(&state.db, me.person_id)
        .await?
        .into_iter()
        .filter(|i| match (&i.ends_on, i.ends_at) {
            (Some(e), _) => e.as_str() >= today.as_str(),
            (None, Some(t)) => t >= now,
            (None, None) => true,
        })
        .take(8)
        .collect();
    let page = Home {
        l: Layout::new(&ctx, "Home"),
        first_name: me.name.split_whitespace().next().unwrap_or(&me.name).to_string(),
        roles: person.grants.iter().map(|g| g.describe()).collect(),
        school: person.school_urn.zip(person.school_name.clone()),
        counts,
        agenda,
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
