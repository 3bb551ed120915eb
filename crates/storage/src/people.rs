//! People: staff of member schools and trusts, their roles, pools and
//! specialisms, and what the sign-in needs.

use crate::audit::{self, Change, Who};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{Page, fold, get_i64, get_oi64, get_ostr, get_str, like_escape, search_words};
use serde::Serialize;
use sqlx::any::AnyRow;
use upward_domain::ids::{PersonId, SchoolId};
use upward_domain::people::{PoolMembership, SafeguardingRecord};
use upward_domain::policy::{PersonRef, SchoolRef, Visibility};
use upward_domain::roles::{Grant, Role, Scope, ScopeKind};
use upward_domain::text::display_name;
use upward_domain::workflow::{PersonStatus, PoolStatus};

/// Pools people belong to (the domain's list).
pub use upward_domain::people::{POOLS, pool_label};

/// Notification topics a person can switch on or off. Account e-mails
/// (invitations, password resets) always go.
pub use upward_domain::account::TOPICS;

#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    pub id: i64,
    pub grant: Grant,
    /// The Hub, school or trust name, when the role is scoped.
    pub scope_name: Option<String>,
}

impl GrantView {
    pub fn describe(&self) -> String {
        match &self.scope_name {
            Some(n) => format!("{} — {}", self.grant.role.label(), n),
            None => self.grant.role.label().to_string(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Pool {
    pub pool: String,
    pub label: String,
    pub status: PoolStatus,
    pub since: Option<String>,
    pub min_per_year: Option<i64>,
    pub max_per_year: Option<i64>,
    pub fee_pence: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub full_name: String,
    pub job_title: Option<String>,
    pub school_id: Option<i64>,
    pub school_name: Option<String>,
    pub school_urn: Option<i64>,
    pub hub_id: Option<i64>,
    pub hub_name: Option<String>,
    pub trust_id: Option<i64>,
    pub trust_name: Option<String>,
    pub school_trust_id: Option<i64>,
    pub phone: Option<String>,
    pub status: PersonStatus,
    pub last_sign_in_at: Option<i64>,
    pub created_at: i64,
    /// Moves on with every change to what matching uses (optimistic
    /// concurrency: an edit from an older version is refused).
    pub version: i64,
    pub grants: Vec<GrantView>,
    pub pools: Vec<Pool>,
    pub specialisms: Vec<String>,
    pub regions: Vec<String>,
}

impl Person {
    pub fn reference(&self) -> PersonRef {
        PersonRef {
            id: self.id,
            school: self.school_id.map(|id| SchoolRef { id, hub_id: self.hub_id, trust_id: self.school_trust_id }),
            trust_id: self.trust_id.or(self.school_trust_id),
        }
    }
    pub fn roles_text(&self) -> String {
        self.grants.iter().map(|g| g.describe()).collect::<Vec<_>>().join("; ")
    }
}

const SELECT: &str = "SELECT p.id, p.email, p.full_name, p.job_title, p.school_id, s.name AS school_name, s.urn AS school_urn, \
    s.hub_id, h.name AS hub_name, COALESCE(p.trust_id, s.trust_id) AS trust_id, t.name AS trust_name, s.trust_id AS school_trust_id, \
    p.phone, p.status, p.last_sign_in_at, p.created_at, p.version \
    FROM people p LEFT JOIN schools s ON s.id = p.school_id LEFT JOIN hubs h ON h.id = s.hub_id \
    LEFT JOIN trusts t ON t.id = COALESCE(p.trust_id, s.trust_id)";

fn person(r: &AnyRow) -> Result<Person, StoreError> {
    Ok(Person {
        id: get_i64(r, "id")?,
        email: get_str(r, "email")?,
        full_name: get_str(r, "full_name")?,
        job_title: get_ostr(r, "job_title")?,
        school_id: get_oi64(r, "school_id")?,
        school_name: get_ostr(r, "school_name")?.map(|n| display_name(&n)),
        school_urn: get_oi64(r, "school_urn")?,
        hub_id: get_oi64(r, "hub_id")?,
        hub_name: get_ostr(r, "hub_name")?,
        trust_id: get_oi64(r, "trust_id")?,
        trust_name: get_ostr(r, "trust_name")?.map(|n| display_name(&n)),
        school_trust_id: get_oi64(r, "school_trust_id")?,
        phone: get_ostr(r, "phone")?,
        status: crate::util::get_state(r, "status")?,
        last_sign_in_at: get_oi64(r, "last_sign_in_at")?,
        created_at: get_i64(r, "created_at")?,
        version: get_i64(r, "version")?,
        grants: vec![],
        pools: vec![],
        specialisms: vec![],
        regions: vec![],
    })
}

/// A search of people.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PersonQuery {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub pool: Option<String>,
    pub specialism: Option<String>,
    pub hub_id: Option<i64>,
    pub school_id: Option<i64>,
    pub trust_id: Option<i64>,
}

fn ids_in(s: &mut Sql, col: &str, ids: &[i64]) {
    if ids.is_empty() {
        s.push(" OR 1=0");
        return;
    }
    s.push(&format!(" OR {col} IN ("));
    for (i, id) in ids.iter().enumerate() {
        s.push(if i == 0 { "?" } else { ", ?" });
        s.arg(*id);
    }
    s.push(")");
}

fn where_clause(q: &PersonQuery, vis: &Visibility) -> Sql {
    let mut s = Sql::new(" WHERE 1=1");
    if let Visibility::Some { self_id, hubs, schools, trusts } = vis {
        s.push_bind(" AND (p.id = ?", *self_id);
        ids_in(&mut s, "s.hub_id", hubs);
        ids_in(&mut s, "p.school_id", schools);
        ids_in(&mut s, "COALESCE(p.trust_id, s.trust_id)", trusts);
        s.push(")");
    }
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        for word in search_words(text, 8) {
            s.push_bind(" AND p.search_text LIKE ? ESCAPE '\\'", format!("%{}%", like_escape(&word)));
        }
    }
    if let Some(r) = q.role {
        s.push_bind(" AND EXISTS (SELECT 1 FROM role_grants g WHERE g.person_id = p.id AND g.role = ?)", r.as_str());
    }
    if let Some(pool) = q.pool.as_deref().filter(|p| !p.is_empty()) {
        s.push_bind(" AND EXISTS (SELECT 1 FROM pool_memberships m WHERE m.person_id = p.id AND m.pool = ?)", pool);
    }
    if let Some(sp) = q.specialism.as_deref().filter(|p| !p.is_empty()) {
        s.push_bind(
            " AND EXISTS (SELECT 1 FROM person_specialisms x WHERE x.person_id = p.id AND x.specialism = ?)",
            sp,
        );
    }
    if let Some(h) = q.hub_id {
        s.push_bind(" AND s.hub_id = ?", h);
    }
    if let Some(id) = q.school_id {
        s.push_bind(" AND p.school_id = ?", id);
    }
    if let Some(t) = q.trust_id {
        s.push_bind(" AND COALESCE(p.trust_id, s.trust_id) = ?", t);
    }
    s
}

const FROM: &str = " FROM people p LEFT JOIN schools s ON s.id = p.school_id";

pub async fn search(
    db: &Db,
    q: &PersonQuery,
    vis: &Visibility,
    page: i64,
    per_page: i64,
) -> Result<Page<Person>, StoreError> {
    let w = where_clause(q, vis);
    let mut count = Sql::new(&format!("SELECT COUNT(*){FROM}"));
    count.append(&w);
    let total = db.count(&count).await?;
    let mut s = Sql::new(SELECT);
    s.append(&w);
    s.push(" ORDER BY p.full_name, p.id");
    s.push_bind(" LIMIT ?", per_page).push_bind(" OFFSET ?", (page - 1) * per_page);
    let mut items: Vec<Person> = db.fetch_all(&s).await?.iter().map(person).collect::<Result<_, _>>()?;
    fill_details(db, &mut items).await?;
    Ok(Page { items, total, page, per_page })
}

pub async fn export(db: &Db, q: &PersonQuery, vis: &Visibility, limit: i64) -> Result<Vec<Person>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.append(&where_clause(q, vis));
    s.push_bind(" ORDER BY p.full_name, p.id LIMIT ?", limit);
    let mut items: Vec<Person> = db.fetch_all(&s).await?.iter().map(person).collect::<Result<_, _>>()?;
    fill_details(db, &mut items).await?;
    Ok(items)
}

pub async fn get(db: &Db, id: PersonId) -> Result<Option<Person>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.push_bind(" WHERE p.id = ?", id.get());
    let Some(row) = db.fetch_optional(&s).await? else { return Ok(None) };
    let mut v = vec![person(&row)?];
    fill_details(db, &mut v).await?;
    Ok(v.pop())
}

