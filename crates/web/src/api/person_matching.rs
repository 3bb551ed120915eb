//! What matching uses about a person, over the API: the same permissions,
//! checks and transaction as the profile's forms (`services::people`).
//! Every change carries the `version` it was made from; a stale one is
//! refused (409) and changes nothing.

use super::{ErrorDto, invalid, json_body};
use crate::AppState;
use crate::ctx::Ctx;
use crate::error::Failure;
use crate::forms::{Path, Query};
use crate::services::people::{self as service, Edit, MatchingFacts};
use axum::Json;
use serde::{Deserialize, Serialize};
use upward_domain::ids::{PersonId, Urn};
use upward_domain::people::{ConflictInput, PoolInput, SafeguardingInput, UnavailableInput, fee_text};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct MatchingPoolDto {
    /// reviewer, lead_reviewer, trust_lead_reviewer or facilitator.
    pub pool: String,
    pub label: String,
    /// active, paused or left.
    pub status: String,
    /// YYYY-MM-DD.
    pub since: Option<String>,
    pub min_per_year: Option<i64>,
    pub max_per_year: Option<i64>,
    pub fee_pence: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SafeguardingDto {
    pub dbs_checked_on: Option<String>,
    pub dbs_certificate: Option<String>,
    pub trained_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConflictDto {
    pub school_urn: i64,
    pub school_name: String,
    pub reason: Option<String>,
}

/// Everything matching uses about a person.
#[derive(Serialize, ToSchema)]
pub struct PersonMatchingDto {
    pub id: i64,
    pub full_name: String,
    /// Send it back with a change: a change made from an older version is refused.
    pub version: i64,
    pub pools: Vec<MatchingPoolDto>,
    pub specialisms: Vec<String>,
    /// Present for those who may see it (the central team, the person).
    pub safeguarding: Option<SafeguardingDto>,
    /// Dates they cannot do (YYYY-MM-DD).
    pub unavailable: Vec<String>,
    pub conflicts: Vec<ConflictDto>,
}

impl From<MatchingFacts> for PersonMatchingDto {
    fn from(f: MatchingFacts) -> Self {
        PersonMatchingDto {
            id: f.person.id,
            full_name: f.person.full_name.clone(),
            version: f.person.version,
            pools: f
                .person
                .pools
                .iter()
                .map(|p| MatchingPoolDto {
                    pool: p.pool.clone(),
                    label: p.label.clone(),
                    status: p.status.as_str().into(),
                    since: p.since.clone(),
                    min_per_year: p.min_per_year,
                    max_per_year: p.max_per_year,
                    fee_pence: if f.can_confidential { p.fee_pence } else { None },
                })
                .collect(),
            specialisms: f.person.specialisms.clone(),
            safeguarding: f.safeguarding.map(|s| SafeguardingDto {
                dbs_checked_on: s.dbs_checked_on,
                dbs_certificate: s.dbs_certificate,
                trained_on: s.trained_on,
            }),
            unavailable: f.unavailable,
            conflicts: f
                .conflicts
                .into_iter()
                .map(|c| ConflictDto { school_urn: c.urn, school_name: c.school_name, reason: c.reason })
                .collect(),
        }
    }
}

/// Join a pool or change a membership.
#[derive(Deserialize, ToSchema)]
pub struct PoolRequest {
    pub version: i64,
    pub pool: String,
    /// active (default), paused or left.
    pub status: Option<String>,
    /// YYYY-MM-DD.
    pub since: Option<String>,
    pub min_per_year: Option<i64>,
    pub max_per_year: Option<i64>,
    pub fee_pence: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct SpecialismsRequest {
    pub version: i64,
    /// The whole list (replaces the person's specialisms).
    pub specialisms: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SafeguardingRequest {
    pub version: i64,
    /// YYYY-MM-DD; absent or empty clears it.
    pub dbs_checked_on: Option<String>,
    /// Twelve digits.
    pub dbs_certificate: Option<String>,
    pub trained_on: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct UnavailableRequest {
    pub version: i64,
    /// YYYY-MM-DD: the date they cannot do, or the first of several.
    pub from: String,
    /// YYYY-MM-DD: the last of several (at most 366 days).
    pub to: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct ConflictRequest {
    pub version: i64,
    pub school_urn: i64,
    pub reason: String,
}

#[derive(Deserialize, IntoParams)]
pub struct VersionParams {
    /// The version the change is made from.
    #[serde(default)]
    pub version: String,
    /// YYYY-MM-DD (for a date they can do after all).
    #[serde(default)]
    pub date: String,
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default()
}

fn number(v: Option<i64>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

/// Make the change, then answer with everything matching uses.
async fn change(
    state: &AppState,
    ctx: &Ctx,
    id: PersonId,
    version: &str,
    edit: Edit,
) -> Result<Json<PersonMatchingDto>, Failure> {
    match service::edit(state, ctx, id, version, edit).await? {
        Ok(_) => Ok(Json(PersonMatchingDto::from(service::facts(state, ctx, id).await?))),
        Err(errors) => Err(invalid(errors)),
    }
}

/// The person must exist and the caller may change them, before the body is
/// read (a caller without access learns nothing from validation).
async fn allowed(state: &AppState, ctx: &Ctx, id: PersonId, confidential: bool) -> Result<(), Failure> {
    let p = service::person(state, id).await?;
    let action = if confidential {
        upward_domain::policy::Action::EditPersonConfidential(p.reference())
    } else {
        upward_domain::policy::Action::EditPersonForMatching(p.reference())
    };
    ctx.require(action).map(|_| ())
}

/// What matching uses about a person (central team).
#[utoipa::path(get, path = "/api/v1/people/{id}/matching", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
pub async fn matching(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
) -> Result<Json<PersonMatchingDto>, Failure> {
    Ok(Json(PersonMatchingDto::from(service::facts(&state, &ctx, id).await?)))
}

/// Join a pool, or change a membership: status, since, the fewest and most a
/// year, the fee (central team).
#[utoipa::path(post, path = "/api/v1/people/{id}/pools", tag = "people", params(("id" = i64, Path)), request_body = PoolRequest,
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn save_pool(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    body: axum::body::Bytes,
) -> Result<Json<PersonMatchingDto>, Failure> {
    allowed(&state, &ctx, id, false).await?;
    let r: PoolRequest = json_body(&body)?;
    let input = PoolInput {
        pool: r.pool,
        status: text(r.status),
        since: text(r.since),
        min_per_year: number(r.min_per_year),
        max_per_year: number(r.max_per_year),
        fee: match r.fee_pence {
            Some(p) if p < 0 => p.to_string(),
            p => fee_text(p),
        },
    };
    change(&state, &ctx, id, &r.version.to_string(), Edit::Pool(input)).await
}

/// Replace a person's specialisms (central team).
#[utoipa::path(put, path = "/api/v1/people/{id}/specialisms", tag = "people", params(("id" = i64, Path)), request_body = SpecialismsRequest,
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn save_specialisms(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    body: axum::body::Bytes,
) -> Result<Json<PersonMatchingDto>, Failure> {
    allowed(&state, &ctx, id, false).await?;
    let r: SpecialismsRequest = json_body(&body)?;
    let edit = Edit::Specialisms { chosen: r.specialisms, new: String::new() };
    change(&state, &ctx, id, &r.version.to_string(), edit).await
}

/// Replace a person's safeguarding record: enhanced DBS check date,
/// certificate number, training date (central team; confidential).
#[utoipa::path(put, path = "/api/v1/people/{id}/safeguarding", tag = "people", params(("id" = i64, Path)), request_body = SafeguardingRequest,
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn save_safeguarding(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    body: axum::body::Bytes,
) -> Result<Json<PersonMatchingDto>, Failure> {
    allowed(&state, &ctx, id, true).await?;
    let r: SafeguardingRequest = json_body(&body)?;
    let input = SafeguardingInput {
        dbs_checked_on: text(r.dbs_checked_on),
        dbs_certificate: text(r.dbs_certificate),
        trained_on: text(r.trained_on),
    };
    change(&state, &ctx, id, &r.version.to_string(), Edit::Safeguarding(input)).await
}

/// Mark a date (or every date from `from` to `to`) the person cannot do
/// (central team).
#[utoipa::path(post, path = "/api/v1/people/{id}/unavailable", tag = "people", params(("id" = i64, Path)), request_body = UnavailableRequest,
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn add_unavailable(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    body: axum::body::Bytes,
) -> Result<Json<PersonMatchingDto>, Failure> {
    allowed(&state, &ctx, id, false).await?;
    let r: UnavailableRequest = json_body(&body)?;
    let edit = Edit::Unavailable(UnavailableInput { from: r.from, to: text(r.to) });
    change(&state, &ctx, id, &r.version.to_string(), edit).await
}

/// The person can do this date after all (central team).
#[utoipa::path(delete, path = "/api/v1/people/{id}/unavailable", tag = "people", params(("id" = i64, Path), VersionParams),
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn remove_unavailable(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Query(q): Query<VersionParams>,
) -> Result<Json<PersonMatchingDto>, Failure> {
    change(&state, &ctx, id, &q.version, Edit::Available(q.date)).await
}

/// Declare a conflict of interest with a school: the person is not proposed
/// to review it (central team).
#[utoipa::path(post, path = "/api/v1/people/{id}/conflicts", tag = "people", params(("id" = i64, Path)), request_body = ConflictRequest,
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 409, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn add_conflict(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    body: axum::body::Bytes,
) -> Result<Json<PersonMatchingDto>, Failure> {
    allowed(&state, &ctx, id, false).await?;
    let r: ConflictRequest = json_body(&body)?;
    let edit = Edit::Conflict(ConflictInput { school_urn: r.school_urn.to_string(), reason: r.reason });
    change(&state, &ctx, id, &r.version.to_string(), edit).await
}

/// Withdraw a declared conflict of interest (central team).
#[utoipa::path(delete, path = "/api/v1/people/{id}/conflicts/{urn}", tag = "people",
    params(("id" = i64, Path), ("urn" = i64, Path), VersionParams),
    responses((status = 200, body = PersonMatchingDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 409, body = ErrorDto)))]
pub async fn remove_conflict(
    axum::extract::State(state): axum::extract::State<AppState>,
    ctx: Ctx,
    Path((id, urn)): Path<(PersonId, Urn)>,
    Query(q): Query<VersionParams>,
) -> Result<Json<PersonMatchingDto>, Failure> {
    change(&state, &ctx, id, &q.version, Edit::Withdraw(urn)).await
}
