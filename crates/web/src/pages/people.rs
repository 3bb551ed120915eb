//! People: the list (filtered by what the viewer may see), profiles, roles,
//! and inviting a person.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect_with};
use crate::error::{Failure, FieldError};
use crate::export::{Cell, Format, Table, download};
use crate::forms::{Fields, Form, Path, RawQuery, page_of};
use crate::layout::{Layout, date, thousands, when_opt};
use crate::services::account as accounts;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use upward_domain::account::{InviteRequest, RoleRequest};
use upward_domain::ids::{GrantId, PersonId};
use upward_domain::policy::{Action, people_visibility};
use upward_domain::roles::Role;
use upward_storage::people::{self, Person, PersonQuery};
use upward_storage::{Page, hubs};

pub const PER_PAGE: i64 = 25;

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Read a people search from a query string.
pub fn parse_query(q: &Fields) -> (PersonQuery, Vec<FieldError>) {
    let mut errors = vec![];
    let mut out =
        PersonQuery { q: q.opt("q"), pool: q.opt("pool"), specialism: q.opt("specialism"), ..Default::default() };
    if let Some(r) = q.opt("role") {
        match r.parse::<Role>() {
            Ok(r) => out.role = Some(r),
            Err(e) => errors.push(FieldError { field: "role".into(), message: e.to_string() }),
        }
    }
    if let Some(p) = &out.pool
        && !people::POOLS.iter().any(|(c, _)| c == p)
    {
        errors.push(FieldError { field: "pool".into(), message: format!("\"{p}\" is not a pool") });
        out.pool = None;
    }
    out.hub_id = q.int("hub", "Hub", &mut errors);
    out.school_id = q.int("school", "School", &mut errors);
    out.trust_id = q.int("trust", "Trust", &mut errors);
    (out, errors)
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
}

pub async fn list(State(state): State<AppState>, ctx: Ctx, RawQuery(q): RawQuery) -> Result<Response, Failure> {
    let actor = ctx.require(Action::ListPeople)?;
    let vis = people_visibility(actor);
    let (query, errors) = parse_query(&q);
    if let Some(f) = Format::from_query(q.get("format")) {
        let rows = people::export(&state.db, &query, &vis, 100_000).await?;
        return Ok(download(&table(&rows), f, state.today()));
    }
    let page = people::search(&state.db, &query, &vis, page_of(&q), PER_PAGE).await?;
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
        base_query: q.without(&["page", "format"]),
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
}

async fn show_page(state: &AppState, ctx: &Ctx, id: i64, role_error: Option<String>) -> Result<Show, Failure> {
    let p = people::get(&state.db, id).await?.ok_or(Failure::NotFound("person".into()))?;
    ctx.require(Action::ViewPerson(p.reference()))?;
    let can_confidential = ctx.can(&Action::ViewPersonConfidential(p.reference()));
    let safeguarding = if can_confidential { people::safeguarding(&state.db, id).await? } else { None };
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
        can_manage,
        role_opts,
        hub_opts,
        role_error,
    })
}

pub async fn show(State(state): State<AppState>, ctx: Ctx, Path(id): Path<PersonId>) -> Result<Response, Failure> {
    ctx.require(Action::UseOwnAccount)?;
    let id = id.get();
    Ok(render(&show_page(&state, &ctx, id, None).await?))
}

#[derive(Debug, Default, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    hub: String,
    #[serde(default)]
    school_urn: String,
}

pub async fn add_role(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<PersonId>,
    Form(f): Form<RoleForm>,
) -> Result<Response, Failure> {
    ctx.require(Action::ManageRoles)?;
    let id = id.get();
    let p = people::get(&state.db, id).await?.ok_or(Failure::NotFound("person".into()))?;
    let req = RoleRequest { role: f.role, hub: f.hub, school_urn: f.school_urn };
    match accounts::grant(&state, &p, &req).await? {
        Ok(g) => {
            let mut tx = state.db.begin().await?;
            people::add_grant(&mut tx, &ctx.who(), id, g).await?;
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
    let (id, grant) = (id.get(), grant.get());
    let mut tx = state.db.begin().await?;
    people::remove_grant(&mut tx, &ctx.who(), id, grant).await?;
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

/// Who sends an invitation, as the e-mail names them.
pub fn inviter(ctx: &Ctx) -> String {
    ctx.me.as_ref().map(|m| m.name.clone()).unwrap_or_else(|| "The central team".into())
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
