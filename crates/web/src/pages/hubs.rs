//! Hubs and trusts.

use super::render;
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::Failure;
use crate::forms::{Path, Query};
use crate::layout::{Layout, thousands};
use crate::services::directory::TrustParams;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use upward_domain::ids::{HubId, TrustId};
use upward_domain::policy::Action;
use upward_storage::hubs::{self, Hub, Leader, Trust};
use upward_storage::schools::{self, School};

#[derive(Template)]
#[template(path = "hubs/list.html")]
struct HubList {
    l: Layout,
    hubs: Vec<Hub>,
}

impl HubList {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn names(&self, v: &[Leader]) -> String {
        if v.is_empty() { "—".into() } else { v.iter().map(|l| l.name.as_str()).collect::<Vec<_>>().join(", ") }
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let hubs = hubs::list(&state.db).await?;
    Ok(render(&HubList { l: Layout::new(&ctx, "Hubs"), hubs }))
}

#[derive(Template)]
#[template(path = "hubs/show.html")]
struct HubPage {
    l: Layout,
    hub: Hub,
    schools: Vec<School>,
    can_people: bool,
}

impl HubPage {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<HubId>) -> Result<Response, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let hub = hubs::get(&state.db, id.get()).await?.ok_or(Failure::NotFound("Hub".into()))?;
    ctx.require(Action::ViewHub(hub.id))?;
    let schools = schools::of_hub(&state.db, id).await?.into_iter().filter(|s| s.is_member()).collect();
    let can_people = ctx.can(&Action::ListPeople);
    Ok(render(&HubPage { l: Layout::new(&ctx, hub.name.clone()), hub, schools, can_people }))
}

#[derive(Template)]
#[template(path = "hubs/trusts.html")]
struct TrustList {
    l: Layout,
    q: String,
    all: bool,
    trusts: Vec<Trust>,
}

impl TrustList {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
}

pub async fn trusts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TrustParams>,
) -> Result<Response, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let trusts = hubs::trusts(&state.db, q.text(), !q.all()).await?;
    Ok(render(&TrustList { l: Layout::new(&ctx, "Trusts"), q: q.q.trim().to_string(), all: q.all(), trusts }))
}

#[derive(Template)]
#[template(path = "hubs/trust.html")]
struct TrustPage {
    l: Layout,
    trust: Trust,
    schools: Vec<School>,
    executives: Vec<Leader>,
}

impl TrustPage {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
}

pub async fn trust(State(state): State<AppState>, ctx: Ctx, Path(id): Path<TrustId>) -> Result<Response, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let trust = hubs::trust(&state.db, id).await?.ok_or(Failure::NotFound("trust".into()))?;
    let schools = schools::of_trust(&state.db, id).await?;
    let executives = hubs::trust_executives(&state.db, id.get()).await?;
    Ok(render(&TrustPage { l: Layout::new(&ctx, trust.name.clone()), trust, schools, executives }))
}
