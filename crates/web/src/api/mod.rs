//! The JSON API under /api/v1: the same data and the same permissions as the
//! web pages (every handler asks the policy module), for a session or a
//! personal API token (`Authorization: Bearer upw_...`). Described by the
//! OpenAPI document at /api/openapi.json.

mod dto;
pub mod matching;
pub mod person_matching;

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use crate::forms::{Path, Query, page_number};
use crate::layout::Layout;
use crate::pages::render;
use crate::security::{new_token, token_hash};
use crate::services::account as accounts;
use askama::Template;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
pub use dto::*;
use upward_domain::ids::{GrantId, HubId, ImportId, PersonId, TokenId, TrustId, Urn};
use upward_domain::policy::{Action, people_visibility};
use upward_storage::{audit, auth, hubs, imports, outbox, people, programmes, schools};
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Upward API",
        version = "1",
        description = "Everything in Upward's web interface, as JSON, with the same permissions. Sign in with a session cookie (send the X-CSRF-Token header on changes) or a personal API token from your account page: `Authorization: Bearer upw_...`."
    ),
    paths(
        me, schools, school, hubs, hub, trusts, trust, people, person, invite, add_role, remove_role,
        imports, import_gias, import_run, audit, outbox, notifications, set_notifications, tokens, create_token,
        revoke_token, calendar, matching::run, matching::propose_teams, matching::rescore, matching::accept,
        person_matching::matching, person_matching::save_pool, person_matching::save_specialisms,
        person_matching::save_safeguarding, person_matching::add_unavailable, person_matching::remove_unavailable,
        person_matching::add_conflict, person_matching::remove_conflict
    ),
    components(schemas(
        MeDto, GrantDto, SchoolDto, SchoolPage, HubDto, LeaderDto, TrustDto, TrustDetail, PersonDto, PersonPage, PoolDto,
        InviteRequest, RoleRequest, ImportRunDto, AuditDto, AuditPage, EmailDto, EmailPage, NotificationSetting,
        TokenDto, NewTokenRequest, NewTokenDto, CalendarDto, ErrorDto, FieldErrorDto, HubDetail,
        matching::RunDto, matching::ProposeTeams, matching::WeightsIn, matching::RulesIn,
        person_matching::PersonMatchingDto, person_matching::MatchingPoolDto, person_matching::SafeguardingDto,
        person_matching::ConflictDto, person_matching::PoolRequest, person_matching::SpecialismsRequest,
        person_matching::SafeguardingRequest, person_matching::UnavailableRequest, person_matching::ConflictRequest
    )),
    modifiers(&Security),
    tags(
        (name = "directory", description = "Schools, Hubs and trusts"),
        (name = "people", description = "People, roles and invitations"),
        (name = "central", description = "Imports, the audit trail and the outbox"),
        (name = "account", description = "Your own account"),
        (name = "matching", description = "Review teams, Growing the Top groups and facilitators (central team)")
    )
)]
pub struct ApiDoc;

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
        c.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("upward_session"))));
        openapi.security = Some(vec![
            utoipa::openapi::security::SecurityRequirement::new("token", Vec::<String>::new()),
            utoipa::openapi::security::SecurityRequirement::new("session", Vec::<String>::new()),
        ]);
    }
}

pub async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

