//! Growing the Top: a cohort's schools, proposing trios and quads (and their
//! facilitators), inspecting every pair's reason, moving schools by hand with
//! re-scoring and rule warnings, and accepting.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect, redirect_with};
use crate::error::{Failure, FieldError};
use crate::forms::Path;
use crate::forms::{Fields, RawForm};
use crate::layout::{Layout, date};
use crate::pages::matching::{Accepted, refusal};
use crate::services::matching::to_json;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use upward_domain::ids::{CohortId, RunId};
use upward_domain::policy::Action;
use upward_matching::facilitators::{
    self as fac, FacAssignment, FacProposal, FacWeights, Facilitator, Group, GroupSchool,
};
use upward_matching::groups::{
    self, Grouping, Phase, PhaseRules, Rules, School, SchoolInstance, SolveMode, SolveOptions, Weights,
};
use upward_matching::reviews::LatLon;
use upward_storage::matching::{self as store, Run};

// ---------------------------------------------------------------------------
// Groups: the instance as stored with a run.

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupSchoolIn {
    /// School id (database).
    pub id: String,
    pub urn: i64,
    pub name: String,
    pub phase: String,
    pub town: Option<String>,
    pub location: Option<(f64, f64)>,
    pub single_sex: bool,
    pub selective: bool,
    pub excellence: Vec<String>,
    pub challenge: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupsInput {
    pub cohort_id: i64,
    pub cohort_name: String,
    pub year: String,
    pub min_km: f64,
    pub group_size: usize,
    pub max_min: bool,
    pub seconds: f64,
    pub together: Vec<(String, String)>,
    pub apart: Vec<(String, String)>,
    pub schools: Vec<GroupSchoolIn>,
    /// The partnership's theme taxonomy when the run was made.
    #[serde(default)]
    pub taxonomy: Vec<crate::services::matching::ThemeIn>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupsProposal {
    /// Groups of school ids.
    pub groups: Vec<Vec<String>>,
    pub total: f64,
    pub min_group: f64,
    pub proven_optimal: bool,
    pub upper_bound: Option<f64>,
    pub method: String,
    pub seconds: f64,
}

fn phase_of(code: &str) -> Phase {
    Phase::parse(code).unwrap_or(Phase::parse("other").unwrap_or(Phase::parse("secondary").expect("a phase")))
}

/// The engine's instance for a stored input.
pub fn instance(input: &GroupsInput) -> Result<SchoolInstance, String> {
    let schools: Vec<School> = input
        .schools
        .iter()
        .map(|s| {
            let mut x = School::new(s.id.clone(), s.name.clone(), phase_of(&s.phase));
            x.location = s.location;
            x.single_sex = s.single_sex;
            x.selective = s.selective;
            x.excellence = s.excellence.clone();
            x.challenge = s.challenge.clone();
            x
        })
        .collect();
    let idx = |id: &str| input.schools.iter().position(|s| s.id == id);
    let pairs = |v: &[(String, String)]| v.iter().filter_map(|(a, b)| Some((idx(a)?, idx(b)?))).collect::<Vec<_>>();
    let rules = Rules {
        min_km: input.min_km,
        group_size: input.group_size,
        phases: PhaseRules::default(),
        max_restricted: 1,
        together: pairs(&input.together),
        apart: pairs(&input.apart),
    };
    SchoolInstance::new(schools, crate::services::matching::engine_taxonomy(&input.taxonomy), rules, Weights::default())
        .map_err(|e| e.to_string())
}

fn grouping_of(input: &GroupsInput, groups: &[Vec<String>]) -> Grouping {
    Grouping {
        groups: groups
            .iter()
            .map(|g| g.iter().filter_map(|id| input.schools.iter().position(|s| &s.id == id)).collect())
            .collect(),
    }
}

async fn groups_input(
    state: &AppState,
    cohort: &store::Cohort,
    f: &Fields,
    errors: &mut Vec<FieldError>,
) -> Result<GroupsInput, Failure> {
    let min_km = match f.get("min_km") {
        "" => cohort.min_km.unwrap_or(0.0),
        v => match v.parse::<f64>() {
            Ok(x) if (0.0..=1000.0).contains(&x) => x,
            _ => {
                errors.push(FieldError {
                    field: "min_km".into(),
                    message: format!("The least distance must be a number of km from 0 to 1,000, not \"{v}\""),
                });
                0.0
            }
        },
    };
    let group_size = match f.get("group_size") {
        "" => cohort.group_size.clamp(3, 4) as usize,
        "3" => 3,
        "4" => 4,
        v => {
            errors.push(FieldError {
                field: "group_size".into(),
                message: format!("Groups are of 3 or 4 schools, not \"{v}\""),
            });
            3
        }
    };
    let seconds = match f.get("seconds") {
        "" => 5.0,
        v => match v.parse::<f64>() {
            Ok(x) if (1.0..=120.0).contains(&x) => x,
            _ => {
                errors.push(FieldError {
                    field: "seconds".into(),
                    message: "The time limit is from 1 to 120 seconds".into(),
                });
                5.0
            }
        },
    };
    let schools = store::cohort_schools(&state.db, cohort.id).await?;
    let pairs = store::cohort_pairs(&state.db, cohort.id).await?;
    let pick = |kind: &str| {
        pairs.iter().filter(|p| p.2 == kind).map(|p| (p.0.to_string(), p.1.to_string())).collect::<Vec<_>>()
    };
    let taxonomy = crate::services::matching::taxonomy_of(&upward_storage::schools::taxonomy(&state.db).await?);
    Ok(GroupsInput {
        taxonomy,
        cohort_id: cohort.id,
        cohort_name: cohort.name.clone(),
        year: cohort.year.clone(),
        min_km,
        group_size,
        max_min: f.checked("max_min"),
        seconds,
        together: pick("together"),
        apart: pick("apart"),
        schools: schools
            .into_iter()
            .map(|s| GroupSchoolIn {
                id: s.id.to_string(),
                urn: s.urn,
                name: s.name,
                phase: s.phase,
                town: s.town,
                location: s.latitude.zip(s.longitude),
                single_sex: s.gender == "boys" || s.gender == "girls",
                selective: s.admissions == "selective",
                excellence: s.themes.iter().filter(|t| t.0 == "excellence").map(|t| t.1.clone()).collect(),
                challenge: s.themes.iter().filter(|t| t.0 == "challenge").map(|t| t.1.clone()).collect(),
            })
            .collect(),
    })
}

// ---------------------------------------------------------------------------
// The cohort page.

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
    pub kind: String,
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

async fn cohort_page(state: &AppState, ctx: &Ctx, id: i64, errors: Vec<FieldError>) -> Result<CohortPage, Failure> {
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
                if s.gender == "boys" || s.gender == "girls" {
                    Some(if s.gender == "boys" { "boys" } else { "girls" })
                } else {
                    None
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
    let name = |id: i64| schools.iter().find(|s| s.id == id).map(|s| s.name.clone()).unwrap_or_else(|| id.to_string());
    let pairs = store::cohort_pairs(&state.db, id)
        .await?
        .into_iter()
        .map(|(a, b, k)| PairView {
            a: name(a),
            b: name(b),
            kind: if k == "together" { "pinned together".into() } else { "kept apart".into() },
        })
        .collect();
    Ok(CohortPage {
        l: Layout::new(ctx, cohort.name.clone()),
        groups: store::groups(&state.db, id).await?,
        can_run: ctx.can(&Action::RunMatching),
        cohort,
        schools,
        pairs,
        errors,
    })
}

pub async fn cohort(State(state): State<AppState>, ctx: Ctx, Path(id): Path<CohortId>) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    let id = id.get();
    Ok(render(&cohort_page(&state, &ctx, id, vec![]).await?))
}

pub async fn set_pair(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CohortId>,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let schools = store::cohort_schools(&state.db, id).await?;
    let mut errors = vec![];
    let a = f.get("a").parse::<i64>().ok().filter(|a| schools.iter().any(|s| s.id == *a));
    let b = f.get("b").parse::<i64>().ok().filter(|b| schools.iter().any(|s| s.id == *b));
    let kind = f.get("kind");
    if a.is_none() || b.is_none() || a == b {
        errors.push(FieldError { field: "a".into(), message: "Choose two different schools of the cohort".into() });
    }
    if !matches!(kind, "together" | "apart" | "none") {
        errors.push(FieldError {
            field: "kind".into(),
            message: "Choose pinned together, kept apart, or no rule".into(),
        });
    }
    let (Some(a), Some(b), true) = (a, b, errors.is_empty()) else {
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &cohort_page(&state, &ctx, id, errors).await?));
    };
    let mut tx = state.db.begin().await?;
    store::set_cohort_pair(&mut tx, &ctx.who(), id, a, b, kind).await?;
    tx.commit().await?;
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
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let cohort = store::cohort_by_id(&state.db, id).await?.ok_or(Failure::NotFound("cohort".into()))?;
    let mut errors = vec![];
    let input = groups_input(&state, &cohort, &f, &mut errors).await?;
    if !errors.is_empty() {
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &cohort_page(&state, &ctx, id, errors).await?));
    }
    let run = create_groups_run(&state, &ctx, input).await?;
    Ok(redirect(&format!("/matching/runs/{run}")))
}