/// People of a school (for its profile).
pub async fn of_school(db: &Db, school_id: i64) -> Result<Vec<Person>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.push_bind(" WHERE p.school_id = ? ORDER BY p.full_name", school_id);
    let mut v: Vec<Person> = db.fetch_all(&s).await?.iter().map(person).collect::<Result<_, _>>()?;
    fill_details(db, &mut v).await?;
    Ok(v)
}

fn id_list(ids: &[i64]) -> Sql {
    let mut s = Sql::new("(");
    for (i, id) in ids.iter().enumerate() {
        s.push(if i == 0 { "?" } else { ", ?" });
        s.arg(*id);
    }
    s.push(")");
    s
}

async fn fill_details(db: &Db, people: &mut [Person]) -> Result<(), StoreError> {
    if people.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    for chunk in ids.chunks(400) {
        let list = id_list(chunk);
        let mut s = Sql::new(GRANT_SELECT);
        s.push(" WHERE g.person_id IN ");
        s.append(&list);
        s.push(" ORDER BY g.id");
        for r in db.fetch_all(&s).await? {
            let pid = get_i64(&r, "person_id")?;
            if let (Some(p), Some(g)) = (people.iter_mut().find(|p| p.id == pid), grant_view(&r)?) {
                p.grants.push(g);
            }
        }
        let mut s = Sql::new(
            "SELECT person_id, pool, status, since, min_per_year, max_per_year, fee_pence FROM pool_memberships WHERE person_id IN ",
        );
        s.append(&list);
        s.push(" ORDER BY pool");
        for r in db.fetch_all(&s).await? {
            let pid = get_i64(&r, "person_id")?;
            if let Some(p) = people.iter_mut().find(|p| p.id == pid) {
                let pool = get_str(&r, "pool")?;
                p.pools.push(Pool {
                    label: pool_label(&pool).to_string(),
                    pool,
                    status: crate::util::get_state(&r, "status")?,
                    since: get_ostr(&r, "since")?,
                    min_per_year: get_oi64(&r, "min_per_year")?,
                    max_per_year: get_oi64(&r, "max_per_year")?,
                    fee_pence: get_oi64(&r, "fee_pence")?,
                });
            }
        }
        let mut s = Sql::new("SELECT person_id, specialism FROM person_specialisms WHERE person_id IN ");
        s.append(&list);
        s.push(" ORDER BY specialism");
        for r in db.fetch_all(&s).await? {
            let pid = get_i64(&r, "person_id")?;
            if let Some(p) = people.iter_mut().find(|p| p.id == pid) {
                p.specialisms.push(get_str(&r, "specialism")?);
            }
        }
        let mut s = Sql::new("SELECT person_id, region FROM person_regions WHERE person_id IN ");
        s.append(&list);
        s.push(" ORDER BY region");
        for r in db.fetch_all(&s).await? {
            let pid = get_i64(&r, "person_id")?;
            if let Some(p) = people.iter_mut().find(|p| p.id == pid) {
                p.regions.push(get_str(&r, "region")?);
            }
        }
    }
    Ok(())
}

