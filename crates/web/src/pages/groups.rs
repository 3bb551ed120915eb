//! Growing the Top pages: a cohort's schools and rules, proposing groups
//! and facilitators, a groups or facilitators run with every score and
//! reason, and hand changes (move a school, change a facilitator).
//!
//! Thin: read the request (typed forms, checked by the domain), ask the
//! policy, call `services::matching`, render.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect, redirect_with};
use crate::error::{Failure, FieldError};
use crate::forms::{Form, Path};
use crate::layout::{Layout, date};
use crate::services::matching::facilitators::{self as fac_svc, FacRow};
use crate::services::matching::groups::{self as svc, GroupView, GroupsInput, GroupsProposal};
use crate::services::matching::teams::Verdict;
use crate::services::matching::{self as matching, Docs, LoadedRun};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use upward_domain::ids::{CohortId, RunId, SchoolId};
use upward_domain::matching::{GroupsForm, GroupsOptions, RunKind, parse_version};
use upward_domain::policy::Action;
use upward_storage::matching::{self as store, Run};

pub struct CohortSchoolView {
    pub id: i64,
    pub urn: i64,
    pub name: String,
    pub phase: String,
    pub town: String,
    pub restricted: String,
    /// (text, the taxonomy's themes it is tagged with)
    pub excellence: Vec<(String, String)>,
    pub challenge: Vec<(String, String)>,
}

pub struct PairView {
    pub a: String,
    pub b: String,
    pub kind: &'static str,
}

#[derive(Template)]
#[template(path = "matching/cohort.html")]
struct CohortPage {
    l: Layout,
    cohort: store::Cohort,
    schools: Vec<CohortSchoolView>,
    groups: Vec<store::SchoolGroup>,
    pairs: Vec<PairView>,
    can_run: bool,
    f: GroupsForm,
    errors: Vec<FieldError>,
}

impl CohortPage {
    fn d(&self, iso: &str) -> String {
        date(iso)
    }
    fn school_name(&self, id: &i64) -> String {
        self.schools.iter().find(|s| s.id == *id).map(|s| s.name.clone()).unwrap_or_default()
    }
}

/// The propose form as first shown: the cohort's settings.
fn cohort_form(c: &store::Cohort) -> GroupsForm {
    GroupsForm {
        min_km: c.min_km.unwrap_or(0.0).to_string(),
        group_size: if c.group_size == 4 { "4".into() } else { "3".into() },
        seconds: upward_domain::matching::DEFAULT_GROUP_SECONDS.to_string(),
        max_min: String::new(),
    }
}

async fn cohort_page(
    state: &AppState,
    ctx: &Ctx,
    id: CohortId,
    f: Option<GroupsForm>,
    errors: Vec<FieldError>,
) -> Result<CohortPage, Failure> {
    let cohort = store::cohort_by_id(&state.db, id).await?.ok_or(Failure::NotFound("cohort".into()))?;
    let themes = upward_storage::schools::taxonomy(&state.db).await?;
    let tags = |text: &str| {
        crate::pages::themes::try_tagger(&themes, text).tags.into_iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
    };
    let schools: Vec<CohortSchoolView> = store::cohort_schools(&state.db, id)
        .await?
        .into_iter()
        .map(|s| CohortSchoolView {
            id: s.id,
            urn: s.urn,
            restricted: [
                match s.gender.as_str() {
                    "boys" => Some("boys"),
                    "girls" => Some("girls"),
                    _ => None,
                },
                if s.admissions == "selective" { Some("selective") } else { None },
            ]
            .iter()
            .flatten()
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
            name: s.name,
            phase: upward_domain::school::Phase::from_code(&s.phase).map(|p| p.label().to_string()).unwrap_or(s.phase),
            town: s.town.unwrap_or_default(),
            excellence: s.themes.iter().filter(|t| t.0 == "excellence").map(|t| (t.1.clone(), tags(&t.1))).collect(),
            challenge: s.themes.iter().filter(|t| t.0 == "challenge").map(|t| (t.1.clone(), tags(&t.1))).collect(),
        })
        .collect();
    let name = |id: SchoolId| {
        schools.iter().find(|s| s.id == id.get()).map(|s| s.name.clone()).unwrap_or_else(|| id.to_string())
    };
    let pairs = store::cohort_pairs(&state.db, id)
        .await?
        .into_iter()
        .map(|(a, b, rule)| PairView { a: name(a), b: name(b), kind: rule.label() })
        .collect();
    Ok(CohortPage {
        l: Layout::new(ctx, cohort.name.clone()),
        groups: store::groups(&state.db, id).await?,
        can_run: ctx.can(&Action::RunMatching),
        f: f.unwrap_or_else(|| cohort_form(&cohort)),
        cohort,
        schools,
        pairs,
        errors,
    })
}

pub async fn cohort(State(state): State<AppState>, ctx: Ctx, Path(id): Path<CohortId>) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    Ok(render(&cohort_page(&state, &ctx, id, None, vec![]).await?))
}

/// Two schools of the cohort and the rule about them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PairForm {
    pub a: String,
    pub b: String,
    pub kind: String,
}

