//! People: the list (filtered by what the viewer may see), profiles, roles,
//! and inviting a person.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect_with};
use crate::error::{Failure, FieldError};
use crate::export::{Cell, Format, Table, download};
use crate::forms::{Form, Path, Query, page_number};
use crate::layout::{Layout, date, thousands, when_opt};
use crate::services::account as accounts;
use crate::services::account::inviter;
use crate::services::directory::{PeopleParams, people_query};
use crate::services::people::{self as person_service, Edit};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use upward_domain::account::{InviteRequest, RoleRequest};
use upward_domain::ids::{GrantId, PersonId, Urn};
use upward_domain::people::{ConflictInput, PoolInput, SafeguardingInput, UnavailableInput};
use upward_domain::policy::{Action, people_visibility};
use upward_domain::roles::Role;
use upward_storage::people::{self, Person};
use upward_storage::{Page, hubs};

pub const PER_PAGE: i64 = 25;

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "people/list.html")]
struct List {
    l: Layout,
    q: String,
    roles: Vec<Opt>,
    pools: Vec<Opt>,
    specialisms: Vec<Opt>,
    hubs: Vec<Opt>,
    errors: Vec<FieldError>,
    page: Page<Person>,
    base_query: String,
}

impl List {
    fn n(&self, v: impl crate::layout::AsI64) -> String {
        thousands(v.as_i64())
    }
    fn page_link(&self, p: i64) -> String {
        if self.base_query.is_empty() {
            format!("/people?page={p}")
        } else {
            format!("/people?{}&page={p}", self.base_query)
        }
    }
    fn count(&self, n: impl crate::layout::AsI64, one: &str, many: &str) -> String {
        upward_domain::text::count(n.as_i64(), one, many)
    }
    fn are(&self, n: impl crate::layout::AsI64) -> &'static str {
        upward_domain::text::plural(n.as_i64(), "is", "are")
    }
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, Query(q): Query<PeopleParams>) -> Result<Response, Failure> {
    let actor = ctx.require(Action::ListPeople)?;
    let vis = people_visibility(actor);
    let (query, errors) = people_query(&q);
    if let Some(f) = Format::from_query(q.format.trim()) {
        let rows = people::export(&state.db, &query, &vis, 100_000).await?;
        return Ok(download(&table(&rows), f, state.today()));
    }
    let page = people::search(&state.db, &query, &vis, page_number(&q.page), PER_PAGE).await?;
    let roles = Role::ALL
        .iter()
        .map(|r| Opt { value: r.as_str().into(), label: r.label().into(), selected: query.role == Some(*r) })
        .collect();
    let pools = people::POOLS
        .iter()
        .map(|(c, l)| Opt { value: c.to_string(), label: l.to_string(), selected: query.pool.as_deref() == Some(*c) })
        .collect();
    let specialisms = people::specialisms_in_use(&state.db)
        .await?
        .into_iter()
        .map(|s| Opt { selected: query.specialism.as_deref() == Some(s.as_str()), value: s.clone(), label: s })
        .collect();
    let hubs = hubs::names(&state.db)
        .await?
        .into_iter()
        .map(|(id, name)| Opt { value: id.to_string(), label: name, selected: query.hub_id == Some(id) })
        .collect();
    Ok(render(&List {
        l: Layout::new(&ctx, "People"),
        q: query.q.clone().unwrap_or_default(),
        roles,
        pools,
        specialisms,
        hubs,
        errors,
        page,
        base_query: q.link_query(),
    }))
}