const GRANT_SELECT: &str = "SELECT g.id, g.person_id, g.role, g.scope_kind, g.scope_id, \
    CASE g.scope_kind WHEN 'hub' THEN h.name WHEN 'school' THEN s.name WHEN 'trust' THEN t.name ELSE NULL END AS scope_name \
    FROM role_grants g \
    LEFT JOIN hubs h ON g.scope_kind = 'hub' AND h.id = g.scope_id \
    LEFT JOIN schools s ON g.scope_kind = 'school' AND s.id = g.scope_id \
    LEFT JOIN trusts t ON g.scope_kind = 'trust' AND t.id = g.scope_id";

fn grant_view(r: &AnyRow) -> Result<Option<GrantView>, StoreError> {
    let role: Option<Role> = get_str(r, "role")?.parse().ok();
    let kind = ScopeKind::parse(&get_str(r, "scope_kind")?);
    let scope_id = get_i64(r, "scope_id")?;
    let (Some(role), Some(kind)) = (role, kind) else { return Ok(None) };
    let Some(scope) = Scope::from_parts(kind, Some(scope_id)) else { return Ok(None) };
    Ok(Some(GrantView {
        id: get_i64(r, "id")?,
        grant: Grant { role, scope },
        scope_name: get_ostr(r, "scope_name")?.map(|n| display_name(&n)),
    }))
}

/// The roles a person holds (for the policy module).
pub async fn grants(db: &Db, person_id: i64) -> Result<Vec<Grant>, StoreError> {
    let rows = db
        .fetch_all(&Sql::new("SELECT id, person_id, role, scope_kind, scope_id, NULL AS scope_name FROM role_grants g WHERE person_id = ?").bind(person_id))
        .await?;
    let mut out = Vec::new();
    for r in &rows {
        if let Some(g) = grant_view(r)? {
            out.push(g.grant);
        }
    }
    Ok(out)
}

/// What the request context needs about a signed-in person.
#[derive(Debug, Clone)]
pub struct ActorRecord {
    pub full_name: String,
    pub email: String,
    pub grants: Vec<Grant>,
}

/// A person's name, e-mail address and roles, in one query (asked on every
/// request of a signed-in person).
pub async fn actor(db: &Db, person_id: i64) -> Result<Option<ActorRecord>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT p.full_name, p.email, g.id, g.role, g.scope_kind, g.scope_id, NULL AS scope_name \
                 FROM people p LEFT JOIN role_grants g ON g.person_id = p.id WHERE p.id = ?",
            )
            .bind(person_id),
        )
        .await?;
    let Some(first) = rows.first() else { return Ok(None) };
    let mut out =
        ActorRecord { full_name: get_str(first, "full_name")?, email: get_str(first, "email")?, grants: Vec::new() };
    for r in &rows {
        // A person without roles comes back as one row with no grant.
        if get_oi64(r, "id")?.is_none() {
            continue;
        }
        if let Some(g) = grant_view(r)? {
            out.grants.push(g.grant);
        }
    }
    Ok(Some(out))
}