pub struct DocOp {
    pub method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct Docs {
    l: Layout,
    ops: Vec<DocOp>,
}

/// A readable list of the API's operations, made from the OpenAPI document.
pub async fn docs(ctx: Ctx) -> Response {
    let doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let mut ops = vec![];
    if let Some(paths) = doc["paths"].as_object() {
        for (path, item) in paths {
            for method in ["get", "post", "put", "delete"] {
                if let Some(op) = item.get(method) {
                    ops.push(DocOp {
                        method: method.to_uppercase(),
                        path: path.clone(),
                        summary: op["summary"].as_str().unwrap_or("").to_string(),
                        description: op["description"].as_str().unwrap_or("").to_string(),
                    });
                }
            }
        }
    }
    render(&Docs { l: Layout::new(&ctx, "API"), ops })
}

pub(crate) fn invalid(errors: Vec<FieldError>) -> Failure {
    Failure::Invalid(errors)
}

/// Parse a JSON body after the permission check (so a caller without
/// access learns nothing from validation errors).
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, Failure> {
    serde_json::from_slice(bytes).map_err(|e| {
        Failure::Invalid(vec![FieldError {
            field: "body".into(),
            message: format!("The request body is not the JSON expected: {e}"),
        }])
    })
}

/// The signed-in person and their roles.
#[utoipa::path(get, path = "/api/v1/me", tag = "account", responses((status = 200, body = MeDto), (status = 401, body = ErrorDto)))]
pub async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Json<MeDto>, Failure> {
    let id = ctx.require(Action::UseOwnAccount)?.person_id;
    let p = people::get(&state.db, PersonId(id)).await?.ok_or(Failure::SignInRequired)?;
    Ok(Json(MeDto { person: PersonDto::from(&p), can: capabilities(&ctx) }))
}

fn capabilities(ctx: &Ctx) -> Vec<String> {
    [
        Action::BrowseDirectory,
        Action::ListPeople,
        Action::InvitePeople,
        Action::ManageRoles,
        Action::ImportData,
        Action::ViewAudit,
        Action::ViewOutbox,
        Action::ViewMatching,
        Action::RunMatching,
    ]
    .iter()
    .filter(|a| ctx.can(a))
    .map(|a| a.name().to_string())
    .collect()
}

/// Search the school directory. Parameters as on the Schools page.
#[utoipa::path(get, path = "/api/v1/schools", tag = "directory",
    params(
        ("q" = Option<String>, Query, description = "Words matched against name, URN, town, postcode, local authority and trust"),
        ("phase" = Option<String>, Query, description = "nursery, primary, middle, secondary, all_through, post16, special, ap, other"),
        ("type" = Option<String>, Query, description = "academy, free_school, maintained, special, independent, college, other"),
        ("hub" = Option<i64>, Query), ("trust" = Option<i64>, Query),
        ("gender" = Option<String>, Query, description = "mixed, boys, girls, na"),
        ("admissions" = Option<String>, Query, description = "selective, non_selective, na"),
        ("ofsted" = Option<String>, Query, description = "outstanding, good, requires_improvement, inadequate"),
        ("region" = Option<String>, Query), ("status" = Option<String>, Query, description = "open (default), closed, any"),
        ("scope" = Option<String>, Query, description = "members (default) or all"),
        ("sort" = Option<String>, Query, description = "name, urn, town, phase, pupils, fsm, ofsted, hub"),
        ("dir" = Option<String>, Query, description = "asc or desc"),
        ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)
    ),
    responses((status = 200, body = SchoolPage), (status = 422, body = ErrorDto)))]
pub async fn schools(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::services::directory::SchoolParams>,
) -> Result<Json<SchoolPage>, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let (query, errors) = crate::services::directory::school_query(&q);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let page =
        schools::search(&state.db, &query, page_number(&q.page), crate::forms::per_page_number(&q.per_page)).await?;
    Ok(Json(SchoolPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.iter().map(SchoolDto::from).collect(),
    }))
}

/// One school by URN, with its performance and Areas of Excellence.
#[utoipa::path(get, path = "/api/v1/schools/{urn}", tag = "directory", params(("urn" = i64, Path)),
    responses((status = 200, body = SchoolDto), (status = 404, body = ErrorDto)))]
pub async fn school(State(state): State<AppState>, ctx: Ctx, Path(urn): Path<Urn>) -> Result<Json<SchoolDto>, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let s = schools::by_urn(&state.db, urn.get()).await?.ok_or(Failure::NotFound("school".into()))?;
    ctx.require(Action::ViewSchool(s.reference()))?;
    let mut dto = SchoolDto::from(&s);
    dto.performance =
        Some(schools::performance(&state.db, s.id).await?.into_iter().map(PerformanceDto::from).collect());
    dto.themes = Some(schools::themes(&state.db, s.id).await?.into_iter().map(ThemeDto::from).collect());
    Ok(Json(dto))
}

