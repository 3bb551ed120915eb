//! Schools: the directory's search, profiles, and GIAS records.

use crate::audit::{self, Change, Who};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{Page, fold, get_bool, get_i64, get_of64, get_oi64, get_ostr, get_str, like_escape, search_words};
use serde::Serialize;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use upward_domain::policy::SchoolRef;
use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, SchoolData, SchoolStatus, TypeGroup};
use upward_domain::text::display_name;

/// A school as the directory shows it.
#[derive(Debug, Clone, Serialize)]
pub struct School {
    pub id: i64,
    pub urn: i64,
    pub name: String,
    pub la_name: Option<String>,
    pub type_name: Option<String>,
    pub type_group: TypeGroup,
    pub status: SchoolStatus,
    pub phase: Phase,
    pub low_age: Option<i64>,
    pub high_age: Option<i64>,
    pub gender: Gender,
    pub admissions: Admissions,
    pub religious_character: Option<String>,
    pub street: Option<String>,
    pub locality: Option<String>,
    pub town: Option<String>,
    pub county: Option<String>,
    pub postcode: Option<String>,
    pub region: Option<String>,
    pub website: Option<String>,
    pub telephone: Option<String>,
    pub pupils: Option<i64>,
    pub capacity: Option<i64>,
    pub fsm_pct: Option<f64>,
    pub trust_id: Option<i64>,
    pub trust_name: Option<String>,
    pub hub_id: Option<i64>,
    pub hub_name: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub ofsted_grade: Option<OfstedGrade>,
    pub ofsted_date: Option<String>,
    pub open_date: Option<String>,
    pub close_date: Option<String>,
    pub sixth_form: bool,
    /// 'member', 'former' or 'none'.
    pub membership: String,
    pub member_since: Option<String>,
    pub member_until: Option<String>,
    pub teaching_school: bool,
    pub updated_at: i64,
}

impl School {
    pub fn reference(&self) -> SchoolRef {
        SchoolRef { id: self.id, hub_id: self.hub_id, trust_id: self.trust_id }
    }
    pub fn is_member(&self) -> bool {
        self.membership == "member"
    }
    /// "Street, Locality, Town, Postcode" without blanks.
    pub fn address(&self) -> String {
        [&self.street, &self.locality, &self.town, &self.postcode]
            .iter()
            .filter_map(|s| s.as_deref())
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join(", ")
    }
    pub fn age_range(&self) -> Option<String> {
        match (self.low_age, self.high_age) {
            (Some(l), Some(h)) => Some(format!("{l}–{h}")),
            _ => None,
        }
    }
}

const SELECT: &str = "SELECT s.*, t.name AS trust_name, h.name AS hub_name FROM schools s \
    LEFT JOIN trusts t ON t.id = s.trust_id LEFT JOIN hubs h ON h.id = s.hub_id";