/// Solve and keep a groups run.
pub async fn create_groups_run(state: &AppState, ctx: &Ctx, input: GroupsInput) -> Result<i64, Failure> {
    let inst = instance(&input).map_err(Failure::BadRequest)?;
    let opts = SolveOptions {
        mode: if input.max_min { SolveMode::MaxMin } else { SolveMode::Total },
        time_limit: std::time::Duration::from_secs_f64(input.seconds),
        seed: 1,
        ..SolveOptions::default()
    };
    let result = tokio::task::spawn_blocking(move || groups::solve(&inst, &opts))
        .await
        .map_err(|e| Failure::internal(format!("matching stopped: {e}")))?
        .map_err(|e| Failure::Conflict(format!("These schools cannot be grouped: {e}")))?;
    let ids = |g: &Vec<usize>| g.iter().map(|&i| input.schools[i].id.clone()).collect::<Vec<_>>();
    let proposal = GroupsProposal {
        groups: result.grouping.groups.iter().map(ids).collect(),
        total: result.total,
        min_group: result.min_group,
        proven_optimal: result.proven_optimal,
        upper_bound: result.upper_bound,
        method: result.method.to_string(),
        seconds: result.elapsed.as_secs_f64(),
    };
    let summary = format!(
        "{} schools of {} in {} groups: total {:.1}, weakest group {:.1}{}",
        input.schools.len(),
        input.cohort_name,
        proposal.groups.len(),
        proposal.total,
        proposal.min_group,
        if proposal.proven_optimal { ", proven optimal" } else { "" }
    );
    let mut tx = state.db.begin().await?;
    let id = store::create_run(
        &mut tx,
        &ctx.who(),
        "groups",
        input.cohort_id,
        &to_json(&input),
        &to_json(&proposal),
        &to_json(&proposal.groups),
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

// ---------------------------------------------------------------------------
// A groups run.

pub struct PairLine {
    pub a: String,
    pub b: String,
    pub score: String,
    pub sentence: String,
}

pub struct GroupView {
    pub number: usize,
    pub score: String,
    pub members: Vec<(String, String, i64, String)>,
    pub pairs: Vec<PairLine>,
    pub weakest: bool,
}

#[derive(Template)]
#[template(path = "matching/groups.html")]
struct GroupsPage {
    l: Layout,
    run: Run,
    input: GroupsInput,
    proposal: GroupsProposal,
    total: String,
    minimum: String,
    groups: Vec<GroupView>,
    violations: Vec<String>,
    edited: bool,
    can_run: bool,
    group_numbers: Vec<usize>,
}

struct LoadedGroups {
    input: GroupsInput,
    proposal: GroupsProposal,
    current: Vec<Vec<String>>,
}

fn load_groups(run: &Run) -> Result<LoadedGroups, Failure> {
    let bad = |_| Failure::internal("a stored matching run could not be read");
    Ok(LoadedGroups {
        input: serde_json::from_str(&run.input_json).map_err(bad)?,
        proposal: serde_json::from_str(&run.proposal_json).map_err(bad)?,
        current: serde_json::from_str(&run.current_json).map_err(bad)?,
    })
}

fn groups_view(
    input: &GroupsInput,
    inst: &SchoolInstance,
    current: &[Vec<String>],
) -> (Vec<GroupView>, Vec<String>, f64, f64) {
    let ev = groups::evaluate(inst, &grouping_of(input, current));
    let weakest = ev.groups.iter().map(|g| g.score).fold(f64::INFINITY, f64::min);
    let name = |i: usize| input.schools.get(i).map(|s| s.name.clone()).unwrap_or_default();
    let views = ev
        .groups
        .iter()
        .enumerate()
        .map(|(n, g)| GroupView {
            number: n + 1,
            score: format!("{:.2}", g.score),
            members: g
                .members
                .iter()
                .filter_map(|&i| input.schools.get(i))
                .map(|s| (s.id.clone(), s.name.clone(), s.urn, s.town.clone().unwrap_or_default()))
                .collect(),
            pairs: g
                .pairs
                .iter()
                .map(|p| PairLine {
                    a: name(p.a),
                    b: name(p.b),
                    score: format!("{:.2}", p.score),
                    sentence: p.sentence.clone(),
                })
                .collect(),
            weakest: (g.score - weakest).abs() < 1e-9 && ev.groups.len() > 1,
        })
        .collect();
    let violations = ev.violations.iter().map(|v| v.message.clone()).collect();
    (views, violations, ev.total, ev.min_group)
}

pub async fn run_page(state: &AppState, ctx: &Ctx, run: Run) -> Result<Response, Failure> {
    if run.kind == "facilitators" {
        return facilitators_page(state, ctx, run).await;
    }
    let LoadedGroups { input, proposal, current } = load_groups(&run)?;
    let inst = instance(&input).map_err(Failure::BadRequest)?;
    let (groups, violations, total, minimum) = groups_view(&input, &inst, &current);
    let page = GroupsPage {
        l: Layout::new(ctx, format!("Groups for {}", input.cohort_name)),
        total: format!("{total:.2}"),
        minimum: format!("{minimum:.2}"),
        group_numbers: (1..=groups.len()).collect(),
        groups,
        violations,
        edited: current != proposal.groups,
        can_run: ctx.can(&Action::RunMatching) && run.status == "proposed",
        run,
        input,
        proposal,
    };
    Ok(render(&page))
}

/// Move a school to another group (number from 1), or swap two schools.
pub fn move_school(current: &mut [Vec<String>], school: &str, to: usize) -> Result<(), String> {
    if to == 0 || to > current.len() {
        return Err(format!("There is no group {to}"));
    }
    let from =
        current.iter().position(|g| g.iter().any(|s| s == school)).ok_or("That school is not in this proposal")?;
    if from + 1 == to {
        return Ok(());
    }
    current[from].retain(|s| s != school);
    current[to - 1].push(school.to_string());
    Ok(())
}

pub async fn edit_groups(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    if run.kind == "facilitators" {
        return edit_facilitators(&state, &ctx, run, &f).await;
    }
    if run.kind != "groups" {
        return Err(Failure::NotFound("groups run".into()));
    }
    let LoadedGroups { input, mut current, .. } = load_groups(&run)?;
    let inst = instance(&input).map_err(Failure::BadRequest)?;
    let (_, before_v, before_t, _) = groups_view(&input, &inst, &current);
    let school = f.get("school").to_string();
    let to: usize =
        f.get("to").parse().map_err(|_| Failure::BadRequest(format!("\"{}\" is not a group number", f.get("to"))))?;
    move_school(&mut current, &school, to).map_err(Failure::BadRequest)?;
    let (_, after_v, after_t, after_min) = groups_view(&input, &inst, &current);
    let name = input.schools.iter().find(|s| s.id == school).map(|s| s.name.clone()).unwrap_or_default();
    let what = format!("Moved {name} to group {to}");
    let summary =
        format!("{} groups: total {after_t:.1}, weakest group {after_min:.1} (edited by hand)", current.len());
    let mut tx = state.db.begin().await?;
    store::edit_run(&mut tx, &ctx.who(), id, &to_json(&current), &summary, &what).await?;
    tx.commit().await?;
    let delta = after_t - before_t;
    let msg = format!(
        "{what}. Total now {after_t:.2} ({}{:.2}), weakest group {after_min:.2}; {} broken rule{}.",
        if delta >= 0.0 { "+" } else { "−" },
        delta.abs(),
        after_v.len(),
        if after_v.len() == 1 { "" } else { "s" }
    );
    let kind = if after_v.len() > before_v.len() { "error" } else { "success" };
    Ok(redirect_with(&format!("/matching/runs/{id}"), kind, &msg, ctx.secure))
}

/// Visit days of an accepted group: one per school, spread over the spring
/// and summer terms of the cohort's year, on Tuesdays to Thursdays.
pub fn visit_dates(year: &str, group_index: usize, members: usize) -> Vec<String> {
    let start_year: i32 = year.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026) + 1;
    let Some(base) = chrono::NaiveDate::from_ymd_opt(start_year, 1, 12) else { return vec![] };
    (0..members)
        .map(|k| {
            let d =
                base + chrono::Days::new((k as u64) * 56 + (group_index as u64 % 3) + 7 * (group_index as u64 / 3 % 4));
            let wd = d.format("%u").to_string().parse::<u64>().unwrap_or(2);
            let d = if wd >= 5 { d + chrono::Days::new(8 - wd) } else { d };
            d.format("%Y-%m-%d").to_string()
        })
        .collect()
}

/// Accept a groups or facilitators run (see [`super::matching::accept_run`]).
pub async fn accept(state: &AppState, ctx: &Ctx, run: Run, accept_broken: bool) -> Result<Accepted, Failure> {
    match run.kind.as_str() {
        "groups" => {
            let LoadedGroups { input, current, .. } = load_groups(&run)?;
            let inst = instance(&input).map_err(Failure::BadRequest)?;
            let broken: Vec<String> = groups::evaluate(&inst, &grouping_of(&input, &current))
                .violations
                .into_iter()
                .map(|v| v.message)
                .collect();
            if let Some(refused) = refusal(&broken, accept_broken) {
                return Ok(refused);
            }
            let groups: Vec<store::NewGroup> = current
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let ids: Vec<i64> = g.iter().filter_map(|s| s.parse().ok()).collect();
                    let dates = visit_dates(&input.year, i, ids.len());
                    let visits = ids.iter().copied().zip(dates).collect();
                    (format!("Group {}", i + 1), ids, visits)
                })
                .collect();
            let mut tx = state.db.begin().await?;
            store::accept_groups(&mut tx, &ctx.who(), run.id, input.cohort_id, &groups, &broken).await?;
            tx.commit().await?;
            Ok(Accepted::Done(format!(
                "{} groups accepted for {}, with a visit day for each school. Next: propose their facilitators.",
                groups.len(),
                input.cohort_name
            )))
        }
        "facilitators" => {
            let l = load_fac(&run)?;
            let broken = fac_warning_lines(
                &l.input,
                &fac::check(&l.input.groups, &l.input.facilitators, &FacWeights::default(), &l.current),
            );
            if let Some(refused) = refusal(&broken, accept_broken) {
                return Ok(refused);
            }
            let chosen: Vec<(i64, Option<i64>)> = l
                .current
                .iter()
                .filter_map(|a| Some((a.group.parse().ok()?, a.facilitator.as_ref().and_then(|f| f.parse().ok()))))
                .collect();
            let mut tx = state.db.begin().await?;
            store::accept_facilitators(&mut tx, &ctx.who(), run.id, &chosen, &broken).await?;
            tx.commit().await?;
            Ok(Accepted::Done(format!("Facilitators accepted for {} groups.", chosen.len())))
        }
        _ => Err(Failure::NotFound("matching run".into())),
    }
}