/// What signing in needs to know about an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub person_id: i64,
    pub full_name: String,
    pub password_hash: Option<String>,
    pub status: PersonStatus,
}

pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, StoreError> {
    let row = db
        .fetch_optional(
            &Sql::new("SELECT id, full_name, password_hash, status FROM people WHERE email = ?").bind(email),
        )
        .await?;
    row.map(|r| {
        Ok(Credentials {
            person_id: get_i64(&r, "id")?,
            full_name: get_str(&r, "full_name")?,
            password_hash: get_ostr(&r, "password_hash")?,
            status: crate::util::get_state(&r, "status")?,
        })
    })
    .transpose()
}

/// A new person.
#[derive(Debug, Clone, Default, Serialize)]
pub struct NewPerson {
    pub email: String,
    pub full_name: String,
    pub job_title: Option<String>,
    pub school_id: Option<i64>,
    pub trust_id: Option<i64>,
    pub phone: Option<String>,
    /// Invited (must set a password through their link) or active.
    pub status: PersonStatus,
    #[serde(skip)]
    pub password_hash: Option<String>,
}

fn person_search_text(p: &NewPerson) -> String {
    search_text_of(&p.full_name, &p.email, p.job_title.as_deref())
}

/// A person's search text from its parts (also used to refresh stored ones).
pub(crate) fn search_text_of(name: &str, email: &str, job_title: Option<&str>) -> String {
    format!("{} | {} | {}", fold(name), fold(email), fold(job_title.unwrap_or("")))
}

pub async fn create(tx: &mut Tx, who: &Who, p: &NewPerson) -> Result<i64, StoreError> {
    let t = tx.now();
    let row = Sql::new(
        "INSERT INTO people (email, full_name, job_title, school_id, trust_id, phone, password_hash, status, search_text, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(&p.email)
    .bind(&p.full_name)
    .bind(&p.job_title)
    .bind(p.school_id)
    .bind(p.trust_id)
    .bind(&p.phone)
    .bind(&p.password_hash)
    .bind(p.status.as_str())
    .bind(person_search_text(p))
    .bind(t)
    .bind(t)
    .query()
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() { StoreError::Conflict(format!("Someone with the e-mail address {} is already in Upward", p.email)) } else { e }
    })?;
    let id = get_i64(&row, "id")?;
    audit::record(
        tx,
        who,
        Change::new("person.created", "person", id, format!("Added {} <{}>", p.full_name, p.email))
            .after(serde_json::to_value(p).unwrap_or_default()),
    )
    .await?;
    Ok(id)
}

/// Set a new password; an invited person becomes active. Every session of
/// the person ends and every API token they made is revoked (so a reset
/// locks out whoever had the old password, and whatever they made with it).
pub async fn set_password(tx: &mut Tx, who: &Who, person_id: i64, hash: &str) -> Result<(), StoreError> {
    Sql::new("UPDATE people SET password_hash = ?, status = CASE WHEN status = 'invited' THEN 'active' ELSE status END, updated_at = ? WHERE id = ?")
        .bind(hash)
        .bind(tx.now())
        .bind(person_id)
        .query()
        .execute(&mut **tx)
        .await?;
    audit::record(tx, who, Change::new("person.password_set", "person", person_id, "Password set")).await?;
    crate::auth::sign_out_everywhere(tx, who, person_id).await?;
    Ok(())
}

pub async fn touch_sign_in(tx: &mut Tx, person_id: i64) -> Result<(), StoreError> {
    Sql::new("UPDATE people SET last_sign_in_at = ? WHERE id = ?")
        .bind(tx.now())
        .bind(person_id)
        .query()
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Give a role.
pub async fn add_grant(tx: &mut Tx, who: &Who, person_id: i64, g: Grant) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO role_grants (person_id, role, scope_kind, scope_id, created_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (person_id, role, scope_kind, scope_id) DO UPDATE SET role = excluded.role RETURNING id",
    )
    .bind(person_id)
    .bind(g.role.as_str())
    .bind(g.scope.kind().as_str())
    .bind(g.scope.id().unwrap_or(0))
    .bind(tx.now())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    audit::record(
        tx,
        who,
        Change::new("person.role_granted", "person", person_id, format!("Role given: {}", g.role.label()))
            .after(serde_json::to_value(g).unwrap_or_default()),
    )
    .await?;
    Ok(id)
}