/// A school as people read it: names GIAS keeps in capitals (many trusts,
/// a few schools) in title case.
fn school(r: &AnyRow) -> Result<School, StoreError> {
    Ok(School {
        id: get_i64(r, "id")?,
        urn: get_i64(r, "urn")?,
        name: display_name(&get_str(r, "name")?),
        la_name: get_ostr(r, "la_name")?,
        type_name: get_ostr(r, "type_name")?,
        type_group: TypeGroup::from_code(&get_str(r, "type_group")?).unwrap_or(TypeGroup::Other),
        status: SchoolStatus::from_code(&get_str(r, "status")?).unwrap_or(SchoolStatus::Open),
        phase: Phase::from_code(&get_str(r, "phase")?).unwrap_or(Phase::Other),
        low_age: get_oi64(r, "low_age")?,
        high_age: get_oi64(r, "high_age")?,
        gender: Gender::from_code(&get_str(r, "gender")?).unwrap_or(Gender::NotApplicable),
        admissions: Admissions::from_code(&get_str(r, "admissions")?).unwrap_or(Admissions::NotApplicable),
        religious_character: get_ostr(r, "religious_character")?,
        street: get_ostr(r, "street")?,
        locality: get_ostr(r, "locality")?,
        town: get_ostr(r, "town")?,
        county: get_ostr(r, "county")?,
        postcode: get_ostr(r, "postcode")?,
        region: get_ostr(r, "region")?,
        website: get_ostr(r, "website")?,
        telephone: get_ostr(r, "telephone")?,
        pupils: get_oi64(r, "pupils")?,
        capacity: get_oi64(r, "capacity")?,
        fsm_pct: get_of64(r, "fsm_pct")?,
        trust_id: get_oi64(r, "trust_id")?,
        trust_name: get_ostr(r, "trust_name")?.map(|t| display_name(&t)),
        hub_id: get_oi64(r, "hub_id")?,
        hub_name: get_ostr(r, "hub_name")?,
        latitude: get_of64(r, "latitude")?,
        longitude: get_of64(r, "longitude")?,
        ofsted_grade: get_ostr(r, "ofsted_grade")?.and_then(|g| OfstedGrade::from_code(&g)),
        ofsted_date: get_ostr(r, "ofsted_date")?,
        open_date: get_ostr(r, "open_date")?,
        close_date: get_ostr(r, "close_date")?,
        sixth_form: get_bool(r, "sixth_form")?,
        membership: get_str(r, "membership")?,
        member_since: get_ostr(r, "member_since")?,
        member_until: get_ostr(r, "member_until")?,
        teaching_school: get_bool(r, "teaching_school")?,
        updated_at: get_i64(r, "updated_at")?,
    })
}

/// Which schools to show by status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum StatusFilter {
    /// Open, including those proposed to close.
    #[default]
    Open,
    Closed,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub enum SchoolSort {
    #[default]
    Name,
    Urn,
    Town,
    Phase,
    Pupils,
    Fsm,
    Ofsted,
    Hub,
}

impl SchoolSort {
    pub const ALL: [(SchoolSort, &'static str, &'static str); 8] = [
        (SchoolSort::Name, "name", "Name"),
        (SchoolSort::Urn, "urn", "URN"),
        (SchoolSort::Town, "town", "Town"),
        (SchoolSort::Phase, "phase", "Phase"),
        (SchoolSort::Pupils, "pupils", "Pupils"),
        (SchoolSort::Fsm, "fsm", "Free school meals"),
        (SchoolSort::Ofsted, "ofsted", "Ofsted grade"),
        (SchoolSort::Hub, "hub", "Hub"),
    ];
    pub fn code(self) -> &'static str {
        Self::ALL.iter().find(|x| x.0 == self).map(|x| x.1).unwrap_or("name")
    }
    pub fn from_code(s: &str) -> Option<SchoolSort> {
        Self::ALL.iter().find(|x| x.1 == s).map(|x| x.0)
    }
    fn column(self) -> &'static str {
        match self {
            SchoolSort::Name => "s.name",
            SchoolSort::Urn => "s.urn",
            SchoolSort::Town => "s.town",
            SchoolSort::Phase => "s.phase",
            SchoolSort::Pupils => "s.pupils",
            SchoolSort::Fsm => "s.fsm_pct",
            SchoolSort::Ofsted => "s.ofsted_grade",
            SchoolSort::Hub => "h.name",
        }
    }
}

/// A search of the directory. Every field is optional.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SchoolQuery {
    /// Words matched against name, URN, town, postcode, local authority and trust.
    pub q: Option<String>,
    pub phase: Option<Phase>,
    pub type_group: Option<TypeGroup>,
    pub hub_id: Option<i64>,
    pub trust_id: Option<i64>,
    pub gender: Option<Gender>,
    pub admissions: Option<Admissions>,
    pub ofsted: Option<OfstedGrade>,
    pub region: Option<String>,
    pub status: StatusFilter,
    /// Only member schools of the partnership (the default in the directory).
    pub members_only: bool,
    pub sort: SchoolSort,
    pub desc: bool,
}