// ---------------------------------------------------------------------------
// Facilitators.

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FacInput {
    pub cohort_id: i64,
    pub cohort_name: String,
    pub groups: Vec<Group>,
    pub facilitators: Vec<Facilitator>,
    /// id → name (school)
    pub names: HashMap<String, String>,
    pub group_names: HashMap<String, String>,
}

struct LoadedFac {
    input: FacInput,
    proposal: FacProposal,
    current: Vec<FacAssignment>,
}

fn load_fac(run: &Run) -> Result<LoadedFac, Failure> {
    let bad = |_| Failure::internal("a stored matching run could not be read");
    Ok(LoadedFac {
        input: serde_json::from_str(&run.input_json).map_err(bad)?,
        proposal: serde_json::from_str(&run.proposal_json).map_err(bad)?,
        current: serde_json::from_str(&run.current_json).map_err(bad)?,
    })
}

fn fac_rule(r: fac::FacRule) -> &'static str {
    match r {
        fac::FacRule::NotEligible => "not trained or DBS check not in date",
        fac::FacRule::FromGroupSchool => "works at a school of the group",
        fac::FacRule::Unavailable => "not available on every visit date",
        fac::FacRule::TooFar => "beyond their travel limit",
        fac::FacRule::AtMaxLoad => "already has their most groups",
        fac::FacRule::UnknownId => "unknown",
    }
}