/// Every Hub with its Senior Partners and Hub Managers.
#[utoipa::path(get, path = "/api/v1/hubs", tag = "directory", responses((status = 200, body = [HubDto])))]
pub async fn hubs(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<HubDto>>, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    Ok(Json(hubs::list(&state.db).await?.iter().map(HubDto::from).collect()))
}

/// One Hub with its member schools.
#[utoipa::path(get, path = "/api/v1/hubs/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = HubDetail), (status = 404, body = ErrorDto)))]
pub async fn hub(State(state): State<AppState>, ctx: Ctx, Path(id): Path<HubId>) -> Result<Json<HubDetail>, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let h = hubs::get(&state.db, id.get()).await?.ok_or(Failure::NotFound("Hub".into()))?;
    ctx.require(Action::ViewHub(id.get()))?;
    let schools = schools::of_hub(&state.db, id).await?.iter().filter(|s| s.is_member()).map(SchoolDto::from).collect();
    Ok(Json(HubDetail { hub: HubDto::from(&h), schools }))
}

/// Trusts (those with member schools unless scope=all).
#[utoipa::path(get, path = "/api/v1/trusts", tag = "directory",
    params(("q" = Option<String>, Query), ("scope" = Option<String>, Query, description = "members (default) or all")),
    responses((status = 200, body = [TrustDto])))]
pub async fn trusts(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::services::directory::TrustParams>,
) -> Result<Json<Vec<TrustDto>>, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let list = hubs::trusts(&state.db, q.text(), !q.all()).await?;
    Ok(Json(list.iter().map(TrustDto::from).collect()))
}

/// One trust with its schools.
#[utoipa::path(get, path = "/api/v1/trusts/{id}", tag = "directory", params(("id" = i64, Path)),
    responses((status = 200, body = TrustDetail), (status = 404, body = ErrorDto)))]
pub async fn trust(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TrustId>,
) -> Result<Json<TrustDetail>, Failure> {
    ctx.require(Action::BrowseDirectory)?;
    let t = hubs::trust(&state.db, id).await?.ok_or(Failure::NotFound("trust".into()))?;
    let schools = schools::of_trust(&state.db, id).await?.iter().map(SchoolDto::from).collect();
    Ok(Json(TrustDetail { trust: TrustDto::from(&t), schools }))
}

/// People the caller may see.
#[utoipa::path(get, path = "/api/v1/people", tag = "people",
    params(("q" = Option<String>, Query), ("role" = Option<String>, Query), ("pool" = Option<String>, Query),
        ("specialism" = Option<String>, Query), ("hub" = Option<i64>, Query), ("school" = Option<i64>, Query),
        ("trust" = Option<i64>, Query), ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = PersonPage), (status = 403, body = ErrorDto)))]
pub async fn people(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::services::directory::PeopleParams>,
) -> Result<Json<PersonPage>, Failure> {
    let actor = ctx.require(Action::ListPeople)?;
    let vis = people_visibility(actor);
    let (query, errors) = crate::services::directory::people_query(&q);
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let page =
        people::search(&state.db, &query, &vis, page_number(&q.page), crate::forms::per_page_number(&q.per_page))
            .await?;
    Ok(Json(PersonPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.iter().map(PersonDto::from).collect(),
    }))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = PersonDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
pub async fn person(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
) -> Result<Json<PersonDto>, Failure> {
    ctx.require(Action::UseOwnAccount)?;
    let p = people::get(&state.db, id).await?.ok_or(Failure::NotFound("person".into()))?;
    ctx.require(Action::ViewPerson(p.reference()))?;
    Ok(Json(PersonDto::from(&p)))
}