/// Take a role away.
pub async fn remove_grant(tx: &mut Tx, who: &Who, person_id: i64, grant_id: i64) -> Result<(), StoreError> {
    let row = Sql::new("SELECT id, person_id, role, scope_kind, scope_id, NULL AS scope_name FROM role_grants g WHERE id = ? AND person_id = ?")
        .bind(grant_id)
        .bind(person_id)
        .query()
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("role {grant_id} of person {person_id}")))?;
    let g = grant_view(&row)?;
    Sql::new("DELETE FROM role_grants WHERE id = ?").bind(grant_id).query().execute(&mut **tx).await?;
    let label = g.as_ref().map(|g| g.grant.role.label()).unwrap_or("unknown role");
    audit::record(
        tx,
        who,
        Change::new("person.role_removed", "person", person_id, format!("Role taken away: {label}"))
            .before(serde_json::to_value(g.map(|g| g.grant)).unwrap_or_default()),
    )
    .await
}

/// Put a person in a pool (or update their membership).
#[allow(clippy::too_many_arguments)] // one value per column of the record
pub async fn set_pool(
    tx: &mut Tx,
    who: &Who,
    person_id: i64,
    pool: &str,
    status: &str,
    since: Option<&str>,
    min_per_year: Option<i64>,
    max_per_year: Option<i64>,
) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO pool_memberships (person_id, pool, status, since, min_per_year, max_per_year, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (person_id, pool) DO UPDATE SET status = excluded.status, since = excluded.since, \
         min_per_year = excluded.min_per_year, max_per_year = excluded.max_per_year",
    )
    .bind(person_id)
    .bind(pool)
    .bind(status)
    .bind(since)
    .bind(min_per_year)
    .bind(max_per_year)
    .bind(tx.now())
    .query()
    .execute(&mut **tx)
    .await?;
    audit::record(
        tx,
        who,
        Change::new("person.pool_set", "person", person_id, format!("{}: {status}", pool_label(pool)))
            .after(serde_json::json!({"pool": pool, "status": status, "since": since, "min_per_year": min_per_year, "max_per_year": max_per_year})),
    )
    .await
}