pub async fn propose_facilitators(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CohortId>,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let cohort = store::cohort_by_id(&state.db, id).await?.ok_or(Failure::NotFound("cohort".into()))?;
    let db_groups = store::groups(&state.db, id).await?;
    if db_groups.is_empty() {
        return Err(Failure::Conflict("This cohort has no groups yet: propose and accept its groups first.".into()));
    }
    let schools = store::cohort_schools(&state.db, id).await?;
    let school = |sid: i64| schools.iter().find(|s| s.id == sid);
    let groups: Vec<Group> = db_groups
        .iter()
        .map(|g| {
            let members: Vec<&store::CohortSchool> = g.schools.iter().filter_map(|(sid, _, _)| school(*sid)).collect();
            let phase = members.first().map(|s| s.phase.clone());
            let mut context: Vec<String> =
                members.iter().flat_map(|s| s.themes.iter().filter_map(|t| t.2.clone())).collect();
            context.sort();
            context.dedup();
            Group {
                id: g.id.to_string(),
                schools: members
                    .iter()
                    .map(|s| GroupSchool {
                        id: s.id.to_string(),
                        location: s.latitude.zip(s.longitude).map(|(lat, lon)| LatLon { lat, lon }),
                    })
                    .collect(),
                visit_dates: g.visits.iter().map(|v| v.1.clone()).collect(),
                phase,
                context,
            }
        })
        .collect();
    let all_dates: Vec<String> = {
        let mut d: Vec<String> = groups.iter().flat_map(|g| g.visit_dates.clone()).collect();
        d.sort();
        d.dedup();
        d
    };
    let today = state.today();
    let people = store::candidates(&state.db, 0).await?;
    let mut names = HashMap::new();
    let facilitators: Vec<Facilitator> = people
        .iter()
        .filter(|p| p.facilitator)
        .map(|p| {
            names.insert(
                p.id.to_string(),
                match &p.school_name {
                    Some(s) => format!("{} ({s})", p.name),
                    None => p.name.clone(),
                },
            );
            let dbs_ok = p
                .dbs_checked_on
                .as_deref()
                .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| (today - d).num_days() <= crate::services::matching::DBS_VALID_DAYS);
            let mut context: Vec<String> = p.themes.clone();
            context.sort();
            context.dedup();
            Facilitator {
                id: p.id.to_string(),
                school: p.school_id.map(|s| s.to_string()),
                eligible: dbs_ok && p.trained_on.is_some(),
                available: all_dates.iter().filter(|d| !p.unavailable.contains(d)).cloned().collect(),
                max_groups: 2,
                phase: p.phase.clone(),
                context,
                location: p.latitude.zip(p.longitude).map(|(lat, lon)| LatLon { lat, lon }),
                travel_limit_km: None,
            }
        })
        .collect();
    let group_names = db_groups.iter().map(|g| (g.id.to_string(), g.name.clone())).collect();
    let input = FacInput { cohort_id: id, cohort_name: cohort.name.clone(), groups, facilitators, names, group_names };
    let (g, f) = (input.groups.clone(), input.facilitators.clone());
    let proposal = tokio::task::spawn_blocking(move || fac::assign(&g, &f, &FacWeights::default()))
        .await
        .map_err(|e| Failure::internal(format!("matching stopped: {e}")))?
        .map_err(|e| Failure::internal(format!("matching failed: {e}")))?;
    let covered = proposal.assignment.iter().filter(|a| a.facilitator.is_some()).count();
    let summary = format!(
        "Facilitators for {covered} of {} groups of {}: {:.1} points, proven optimal",
        input.groups.len(),
        input.cohort_name,
        proposal.report.total as f64 / 1000.0
    );
    let mut tx = state.db.begin().await?;
    let run = store::create_run(
        &mut tx,
        &ctx.who(),
        "facilitators",
        id,
        &to_json(&input),
        &to_json(&proposal),
        &to_json(&proposal.assignment),
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(redirect(&format!("/matching/runs/{run}")))
}