fn where_clause(q: &SchoolQuery) -> Sql {
    let mut s = Sql::new(" WHERE 1=1");
    if let Some(text) = q.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        for word in search_words(text, 8) {
            let pat = format!("%{}%", like_escape(&word));
            s.push_bind(" AND s.search_text LIKE ? ESCAPE '\\'", pat);
        }
    }
    if let Some(p) = q.phase {
        s.push_bind(" AND s.phase = ?", p.code());
    }
    if let Some(t) = q.type_group {
        s.push_bind(" AND s.type_group = ?", t.code());
    }
    if let Some(h) = q.hub_id {
        s.push_bind(" AND s.hub_id = ?", h);
    }
    if let Some(t) = q.trust_id {
        s.push_bind(" AND s.trust_id = ?", t);
    }
    if let Some(g) = q.gender {
        s.push_bind(" AND s.gender = ?", g.code());
    }
    if let Some(a) = q.admissions {
        s.push_bind(" AND s.admissions = ?", a.code());
    }
    if let Some(o) = q.ofsted {
        s.push_bind(" AND s.ofsted_grade = ?", o.code());
    }
    if let Some(r) = q.region.as_deref().filter(|r| !r.is_empty()) {
        s.push_bind(" AND s.region = ?", r);
    }
    match q.status {
        StatusFilter::Open => {
            s.push(" AND s.status IN ('open', 'proposed_to_close')");
        }
        StatusFilter::Closed => {
            s.push(" AND s.status = 'closed'");
        }
        StatusFilter::Any => {}
    }
    if q.members_only {
        s.push(" AND s.membership = 'member'");
    }
    s
}

fn order(q: &SchoolQuery) -> String {
    let dir = if q.desc { "DESC" } else { "ASC" };
    // NULLs last either way, then a stable tie-break. Name, URN and phase
    // are never NULL: without the NULL test (and without sorting by name
    // twice), the name order can come from an index, (membership, name) or
    // (name), instead of sorting every matching school for each page.
    let col = q.sort.column();
    match q.sort {
        SchoolSort::Name => format!(" ORDER BY s.name {dir}, s.id ASC"),
        SchoolSort::Urn | SchoolSort::Phase => format!(" ORDER BY {col} {dir}, s.name ASC, s.id ASC"),
        _ => format!(" ORDER BY CASE WHEN {col} IS NULL THEN 1 ELSE 0 END, {col} {dir}, s.name ASC, s.id ASC"),
    }
}

pub async fn search(db: &Db, q: &SchoolQuery, page: i64, per_page: i64) -> Result<Page<School>, StoreError> {
    let w = where_clause(q);
    let needs_hub = q.sort == SchoolSort::Hub;
    let mut count = Sql::new(if needs_hub {
        "SELECT COUNT(*) FROM schools s LEFT JOIN hubs h ON h.id = s.hub_id"
    } else {
        "SELECT COUNT(*) FROM schools s"
    });
    count.append(&w);
    let total = db.count(&count).await?;
    let mut s = Sql::new(SELECT);
    s.append(&w);
    s.push(&order(q));
    s.push_bind(" LIMIT ?", per_page).push_bind(" OFFSET ?", (page - 1) * per_page);
    let items = db.fetch_all(&s).await?.iter().map(school).collect::<Result<_, _>>()?;
    Ok(Page { items, total, page, per_page })
}

/// Every school matching the query (for export), up to `limit`.
pub async fn export(db: &Db, q: &SchoolQuery, limit: i64) -> Result<Vec<School>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.append(&where_clause(q));
    s.push(&order(q));
    s.push_bind(" LIMIT ?", limit);
    db.fetch_all(&s).await?.iter().map(school).collect()
}

pub async fn by_urn(db: &Db, urn: i64) -> Result<Option<School>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.push_bind(" WHERE s.urn = ?", urn);
    db.fetch_optional(&s).await?.as_ref().map(school).transpose()
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<School>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.push_bind(" WHERE s.id = ?", id);
    db.fetch_optional(&s).await?.as_ref().map(school).transpose()
}