fn table(rows: &[Person]) -> Table {
    Table {
        name: "People".into(),
        headers: vec![
            "Name",
            "E-mail",
            "Job title",
            "School",
            "URN",
            "Trust",
            "Hub",
            "Roles",
            "Pools",
            "Specialisms",
            "Regions",
            "Status",
        ],
        rows: rows
            .iter()
            .map(|p| {
                vec![
                    Cell::from(p.full_name.as_str()),
                    Cell::from(p.email.as_str()),
                    Cell::from(p.job_title.clone()),
                    Cell::from(p.school_name.clone()),
                    Cell::from(p.school_urn),
                    Cell::from(p.trust_name.clone()),
                    Cell::from(p.hub_name.clone()),
                    Cell::from(p.roles_text()),
                    Cell::from(p.pools.iter().map(|x| x.label.clone()).collect::<Vec<_>>().join("; ")),
                    Cell::from(p.specialisms.join("; ")),
                    Cell::from(p.regions.join("; ")),
                    Cell::from(p.status.as_str()),
                ]
            })
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "people/show.html")]
struct Show {
    l: Layout,
    p: Person,
    safeguarding: Option<people::Safeguarding>,
    can_confidential: bool,
    can_edit_matching: bool,
    unavailable: Vec<String>,
    conflicts: Vec<people::DeclaredConflict>,
    can_manage: bool,
    role_opts: Vec<Opt>,
    hub_opts: Vec<Opt>,
    role_error: Option<String>,
}

impl Show {
    fn d(&self, iso: &str) -> String {
        date(iso)
    }
    fn when(&self, t: &Option<i64>) -> String {
        when_opt(*t)
    }
    fn fee(&self, pence: &Option<i64>) -> String {
        match pence {
            Some(p) => format!("£{}", upward_domain::people::fee_text(Some(*p))),
            None => String::new(),
        }
    }
}

async fn show_page(state: &AppState, ctx: &Ctx, id: PersonId, role_error: Option<String>) -> Result<Show, Failure> {
    let p = person_service::person(state, id).await?;
    ctx.require(Action::ViewPerson(p.reference()))?;
    let can_confidential = ctx.can(&Action::ViewPersonConfidential(p.reference()));
    let safeguarding = if can_confidential { people::safeguarding(&state.db, id).await? } else { None };
    let can_edit_matching = ctx.can(&Action::EditPersonForMatching(p.reference()));
    let (unavailable, conflicts) = if can_edit_matching {
        (people::unavailable(&state.db, id).await?, people::conflicts(&state.db, id).await?)
    } else {
        (vec![], vec![])
    };
    let can_manage = ctx.can(&Action::ManageRoles);
    let (role_opts, hub_opts) = if can_manage {
        (
            Role::ALL
                .iter()
                .map(|r| Opt { value: r.as_str().into(), label: r.label().into(), selected: false })
                .collect(),
            hubs::names(&state.db)
                .await?
                .into_iter()
                .map(|(id, name)| Opt { value: id.to_string(), label: name, selected: false })
                .collect(),
        )
    } else {
        (vec![], vec![])
    };
    Ok(Show {
        l: Layout::new(ctx, p.full_name.clone()),
        p,
        safeguarding,
        can_confidential,
        can_edit_matching,
        unavailable,
        conflicts,
        can_manage,
        role_opts,
        hub_opts,
        role_error,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<PersonId>) -> Result<Response, Failure> {
    ctx.require(Action::UseOwnAccount)?;
    Ok(render(&show_page(&state, &ctx, id, None).await?))
}

/// The "Give a role" form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct RoleForm {
    pub role: String,
    pub hub: String,
    pub school_urn: String,
}

pub async fn add_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<RoleForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::ManageRoles)?;
    let p = person_service::person(&state, id).await?;
    let req = RoleRequest { role: f.role, hub: f.hub, school_urn: f.school_urn };
    match accounts::grant(&state, &p, &req).await? {
        Ok(g) => {
            let mut tx = state.db.begin().await?;
            people::add_grant(&mut tx, &ctx.who(), id.get(), g).await?;
            tx.commit().await?;
            Ok(redirect_with(
                &format!("/people/{id}#roles"),
                "success",
                &format!("{} now holds the role {}.", p.full_name, g.role.label()),
                ctx.secure,
            ))
        }
        Err(errors) => {
            let m = errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join(". ");
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &show_page(&state, &ctx, id, Some(m)).await?))
        }
    }
}

