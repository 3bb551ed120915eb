//! Matching pages: the overview (propose review teams), a run (review
//! teams here; groups and facilitators in [`super::groups`]), one review's
//! team with its candidates, hand changes, and accepting or discarding a
//! whole run after a confirmation page.
//!
//! Thin: read the request (typed forms, checked by the domain), ask the
//! policy, call `services::matching`, render.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect, redirect_with};
use crate::error::{Failure, FieldError};
use crate::forms::{Form, Path, Query};
use crate::layout::{Layout, when};
use crate::services::matching::teams::{self as svc, CandidateView, TeamRow, TeamsInput, UnfilledView, Verdict};
use crate::services::matching::{self as matching, Accepted, Confirmation, Docs, LoadedRun, default_from};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;
use upward_domain::ids::{CycleId, ReviewId, RunId};
use upward_domain::matching::{RunAction, RunKind, TeamChange, TeamsForm, TeamsOptions, check_change, parse_version};
use upward_domain::policy::Action;
use upward_matching::reviews;
use upward_storage::matching::{self as store, Run};

pub struct CycleRow {
    pub id: CycleId,
    pub name: String,
    pub from: String,
    pub in_scope: i64,
    pub unstaffed: i64,
}

pub struct RunRow {
    pub id: RunId,
    pub kind: &'static str,
    pub status: &'static str,
    pub summary: String,
    pub when: String,
}

#[derive(Template)]
#[template(path = "matching/index.html")]
struct Index {
    l: Layout,
    cycles: Vec<CycleRow>,
    cohorts: Vec<store::Cohort>,
    runs: Vec<RunRow>,
    can_run: bool,
    f: TeamsForm,
    errors: Vec<FieldError>,
}

/// `?from=` on the overview: where the matching window starts.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct IndexQuery {
    pub from: String,
}

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn index_page(state: &AppState, ctx: &Ctx, f: TeamsForm, errors: Vec<FieldError>) -> Result<Index, Failure> {
    let from = NaiveDate::parse_from_str(f.from.trim(), "%Y-%m-%d")
        .map(iso)
        .unwrap_or_else(|_| iso(default_from(state.today())));
    let mut cycles = vec![];
    for c in store::cycles(&state.db).await? {
        if c.ends_on.as_str() < from.as_str() {
            continue;
        }
        let (in_scope, unstaffed) = store::cycle_needs(&state.db, c.id, &from).await?;
        cycles.push(CycleRow { id: c.id, name: c.name, from: from.clone(), in_scope, unstaffed });
    }
    let runs = store::recent_runs(&state.db, 15)
        .await?
        .into_iter()
        .map(|r| RunRow {
            id: r.id,
            kind: r.kind.label(),
            status: r.status.label(),
            summary: r.summary,
            when: when(r.created_at),
        })
        .collect();
    Ok(Index {
        l: Layout::new(ctx, "Matching"),
        cycles,
        cohorts: store::cohorts(&state.db).await?,
        runs,
        can_run: ctx.can(&Action::RunMatching),
        f,
        errors,
    })
}

pub async fn index(State(state): State<AppState>, ctx: Ctx, Query(q): Query<IndexQuery>) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    let from = NaiveDate::parse_from_str(q.from.trim(), "%Y-%m-%d").unwrap_or_else(|_| default_from(state.today()));
    Ok(render(&index_page(&state, &ctx, svc::default_form(from), vec![]).await?))
}

pub async fn propose_teams(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle): Path<CycleId>,
    Form(f): Form<TeamsForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    match TeamsOptions::parse(&f, default_from(state.today())) {
        Ok(o) => {
            let id = svc::propose(&state, &ctx.who(), cycle, &o).await?;
            Ok(redirect(&format!("/matching/runs/{id}")))
        }
        Err(errors) => Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &index_page(&state, &ctx, f, errors).await?)),
    }
}

#[derive(Template)]
#[template(path = "matching/teams.html")]
struct TeamsPage {
    l: Layout,
    run: Run,
    input: TeamsInput,
    verdict: Verdict,
    total: String,
    bound: String,
    edited: bool,
    rows: Vec<TeamRow>,
    unfilled: Vec<UnfilledView>,
    warnings: Vec<String>,
    can_run: bool,
}

impl TeamsPage {
    fn d(&self, iso: &str) -> String {
        crate::layout::date(iso)
    }
}

pub async fn run(State(state): State<AppState>, ctx: Ctx, Path(id): Path<RunId>) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    let loaded = matching::load(&state, id).await?;
    match loaded.run.kind {
        RunKind::ReviewTeams => teams_page(&ctx, loaded),
        RunKind::Groups => super::groups::groups_page(&ctx, loaded),
        RunKind::Facilitators => super::groups::facilitators_page(&ctx, loaded),
    }
}

fn teams_page(ctx: &Ctx, loaded: LoadedRun) -> Result<Response, Failure> {
    let edited = loaded.docs.edited();
    let LoadedRun { run, docs: Docs::Teams(r) } = loaded else {
        return Err(Failure::NotFound("review-team proposal".into()));
    };
    let report = reviews::rescore(&r.input.cycle, &r.current);
    let page = TeamsPage {
        l: Layout::new(ctx, format!("Review teams for {}", r.input.cycle_name)),
        verdict: svc::verdict(&r.proposal.status, edited),
        total: format!("{:.1}", report.total_points()),
        bound: format!("{:.1}", r.proposal.bound),
        edited,
        rows: svc::team_rows(&r.input, &report),
        unfilled: svc::unfilled(&r.input, &r.current, &report),
        warnings: svc::warning_lines(&r.input, &report),
        can_run: ctx.can(&Action::RunMatching) && run.status.is_open(),
        run,
        input: r.input,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "matching/team.html")]