/// Schools of a Hub, by name.
pub async fn of_hub(db: &Db, hub_id: upward_domain::ids::HubId) -> Result<Vec<School>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.push_bind(" WHERE s.hub_id = ? ORDER BY s.name", hub_id.get());
    db.fetch_all(&s).await?.iter().map(school).collect()
}

/// Schools of a trust, by name.
pub async fn of_trust(db: &Db, trust_id: upward_domain::ids::TrustId) -> Result<Vec<School>, StoreError> {
    let mut s = Sql::new(SELECT);
    s.push_bind(" WHERE s.trust_id = ? ORDER BY s.name", trust_id.get());
    db.fetch_all(&s).await?.iter().map(school).collect()
}

/// Short list for pickers: id, URN, name (member schools first).
pub async fn choices(db: &Db, q: &str, limit: i64) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let mut s = Sql::new("SELECT id, urn, name FROM schools s WHERE 1=1");
    for word in search_words(q, 8) {
        s.push_bind(" AND s.search_text LIKE ? ESCAPE '\\'", format!("%{}%", like_escape(&word)));
    }
    s.push_bind(" ORDER BY CASE WHEN membership = 'member' THEN 0 ELSE 1 END, name LIMIT ?", limit);
    db.fetch_all(&s).await?.iter().map(|r| Ok((get_i64(r, "id")?, get_i64(r, "urn")?, get_str(r, "name")?))).collect()
}

/// Counts for the home page.
#[derive(Debug, Clone, Serialize, Default)]
pub struct DirectoryCounts {
    pub member_schools: i64,
    pub establishments: i64,
    pub hubs: i64,
    pub trusts_with_members: i64,
    pub member_pupils: i64,
}

pub async fn counts(db: &Db) -> Result<DirectoryCounts, StoreError> {
    let r = db
        .fetch_one(&Sql::new(
            "SELECT \
               (SELECT COUNT(*) FROM schools WHERE membership = 'member') AS member_schools, \
               (SELECT COUNT(*) FROM schools) AS establishments, \
               (SELECT COUNT(*) FROM hubs) AS hubs, \
               (SELECT COUNT(DISTINCT trust_id) FROM schools WHERE membership = 'member' AND trust_id IS NOT NULL) AS trusts_with_members, \
               (SELECT CAST(COALESCE(SUM(pupils), 0) AS BIGINT) FROM schools WHERE membership = 'member') AS member_pupils",
        ))
        .await?;
    Ok(DirectoryCounts {
        member_schools: get_i64(&r, "member_schools")?,
        establishments: get_i64(&r, "establishments")?,
        hubs: get_i64(&r, "hubs")?,
        trusts_with_members: get_i64(&r, "trusts_with_members")?,
        member_pupils: get_i64(&r, "member_pupils")?,
    })
}

/// The text the search looks in.
fn search_text(d: &SchoolData) -> String {
    search_text_of(&d.name, d.urn, [&d.town, &d.locality, &d.la_name, &d.trust_name, &d.county], d.postcode.as_deref())
}

/// The search text from its parts (also used to refresh stored ones).
pub(crate) fn search_text_of(name: &str, urn: i64, places: [&Option<String>; 5], postcode: Option<&str>) -> String {
    let mut parts = vec![fold(name), urn.to_string()];
    for v in places.into_iter().flatten() {
        parts.push(fold(v));
    }
    if let Some(p) = postcode {
        parts.push(p.to_lowercase());
        parts.push(p.to_lowercase().replace(' ', ""));
    }
    parts.join(" | ")
}

/// Every school as its GIAS record, ordered by URN (to compare with a new
/// extract). Trust codes and names come from the trust table.
///
/// The rows are turned into records as they arrive: a row as the driver
/// gives it takes several times the memory of the record (about 150 MB for
/// 52,000 schools), so they are never all held at once.
pub async fn all_records(db: &Db) -> Result<Vec<SchoolData>, StoreError> {
    use futures_util::TryStreamExt;
    let held = db.count(&Sql::new("SELECT COUNT(*) FROM schools")).await?;
    let mut out = Vec::with_capacity(usize::try_from(held).unwrap_or(0));
    let sql = Sql::new(
        "SELECT s.*, t.code AS trust_code, t.name AS trust_name FROM schools s LEFT JOIN trusts t ON t.id = s.trust_id ORDER BY s.urn",
    );
    let mut rows = sql.query().fetch(&db.pool);
    while let Some(r) = rows.try_next().await? {
        out.push(record(&r)?);
    }
    Ok(out)
}