pub struct FacRow {
    pub group: String,
    pub group_name: String,
    pub schools: String,
    pub dates: String,
    pub facilitator: Option<String>,
    pub facilitator_id: String,
    pub score: String,
    pub breakdown: String,
    pub unfilled: String,
    pub options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "matching/facilitators.html")]
struct FacPage {
    l: Layout,
    run: Run,
    cohort_id: i64,
    cohort_name: String,
    proof: String,
    total: String,
    rows: Vec<FacRow>,
    warnings: Vec<String>,
    can_run: bool,
}

fn pts(m: i64) -> String {
    let v = m as f64 / 1000.0;
    if v < 0.0 { format!("−{:.1}", -v) } else { format!("{v:.1}") }
}

/// The broken rules of a facilitators report, one line each.
fn fac_warning_lines(input: &FacInput, report: &fac::FacReport) -> Vec<String> {
    let name = |id: &str| input.names.get(id).cloned().unwrap_or_else(|| id.to_string());
    report
        .warnings
        .iter()
        .map(|w| {
            format!(
                "{}{}: {}",
                w.facilitator.as_deref().map(name).unwrap_or_default(),
                w.group
                    .as_deref()
                    .map(|g| format!(" at {}", input.group_names.get(g).cloned().unwrap_or_default()))
                    .unwrap_or_default(),
                fac_rule(w.rule)
            )
        })
        .collect()
}