pub async fn set_pair(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CohortId>,
    Form(f): Form<PairForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    if let Err(errors) = svc::set_pair(&state, &ctx.who(), id, &f.a, &f.b, &f.kind).await? {
        return Ok(render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &cohort_page(&state, &ctx, id, None, errors).await?,
        ));
    }
    Ok(redirect_with(
        &format!("/matching/cohorts/{id}#pairs"),
        "success",
        "Saved. The next proposal keeps to it.",
        ctx.secure,
    ))
}

pub async fn propose_groups(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CohortId>,
    Form(f): Form<GroupsForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let cohort = store::cohort_by_id(&state.db, id).await?.ok_or(Failure::NotFound("cohort".into()))?;
    match GroupsOptions::parse(&f, cohort.min_km, cohort.group_size) {
        Ok(o) => {
            let run = svc::propose(&state, &ctx.who(), id, &o).await?;
            Ok(redirect(&format!("/matching/runs/{run}")))
        }
        Err(errors) => {
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &cohort_page(&state, &ctx, id, Some(f), errors).await?))
        }
    }
}

pub async fn propose_facilitators(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CohortId>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let run = fac_svc::propose(&state, &ctx.who(), id).await?;
    Ok(redirect(&format!("/matching/runs/{run}")))
}

#[derive(Template)]
#[template(path = "matching/groups.html")]
struct GroupsPage {
    l: Layout,
    run: Run,
    input: GroupsInput,
    proposal: GroupsProposal,
    verdict: Verdict,
    total: String,
    minimum: String,
    groups: Vec<GroupView>,
    violations: Vec<String>,
    edited: bool,
    can_run: bool,
    group_numbers: Vec<usize>,
}

pub(super) fn groups_page(ctx: &Ctx, loaded: LoadedRun) -> Result<Response, Failure> {
    let edited = loaded.docs.edited();
    let LoadedRun { run, docs: Docs::Groups(r) } = loaded else {
        return Err(Failure::NotFound("groups proposal".into()));
    };
    let report = svc::report(&r.input, &r.current)?;
    let page = GroupsPage {
        l: Layout::new(ctx, format!("Groups for {}", r.input.cohort_name)),
        verdict: svc::verdict(&r, edited),
        total: format!("{:.2}", report.total),
        minimum: format!("{:.2}", report.min_group),
        group_numbers: (1..=report.groups.len()).collect(),
        groups: report.groups,
        violations: report.violations,
        edited,
        can_run: ctx.can(&Action::RunMatching) && run.status.is_open(),
        run,
        input: r.input,
        proposal: r.proposal,
    };
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "matching/facilitators.html")]
struct FacPage {
    l: Layout,
    run: Run,
    cohort_id: i64,
    cohort_name: String,
    verdict: Verdict,
    edited: bool,
    total: String,
    rows: Vec<FacRow>,
    warnings: Vec<String>,
    can_run: bool,
}

pub(super) fn facilitators_page(ctx: &Ctx, loaded: LoadedRun) -> Result<Response, Failure> {
    let edited = loaded.docs.edited();
    let LoadedRun { run, docs: Docs::Facilitators(r) } = loaded else {
        return Err(Failure::NotFound("facilitators proposal".into()));
    };
    let report = fac_svc::check(&r);
    let page = FacPage {
        l: Layout::new(ctx, format!("Facilitators for {}", r.input.cohort_name)),
        cohort_id: r.input.cohort_id,
        cohort_name: r.input.cohort_name.clone(),
        verdict: fac_svc::verdict(&r, edited),
        edited,
        total: matching::pts(report.total),
        rows: fac_svc::rows(&r, &report),
        warnings: fac_svc::warning_lines(&r.input, &report),
        can_run: ctx.can(&Action::RunMatching) && run.status.is_open(),
        run,
    };
    Ok(render(&page))
}

/// A hand change to a groups run (`school` moved `to` a group) or to a
/// facilitators run (`group`'s `facilitator`, blank for none), with the
/// version of the proposal the person saw.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GroupEditForm {
    pub version: String,
    pub school: String,
    pub to: String,
    pub group: String,
    pub facilitator: String,
}

pub async fn edit_groups(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    Form(f): Form<GroupEditForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let seen = parse_version(&f.version).map_err(|e| Failure::Invalid(vec![e]))?;
    let loaded = matching::load(&state, id).await?;
    let who = ctx.who();
    let done = match loaded.run.kind {
        RunKind::Groups => svc::edit(&state, &who, loaded, seen, f.school.trim(), &f.to).await?,
        RunKind::Facilitators => {
            let person = Some(f.facilitator.trim()).filter(|p| !p.is_empty());
            fac_svc::edit(&state, &who, loaded, seen, f.group.trim(), person).await?
        }
        RunKind::ReviewTeams => return Err(Failure::NotFound("groups proposal".into())),
    };
    Ok(redirect_with(
        &format!("/matching/runs/{id}"),
        if done.worse { "error" } else { "success" },
        &done.message,
        ctx.secure,
    ))
}