fn record(r: &AnyRow) -> Result<SchoolData, StoreError> {
    Ok(SchoolData {
        urn: get_i64(r, "urn")?,
        name: get_str(r, "name")?,
        la_name: get_ostr(r, "la_name")?,
        type_name: get_ostr(r, "type_name")?,
        type_group: TypeGroup::from_code(&get_str(r, "type_group")?).unwrap_or(TypeGroup::Other),
        status: SchoolStatus::from_code(&get_str(r, "status")?).unwrap_or(SchoolStatus::Open),
        phase: Phase::from_code(&get_str(r, "phase")?).unwrap_or(Phase::Other),
        low_age: get_oi64(r, "low_age")?,
        high_age: get_oi64(r, "high_age")?,
        gender: Gender::from_code(&get_str(r, "gender")?).unwrap_or(Gender::NotApplicable),
        admissions: Admissions::from_code(&get_str(r, "admissions")?).unwrap_or(Admissions::NotApplicable),
        religious_character: get_ostr(r, "religious_character")?,
        street: get_ostr(r, "street")?,
        locality: get_ostr(r, "locality")?,
        town: get_ostr(r, "town")?,
        county: get_ostr(r, "county")?,
        postcode: get_ostr(r, "postcode")?,
        region: get_ostr(r, "region")?,
        website: get_ostr(r, "website")?,
        telephone: get_ostr(r, "telephone")?,
        pupils: get_oi64(r, "pupils")?,
        capacity: get_oi64(r, "capacity")?,
        fsm_pct: get_of64(r, "fsm_pct")?,
        trust_code: get_ostr(r, "trust_code")?,
        trust_name: get_ostr(r, "trust_name")?,
        easting: get_oi64(r, "easting")?,
        northing: get_oi64(r, "northing")?,
        latitude: get_of64(r, "latitude")?,
        longitude: get_of64(r, "longitude")?,
        ofsted_grade: get_ostr(r, "ofsted_grade")?.and_then(|g| OfstedGrade::from_code(&g)),
        ofsted_date: get_ostr(r, "ofsted_date")?,
        open_date: get_ostr(r, "open_date")?,
        close_date: get_ostr(r, "close_date")?,
        sixth_form: get_bool(r, "sixth_form")?,
    })
}

/// Find or create the trusts named in `records`, returning code → id.
async fn ensure_trusts(tx: &mut Tx, records: &[&SchoolData]) -> Result<HashMap<String, i64>, StoreError> {
    let mut wanted: HashMap<String, String> = HashMap::new();
    for r in records {
        if let Some(code) = r.trust_code.as_ref().filter(|c| !c.is_empty()) {
            wanted.entry(code.clone()).or_insert_with(|| r.trust_name.clone().unwrap_or_else(|| code.clone()));
        }
    }
    let mut ids = HashMap::new();
    let rows =
        Sql::new("SELECT id, code, name FROM trusts WHERE code IS NOT NULL").query().fetch_all(&mut **tx).await?;
    let mut existing: HashMap<String, (i64, String)> = HashMap::new();
    for r in &rows {
        existing.insert(get_str(r, "code")?, (get_i64(r, "id")?, get_str(r, "name")?));
    }
    let t = tx.now();
    let mut codes: Vec<_> = wanted.into_iter().collect();
    codes.sort();
    for (code, name) in codes {
        match existing.get(&code) {
            Some((id, old)) => {
                if *old != name {
                    Sql::new("UPDATE trusts SET name = ?, updated_at = ? WHERE id = ?")
                        .bind(name.clone())
                        .bind(t)
                        .bind(*id)
                        .query()
                        .execute(&mut **tx)
                        .await?;
                }
                ids.insert(code, *id);
            }
            None => {
                let row = Sql::new(
                    "INSERT INTO trusts (code, name, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id",
                )
                .bind(code.clone())
                .bind(name)
                .bind(t)
                .bind(t)
                .query()
                .fetch_one(&mut **tx)
                .await?;
                ids.insert(code, get_i64(&row, "id")?);
            }
        }
    }
    Ok(ids)
}