/// Invite a person by e-mail and give them roles (admin). Checked exactly
/// as the invitation form is: the same rules and messages (fields `email`,
/// `full_name`, `job_title`, `school_urn`, `roles`, `hub_id`). The
/// invitation link goes only to the person's e-mail; the outbox keeps a
/// copy with the link withheld.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = InviteRequest,
    responses((status = 201, body = PersonDto), (status = 403, body = ErrorDto), (status = 413, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn invite(State(state): State<AppState>, ctx: Ctx, body: axum::body::Bytes) -> Result<Response, Failure> {
    ctx.require(Action::InvitePeople)?;
    let r: InviteRequest = json_body(&body)?;
    let req = upward_domain::account::InviteRequest {
        email: r.email,
        full_name: r.full_name,
        job_title: r.job_title.unwrap_or_default(),
        school_urn: r.school_urn.map(|u| u.to_string()).unwrap_or_default(),
        roles: r.roles,
        hub: r.hub_id.map(|h| h.to_string()).unwrap_or_default(),
    };
    match accounts::invite(&state, &ctx.who(), &accounts::inviter(&ctx), &req).await? {
        Ok(invited) => {
            let p =
                people::get(&state.db, PersonId(invited.person_id)).await?.ok_or(Failure::NotFound("person".into()))?;
            Ok((StatusCode::CREATED, Json(PersonDto::from(&p))).into_response())
        }
        Err(errors) => Err(invalid(api_fields(errors))),
    }
}

/// The API's names for the form's fields.
fn api_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|mut e| {
            e.field = match e.field.as_str() {
                "hub" => "hub_id".into(),
                "role" => "roles".into(),
                other => other.into(),
            };
            e
        })
        .collect()
}

/// Give a person a role (admin). Checked exactly as the form on a person's
/// page is.
#[utoipa::path(post, path = "/api/v1/people/{id}/roles", tag = "people", params(("id" = i64, Path)), request_body = RoleRequest,
    responses((status = 200, body = PersonDto), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn add_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    body: axum::body::Bytes,
) -> Result<Json<PersonDto>, Failure> {
    ctx.require(Action::ManageRoles)?;
    let r: RoleRequest = json_body(&body)?;
    let p = people::get(&state.db, id).await?.ok_or(Failure::NotFound("person".into()))?;
    let req = upward_domain::account::RoleRequest {
        role: r.role,
        hub: r.hub_id.map(|h| h.to_string()).unwrap_or_default(),
        school_urn: r.school_urn.map(|u| u.to_string()).unwrap_or_default(),
    };
    let g = accounts::grant(&state, &p, &req).await?.map_err(|errors| {
        invalid(
            errors
                .into_iter()
                .map(|mut e| {
                    if e.field == "hub" {
                        e.field = "hub_id".into();
                    }
                    e
                })
                .collect(),
        )
    })?;
    let mut tx = state.db.begin().await?;
    people::add_grant(&mut tx, &ctx.who(), id.get(), g).await?;
    tx.commit().await?;
    let p = people::get(&state.db, id).await?.ok_or(Failure::NotFound("person".into()))?;
    Ok(Json(PersonDto::from(&p)))
}

/// Take a role away (admin).
#[utoipa::path(delete, path = "/api/v1/people/{id}/roles/{grant}", tag = "people", params(("id" = i64, Path), ("grant" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorDto), (status = 404, body = ErrorDto)))]
pub async fn remove_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, grant)): Path<(PersonId, GrantId)>,
) -> Result<StatusCode, Failure> {
    ctx.require(Action::ManageRoles)?;
    let (id, grant) = (id.get(), grant.get());
    let mut tx = state.db.begin().await?;
    people::remove_grant(&mut tx, &ctx.who(), id, grant).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Recent imports.
#[utoipa::path(get, path = "/api/v1/imports", tag = "central", responses((status = 200, body = [ImportRunDto])))]
pub async fn imports(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<ImportRunDto>>, Failure> {
    ctx.require(Action::ImportData)?;
    Ok(Json(imports::recent(&state.db, 50).await?.into_iter().map(ImportRunDto::from).collect()))
}

/// Import a GIAS all-establishments extract: send the CSV file as the request
/// body (at most 200 MB). The import runs in the background; follow it at
/// /api/v1/imports/{id}. From a signed-in browser the CSRF token may come as
/// `?csrf=` (on this route only).
#[utoipa::path(post, path = "/api/v1/imports/gias", tag = "central",
    params(("file_name" = Option<String>, Query, description = "The file's name, used in messages")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 202, body = ImportRunDto), (status = 403, body = ErrorDto), (status = 413, body = ErrorDto)))]