pub async fn remove_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, grant)): Path<(PersonId, GrantId)>,
) -> Result<Response, Failure> {
    ctx.require(Action::ManageRoles)?;
    let mut tx = state.db.begin().await?;
    people::remove_grant(&mut tx, &ctx.who(), id.get(), grant.get()).await?;
    tx.commit().await?;
    Ok(redirect_with(&format!("/people/{id}#roles"), "success", "The role has been taken away.", ctx.secure))
}

#[derive(Template)]
#[template(path = "people/invite.html")]
struct Invite {
    l: Layout,
    f: InviteForm,
    errors: Vec<FieldError>,
    role_opts: Vec<Opt>,
    hub_opts: Vec<Opt>,
}

impl Invite {
    fn v(&self, name: &str) -> String {
        match name {
            "email" => &self.f.email,
            "full_name" => &self.f.full_name,
            "job_title" => &self.f.job_title,
            "school_urn" => &self.f.school_urn,
            _ => "",
        }
        .chars()
        .take(300)
        .collect()
    }
    fn error(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.clone())
    }
}

/// The invitation form as sent.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    school_urn: String,
    /// The roles ticked.
    #[serde(default)]
    role: Vec<String>,
    #[serde(default)]
    hub: String,
}

impl InviteForm {
    fn request(&self) -> InviteRequest {
        InviteRequest {
            email: self.email.clone(),
            full_name: self.full_name.clone(),
            job_title: self.job_title.clone(),
            school_urn: self.school_urn.clone(),
            roles: self.role.clone(),
            hub: self.hub.clone(),
        }
    }
}

async fn invite_page(state: &AppState, ctx: &Ctx, f: InviteForm, errors: Vec<FieldError>) -> Result<Invite, Failure> {
    Ok(Invite {
        l: Layout::new(ctx, "Invite a person"),
        role_opts: Role::ALL
            .iter()
            .map(|r| Opt {
                value: r.as_str().into(),
                label: r.label().into(),
                selected: f.role.iter().any(|c| c == r.as_str()),
            })
            .collect(),
        hub_opts: hubs::names(&state.db)
            .await?
            .into_iter()
            .map(|(id, name)| Opt { selected: f.hub == id.to_string(), value: id.to_string(), label: name })
            .collect(),
        f,
        errors,
    })
}

pub async fn invite_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    ctx.require(Action::InvitePeople)?;
    Ok(render(&invite_page(&state, &ctx, InviteForm::default(), vec![]).await?))
}

pub async fn invite(State(state): State<AppState>, ctx: Ctx, Form(f): Form<InviteForm>) -> Result<Response, Failure> {
    ctx.require(Action::InvitePeople)?;
    match accounts::invite(&state, &ctx.who(), &inviter(&ctx), &f.request()).await? {
        Ok(invited) if invited.emailed => Ok(redirect_with(
            &format!("/people/{}", invited.person_id),
            "success",
            &format!("Invitation sent to {}.", f.email.trim().to_lowercase()),
            ctx.secure,
        )),
        Ok(invited) => Ok(redirect_with(
            &format!("/people/{}", invited.person_id),
            "error",
            &if state.mail.reaches_people() {
                format!(
                    "{} is added, but the invitation e-mail could not be sent (see the outbox). They can still join: ask them to use \"I have forgotten my password\" on the sign-in page.",
                    f.email.trim().to_lowercase()
                )
            } else {
                format!(
                    "{} is added, but no invitation was sent: this Upward has no e-mail server set up (as in the demo).",
                    f.email.trim().to_lowercase()
                )
            },
            ctx.secure,
        )),
        Err(errors) => {
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &invite_page(&state, &ctx, f, errors).await?))
        }
    }
}

// ---------------------------------------------------------------------------
// What matching uses: the central team's page on a person's profile.

/// One pool's row on the page: the membership (or an offer to join).
pub struct PoolRow {
    pub code: &'static str,
    pub label: &'static str,
    pub member: bool,
    pub status: String,
    pub since: String,
    pub min_per_year: String,
    pub max_per_year: String,
    pub fee: String,
}