const RECORD_COLUMNS: &[&str] = &[
    "urn",
    "name",
    "la_name",
    "type_name",
    "type_group",
    "status",
    "phase",
    "low_age",
    "high_age",
    "gender",
    "admissions",
    "religious_character",
    "street",
    "locality",
    "town",
    "county",
    "postcode",
    "region",
    "website",
    "telephone",
    "pupils",
    "capacity",
    "fsm_pct",
    "trust_id",
    "easting",
    "northing",
    "latitude",
    "longitude",
    "ofsted_grade",
    "ofsted_date",
    "open_date",
    "close_date",
    "sixth_form",
    "search_text",
    "created_at",
    "updated_at",
];

/// Insert or update these GIAS records (matched by URN) and write the given
/// audit records, all in the caller's transaction. Hub, membership and
/// Teaching School status are the partnership's own and are left alone.
pub async fn upsert_records(
    tx: &mut Tx,
    who: &Who,
    records: &[&SchoolData],
    changes: Vec<Change<'_>>,
) -> Result<(), StoreError> {
    let trusts = ensure_trusts(tx, records).await?;
    let t = tx.now();
    let updates: Vec<String> = RECORD_COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "urn" | "created_at"))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let conflict = format!(" ON CONFLICT (urn) DO UPDATE SET {}", updates.join(", "));
    let placeholders = format!("({})", vec!["?"; RECORD_COLUMNS.len()].join(", "));
    let backend = crate::db::backend_of(tx);
    for chunk in records.chunks(250) {
        let mut s = Sql::new(&format!("INSERT INTO schools ({}) VALUES ", RECORD_COLUMNS.join(", ")));
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            s.push(&placeholders);
            let trust_id = d.trust_code.as_ref().and_then(|c| trusts.get(c).copied());
            s.arg(d.urn)
                .arg(&d.name)
                .arg(&d.la_name)
                .arg(&d.type_name)
                .arg(d.type_group.code())
                .arg(d.status.code())
                .arg(d.phase.code())
                .arg(d.low_age)
                .arg(d.high_age)
                .arg(d.gender.code())
                .arg(d.admissions.code())
                .arg(&d.religious_character)
                .arg(&d.street)
                .arg(&d.locality)
                .arg(&d.town)
                .arg(&d.county)
                .arg(&d.postcode)
                .arg(&d.region)
                .arg(&d.website)
                .arg(&d.telephone)
                .arg(d.pupils)
                .arg(d.capacity)
                .arg(d.fsm_pct)
                .arg(trust_id)
                .arg(d.easting)
                .arg(d.northing)
                .arg(d.latitude)
                .arg(d.longitude)
                .arg(d.ofsted_grade.map(|g| g.code()))
                .arg(&d.ofsted_date)
                .arg(&d.open_date)
                .arg(&d.close_date)
                .arg(d.sixth_form)
                .arg(search_text(d))
                .arg(t)
                .arg(t);
        }
        s.push(&conflict);
        s.query_on(backend).execute(&mut **tx).await?;
    }
    audit::record_many(tx, who, changes).await?;
    Ok(())
}

/// The partnership's own facts about a school.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Membership {
    pub hub_id: Option<i64>,
    pub membership: String,
    pub member_since: Option<String>,
    pub member_until: Option<String>,
    pub teaching_school: bool,
}