pub async fn import_gias(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ImportQuery>,
    body: Body,
) -> Result<Response, Failure> {
    ctx.require(Action::ImportData)?;
    let name = q
        .file_name
        .map(|n| n.trim().chars().take(200).collect::<String>())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "upload.csv".into());
    let (upload, size) = crate::services::imports::receive(&state.config.upload_dir(), body.into_data_stream()).await?;
    let id = crate::services::imports::start_import(&state, ctx.who(), upload, name, size).await?;
    let run = imports::get(&state.db, id).await?.ok_or(Failure::NotFound("import".into()))?;
    Ok((StatusCode::ACCEPTED, Json(ImportRunDto::from(run))).into_response())
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ImportQuery {
    file_name: Option<String>,
}

/// An import's progress, and its report or the problems found.
#[utoipa::path(get, path = "/api/v1/imports/{id}", tag = "central", params(("id" = i64, Path)),
    responses((status = 200, body = ImportRunDto), (status = 404, body = ErrorDto)))]
pub async fn import_run(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<ImportId>,
) -> Result<Json<ImportRunDto>, Failure> {
    ctx.require(Action::ImportData)?;
    let id = id.get();
    let run = imports::get(&state.db, id).await?.ok_or(Failure::NotFound("import".into()))?;
    Ok(Json(ImportRunDto::from(run)))
}

/// Search the audit trail.
#[utoipa::path(get, path = "/api/v1/audit", tag = "central",
    params(("q" = Option<String>, Query), ("action" = Option<String>, Query), ("entity" = Option<String>, Query),
        ("entity_id" = Option<String>, Query), ("actor" = Option<i64>, Query),
        ("from" = Option<String>, Query, description = "YYYY-MM-DD"), ("to" = Option<String>, Query, description = "YYYY-MM-DD"),
        ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = AuditPage)))]
pub async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::forms::Query(q): crate::forms::Query<crate::services::platform::AuditSearch>,
) -> Result<Json<AuditPage>, Failure> {
    ctx.require(Action::ViewAudit)?;
    let (query, errors) = q.check();
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    let page = audit::search(
        &state.db,
        &query,
        crate::forms::page_number(&q.page),
        crate::forms::per_page_number(&q.per_page),
    )
    .await?;
    Ok(Json(AuditPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(AuditDto::from).collect(),
    }))
}

/// The e-mail outbox.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "central",
    params(("q" = Option<String>, Query), ("page" = Option<i64>, Query), ("per_page" = Option<i64>, Query)),
    responses((status = 200, body = EmailPage)))]
pub async fn outbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::services::platform::OutboxSearch>,
) -> Result<Json<EmailPage>, Failure> {
    ctx.require(Action::ViewOutbox)?;
    let words = q.words().map_err(invalid)?;
    let page =
        outbox::list(&state.db, words.as_deref(), page_number(&q.page), crate::forms::per_page_number(&q.per_page))
            .await?;
    Ok(Json(EmailPage {
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        items: page.items.into_iter().map(EmailDto::from).collect(),
    }))
}

/// Your e-mail settings, per topic.
#[utoipa::path(get, path = "/api/v1/account/notifications", tag = "account", responses((status = 200, body = [NotificationSetting])))]
pub async fn notifications(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<NotificationSetting>>, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let s = people::notification_settings(&state.db, me).await?;
    Ok(Json(s.into_iter().map(|(topic, email)| NotificationSetting { topic, email }).collect()))
}

