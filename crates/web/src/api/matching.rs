//! Matching over the API: propose, read a run with its scores and warnings,
//! re-score a hand-edited assignment (without saving), accept.

use super::{ErrorDto, json_body};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use crate::forms::Path;
use crate::forms::RawQuery;
use crate::pages::groups as gp;
use crate::pages::matching as mp;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use upward_domain::ids::{CycleId, RunId};
use upward_domain::policy::Action;
use upward_matching::reviews::{self, Assignment};
use upward_storage::matching as store;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct RunDto {
    pub id: i64,
    /// review_teams, groups or facilitators.
    pub kind: String,
    /// The review cycle (review_teams) or the cohort.
    pub subject_id: i64,
    /// proposed, accepted or discarded.
    pub status: String,
    pub summary: String,
    /// The solver's proposal: its status (optimal with proof, or the gap), bound and unfilled places with reasons.
    pub proposal: serde_json::Value,
    /// The assignment as it stands (after any hand edits).
    pub current: serde_json::Value,
    /// Scores, broken down, and every broken rule, for the current assignment.
    pub report: serde_json::Value,
}

fn parse(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or(serde_json::Value::Null)
}

async fn run_dto(state: &AppState, id: i64) -> Result<RunDto, Failure> {
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    let report = match run.kind.as_str() {
        "review_teams" => {
            let l = mp::load_teams(state, id).await?;
            serde_json::to_value(reviews::rescore(&l.input.cycle, &l.current)).unwrap_or_default()
        }
        "groups" => gp::report_json(&run)?,
        _ => gp::report_json(&run)?,
    };
    Ok(RunDto {
        id: run.id,
        kind: run.kind.clone(),
        subject_id: run.subject_id,
        status: run.status.clone(),
        summary: run.summary.clone(),
        proposal: parse(&run.proposal_json),
        current: parse(&run.current_json),
        report,
    })
}

/// A matching run with its scores and warnings.
#[utoipa::path(get, path = "/api/v1/matching/runs/{id}", tag = "matching", params(("id" = i64, Path)),
    responses((status = 200, body = RunDto), (status = 404, body = ErrorDto)))]
pub async fn run(State(state): State<AppState>, ctx: Ctx, Path(id): Path<RunId>) -> Result<Json<RunDto>, Failure> {
    ctx.require(Action::ViewMatching)?;
    let id = id.get();
    Ok(Json(run_dto(&state, id).await?))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct ProposeTeams {
    /// Match reviews starting on or after this date (YYYY-MM-DD); default four weeks ahead.
    pub from: Option<String>,
    /// Preference weights (points): phase, themes, travel_per_100km, reciprocity, mix, hub_repeat.
    #[schema(value_type = Object)]
    pub weights: Option<reviews::Weights>,
    /// Rules: same_hub_is_conflict, recent_cycles, time_limit_secs, max_mip_triples.
    #[schema(value_type = Object)]
    pub rules: Option<reviews::Rules>,
}

/// Propose review teams for a cycle.
#[utoipa::path(post, path = "/api/v1/matching/cycles/{id}/propose", tag = "matching", params(("id" = i64, Path)), request_body = ProposeTeams,
    responses((status = 201, body = RunDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn propose_teams(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<CycleId>,
    body: axum::body::Bytes,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let p: ProposeTeams = if body.is_empty() { ProposeTeams::default() } else { json_body(&body)? };
    let from = p.from.unwrap_or_else(|| mp::default_from(state.today()));
    if chrono::NaiveDate::parse_from_str(&from, "%Y-%m-%d").is_err() {
        return Err(Failure::Invalid(vec![FieldError {
            field: "from".into(),
            message: format!("\"{from}\" is not a date like 2027-01-11"),
        }]));
    }
    let run = mp::create_teams_run(&state, &ctx, id, &from, p.weights.unwrap_or_default(), p.rules.unwrap_or_default())
        .await?;
    Ok((StatusCode::CREATED, Json(run_dto(&state, run).await?)).into_response())
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
    let id = id.get();
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    match run.kind.as_str() {
        "review_teams" => {
            let l = mp::load_teams(&state, id).await?;
            let a: Assignment = json_body(&body)?;
            Ok(Json(serde_json::to_value(reviews::rescore(&l.input.cycle, &a)).unwrap_or_default()))
        }
        kind => {
            let v: serde_json::Value = json_body(&body)?;
            let fits = if kind == "groups" {
                serde_json::from_value::<Vec<Vec<String>>>(v.clone()).is_ok()
            } else {
                serde_json::from_value::<Vec<upward_matching::facilitators::FacAssignment>>(v.clone()).is_ok()
            };
            if !fits {
                return Err(Failure::Invalid(vec![FieldError {
                    field: "body".into(),
                    message: format!("This is not an assignment of a {kind} run"),
                }]));
            }
            let mut r = run.clone();
            r.current_json = v.to_string();
            Ok(Json(gp::report_json(&r)?))
        }
    }
}

/// Accept a run: teams, groups or facilitators are saved.
#[utoipa::path(post, path = "/api/v1/matching/runs/{id}/accept", tag = "matching", params(("id" = i64, Path),
        ("accept_broken_rules" = Option<bool>, Query, description = "Accept even though the run breaks hard rules (they are kept on the audit trail). Without it such a run is refused with 409 and its broken rules.")),
    responses((status = 200, body = RunDto), (status = 409, body = ErrorDto, description = "already accepted or discarded, or it breaks hard rules and accept_broken_rules was not set")))]
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    RawQuery(q): RawQuery,
) -> Result<Json<RunDto>, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    if let mp::Accepted::BrokenRules(broken) =
        mp::accept_run(&state, &ctx, id, q.checked("accept_broken_rules")).await?
    {
        return Err(Failure::Conflict(mp::broken_message(&broken, "set accept_broken_rules=true")));
    }
    Ok(Json(run_dto(&state, id).await?))
}