#[derive(Template)]
#[template(path = "people/matching.html")]
struct MatchingPage {
    l: Layout,
    p: Person,
    pools: Vec<PoolRow>,
    statuses: &'static [(&'static str, &'static str)],
    /// (specialism, held)
    specialisms: Vec<(String, bool)>,
    can_confidential: bool,
    safeguarding: people::Safeguarding,
    unavailable: Vec<String>,
    conflicts: Vec<people::DeclaredConflict>,
    /// The form that failed ("pool-reviewer", "specialisms", ...), its
    /// problems, and what was typed.
    failed: Option<Failed>,
}

pub struct Failed {
    pub form: String,
    pub errors: Vec<FieldError>,
    pub typed: Vec<(String, String)>,
}

impl MatchingPage {
    fn d(&self, iso: &str) -> String {
        date(iso)
    }
    /// What was typed in `form`'s `field` when it failed, else `stored`.
    fn v(&self, form: &str, field: &str, stored: &str) -> String {
        match &self.failed {
            Some(f) if f.form == form => {
                f.typed.iter().find(|(k, _)| k == field).map(|(_, v)| v.clone()).unwrap_or_default()
            }
            _ => stored.to_string(),
        }
    }
    fn err(&self, form: &str, field: &str) -> Option<String> {
        match &self.failed {
            Some(f) if f.form == form => f.errors.iter().find(|e| e.field == field).map(|e| e.message.clone()),
            _ => None,
        }
    }
    fn failed_here(&self, form: &str) -> bool {
        self.failed.as_ref().is_some_and(|f| f.form == form)
    }
}

async fn matching_page(
    state: &AppState,
    ctx: &Ctx,
    id: PersonId,
    failed: Option<Failed>,
) -> Result<MatchingPage, Failure> {
    let f = person_service::facts(state, ctx, id).await?;
    let pools = people::POOLS
        .iter()
        .map(|&(code, label)| match f.person.pools.iter().find(|x| x.pool == code) {
            Some(m) => PoolRow {
                code,
                label,
                member: true,
                status: m.status.as_str().to_string(),
                since: m.since.clone().unwrap_or_default(),
                min_per_year: m.min_per_year.map(|n| n.to_string()).unwrap_or_default(),
                max_per_year: m.max_per_year.map(|n| n.to_string()).unwrap_or_default(),
                fee: upward_domain::people::fee_text(m.fee_pence),
            },
            None => PoolRow {
                code,
                label,
                member: false,
                status: "active".into(),
                since: String::new(),
                min_per_year: String::new(),
                max_per_year: String::new(),
                fee: String::new(),
            },
        })
        .collect();
    let mut specialisms: Vec<(String, bool)> = people::specialisms_in_use(&state.db)
        .await?
        .into_iter()
        .map(|s| {
            let held = f.person.specialisms.contains(&s);
            (s, held)
        })
        .collect();
    for s in &f.person.specialisms {
        if !specialisms.iter().any(|(x, _)| x == s) {
            specialisms.push((s.clone(), true));
        }
    }
    specialisms.sort_by_key(|(s, _)| s.to_lowercase());
    Ok(MatchingPage {
        l: Layout::new(ctx, format!("What matching uses: {}", f.person.full_name)),
        pools,
        statuses: upward_domain::people::POOL_STATUSES,
        specialisms,
        can_confidential: f.can_confidential && ctx.can(&Action::EditPersonConfidential(f.person.reference())),
        safeguarding: f.safeguarding.unwrap_or_default(),
        unavailable: f.unavailable,
        conflicts: f.conflicts,
        p: f.person,
        failed,
    })
}

pub async fn matching_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
) -> Result<Response, Failure> {
    Ok(render(&matching_page(&state, &ctx, id, None).await?))
}