async fn facilitators_page(_state: &AppState, ctx: &Ctx, run: Run) -> Result<Response, Failure> {
    let LoadedFac { input, proposal, current } = load_fac(&run)?;
    let report = fac::check(&input.groups, &input.facilitators, &FacWeights::default(), &current);
    let unfilled_by_group: HashMap<&str, &fac::FacUnfilled> =
        proposal.unfilled.iter().map(|u| (u.group.as_str(), u)).collect();
    let name = |id: &str| input.names.get(id).cloned().unwrap_or_else(|| id.to_string());
    let rows = input
        .groups
        .iter()
        .map(|g| {
            let chosen = current.iter().find(|a| a.group == g.id).and_then(|a| a.facilitator.clone());
            let score = report.groups.iter().find(|s| s.group == g.id);
            FacRow {
                group: g.id.clone(),
                group_name: input.group_names.get(&g.id).cloned().unwrap_or_else(|| g.id.clone()),
                schools: g.schools.len().to_string(),
                dates: g.visit_dates.iter().map(|d| date(d)).collect::<Vec<_>>().join(", "),
                facilitator: chosen.as_deref().map(name),
                facilitator_id: chosen.clone().unwrap_or_default(),
                score: score.map(|s| pts(s.total)).unwrap_or_default(),
                breakdown: score
                    .map(|s| {
                        format!(
                            "same phase {}, experience of similar schools {}, travel {}",
                            pts(s.phase),
                            pts(s.context),
                            pts(s.travel)
                        )
                    })
                    .unwrap_or_default(),
                unfilled: unfilled_by_group
                    .get(g.id.as_str())
                    .filter(|_| chosen.is_none())
                    .map(|u| super::matching::counts_text(u.counts.iter().map(|(r, n)| (*r, *n)), fac_rule))
                    .unwrap_or_default(),
                options: input
                    .facilitators
                    .iter()
                    .map(|f| {
                        let rules = fac::pair_rules(f, g);
                        let label = if rules.is_empty() {
                            name(&f.id)
                        } else {
                            format!(
                                "{} — {}",
                                name(&f.id),
                                rules.iter().map(|r| fac_rule(*r)).collect::<Vec<_>>().join(", ")
                            )
                        };
                        (f.id.clone(), label, chosen.as_deref() == Some(f.id.as_str()))
                    })
                    .collect(),
            }
        })
        .collect();
    let warnings = fac_warning_lines(&input, &report);
    let page = FacPage {
        l: Layout::new(ctx, format!("Facilitators for {}", input.cohort_name)),
        cohort_id: input.cohort_id,
        cohort_name: input.cohort_name.clone(),
        proof: proposal.proof.clone(),
        total: pts(report.total),
        rows,
        warnings,
        can_run: ctx.can(&Action::RunMatching) && run.status == "proposed",
        run,
    };
    Ok(render(&page))
}