pub async fn set_specialisms(tx: &mut Tx, who: &Who, person_id: i64, specialisms: &[String]) -> Result<(), StoreError> {
    Sql::new("DELETE FROM person_specialisms WHERE person_id = ?").bind(person_id).query().execute(&mut **tx).await?;
    for sp in specialisms {
        Sql::new("INSERT INTO person_specialisms (person_id, specialism) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(person_id)
            .bind(sp)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    audit::record(
        tx,
        who,
        Change::new("person.specialisms_set", "person", person_id, format!("Specialisms: {}", specialisms.join(", ")))
            .after(serde_json::json!(specialisms)),
    )
    .await
}

pub async fn set_regions(tx: &mut Tx, who: &Who, person_id: i64, regions: &[String]) -> Result<(), StoreError> {
    Sql::new("DELETE FROM person_regions WHERE person_id = ?").bind(person_id).query().execute(&mut **tx).await?;
    for r in regions {
        Sql::new("INSERT INTO person_regions (person_id, region) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(person_id)
            .bind(r)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    audit::record(
        tx,
        who,
        Change::new("person.regions_set", "person", person_id, format!("Will travel to: {}", regions.join(", ")))
            .after(serde_json::json!(regions)),
    )
    .await
}

/// Safeguarding record: confidential to the central team and the person.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Safeguarding {
    pub dbs_checked_on: Option<String>,
    pub dbs_certificate: Option<String>,
    pub trained_on: Option<String>,
}

pub async fn safeguarding(db: &Db, person_id: PersonId) -> Result<Option<Safeguarding>, StoreError> {
    let row = db
        .fetch_optional(
            &Sql::new("SELECT dbs_checked_on, dbs_certificate, trained_on FROM safeguarding WHERE person_id = ?")
                .bind(person_id.get()),
        )
        .await?;
    row.map(|r| {
        Ok(Safeguarding {
            dbs_checked_on: get_ostr(&r, "dbs_checked_on")?,
            dbs_certificate: get_ostr(&r, "dbs_certificate")?,
            trained_on: get_ostr(&r, "trained_on")?,
        })
    })
    .transpose()
}

pub async fn set_safeguarding(tx: &mut Tx, who: &Who, person_id: i64, s: &Safeguarding) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO safeguarding (person_id, dbs_checked_on, dbs_certificate, trained_on, updated_at) VALUES (?, ?, ?, ?, ?) \
         ON CONFLICT (person_id) DO UPDATE SET dbs_checked_on = excluded.dbs_checked_on, dbs_certificate = excluded.dbs_certificate, \
         trained_on = excluded.trained_on, updated_at = excluded.updated_at",
    )
    .bind(person_id)
    .bind(&s.dbs_checked_on)
    .bind(&s.dbs_certificate)
    .bind(&s.trained_on)
    .bind(tx.now())
    .query()
    .execute(&mut **tx)
    .await?;
    // The certificate number itself stays out of the audit trail.
    audit::record(
        tx,
        who,
        Change::new("person.safeguarding_set", "person", person_id, "Safeguarding record updated").after(
            serde_json::json!({"dbs_checked_on": s.dbs_checked_on, "certificate_recorded": s.dbs_certificate.is_some(), "trained_on": s.trained_on}),
        ),
    )
    .await
}

/// Has the person made a private calendar feed address? (Only its hash is
/// kept: the address itself is shown once, when made.)
pub async fn has_calendar_feed(db: &Db, person_id: i64) -> Result<bool, StoreError> {
    let row = db.fetch_one(&Sql::new("SELECT calendar_token_hash FROM people WHERE id = ?").bind(person_id)).await?;
    Ok(get_ostr(&row, "calendar_token_hash")?.is_some())
}

/// A new private calendar feed address (its hash); the old one stops working.
pub async fn set_calendar_token(tx: &mut Tx, who: &Who, person_id: i64, token_hash: &str) -> Result<(), StoreError> {
    Sql::new("UPDATE people SET calendar_token_hash = ?, calendar_token = NULL, updated_at = ? WHERE id = ?")
        .bind(token_hash)
        .bind(tx.now())
        .bind(person_id)
        .query()
        .execute(&mut **tx)
        .await?;
    audit::record(
        tx,
        who,
        Change::new("person.calendar_feed_reset", "person", person_id, "New private calendar feed address"),
    )
    .await
}

/// The person whose calendar feed address has this hash.
pub async fn by_calendar_token(db: &Db, token_hash: &str) -> Result<Option<i64>, StoreError> {
    let row = db
        .fetch_optional(
            &Sql::new("SELECT id FROM people WHERE calendar_token_hash = ? AND status <> 'disabled'").bind(token_hash),
        )
        .await?;
    row.map(|r| get_i64(&r, "id")).transpose()
}

/// Topic → e-mail on? (missing topics default to on).
pub async fn notification_settings(db: &Db, person_id: i64) -> Result<Vec<(String, bool)>, StoreError> {
    let rows = db
        .fetch_all(&Sql::new("SELECT topic, email FROM notification_settings WHERE person_id = ?").bind(person_id))
        .await?;
    let mut set = Vec::new();
    for r in &rows {
        set.push((get_str(r, "topic")?, get_i64(r, "email")? != 0));
    }
    Ok(TOPICS
        .iter()
        .map(|(t, _)| (t.to_string(), set.iter().find(|(x, _)| x == t).map(|x| x.1).unwrap_or(true)))
        .collect())
}

pub async fn set_notification_settings(
    tx: &mut Tx,
    who: &Who,
    person_id: i64,
    on: &[(String, bool)],
) -> Result<(), StoreError> {
    for (topic, email) in on {
        Sql::new(
            "INSERT INTO notification_settings (person_id, topic, email) VALUES (?, ?, ?) \
             ON CONFLICT (person_id, topic) DO UPDATE SET email = excluded.email",
        )
        .bind(person_id)
        .bind(topic)
        .bind(*email)
        .query()
        .execute(&mut **tx)
        .await?;
    }
    audit::record(
        tx,
        who,
        Change::new("person.notifications_set", "person", person_id, "Notification settings changed").after(
            serde_json::json!(on.iter().map(|(t, e)| (t.clone(), *e)).collect::<std::collections::BTreeMap<_, _>>()),
        ),
    )
    .await
}

/// Does this person want e-mail on this topic?
pub async fn wants_email(db: &Db, person_id: i64, topic: &str) -> Result<bool, StoreError> {
    let row = db
        .fetch_optional(
            &Sql::new("SELECT email FROM notification_settings WHERE person_id = ? AND topic = ?")
                .bind(person_id)
                .bind(topic),
        )
        .await?;
    Ok(row.map(|r| get_i64(&r, "email").map(|e| e != 0)).transpose()?.unwrap_or(true))
}

/// Number of people (for the home page and the first-admin check).
pub async fn count(db: &Db) -> Result<i64, StoreError> {
    db.count(&Sql::new("SELECT COUNT(*) FROM people")).await
}

pub async fn id_by_email(db: &Db, email: &str) -> Result<Option<i64>, StoreError> {
    let row = db.fetch_optional(&Sql::new("SELECT id FROM people WHERE email = ?").bind(email)).await?;
    row.map(|r| get_i64(&r, "id")).transpose()
}

/// Specialisms in use, for filters.
pub async fn specialisms_in_use(db: &Db) -> Result<Vec<String>, StoreError> {
    let rows =
        db.fetch_all(&Sql::new("SELECT DISTINCT specialism FROM person_specialisms ORDER BY specialism")).await?;
    rows.iter().map(|r| get_str(r, "specialism")).collect()
}

// ---------------------------------------------------------------------------
// What matching uses, as the central team edits it. Every change first moves
// the person's version on (refusing a stale edit), then changes, then writes
// its audit record, all in the caller's transaction.

/// Move the person's version on from `expected`. Someone else saved since
/// the page was opened: a conflict, and the caller's transaction is dropped.
pub async fn bump_version(tx: &mut Tx, person_id: PersonId, expected: i64) -> Result<i64, StoreError> {
    let r = Sql::new("UPDATE people SET version = version + 1, updated_at = ? WHERE id = ? AND version = ?")
        .bind(tx.now())
        .bind(person_id.get())
        .bind(expected)
        .query()
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() == 1 {
        return Ok(expected + 1);
    }
    let exists = Sql::new("SELECT id FROM people WHERE id = ?")
        .bind(person_id.get())
        .query()
        .fetch_optional(&mut **tx)
        .await?
        .is_some();
    if exists {
        Err(StoreError::Conflict(upward_domain::people::STALE.into()))
    } else {
        Err(StoreError::NotFound("person".into()))
    }
}

fn iso(d: Option<chrono::NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

/// Join a pool, or change a membership (status, since, loads, fee).
pub async fn save_pool(tx: &mut Tx, who: &Who, person_id: PersonId, m: &PoolMembership) -> Result<(), StoreError> {
    let before = Sql::new(
        "SELECT status, since, min_per_year, max_per_year, fee_pence FROM pool_memberships WHERE person_id = ? AND pool = ?",
    )
    .bind(person_id.get())
    .bind(&m.pool)
    .query()
    .fetch_optional(&mut **tx)
    .await?;
    let before = match before {
        Some(r) => serde_json::json!({
            "status": get_str(&r, "status")?, "since": get_ostr(&r, "since")?,
            "min_per_year": get_oi64(&r, "min_per_year")?, "max_per_year": get_oi64(&r, "max_per_year")?,
            "fee_pence": get_oi64(&r, "fee_pence")?,
        }),
        None => serde_json::Value::Null,
    };
    let since = iso(m.since);
    Sql::new(
        "INSERT INTO pool_memberships (person_id, pool, status, since, min_per_year, max_per_year, fee_pence, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (person_id, pool) DO UPDATE SET status = excluded.status, \
         since = excluded.since, min_per_year = excluded.min_per_year, max_per_year = excluded.max_per_year, \
         fee_pence = excluded.fee_pence",
    )
    .bind(person_id.get())
    .bind(&m.pool)
    .bind(&m.status)
    .bind(&since)
    .bind(m.min_per_year.map(i64::from))
    .bind(m.max_per_year.map(i64::from))
    .bind(m.fee_pence)
    .bind(tx.now())
    .query()
    .execute(&mut **tx)
    .await?;
    let joined = before.is_null();
    audit::record(
        tx,
        who,
        Change::new(
            if joined { "person.pool_joined" } else { "person.pool_set" },
            "person",
            person_id.get(),
            format!(
                "{}: {}",
                pool_label(&m.pool),
                if joined { format!("joined ({})", m.status) } else { m.status.clone() }
            ),
        )
        .before(before)
        .after(serde_json::json!({"pool": m.pool, "status": m.status, "since": since, "min_per_year": m.min_per_year,
            "max_per_year": m.max_per_year, "fee_pence": m.fee_pence})),
    )
    .await
}

/// The specialisms, replaced whole (with the list before on the audit record).
pub async fn save_specialisms(tx: &mut Tx, who: &Who, person_id: PersonId, list: &[String]) -> Result<(), StoreError> {
    let before: Vec<String> =
        Sql::new("SELECT specialism FROM person_specialisms WHERE person_id = ? ORDER BY specialism")
            .bind(person_id.get())
            .query()
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| get_str(r, "specialism"))
            .collect::<Result<_, _>>()?;
    Sql::new("DELETE FROM person_specialisms WHERE person_id = ?")
        .bind(person_id.get())
        .query()
        .execute(&mut **tx)
        .await?;
    for sp in list {
        Sql::new("INSERT INTO person_specialisms (person_id, specialism) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(person_id.get())
            .bind(sp)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    let summary =
        if list.is_empty() { "Specialisms: none".to_string() } else { format!("Specialisms: {}", list.join(", ")) };
    audit::record(
        tx,
        who,
        Change::new("person.specialisms_set", "person", person_id.get(), summary)
            .before(serde_json::json!(before))
            .after(serde_json::json!(list)),
    )
    .await
}

/// The safeguarding record, replaced whole. The certificate number stays
/// out of the audit trail (only whether one is recorded).
pub async fn save_safeguarding(
    tx: &mut Tx,
    who: &Who,
    person_id: PersonId,
    r: &SafeguardingRecord,
) -> Result<(), StoreError> {
    let s = Safeguarding {
        dbs_checked_on: iso(r.dbs_checked_on),
        dbs_certificate: r.dbs_certificate.clone(),
        trained_on: iso(r.trained_on),
    };
    set_safeguarding(tx, who, person_id.get(), &s).await
}

/// A school a person declared a conflict of interest with.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeclaredConflict {
    pub school_id: i64,
    pub urn: i64,
    pub school_name: String,
    pub reason: Option<String>,
}

pub async fn conflicts(db: &Db, person_id: PersonId) -> Result<Vec<DeclaredConflict>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT c.school_id, s.urn, s.name, c.reason FROM person_conflicts c JOIN schools s ON s.id = c.school_id \
                 WHERE c.person_id = ? ORDER BY s.name",
            )
            .bind(person_id.get()),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(DeclaredConflict {
                school_id: get_i64(r, "school_id")?,
                urn: get_i64(r, "urn")?,
                school_name: display_name(&get_str(r, "name")?),
                reason: get_ostr(r, "reason")?,
            })
        })
        .collect()
}