/// Make one change; back to the page with a message, or the page again with
/// the problems beside the form (422).
async fn apply(
    state: &AppState,
    ctx: &Ctx,
    id: PersonId,
    version: &str,
    edit: Edit,
    form: &str,
    typed: Vec<(String, String)>,
) -> Result<Response, Failure> {
    let anchor = edit.section();
    match person_service::edit(state, ctx, id, version, edit).await? {
        Ok(done) => Ok(redirect_with(&format!("/people/{id}/matching#{anchor}"), "success", &done, ctx.secure)),
        Err(errors) => {
            let failed = Failed { form: form.to_string(), errors, typed };
            Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &matching_page(state, ctx, id, Some(failed)).await?))
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PoolForm {
    pub version: String,
    pub pool: String,
    pub status: String,
    pub since: String,
    pub min_per_year: String,
    pub max_per_year: String,
    pub fee: String,
}

pub async fn save_pool(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<PoolForm>,
) -> Result<Response, Failure> {
    let typed = vec![
        ("status".into(), f.status.clone()),
        ("since".into(), f.since.clone()),
        ("min_per_year".into(), f.min_per_year.clone()),
        ("max_per_year".into(), f.max_per_year.clone()),
        ("fee".into(), f.fee.clone()),
    ];
    let form = format!("pool-{}", f.pool.trim());
    let input = PoolInput {
        pool: f.pool,
        status: f.status,
        since: f.since,
        min_per_year: f.min_per_year,
        max_per_year: f.max_per_year,
        fee: f.fee,
    };
    apply(&state, &ctx, id, &f.version, Edit::Pool(input), &form, typed).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SpecialismsForm {
    pub version: String,
    pub specialism: Vec<String>,
    pub new_specialisms: String,
}

pub async fn save_specialisms(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<SpecialismsForm>,
) -> Result<Response, Failure> {
    let typed = vec![("new_specialisms".into(), f.new_specialisms.clone())];
    let edit = Edit::Specialisms { chosen: f.specialism, new: f.new_specialisms };
    apply(&state, &ctx, id, &f.version, edit, "specialisms", typed).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SafeguardingForm {
    pub version: String,
    pub dbs_checked_on: String,
    pub dbs_certificate: String,
    pub trained_on: String,
}

pub async fn save_safeguarding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<SafeguardingForm>,
) -> Result<Response, Failure> {
    let typed = vec![
        ("dbs_checked_on".into(), f.dbs_checked_on.clone()),
        ("dbs_certificate".into(), f.dbs_certificate.clone()),
        ("trained_on".into(), f.trained_on.clone()),
    ];
    let input = SafeguardingInput {
        dbs_checked_on: f.dbs_checked_on,
        dbs_certificate: f.dbs_certificate,
        trained_on: f.trained_on,
    };
    apply(&state, &ctx, id, &f.version, Edit::Safeguarding(input), "safeguarding", typed).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct UnavailableForm {
    pub version: String,
    pub from: String,
    pub to: String,
    /// For "can do after all": the date (ISO).
    pub date: String,
}

pub async fn add_unavailable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<UnavailableForm>,
) -> Result<Response, Failure> {
    let typed = vec![("from".into(), f.from.clone()), ("to".into(), f.to.clone())];
    let edit = Edit::Unavailable(UnavailableInput { from: f.from, to: f.to });
    apply(&state, &ctx, id, &f.version, edit, "unavailable", typed).await
}

pub async fn remove_unavailable(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<UnavailableForm>,
) -> Result<Response, Failure> {
    apply(&state, &ctx, id, &f.version, Edit::Available(f.date), "unavailable", vec![]).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConflictForm {
    pub version: String,
    pub school_urn: String,
    pub reason: String,
}

pub async fn add_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<ConflictForm>,
) -> Result<Response, Failure> {
    let typed = vec![("school_urn".into(), f.school_urn.clone()), ("reason".into(), f.reason.clone())];
    let edit = Edit::Conflict(ConflictInput { school_urn: f.school_urn, reason: f.reason });
    apply(&state, &ctx, id, &f.version, edit, "conflicts", typed).await
}

pub async fn remove_conflict(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, urn)): Path<(PersonId, Urn)>,
    Form(f): Form<ConflictForm>,
) -> Result<Response, Failure> {
    apply(&state, &ctx, id, &f.version, Edit::Withdraw(urn), "conflicts", vec![]).await
}
