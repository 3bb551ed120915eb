//! Matching over the API: propose, read a run with its scores and warnings,
//! re-score a hand-edited assignment (without saving), accept. Thin: the
//! options are checked by the same domain type as the web form, and the
//! work is `services::matching`'s.

use super::{ErrorDto, json_body};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use crate::forms::{Path, Query};
use crate::services::matching::{self as matching, Accepted, LoadedRun, default_from};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use upward_domain::ids::{CycleId, RunId};
use upward_domain::matching::{RunKind, RunStatus, TeamsForm, TeamsOptions, parse_version};
use upward_domain::policy::Action;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RunDto {
    pub id: i64,
    /// review_teams, groups or facilitators.
    #[schema(value_type = String)]
    pub kind: RunKind,
    /// The review cycle (review_teams) or the cohort.
    pub subject_id: i64,
    /// proposed, accepted or discarded.
    #[schema(value_type = String)]
    pub status: RunStatus,
    /// Changes with every edit, acceptance or discard: send it back with
    /// `accept` (`?version=`), so that a change someone else made meanwhile
    /// is not overwritten (409 instead).
    pub version: i64,
    pub summary: String,
    /// The solver's proposal: its status (optimal with proof, or how far from the best it may be), the best score possible and unfilled places with reasons.
    pub proposal: serde_json::Value,
    /// The assignment as it stands (after any hand edits), in the run's own form.
    pub current: serde_json::Value,
    /// Scores, broken down, and every broken rule, for the current assignment.
    pub report: serde_json::Value,
}

fn run_dto(loaded: &LoadedRun) -> Result<RunDto, Failure> {
    let run = &loaded.run;
    Ok(RunDto {
        id: run.id.get(),
        kind: run.kind,
        subject_id: run.subject_id,
        status: run.status,
        version: run.version,
        summary: run.summary.clone(),
        proposal: loaded.docs.proposal_value(),
        current: loaded.docs.current_value(),
        report: matching::report_json(&loaded.docs)?,
    })
}

/// A matching run with its scores and warnings.
#[utoipa::path(get, path = "/api/v1/matching/runs/{id}", tag = "matching", params(("id" = i64, Path)),
    responses((status = 200, body = RunDto), (status = 404, body = ErrorDto)))]
pub async fn run(State(state): State<AppState>, ctx: Ctx, Path(id): Path<RunId>) -> Result<Json<RunDto>, Failure> {
    ctx.require(Action::ViewMatching)?;
    Ok(Json(run_dto(&matching::load(&state, id).await?)?))
}

/// Preference weights in points, each from 0 to 100 (omitted: the default).
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct WeightsIn {
    pub phase: Option<f64>,
    pub themes: Option<f64>,
    pub travel_per_100km: Option<f64>,
    pub reciprocity: Option<f64>,
    pub mix: Option<f64>,
    pub hub_repeat: Option<f64>,
}

/// Rules and limits (omitted: the default).
#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(default)]
pub struct RulesIn {
    /// Nobody reviews a school of their own Hub.
    pub same_hub_is_conflict: Option<bool>,
    /// Not the same school within this many cycles, 0 to 10.
    pub recent_cycles: Option<f64>,
    /// Time limit in seconds, 1 to 120.
    pub time_limit_secs: Option<f64>,
    /// A tuning limit of the solver, 1 to 1,000,000.
    pub max_mip_triples: Option<f64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(default)]
pub struct ProposeTeams {
    /// Match reviews starting on or after this date (YYYY-MM-DD); default four weeks ahead.
    pub from: Option<String>,
    pub weights: WeightsIn,
    pub rules: RulesIn,
}

/// The JSON request as the form the pages post, so one domain type checks
/// both; and the API's names for the form's fields.
const FIELD_NAMES: &[(&str, &str)] = &[
    ("w_phase", "weights.phase"),
    ("w_themes", "weights.themes"),
    ("w_travel", "weights.travel_per_100km"),
    ("w_reciprocity", "weights.reciprocity"),
    ("w_mix", "weights.mix"),
    ("w_hub", "weights.hub_repeat"),
    ("recent_cycles", "rules.recent_cycles"),
    ("seconds", "rules.time_limit_secs"),
    ("max_mip_triples", "rules.max_mip_triples"),
];

