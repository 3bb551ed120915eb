//! Hubs (local partnerships) and trusts.

use crate::audit::{self, Change, Who};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_i64, get_ostr, get_str};
use serde::Serialize;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Serialize)]
pub struct Hub {
    pub id: i64,
    pub name: String,
    pub region: Option<String>,
    pub description: Option<String>,
    pub schools: i64,
    pub pupils: i64,
    /// Names of the people holding the Senior Partner role here.
    pub senior_partners: Vec<Leader>,
    pub hub_managers: Vec<Leader>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leader {
    pub person_id: i64,
    pub name: String,
    pub email: String,
}

fn hub_row(r: &AnyRow) -> Result<Hub, StoreError> {
    Ok(Hub {
        id: get_i64(r, "id")?,
        name: get_str(r, "name")?,
        region: get_ostr(r, "region")?,
        description: get_ostr(r, "description")?,
        schools: get_i64(r, "schools")?,
        pupils: get_i64(r, "pupils")?,
        senior_partners: vec![],
        hub_managers: vec![],
    })
}

const HUB_SELECT: &str = "SELECT h.id, h.name, h.region, h.description, \
    (SELECT COUNT(*) FROM schools s WHERE s.hub_id = h.id AND s.membership = 'member') AS schools, \
    (SELECT CAST(COALESCE(SUM(s.pupils), 0) AS BIGINT) FROM schools s WHERE s.hub_id = h.id AND s.membership = 'member') AS pupils \
    FROM hubs h";

async fn leaders(db: &Db) -> Result<Vec<(i64, String, Leader)>, StoreError> {
    let rows = db
        .fetch_all(&Sql::new(
            "SELECT g.scope_id, g.role, p.id, p.full_name, p.email FROM role_grants g JOIN people p ON p.id = g.person_id \
             WHERE g.scope_kind = 'hub' AND g.role IN ('senior_partner', 'hub_manager') ORDER BY p.full_name",
        ))
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                get_i64(r, "scope_id")?,
                get_str(r, "role")?,
                Leader { person_id: get_i64(r, "id")?, name: get_str(r, "full_name")?, email: get_str(r, "email")? },
            ))
        })
        .collect()
}

fn attach(hubs: &mut [Hub], leaders: Vec<(i64, String, Leader)>) {
    for (hub_id, role, l) in leaders {
        if let Some(h) = hubs.iter_mut().find(|h| h.id == hub_id) {
            if role == "senior_partner" {
                h.senior_partners.push(l);
            } else {
                h.hub_managers.push(l);
            }
        }
    }
}

pub async fn list(db: &Db) -> Result<Vec<Hub>, StoreError> {
    let mut hubs: Vec<Hub> = db
        .fetch_all(&Sql::new(&format!("{HUB_SELECT} ORDER BY h.name")))
        .await?
        .iter()
        .map(hub_row)
        .collect::<Result<_, _>>()?;
    attach(&mut hubs, leaders(db).await?);
    Ok(hubs)
}

/// Hub ids and names only (for filters), by name.
pub async fn names(db: &Db) -> Result<Vec<(i64, String)>, StoreError> {
    let rows = db.fetch_all(&Sql::new("SELECT id, name FROM hubs ORDER BY name")).await?;
    rows.iter().map(|r| Ok((get_i64(r, "id")?, get_str(r, "name")?))).collect()
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Hub>, StoreError> {
    let mut s = Sql::new(HUB_SELECT);
    s.push_bind(" WHERE h.id = ?", id);
    let Some(row) = db.fetch_optional(&s).await? else { return Ok(None) };
    let mut hubs = vec![hub_row(&row)?];
    attach(&mut hubs, leaders(db).await?);
    Ok(hubs.pop())
}

pub async fn create(
    tx: &mut Tx,
    who: &Who,
    name: &str,
    region: Option<&str>,
    description: Option<&str>,
) -> Result<i64, StoreError> {
    let t = tx.now();
    let row = Sql::new(
        "INSERT INTO hubs (name, region, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(name)
    .bind(region)
    .bind(description)
    .bind(t)
    .bind(t)
    .query()
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        let e = StoreError::from(e);
        if e.is_unique_violation() { StoreError::Conflict(format!("There is already a Hub called {name}")) } else { e }
    })?;
    let id = get_i64(&row, "id")?;
    audit::record(
        tx,
        who,
        Change::new("hub.created", "hub", id, format!("Created Hub {name}"))
            .after(serde_json::json!({"name": name, "region": region, "description": description})),
    )
    .await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize)]
pub struct Trust {
    pub id: i64,
    pub code: Option<String>,
    pub name: String,
    pub schools: i64,
    pub member_schools: i64,
    pub pupils: i64,
}

fn trust_row(r: &AnyRow) -> Result<Trust, StoreError> {
    Ok(Trust {
        id: get_i64(r, "id")?,
        code: get_ostr(r, "code")?,
        // GIAS keeps many trust names in capitals: shown in title case.
        name: upward_domain::text::display_name(&get_str(r, "name")?),
        schools: get_i64(r, "schools")?,
        member_schools: get_i64(r, "member_schools")?,
        pupils: get_i64(r, "pupils")?,
    })
}

const TRUST_SELECT: &str = "SELECT t.id, t.code, t.name, COUNT(s.id) AS schools, \
    CAST(COALESCE(SUM(CASE WHEN s.membership = 'member' THEN 1 ELSE 0 END), 0) AS BIGINT) AS member_schools, \
    CAST(COALESCE(SUM(s.pupils), 0) AS BIGINT) AS pupils \
    FROM trusts t LEFT JOIN schools s ON s.trust_id = t.id";

/// Trusts, those with member schools first unless `all`.
pub async fn trusts(db: &Db, q: Option<&str>, members_only: bool) -> Result<Vec<Trust>, StoreError> {
    let mut s = Sql::new(TRUST_SELECT);
    s.push(" WHERE 1=1");
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        s.push_bind(
            " AND LOWER(t.name) LIKE ? ESCAPE '\\'",
            format!("%{}%", crate::util::like_escape(&q.to_lowercase())),
        );
    }
    s.push(" GROUP BY t.id, t.code, t.name");
    if members_only {
        s.push(" HAVING SUM(CASE WHEN s.membership = 'member' THEN 1 ELSE 0 END) > 0");
    }
    s.push(" ORDER BY t.name LIMIT 2000");
    db.fetch_all(&s).await?.iter().map(trust_row).collect()
}

pub async fn trust(db: &Db, id: upward_domain::ids::TrustId) -> Result<Option<Trust>, StoreError> {
    let mut s = Sql::new(TRUST_SELECT);
    s.push_bind(" WHERE t.id = ? GROUP BY t.id, t.code, t.name", id.get());
    db.fetch_optional(&s).await?.as_ref().map(trust_row).transpose()
}

/// Executives of a trust (people holding the trust executive role).
pub async fn trust_executives(db: &Db, trust_id: i64) -> Result<Vec<Leader>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT p.id, p.full_name, p.email FROM role_grants g JOIN people p ON p.id = g.person_id \
                 WHERE g.scope_kind = 'trust' AND g.scope_id = ? AND g.role = 'trust_executive' ORDER BY p.full_name",
            )
            .bind(trust_id),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Leader { person_id: get_i64(r, "id")?, name: get_str(r, "full_name")?, email: get_str(r, "email")? })
        })
        .collect()
}