async fn edit_facilitators(state: &AppState, ctx: &Ctx, run: Run, f: &Fields) -> Result<Response, Failure> {
    let LoadedFac { input, mut current, .. } = load_fac(&run)?;
    let group = f.get("group").to_string();
    let person = f.opt("facilitator");
    if !input.groups.iter().any(|g| g.id == group) {
        return Err(Failure::BadRequest("That group is not in this proposal".into()));
    }
    if let Some(p) = &person
        && !input.facilitators.iter().any(|x| &x.id == p)
    {
        return Err(Failure::BadRequest("That person is not a facilitator in this proposal".into()));
    }
    match current.iter_mut().find(|a| a.group == group) {
        Some(a) => a.facilitator = person.clone(),
        None => current.push(FacAssignment { group: group.clone(), facilitator: person.clone() }),
    }
    let report = fac::check(&input.groups, &input.facilitators, &FacWeights::default(), &current);
    let gname = input.group_names.get(&group).cloned().unwrap_or_default();
    let what = match &person {
        Some(p) => format!("{} facilitates {gname}", input.names.get(p).cloned().unwrap_or_default()),
        None => format!("{gname} has no facilitator"),
    };
    let summary =
        format!("Facilitators for {}: {:.1} points (edited by hand)", input.cohort_name, report.total as f64 / 1000.0);
    let mut tx = state.db.begin().await?;
    store::edit_run(&mut tx, &ctx.who(), run.id, &to_json(&current), &summary, &what).await?;
    tx.commit().await?;
    let kind = if report.warnings.is_empty() { "success" } else { "error" };
    let msg = format!(
        "{what}. Total now {} points; {} broken rule{}.",
        pts(report.total),
        report.warnings.len(),
        if report.warnings.len() == 1 { "" } else { "s" }
    );
    Ok(redirect_with(&format!("/matching/runs/{}", run.id), kind, &msg, ctx.secure))
}