/// Change your e-mail settings: one setting per topic, each topic at most
/// once (topics not sent stay as they are).
#[utoipa::path(put, path = "/api/v1/account/notifications", tag = "account", request_body = [NotificationSetting],
    responses((status = 200, body = [NotificationSetting]), (status = 413, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn set_notifications(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Json<Vec<NotificationSetting>>, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let v: Vec<NotificationSetting> = json_body(&body)?;
    let settings =
        upward_domain::account::topic_settings(&v.into_iter().map(|s| (s.topic, s.email)).collect::<Vec<_>>())
            .map_err(invalid)?;
    let mut tx = state.db.begin().await?;
    people::set_notification_settings(&mut tx, &ctx.who(), me, &settings).await?;
    tx.commit().await?;
    notifications(State(state), ctx).await
}

/// Your API tokens (never the secrets).
#[utoipa::path(get, path = "/api/v1/account/tokens", tag = "account", responses((status = 200, body = [TokenDto])))]
pub async fn tokens(State(state): State<AppState>, ctx: Ctx) -> Result<Json<Vec<TokenDto>>, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    Ok(Json(auth::api_tokens(&state.db, me).await?.into_iter().map(TokenDto::from).collect()))
}

/// Make an API token. The secret is in this response only (Upward keeps
/// its hash). Needs a signed-in session: a request made with an API token
/// cannot make tokens (403 `session_required`).
#[utoipa::path(post, path = "/api/v1/account/tokens", tag = "account", request_body = NewTokenRequest,
    responses((status = 201, body = NewTokenDto), (status = 403, body = ErrorDto), (status = 422, body = ErrorDto)))]
pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Response, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    if ctx.via_token {
        return Err(Failure::NeedsSession);
    }
    let r: NewTokenRequest = json_body(&body)?;
    let name = upward_domain::account::token_name(&r.name).map_err(invalid)?;
    let token = format!("upw_{}", new_token());
    let mut tx = state.db.begin().await?;
    let id = auth::create_api_token(&mut tx, &ctx.who(), me, &name, &token_hash(&token), &token[..8]).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(NewTokenDto { id, name, token })).into_response())
}

/// Revoke one of your API tokens.
#[utoipa::path(delete, path = "/api/v1/account/tokens/{id}", tag = "account", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorDto)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<TokenId>,
) -> Result<StatusCode, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let id = id.get();
    let mut tx = state.db.begin().await?;
    let done = auth::revoke_api_token(&mut tx, &ctx.who(), me, id).await?;
    tx.commit().await?;
    if done { Ok(StatusCode::NO_CONTENT) } else { Err(Failure::NotFound("API token".into())) }
}

/// Your calendar: what is coming up, and whether you have made a private
/// feed address (the address itself is shown once, on your account page,
/// when made: Upward keeps only its hash).
#[utoipa::path(get, path = "/api/v1/account/calendar", tag = "account", responses((status = 200, body = CalendarDto)))]
pub async fn calendar(State(state): State<AppState>, ctx: Ctx) -> Result<Json<CalendarDto>, Failure> {
    let me = ctx.require(Action::UseOwnAccount)?.person_id;
    let items = programmes::calendar(&state.db, me).await?;
    let has_feed = people::has_calendar_feed(&state.db, me).await?;
    Ok(Json(CalendarDto { has_feed, items: items.into_iter().map(CalendarItemDto::from).collect() }))
}

#[cfg(test)]
mod tests {
    use super::ApiDoc;
    use utoipa::OpenApi;

    /// The API's contract is committed (docs/openapi.json): a change to it
    /// shows in review. After a deliberate change, refresh the file with
    /// `UPDATE_SNAPSHOTS=1 cargo test -p upward-web openapi`.
    #[test]
    fn openapi_document_matches_the_snapshot() {
        let now = serde_json::to_string_pretty(&ApiDoc::openapi()).expect("the document serialises") + "\n";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json");
        if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
            std::fs::write(&path, &now).expect("write the snapshot");
            return;
        }
        let saved = std::fs::read_to_string(&path).unwrap_or_default();
        if saved != now {
            let first = saved
                .lines()
                .zip(now.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(saved.lines().count().min(now.lines().count()));
            panic!(
                "The OpenAPI document differs from docs/openapi.json from line {} on:\n  saved: {}\n  now:   {}\n\
                 If the change is meant, run UPDATE_SNAPSHOTS=1 cargo test -p upward-web openapi and commit the file.",
                first + 1,
                saved.lines().nth(first).unwrap_or("(end)"),
                now.lines().nth(first).unwrap_or("(end)")
            );
        }
    }
}