fn as_form(p: &ProposeTeams) -> TeamsForm {
    let n = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    TeamsForm {
        from: p.from.clone().unwrap_or_default(),
        w_phase: n(p.weights.phase),
        w_themes: n(p.weights.themes),
        w_travel: n(p.weights.travel_per_100km),
        w_reciprocity: n(p.weights.reciprocity),
        w_mix: n(p.weights.mix),
        w_hub: n(p.weights.hub_repeat),
        recent_cycles: n(p.rules.recent_cycles),
        seconds: n(p.rules.time_limit_secs),
        same_hub: if p.rules.same_hub_is_conflict == Some(true) { "on".into() } else { String::new() },
        max_mip_triples: n(p.rules.max_mip_triples),
    }
}

fn api_names(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            if let Some((_, api)) = FIELD_NAMES.iter().find(|(form, _)| *form == e.field) {
                e.field = api.to_string();
            }
            e
        })
        .collect()
}

/// Propose review teams for a cycle. The options are checked as the web
/// form's are: weights 0 to 100, a time limit of 1 to 120 seconds, 0 to 10
/// cycles; anything else is refused with 422 naming the field, and nothing
/// is solved or kept.
#[utoipa::path(post, path = "/api/v1/matching/cycles/{id}/propose", tag = "matching", params(("id" = i64, Path)), request_body = ProposeTeams,
    responses((status = 201, body = RunDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn propose_teams(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle): Path<CycleId>,
    body: axum::body::Bytes,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let p: ProposeTeams = if body.is_empty() { ProposeTeams::default() } else { json_body(&body)? };
    let o =
        TeamsOptions::parse(&as_form(&p), default_from(state.today())).map_err(|e| Failure::Invalid(api_names(e)))?;
    let run = matching::teams::propose(&state, &ctx.who(), cycle, &o).await?;
    Ok((StatusCode::CREATED, Json(run_dto(&matching::load(&state, run).await?)?)).into_response())
}

/// Re-score an assignment without saving it: the same figures and warnings
/// the pages show. Send the assignment in the run's own form (`current`).
#[utoipa::path(post, path = "/api/v1/matching/runs/{id}/rescore", tag = "matching", params(("id" = i64, Path)),
    request_body(content = Object, description = "An assignment in the run's form: for review teams {\"teams\": [{\"review\", \"lead\", \"peers\"}]}; for groups a list of lists of school ids; for facilitators [{\"group\", \"facilitator\"}]"),
    responses((status = 200, body = Object), (status = 422, body = ErrorDto)))]
pub async fn rescore(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, Failure> {
    ctx.require(Action::ViewMatching)?;
    let loaded = matching::load(&state, id).await?;
    let assignment: serde_json::Value = json_body(&body)?;
    Ok(Json(matching::rescore_json(&loaded.docs, assignment)?))
}

/// `accept`'s parameters.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AcceptQuery {
    pub version: String,
    pub accept_broken_rules: String,
}

/// Accept a run: teams, groups or facilitators are saved, and everyone
/// placed is told by e-mail (as their settings allow).
#[utoipa::path(post, path = "/api/v1/matching/runs/{id}/accept", tag = "matching", params(("id" = i64, Path),
        ("version" = i64, Query, description = "The run's `version` as you read it. If the run changed since (someone edited, accepted or discarded it), nothing is done and the answer is 409: read the run again."),
        ("accept_broken_rules" = Option<bool>, Query, description = "Accept even though the run breaks hard rules (they are kept on the audit trail). Without it such a run is refused with 409 and its broken rules.")),
    responses((status = 200, body = RunDto),
        (status = 409, body = ErrorDto, description = "already accepted or discarded, changed since `version`, or it breaks hard rules and accept_broken_rules was not set"),
        (status = 422, body = ErrorDto, description = "`version` missing or not a number")))]
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    Query(q): Query<AcceptQuery>,
) -> Result<Json<RunDto>, Failure> {
    ctx.require(Action::RunMatching)?;
    let seen = parse_version(&q.version).map_err(|e| Failure::Invalid(vec![e]))?;
    let knowingly = matches!(q.accept_broken_rules.trim(), "true" | "1" | "yes" | "on");
    if let Accepted::BrokenRules(broken) = matching::accept(&state, &ctx.who(), id, seen, knowingly).await? {
        return Err(Failure::Conflict(matching::broken_message(&broken, "set accept_broken_rules=true")));
    }
    Ok(Json(run_dto(&matching::load(&state, id).await?)?))
}