/// Declare a conflict with a school (or change its reason).
pub async fn declare_conflict(
    tx: &mut Tx,
    who: &Who,
    person_id: PersonId,
    school_id: SchoolId,
    school_label: &str,
    reason: &str,
) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO person_conflicts (person_id, school_id, reason) VALUES (?, ?, ?) \
         ON CONFLICT (person_id, school_id) DO UPDATE SET reason = excluded.reason",
    )
    .bind(person_id.get())
    .bind(school_id.get())
    .bind(reason)
    .query()
    .execute(&mut **tx)
    .await?;
    audit::record(
        tx,
        who,
        Change::new(
            "person.conflict_declared",
            "person",
            person_id.get(),
            format!("Conflict of interest with {school_label}: {reason}"),
        )
        .after(serde_json::json!({"school_id": school_id, "reason": reason})),
    )
    .await
}

/// Withdraw a declared conflict. Not found when there was none.
pub async fn withdraw_conflict(
    tx: &mut Tx,
    who: &Who,
    person_id: PersonId,
    school_id: SchoolId,
) -> Result<(), StoreError> {
    let r = Sql::new("DELETE FROM person_conflicts WHERE person_id = ? AND school_id = ?")
        .bind(person_id.get())
        .bind(school_id.get())
        .query()
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound("declared conflict".into()));
    }
    audit::record(
        tx,
        who,
        Change::new(
            "person.conflict_withdrawn",
            "person",
            person_id.get(),
            format!("Conflict of interest with school {school_id} withdrawn"),
        )
        .before(serde_json::json!({"school_id": school_id})),
    )
    .await
}