/// Set a school's Hub and membership.
pub async fn set_membership(tx: &mut Tx, who: &Who, school_id: i64, m: &Membership) -> Result<(), StoreError> {
    let before = Sql::new(
        "SELECT name, hub_id, membership, member_since, member_until, teaching_school FROM schools WHERE id = ?",
    )
    .bind(school_id)
    .query()
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("school {school_id}")))?;
    let old = Membership {
        hub_id: get_oi64(&before, "hub_id")?,
        membership: get_str(&before, "membership")?,
        member_since: get_ostr(&before, "member_since")?,
        member_until: get_ostr(&before, "member_until")?,
        teaching_school: get_bool(&before, "teaching_school")?,
    };
    let name = get_str(&before, "name")?;
    Sql::new("UPDATE schools SET hub_id = ?, membership = ?, member_since = ?, member_until = ?, teaching_school = ?, updated_at = ? WHERE id = ?")
        .bind(m.hub_id)
        .bind(&m.membership)
        .bind(&m.member_since)
        .bind(&m.member_until)
        .bind(m.teaching_school)
        .bind(tx.now())
        .bind(school_id)
        .query()
        .execute(&mut **tx)
        .await?;
    audit::record(
        tx,
        who,
        Change::new("school.membership_changed", "school", school_id, format!("Membership of {name} changed"))
            .before(serde_json::to_value(&old).unwrap_or_default())
            .after(serde_json::to_value(m).unwrap_or_default()),
    )
    .await
}

/// One performance figure with its national comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Performance {
    pub year: String,
    pub measure: String,
    pub pupil_group: String,
    pub value: Option<f64>,
    pub national: Option<f64>,
}

pub async fn performance(db: &Db, school_id: i64) -> Result<Vec<Performance>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new("SELECT year, measure, pupil_group, value, national FROM school_performance WHERE school_id = ? ORDER BY year DESC, measure, pupil_group")
                .bind(school_id),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Performance {
                year: get_str(r, "year")?,
                measure: get_str(r, "measure")?,
                pupil_group: get_str(r, "pupil_group")?,
                value: get_of64(r, "value")?,
                national: get_of64(r, "national")?,
            })
        })
        .collect()
}

/// Replace one performance figure.
pub async fn set_performance(tx: &mut Tx, school_id: i64, p: &Performance) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO school_performance (school_id, year, measure, pupil_group, value, national) VALUES (?, ?, ?, ?, ?, ?) \
         ON CONFLICT (school_id, year, measure, pupil_group) DO UPDATE SET value = excluded.value, national = excluded.national",
    )
    .bind(school_id)
    .bind(&p.year)
    .bind(&p.measure)
    .bind(&p.pupil_group)
    .bind(p.value)
    .bind(p.national)
    .query()
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An Area of Excellence or a systemic challenge.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolTheme {
    pub id: i64,
    pub school_id: i64,
    pub kind: String,
    pub theme_code: Option<String>,
    pub theme_label: Option<String>,
    pub description: String,
    pub accredited_year: Option<i64>,
    pub evidence: Option<String>,
}

pub async fn themes(db: &Db, school_id: i64) -> Result<Vec<SchoolTheme>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT st.*, t.code AS theme_code, t.label AS theme_label FROM school_themes st \
                 LEFT JOIN themes t ON t.id = st.theme_id WHERE st.school_id = ? ORDER BY st.kind DESC, st.id",
            )
            .bind(school_id),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SchoolTheme {
                id: get_i64(r, "id")?,
                school_id: get_i64(r, "school_id")?,
                kind: get_str(r, "kind")?,
                theme_code: get_ostr(r, "theme_code")?,
                theme_label: get_ostr(r, "theme_label")?,
                description: get_str(r, "description")?,
                accredited_year: get_oi64(r, "accredited_year")?,
                evidence: get_ostr(r, "evidence")?,
            })
        })
        .collect()
}

/// Add an Area of Excellence or a challenge.
pub async fn add_theme(
    tx: &mut Tx,
    who: &Who,
    school_id: i64,
    kind: &str,
    theme_id: Option<i64>,
    description: &str,
    accredited_year: Option<i64>,
) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO school_themes (school_id, kind, theme_id, description, accredited_year, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(school_id)
    .bind(kind)
    .bind(theme_id)
    .bind(description)
    .bind(accredited_year)
    .bind(tx.now())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    let label = if kind == "excellence" { "Area of Excellence" } else { "systemic challenge" };
    audit::record(
        tx,
        who,
        Change::new("school.theme_added", "school", school_id, format!("Added {label}: {description}"))
            .after(serde_json::json!({"id": id, "kind": kind, "theme_id": theme_id, "description": description, "accredited_year": accredited_year})),
    )
    .await?;
    Ok(id)
}