/// Scores and broken rules of a groups or facilitators run's current
/// assignment, as JSON (for the API).
pub fn report_json(run: &Run) -> Result<serde_json::Value, Failure> {
    match run.kind.as_str() {
        "groups" => {
            let l = load_groups(run)?;
            let inst = instance(&l.input).map_err(Failure::BadRequest)?;
            let ev = groups::evaluate(&inst, &grouping_of(&l.input, &l.current));
            let id = |i: usize| l.input.schools.get(i).map(|s| s.id.clone()).unwrap_or_default();
            Ok(serde_json::json!({
                "total": ev.total,
                "min_group": ev.min_group,
                "groups": ev.groups.iter().map(|g| serde_json::json!({
                    "schools": g.members.iter().map(|&i| id(i)).collect::<Vec<_>>(),
                    "score": g.score,
                    "pairs": g.pairs.iter().map(|p| serde_json::json!({"a": id(p.a), "b": id(p.b), "score": p.score, "reason": p.sentence})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "violations": ev.violations.iter().map(|v| v.message.clone()).collect::<Vec<_>>(),
            }))
        }
        "facilitators" => {
            let l = load_fac(run)?;
            Ok(serde_json::to_value(fac::check(
                &l.input.groups,
                &l.input.facilitators,
                &FacWeights::default(),
                &l.current,
            ))
            .unwrap_or_default())
        }
        _ => Err(Failure::NotFound("matching run".into())),
    }
}