/// Dates the person cannot do (ISO), in order.
pub async fn unavailable(db: &Db, person_id: PersonId) -> Result<Vec<String>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new("SELECT on_date FROM person_unavailable WHERE person_id = ? ORDER BY on_date")
                .bind(person_id.get()),
        )
        .await?;
    rows.iter().map(|r| get_str(r, "on_date")).collect()
}

/// Mark dates the person cannot do.
pub async fn mark_unavailable(
    tx: &mut Tx,
    who: &Who,
    person_id: PersonId,
    dates: &[chrono::NaiveDate],
) -> Result<(), StoreError> {
    let iso: Vec<String> = dates.iter().map(|d| d.format("%Y-%m-%d").to_string()).collect();
    for d in &iso {
        Sql::new("INSERT INTO person_unavailable (person_id, on_date) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(person_id.get())
            .bind(d)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    let summary = match iso.as_slice() {
        [one] => format!("Cannot do {one}"),
        [first, .., last] => format!("Cannot do {first} to {last} ({} days)", iso.len()),
        [] => "No dates".into(),
    };
    audit::record(
        tx,
        who,
        Change::new("person.unavailable_set", "person", person_id.get(), summary).after(serde_json::json!(iso)),
    )
    .await
}

/// They can do this date after all. Not found when it was not marked.
pub async fn clear_unavailable(
    tx: &mut Tx,
    who: &Who,
    person_id: PersonId,
    date: chrono::NaiveDate,
) -> Result<(), StoreError> {
    let d = date.format("%Y-%m-%d").to_string();
    let r = Sql::new("DELETE FROM person_unavailable WHERE person_id = ? AND on_date = ?")
        .bind(person_id.get())
        .bind(&d)
        .query()
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::NotFound("date they cannot do".into()));
    }
    audit::record(
        tx,
        who,
        Change::new("person.unavailable_cleared", "person", person_id.get(), format!("Can do {d} after all"))
            .before(serde_json::json!(d)),
    )
    .await
}

/// How many active members of the reviewer, Lead Reviewer and facilitator
/// pools have no enhanced DBS check on or after `valid_from` (ISO date).
pub async fn pool_members_without_dbs(db: &Db, valid_from: &str) -> Result<i64, StoreError> {
    db.count(
        &Sql::new(
            "SELECT COUNT(*) FROM people p WHERE p.status = 'active' AND EXISTS (SELECT 1 FROM pool_memberships m \
             WHERE m.person_id = p.id AND m.status = 'active') AND NOT EXISTS (SELECT 1 FROM safeguarding g \
             WHERE g.person_id = p.id AND g.dbs_checked_on >= ?)",
        )
        .bind(valid_from),
    )
    .await
}