/// A theme of the shared taxonomy.
#[derive(Debug, Clone, Serialize)]
pub struct Theme {
    pub id: i64,
    pub code: String,
    pub label: String,
    /// Keywords and phrases, separated by `;`.
    pub keywords: String,
    /// How much a match counts in matching (1 normal; broad themes less).
    pub weight: f64,
}

pub async fn taxonomy(db: &Db) -> Result<Vec<Theme>, StoreError> {
    let rows = db.fetch_all(&Sql::new("SELECT id, code, label, keywords, weight FROM themes ORDER BY id")).await?;
    rows.iter()
        .map(|r| {
            Ok(Theme {
                id: get_i64(r, "id")?,
                code: get_str(r, "code")?,
                label: get_str(r, "label")?,
                keywords: get_str(r, "keywords")?,
                weight: get_of64(r, "weight")?.unwrap_or(1.0),
            })
        })
        .collect()
}

pub async fn add_taxonomy_theme(
    tx: &mut Tx,
    who: &Who,
    code: &str,
    label: &str,
    keywords: &str,
    weight: f64,
) -> Result<i64, StoreError> {
    let row =
        Sql::new("INSERT INTO themes (code, label, keywords, weight, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id")
            .bind(code)
            .bind(label)
            .bind(keywords)
            .bind(weight)
            .bind(tx.now())
            .query()
            .fetch_one(&mut **tx)
            .await
            .map_err(|e| {
                let e = StoreError::from(e);
                if e.is_unique_violation() {
                    StoreError::Conflict(format!("There is already a theme with the code {code}"))
                } else {
                    e
                }
            })?;
    let id = get_i64(&row, "id")?;
    audit::record(
        tx,
        who,
        Change::new("theme.created", "theme", id, format!("Added theme {label}"))
            .after(serde_json::json!({"code": code, "label": label, "keywords": keywords, "weight": weight})),
    )
    .await?;
    Ok(id)
}

/// Change a theme's label, keywords or weight (its code stays).
pub async fn update_taxonomy_theme(
    tx: &mut Tx,
    who: &Who,
    id: i64,
    label: &str,
    keywords: &str,
    weight: f64,
) -> Result<(), StoreError> {
    let before = Sql::new("SELECT label, keywords, weight FROM themes WHERE id = ?")
        .bind(id)
        .query()
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("theme {id}")))?;
    let before = serde_json::json!({"label": get_str(&before, "label")?, "keywords": get_str(&before, "keywords")?, "weight": get_of64(&before, "weight")?});
    Sql::new("UPDATE themes SET label = ?, keywords = ?, weight = ? WHERE id = ?")
        .bind(label)
        .bind(keywords)
        .bind(weight)
        .bind(id)
        .query()
        .execute(&mut **tx)
        .await?;
    audit::record(
        tx,
        who,
        Change::new("theme.updated", "theme", id, format!("Theme {label} changed"))
            .before(before)
            .after(serde_json::json!({"label": label, "keywords": keywords, "weight": weight})),
    )
    .await
}

/// Every school's id and trust by URN, in the caller's transaction (the
/// demo seeder links its people and reviews to the schools it just wrote).
pub async fn ids_by_urn(tx: &mut Tx) -> Result<std::collections::HashMap<i64, (i64, Option<i64>)>, StoreError> {
    let rows = Sql::new("SELECT id, urn, trust_id FROM schools").query().fetch_all(&mut **tx).await?;
    let mut out = std::collections::HashMap::with_capacity(rows.len());
    for r in &rows {
        out.insert(get_i64(r, "urn")?, (get_i64(r, "id")?, get_oi64(r, "trust_id")?));
    }
    Ok(out)
}