struct TeamPage {
    l: Layout,
    run: Run,
    row: TeamRow,
    cycle_name: String,
    total: String,
    candidates: Vec<CandidateView>,
    excluded: String,
    can_run: bool,
}

pub async fn team(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, review)): Path<(RunId, ReviewId)>,
) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    let LoadedRun { run, docs: Docs::Teams(r) } = matching::load(&state, id).await? else {
        return Err(Failure::NotFound("review-team proposal".into()));
    };
    let review = review.to_string();
    let report = reviews::rescore(&r.input.cycle, &r.current);
    let row = svc::team_rows(&r.input, &report)
        .into_iter()
        .find(|t| t.id == review)
        .ok_or(Failure::NotFound("review in this proposal".into()))?;
    let (candidates, excluded) = svc::candidates(&r.input, &r.current, &review);
    let page = TeamPage {
        l: Layout::new(&ctx, format!("Team for {}", row.school)),
        total: format!("{:.1}", report.total_points()),
        cycle_name: r.input.cycle_name.clone(),
        can_run: ctx.can(&Action::RunMatching) && run.status.is_open(),
        run,
        row,
        candidates,
        excluded,
    };
    Ok(render(&page))
}

/// A hand change to a team: the person, what to do, and the version of
/// the proposal the person saw.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct TeamEditForm {
    pub version: String,
    pub action: String,
    pub person: String,
}

pub async fn edit_team(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, review)): Path<(RunId, ReviewId)>,
    Form(f): Form<TeamEditForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let seen = parse_version(&f.version).map_err(|e| Failure::Invalid(vec![e]))?;
    let change = TeamChange::parse(&f.action).map_err(|e| Failure::BadRequest(e.message))?;
    let loaded = matching::load(&state, id).await?;
    let done = svc::edit(&state, &ctx.who(), loaded, seen, review, change, f.person.trim()).await?;
    Ok(redirect_with(
        &format!("/matching/runs/{id}/reviews/{review}"),
        if done.worse { "error" } else { "success" },
        &done.message,
        ctx.secure,
    ))
}

/// The version of the proposal the person saw (`?version=` or a hidden field).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct VersionForm {
    pub version: String,
}

/// Accepting: the version seen, and the tick that says "I know it breaks rules".
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    pub version: String,
    pub accept_broken: String,
}

#[derive(Template)]
#[template(path = "matching/confirm.html")]
struct ConfirmPage {
    l: Layout,
    run: Run,
    accept: bool,
    version: i64,
    c: Confirmation,
}

async fn confirm(
    state: &AppState,
    ctx: &Ctx,
    id: RunId,
    version: &str,
    action: RunAction,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let LoadedRun { run, docs } = matching::load(state, id).await?;
    // Without a version (a link typed by hand), confirm what the run is now.
    let seen = if version.trim().is_empty() {
        run.version
    } else {
        parse_version(version).map_err(|e| Failure::Invalid(vec![e]))?
    };
    check_change(run.status, run.version, seen, action).map_err(|r| Failure::Conflict(r.to_string()))?;
    let c = matching::confirmation(state, &docs).await?;
    let accept = action == RunAction::Accept;
    let title = if accept { format!("Accept {}?", c.what) } else { "Discard this proposal?".to_string() };
    Ok(render(&ConfirmPage { l: Layout::new(ctx, title), run, accept, version: seen, c }))
}

/// "Accept these 12 teams? 41 people will be told by e-mail."
pub async fn confirm_accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    Query(q): Query<VersionForm>,
) -> Result<Response, Failure> {
    confirm(&state, &ctx, id, &q.version, RunAction::Accept).await
}

/// "Discard this proposal? Nothing is saved from it and nobody is told."
pub async fn confirm_discard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    Query(q): Query<VersionForm>,
) -> Result<Response, Failure> {
    confirm(&state, &ctx, id, &q.version, RunAction::Discard).await
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    Form(f): Form<AcceptForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let seen = parse_version(&f.version).map_err(|e| Failure::Invalid(vec![e]))?;
    let ticked = matches!(f.accept_broken.trim(), "on" | "1" | "true" | "yes");
    match matching::accept(&state, &ctx.who(), id, seen, ticked).await? {
        Accepted::Done(msg) => Ok(redirect_with(&format!("/matching/runs/{id}"), "success", &msg, ctx.secure)),
        // Back to the confirmation, which lists the broken rules and the box to tick.
        Accepted::BrokenRules(broken) => Ok(redirect_with(
            &format!("/matching/runs/{id}/accept?version={seen}"),
            "error",
            &matching::broken_message(&broken, "tick “Accept although rules are broken”"),
            ctx.secure,
        )),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    Form(f): Form<VersionForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let seen = parse_version(&f.version).map_err(|e| Failure::Invalid(vec![e]))?;
    matching::discard(&state, &ctx.who(), id, seen).await?;
    Ok(redirect_with("/matching", "success", "The proposal was discarded. Nothing else changed.", ctx.secure))
}
