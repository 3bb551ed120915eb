//! What matching reads (reviews and the people who could review them; a
//! cohort's schools and their themes; facilitators and visit dates), the
//! matching runs (proposals being inspected and edited), and applying an
//! accepted run.

use crate::audit::{self, Change, Who};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_bool, get_i64, get_of64, get_oi64, get_ostr, get_str};
use serde::Serialize;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use upward_domain::ids::{CohortId, CycleId, GroupId, PersonId, ReviewId, RunId, SchoolId};
use upward_domain::matching::{PairRule, RunKind, RunStatus, STALE_MESSAGE};
use upward_domain::reviews::TeamRole;

/// A review that needs a team.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewSlot {
    pub id: i64,
    pub school_id: i64,
    pub urn: i64,
    pub school_name: String,
    pub trust_id: Option<i64>,
    pub hub_id: Option<i64>,
    pub phase: String,
    pub starts_on: String,
    pub ends_on: String,
    pub peer_places: i64,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub focus: Option<String>,
    /// Codes of the host's challenge themes (what the team should know about).
    pub focus_themes: Vec<String>,
    /// Members already on the team: (person, role).
    pub team: Vec<(i64, String)>,
}

/// Someone who could join a review team.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    pub id: i64,
    pub name: String,
    pub school_id: Option<i64>,
    pub school_name: Option<String>,
    pub trust_id: Option<i64>,
    pub hub_id: Option<i64>,
    pub phase: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub can_lead: bool,
    pub reviewer: bool,
    pub facilitator: bool,
    pub specialisms: Vec<String>,
    /// Codes of their school's Areas of Excellence.
    pub themes: Vec<String>,
    pub dbs_checked_on: Option<String>,
    pub trained_on: Option<String>,
    pub min_per_year: Option<i64>,
    pub max_per_year: Option<i64>,
    pub conflicts: Vec<i64>,
    /// Schools reviewed before: (school, cycle name).
    pub reviewed: Vec<(i64, String)>,
    /// Reviews done before this cycle.
    pub experience: i64,
    pub unavailable: Vec<String>,
}

/// The cycle's reviews (those starting on or after `from`) and every person
/// in the reviewer, Lead Reviewer or facilitator pools.
pub async fn cycle_data(db: &Db, cycle: CycleId, from: &str) -> Result<(Vec<ReviewSlot>, Vec<Candidate>), StoreError> {
    let cycle_id = cycle.get();
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT r.id, r.school_id, s.urn, s.name, s.trust_id, s.hub_id, s.phase, r.starts_on, r.ends_on, r.peer_places, \
                 s.latitude, s.longitude, r.focus FROM reviews r JOIN schools s ON s.id = r.school_id \
                 WHERE r.cycle_id = ? AND r.starts_on >= ? AND r.status IN ('booked', 'planned') ORDER BY r.starts_on, r.id",
            )
            .bind(cycle_id)
            .bind(from),
        )
        .await?;
    let mut reviews: Vec<ReviewSlot> = rows
        .iter()
        .map(|r| {
            Ok(ReviewSlot {
                id: get_i64(r, "id")?,
                school_id: get_i64(r, "school_id")?,
                urn: get_i64(r, "urn")?,
                school_name: get_str(r, "name")?,
                trust_id: get_oi64(r, "trust_id")?,
                hub_id: get_oi64(r, "hub_id")?,
                phase: get_str(r, "phase")?,
                starts_on: get_str(r, "starts_on")?,
                ends_on: get_str(r, "ends_on")?,
                peer_places: get_i64(r, "peer_places")?,
                latitude: get_of64(r, "latitude")?,
                longitude: get_of64(r, "longitude")?,
                focus: get_ostr(r, "focus")?,
                focus_themes: vec![],
                team: vec![],
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let idx: HashMap<i64, usize> = reviews.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let school_idx: HashMap<i64, Vec<usize>> = reviews.iter().enumerate().fold(HashMap::new(), |mut m, (i, r)| {
        m.entry(r.school_id).or_insert_with(Vec::new).push(i);
        m
    });
    for r in db
        .fetch_all(&Sql::new(
            "SELECT st.school_id, t.code FROM school_themes st JOIN themes t ON t.id = st.theme_id WHERE st.kind = 'challenge'",
        ))
        .await?
    {
        if let Some(is) = school_idx.get(&get_i64(&r, "school_id")?) {
            let code = get_str(&r, "code")?;
            for &i in is {
                reviews[i].focus_themes.push(code.clone());
            }
        }
    }
    for r in db
        .fetch_all(&Sql::new("SELECT tm.review_id, tm.person_id, tm.role FROM review_team tm JOIN reviews r ON r.id = tm.review_id WHERE r.cycle_id = ?").bind(cycle_id))
        .await?
    {
        if let Some(&i) = idx.get(&get_i64(&r, "review_id")?) {
            reviews[i].team.push((get_i64(&r, "person_id")?, get_str(&r, "role")?));
        }
    }
    let people = candidates(db, Some(cycle)).await?;
    Ok((reviews, people))
}

fn candidate(r: &AnyRow) -> Result<Candidate, StoreError> {
    Ok(Candidate {
        id: get_i64(r, "id")?,
        name: get_str(r, "full_name")?,
        school_id: get_oi64(r, "school_id")?,
        school_name: get_ostr(r, "school_name")?,
        trust_id: get_oi64(r, "trust_id")?,
        hub_id: get_oi64(r, "hub_id")?,
        phase: get_ostr(r, "phase")?,
        latitude: get_of64(r, "latitude")?,
        longitude: get_of64(r, "longitude")?,
        can_lead: get_bool(r, "can_lead")?,
        reviewer: get_bool(r, "reviewer")?,
        facilitator: get_bool(r, "facilitator")?,
        specialisms: vec![],
        themes: vec![],
        dbs_checked_on: get_ostr(r, "dbs_checked_on")?,
        trained_on: get_ostr(r, "trained_on")?,
        min_per_year: get_oi64(r, "min_per_year")?,
        max_per_year: get_oi64(r, "max_per_year")?,
        conflicts: vec![],
        reviewed: vec![],
        experience: 0,
        unavailable: vec![],
    })
}

/// People in the reviewer, Lead Reviewer and facilitator pools, with what
/// matching needs to know about them (review history before `cycle`; none
/// without a cycle).
pub async fn candidates(db: &Db, cycle: Option<CycleId>) -> Result<Vec<Candidate>, StoreError> {
    let cycle_id = cycle.map(CycleId::get).unwrap_or(0);
    let rows = db
        .fetch_all(&Sql::new(
            "SELECT p.id, p.full_name, p.school_id, s.name AS school_name, COALESCE(p.trust_id, s.trust_id) AS trust_id, s.hub_id, s.phase, \
             s.latitude, s.longitude, sg.dbs_checked_on, sg.trained_on, \
             (SELECT COUNT(*) FROM pool_memberships m WHERE m.person_id = p.id AND m.pool = 'lead_reviewer' AND m.status = 'active') AS can_lead, \
             (SELECT COUNT(*) FROM pool_memberships m WHERE m.person_id = p.id AND m.pool = 'reviewer' AND m.status = 'active') AS reviewer, \
             (SELECT COUNT(*) FROM pool_memberships m WHERE m.person_id = p.id AND m.pool = 'facilitator' AND m.status = 'active') AS facilitator, \
             (SELECT MAX(m.min_per_year) FROM pool_memberships m WHERE m.person_id = p.id AND m.pool IN ('reviewer', 'lead_reviewer')) AS min_per_year, \
             (SELECT MAX(m.max_per_year) FROM pool_memberships m WHERE m.person_id = p.id AND m.pool IN ('reviewer', 'lead_reviewer')) AS max_per_year \
             FROM people p LEFT JOIN schools s ON s.id = p.school_id LEFT JOIN safeguarding sg ON sg.person_id = p.id \
             WHERE p.status = 'active' AND EXISTS (SELECT 1 FROM pool_memberships m WHERE m.person_id = p.id AND m.status = 'active' \
             AND m.pool IN ('reviewer', 'lead_reviewer', 'facilitator')) ORDER BY p.id",
        ))
        .await?;
    let mut people: Vec<Candidate> = rows.iter().map(candidate).collect::<Result<_, _>>()?;
    let idx: HashMap<i64, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    for r in db.fetch_all(&Sql::new("SELECT person_id, specialism FROM person_specialisms")).await? {
        if let Some(&i) = idx.get(&get_i64(&r, "person_id")?) {
            people[i].specialisms.push(get_str(&r, "specialism")?);
        }
    }
    for r in db.fetch_all(&Sql::new("SELECT person_id, school_id FROM person_conflicts")).await? {
        if let Some(&i) = idx.get(&get_i64(&r, "person_id")?) {
            people[i].conflicts.push(get_i64(&r, "school_id")?);
        }
    }
    for r in db.fetch_all(&Sql::new("SELECT person_id, on_date FROM person_unavailable ORDER BY on_date")).await? {
        if let Some(&i) = idx.get(&get_i64(&r, "person_id")?) {
            people[i].unavailable.push(get_str(&r, "on_date")?);
        }
    }
    let school_people: HashMap<i64, Vec<usize>> = people
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.school_id.map(|s| (s, i)))
        .fold(HashMap::new(), |mut m, (s, i)| {
            m.entry(s).or_insert_with(Vec::new).push(i);
            m
        });
    for r in db
        .fetch_all(&Sql::new("SELECT st.school_id, t.code FROM school_themes st JOIN themes t ON t.id = st.theme_id WHERE st.kind = 'excellence'"))
        .await?
    {
        if let Some(is) = school_people.get(&get_i64(&r, "school_id")?) {
            let code = get_str(&r, "code")?;
            for &i in is {
                people[i].themes.push(code.clone());
            }
        }
    }
    for r in db
        .fetch_all(
            &Sql::new(
                "SELECT tm.person_id, r.school_id, c.name AS cycle FROM review_team tm JOIN reviews r ON r.id = tm.review_id \
                 JOIN cycles c ON c.id = r.cycle_id WHERE r.cycle_id <> ? AND c.starts_on < (SELECT starts_on FROM cycles WHERE id = ?)",
            )
            .bind(cycle_id)
            .bind(cycle_id),
        )
        .await?
    {
        if let Some(&i) = idx.get(&get_i64(&r, "person_id")?) {
            people[i].reviewed.push((get_i64(&r, "school_id")?, get_str(&r, "cycle")?));
            people[i].experience += 1;
        }
    }
    Ok(people)
}

/// Schools hosting a review in this cycle (for reciprocity).
pub async fn hosting_schools(db: &Db, cycle: CycleId) -> Result<Vec<i64>, StoreError> {
    let rows =
        db.fetch_all(&Sql::new("SELECT DISTINCT school_id FROM reviews WHERE cycle_id = ?").bind(cycle.get())).await?;
    rows.iter().map(|r| get_i64(r, "school_id")).collect()
}

/// A review cycle.
#[derive(Debug, Clone, Serialize)]
pub struct Cycle {
    pub id: CycleId,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// Review cycles, oldest first (for counting "the last N cycles").
pub async fn cycles(db: &Db) -> Result<Vec<Cycle>, StoreError> {
    let rows = db.fetch_all(&Sql::new("SELECT id, name, starts_on, ends_on FROM cycles ORDER BY starts_on")).await?;
    rows.iter()
        .map(|r| {
            Ok(Cycle {
                id: CycleId(get_i64(r, "id")?),
                name: get_str(r, "name")?,
                starts_on: get_str(r, "starts_on")?,
                ends_on: get_str(r, "ends_on")?,
            })
        })
        .collect()
}

/// Reviews of a cycle still needing their team (counts), for the overview.
pub async fn cycle_needs(db: &Db, cycle: CycleId, from: &str) -> Result<(i64, i64), StoreError> {
    let cycle_id = cycle.get();
    let total = db
        .count(&Sql::new("SELECT COUNT(*) FROM reviews WHERE cycle_id = ? AND starts_on >= ? AND status IN ('booked', 'planned')").bind(cycle_id).bind(from))
        .await?;
    let unstaffed = db
        .count(
            &Sql::new(
                "SELECT COUNT(*) FROM reviews r WHERE r.cycle_id = ? AND r.starts_on >= ? AND r.status IN ('booked', 'planned') \
                 AND NOT EXISTS (SELECT 1 FROM review_team t WHERE t.review_id = r.id)",
            )
            .bind(cycle_id)
            .bind(from),
        )
        .await?;
    Ok((total, unstaffed))
}

/// A Growing the Top cohort.
#[derive(Debug, Clone, Serialize)]
pub struct Cohort {
    pub id: i64,
    pub programme: String,
    pub name: String,
    pub year: String,
    pub group_size: i64,
    pub min_km: Option<f64>,
    pub schools: i64,
    pub groups: i64,
}

fn cohort(r: &AnyRow) -> Result<Cohort, StoreError> {
    Ok(Cohort {
        id: get_i64(r, "id")?,
        programme: get_str(r, "programme")?,
        name: get_str(r, "name")?,
        year: get_str(r, "year")?,
        group_size: get_i64(r, "group_size")?,
        min_km: get_of64(r, "min_km")?,
        schools: get_i64(r, "schools")?,
        groups: get_i64(r, "groups")?,
    })
}

const COHORT_SELECT: &str = "SELECT c.*, (SELECT COUNT(*) FROM cohort_schools x WHERE x.cohort_id = c.id) AS schools, \
    (SELECT COUNT(*) FROM school_groups g WHERE g.cohort_id = c.id) AS groups FROM cohorts c";

pub async fn cohorts(db: &Db) -> Result<Vec<Cohort>, StoreError> {
    db.fetch_all(&Sql::new(&format!("{COHORT_SELECT} ORDER BY c.year DESC, c.name")))
        .await?
        .iter()
        .map(cohort)
        .collect()
}

pub async fn cohort_by_id(db: &Db, id: CohortId) -> Result<Option<Cohort>, StoreError> {
    let mut s = Sql::new(COHORT_SELECT);
    s.push_bind(" WHERE c.id = ?", id.get());
    db.fetch_optional(&s).await?.as_ref().map(cohort).transpose()
}

pub async fn create_cohort(
    tx: &mut Tx,
    who: &Who,
    name: &str,
    year: &str,
    group_size: i64,
    min_km: Option<f64>,
    schools: &[i64],
) -> Result<i64, StoreError> {
    let row = Sql::new("INSERT INTO cohorts (programme, name, year, group_size, min_km, created_at) VALUES ('growing_the_top', ?, ?, ?, ?, ?) RETURNING id")
        .bind(name)
        .bind(year)
        .bind(group_size)
        .bind(min_km)
        .bind(tx.now())
        .query()
        .fetch_one(&mut **tx)
        .await?;
    let id = get_i64(&row, "id")?;
    for s in schools {
        Sql::new("INSERT INTO cohort_schools (cohort_id, school_id) VALUES (?, ?)")
            .bind(id)
            .bind(*s)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    audit::record(
        tx,
        who,
        Change::new("cohort.created", "cohort", id, format!("Cohort {name} created with {} schools", schools.len()))
            .after(serde_json::json!({"name": name, "year": year, "group_size": group_size, "min_km": min_km, "schools": schools})),
    )
    .await?;
    Ok(id)
}

/// A school of a cohort, with what grouping needs.
#[derive(Debug, Clone, Serialize)]
pub struct CohortSchool {
    pub id: i64,
    pub urn: i64,
    pub name: String,
    pub phase: String,
    pub gender: String,
    pub admissions: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub town: Option<String>,
    /// (kind, description, theme code)
    pub themes: Vec<(String, String, Option<String>)>,
}

pub async fn cohort_schools(db: &Db, cohort: CohortId) -> Result<Vec<CohortSchool>, StoreError> {
    let cohort_id = cohort.get();
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT s.id, s.urn, s.name, s.phase, s.gender, s.admissions, s.latitude, s.longitude, s.town FROM cohort_schools c \
                 JOIN schools s ON s.id = c.school_id WHERE c.cohort_id = ? ORDER BY s.name",
            )
            .bind(cohort_id),
        )
        .await?;
    let mut out: Vec<CohortSchool> = rows
        .iter()
        .map(|r| {
            Ok(CohortSchool {
                id: get_i64(r, "id")?,
                urn: get_i64(r, "urn")?,
                name: get_str(r, "name")?,
                phase: get_str(r, "phase")?,
                gender: get_str(r, "gender")?,
                admissions: get_str(r, "admissions")?,
                latitude: get_of64(r, "latitude")?,
                longitude: get_of64(r, "longitude")?,
                town: get_ostr(r, "town")?,
                themes: vec![],
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let idx: HashMap<i64, usize> = out.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    for r in db
        .fetch_all(
            &Sql::new(
                "SELECT st.school_id, st.kind, st.description, t.code FROM school_themes st LEFT JOIN themes t ON t.id = st.theme_id \
                 JOIN cohort_schools c ON c.school_id = st.school_id WHERE c.cohort_id = ? ORDER BY st.id",
            )
            .bind(cohort_id),
        )
        .await?
    {
        if let Some(&i) = idx.get(&get_i64(&r, "school_id")?) {
            out[i].themes.push((get_str(&r, "kind")?, get_str(&r, "description")?, get_ostr(&r, "code")?));
        }
    }
    Ok(out)
}

/// A group of a cohort as accepted.
#[derive(Debug, Clone, Serialize)]
pub struct SchoolGroup {
    pub id: i64,
    pub name: String,
    pub facilitator_id: Option<i64>,
    pub facilitator_name: Option<String>,
    /// (school id, URN, name)
    pub schools: Vec<(i64, i64, String)>,
    /// (host school id, date)
    pub visits: Vec<(i64, String)>,
}

pub async fn groups(db: &Db, cohort: CohortId) -> Result<Vec<SchoolGroup>, StoreError> {
    let cohort_id = cohort.get();
    let rows = db
        .fetch_all(
            &Sql::new("SELECT g.id, g.name, g.facilitator_id, p.full_name FROM school_groups g LEFT JOIN people p ON p.id = g.facilitator_id WHERE g.cohort_id = ? ORDER BY g.id")
                .bind(cohort_id),
        )
        .await?;
    let mut out: Vec<SchoolGroup> = rows
        .iter()
        .map(|r| {
            Ok(SchoolGroup {
                id: get_i64(r, "id")?,
                name: get_str(r, "name")?,
                facilitator_id: get_oi64(r, "facilitator_id")?,
                facilitator_name: get_ostr(r, "full_name")?,
                schools: vec![],
                visits: vec![],
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let idx: HashMap<i64, usize> = out.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
    for r in db
        .fetch_all(
            &Sql::new(
                "SELECT m.group_id, s.id, s.urn, s.name FROM school_group_members m JOIN schools s ON s.id = m.school_id \
                 JOIN school_groups g ON g.id = m.group_id WHERE g.cohort_id = ? ORDER BY s.name",
            )
            .bind(cohort_id),
        )
        .await?
    {
        if let Some(&i) = idx.get(&get_i64(&r, "group_id")?) {
            out[i].schools.push((get_i64(&r, "id")?, get_i64(&r, "urn")?, get_str(&r, "name")?));
        }
    }
    for r in db
        .fetch_all(
            &Sql::new("SELECT v.group_id, v.host_school_id, v.visit_date FROM group_visits v JOIN school_groups g ON g.id = v.group_id WHERE g.cohort_id = ? ORDER BY v.visit_date")
                .bind(cohort_id),
        )
        .await?
    {
        if let Some(&i) = idx.get(&get_i64(&r, "group_id")?) {
            out[i].visits.push((get_i64(&r, "host_school_id")?, get_str(&r, "visit_date")?));
        }
    }
    Ok(out)
}

/// A matching run: the instance solved, the solver's proposal, and the
/// assignment as edited by hand. `kind` and `status` are read into the
/// domain's enums here, once; a value the code does not know is an error.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: RunId,
    pub kind: RunKind,
    /// The review cycle (review teams) or the cohort (groups, facilitators).
    pub subject_id: i64,
    pub status: RunStatus,
    /// Bumped by every change: a change made from an older version is
    /// refused (someone else changed the run meanwhile).
    pub version: i64,
    pub input_json: String,
    pub proposal_json: String,
    pub current_json: String,
    pub summary: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub accepted_at: Option<i64>,
}

/// What a run is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Cycle(CycleId),
    Cohort(CohortId),
}

impl Subject {
    pub fn id(self) -> i64 {
        match self {
            Subject::Cycle(c) => c.get(),
            Subject::Cohort(c) => c.get(),
        }
    }
}

impl Run {
    pub fn subject(&self) -> Subject {
        match self.kind {
            RunKind::ReviewTeams => Subject::Cycle(CycleId(self.subject_id)),
            RunKind::Groups | RunKind::Facilitators => Subject::Cohort(CohortId(self.subject_id)),
        }
    }
}

fn unknown(what: &str, value: &str) -> StoreError {
    StoreError::Sql(sqlx::Error::Decode(format!("match_runs: unknown {what} {value:?}").into()))
}

fn kind_of(r: &AnyRow) -> Result<RunKind, StoreError> {
    let k = get_str(r, "kind")?;
    RunKind::parse(&k).ok_or_else(|| unknown("kind", &k))
}

fn status_of(r: &AnyRow) -> Result<RunStatus, StoreError> {
    let s = get_str(r, "status")?;
    RunStatus::parse(&s).ok_or_else(|| unknown("status", &s))
}

fn run(r: &AnyRow) -> Result<Run, StoreError> {
    Ok(Run {
        id: RunId(get_i64(r, "id")?),
        kind: kind_of(r)?,
        subject_id: get_i64(r, "subject_id")?,
        status: status_of(r)?,
        version: get_i64(r, "version")?,
        input_json: get_str(r, "input_json")?,
        proposal_json: get_str(r, "proposal_json")?,
        current_json: get_str(r, "current_json")?,
        summary: get_str(r, "summary")?,
        created_by: get_oi64(r, "created_by")?,
        created_at: get_i64(r, "created_at")?,
        updated_at: get_i64(r, "updated_at")?,
        accepted_at: get_oi64(r, "accepted_at")?,
    })
}

/// A run without its documents (for lists).
#[derive(Debug, Clone, Serialize)]
pub struct RunHead {
    pub id: RunId,
    pub kind: RunKind,
    pub subject_id: i64,
    pub status: RunStatus,
    pub version: i64,
    pub summary: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn run_head(r: &AnyRow) -> Result<RunHead, StoreError> {
    Ok(RunHead {
        id: RunId(get_i64(r, "id")?),
        kind: kind_of(r)?,
        subject_id: get_i64(r, "subject_id")?,
        status: status_of(r)?,
        version: get_i64(r, "version")?,
        summary: get_str(r, "summary")?,
        created_at: get_i64(r, "created_at")?,
        updated_at: get_i64(r, "updated_at")?,
    })
}

const HEAD_COLUMNS: &str = "id, kind, subject_id, status, version, summary, created_at, updated_at";

/// The documents of a new run (JSON text, as the service writes them).
#[derive(Debug, Clone, Copy)]
pub struct NewRun<'a> {
    pub kind: RunKind,
    pub subject: Subject,
    pub input: &'a str,
    pub proposal: &'a str,
    pub current: &'a str,
    pub summary: &'a str,
}

/// Keep a new proposal (status proposed, version 1).
pub async fn create_run(tx: &mut Tx, who: &Who, new: &NewRun<'_>) -> Result<RunId, StoreError> {
    let t = tx.now();
    let row = Sql::new(
        "INSERT INTO match_runs (kind, subject_id, status, version, input_json, proposal_json, current_json, summary, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(new.kind.code())
    .bind(new.subject.id())
    .bind(RunStatus::Proposed.code())
    .bind(new.input)
    .bind(new.proposal)
    .bind(new.current)
    .bind(new.summary)
    .bind(who.person_id)
    .bind(t)
    .bind(t)
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    audit::record(
        tx,
        who,
        Change::new("match.proposed", "match_run", id, format!("Proposed {}: {}", new.kind.label(), new.summary)),
    )
    .await?;
    Ok(RunId(id))
}

pub async fn get_run(db: &Db, id: RunId) -> Result<Option<Run>, StoreError> {
    db.fetch_optional(&Sql::new("SELECT * FROM match_runs WHERE id = ?").bind(id.get()))
        .await?
        .as_ref()
        .map(run)
        .transpose()
}

/// The newest runs, without their documents.
pub async fn recent_runs(db: &Db, limit: i64) -> Result<Vec<RunHead>, StoreError> {
    db.fetch_all(&Sql::new(&format!("SELECT {HEAD_COLUMNS} FROM match_runs ORDER BY id DESC LIMIT ?")).bind(limit))
        .await?
        .iter()
        .map(run_head)
        .collect()
}

/// Runs still waiting to be accepted or discarded, oldest first.
pub async fn proposed_runs(db: &Db) -> Result<Vec<RunHead>, StoreError> {
    db.fetch_all(
        &Sql::new(&format!("SELECT {HEAD_COLUMNS} FROM match_runs WHERE status = ? ORDER BY id"))
            .bind(RunStatus::Proposed.code()),
    )
    .await?
    .iter()
    .map(run_head)
    .collect()
}

/// Save a hand edit of a proposed run that the person saw at version
/// `seen`. Someone else's change since then (a newer version) refuses it
/// and nothing changes. Returns the new version.
pub async fn edit_run(
    tx: &mut Tx,
    who: &Who,
    id: RunId,
    seen: i64,
    current: &str,
    summary: &str,
    what: &str,
) -> Result<i64, StoreError> {
    let r = Sql::new(
        "UPDATE match_runs SET current_json = ?, summary = ?, updated_at = ?, version = version + 1 \
         WHERE id = ? AND version = ? AND status = ?",
    )
    .bind(current)
    .bind(summary)
    .bind(tx.now())
    .bind(id.get())
    .bind(seen)
    .bind(RunStatus::Proposed.code())
    .query()
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::Conflict(STALE_MESSAGE.into()));
    }
    audit::record(tx, who, Change::new("match.edited", "match_run", id.get(), what.to_string())).await?;
    Ok(seen + 1)
}

/// Close a proposed run (accepted or discarded), if it is still at the
/// version the person saw.
async fn close_run(tx: &mut Tx, who: &Who, id: RunId, seen: i64, to: RunStatus) -> Result<(), StoreError> {
    let t = tx.now();
    let r = Sql::new(
        "UPDATE match_runs SET status = ?, accepted_by = ?, accepted_at = ?, updated_at = ?, version = version + 1 \
         WHERE id = ? AND version = ? AND status = ?",
    )
    .bind(to.code())
    .bind(who.person_id)
    .bind(t)
    .bind(t)
    .bind(id.get())
    .bind(seen)
    .bind(RunStatus::Proposed.code())
    .query()
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::Conflict(STALE_MESSAGE.into()));
    }
    Ok(())
}

/// Discard a proposed run seen at version `seen`: nothing else changes.
pub async fn discard_run(tx: &mut Tx, who: &Who, id: RunId, seen: i64) -> Result<(), StoreError> {
    close_run(tx, who, id, seen, RunStatus::Discarded).await?;
    audit::record(tx, who, Change::new("match.discarded", "match_run", id.get(), "Proposal discarded")).await
}

/// One review's team to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTeam {
    pub review: ReviewId,
    pub lead: Option<PersonId>,
    pub peers: Vec<PersonId>,
}

/// Accept review teams: each listed review's team is replaced.
/// `broken`: the hard rules the teams break, which the person accepted
/// knowingly (kept on the audit trail).
pub async fn accept_review_teams(
    tx: &mut Tx,
    who: &Who,
    run_id: RunId,
    seen: i64,
    teams: &[NewTeam],
    broken: &[String],
) -> Result<(), StoreError> {
    close_run(tx, who, run_id, seen, RunStatus::Accepted).await?;
    for team in teams {
        let review = team.review.get();
        let before: Vec<i64> = Sql::new("SELECT person_id FROM review_team WHERE review_id = ? ORDER BY person_id")
            .bind(review)
            .query()
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| get_i64(r, "person_id"))
            .collect::<Result<_, _>>()?;
        Sql::new("DELETE FROM review_team WHERE review_id = ?").bind(review).query().execute(&mut **tx).await?;
        let t = tx.now();
        let lead = team.lead.iter().map(|l| (*l, TeamRole::Lead));
        for (p, role) in lead.chain(team.peers.iter().map(|p| (*p, TeamRole::Peer))) {
            Sql::new("INSERT INTO review_team (review_id, person_id, role, created_at) VALUES (?, ?, ?, ?)")
                .bind(review)
                .bind(p.get())
                .bind(role.as_str())
                .bind(t)
                .query()
                .execute(&mut **tx)
                .await?;
        }
        audit::record(
            tx,
            who,
            Change::new("review.team_set", "review", review, format!("Team set from matching run {run_id}"))
                .before(serde_json::json!({"members": before}))
                .after(serde_json::json!({"lead": team.lead, "peers": team.peers})),
        )
        .await?;
    }
    accepted(tx, who, run_id, format!("Review teams accepted for {} reviews", teams.len()), broken).await
}

/// A group to save: its name, its schools, and its visit days (host, ISO date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    pub name: String,
    pub schools: Vec<SchoolId>,
    pub visits: Vec<(SchoolId, String)>,
}

/// Write a group: its row, its schools and a visit day at each host.
async fn insert_group(
    tx: &mut Tx,
    cohort: CohortId,
    g: &NewGroup,
    facilitator: Option<i64>,
) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO school_groups (cohort_id, name, facilitator_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(cohort.get())
    .bind(&g.name)
    .bind(facilitator)
    .bind(tx.now())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let gid = get_i64(&row, "id")?;
    for s in &g.schools {
        Sql::new("INSERT INTO school_group_members (group_id, school_id) VALUES (?, ?)")
            .bind(gid)
            .bind(s.get())
            .query()
            .execute(&mut **tx)
            .await?;
    }
    for (host, date) in &g.visits {
        Sql::new("INSERT INTO group_visits (group_id, host_school_id, visit_date) VALUES (?, ?, ?)")
            .bind(gid)
            .bind(host.get())
            .bind(date)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    Ok(gid)
}

/// A Growing the Top group as it was formed outside matching (the demo's
/// past cohort): its schools, a visit day at each, and its facilitator.
pub async fn add_group(
    tx: &mut Tx,
    who: &Who,
    cohort: CohortId,
    g: &NewGroup,
    facilitator: Option<i64>,
) -> Result<i64, StoreError> {
    let id = insert_group(tx, cohort, g, facilitator).await?;
    audit::record(
        tx,
        who,
        Change::new("cohort.group_set", "cohort", cohort.get(), format!("{} formed", g.name)).after(
            serde_json::json!({"group": g.name, "schools": g.schools, "visits": g.visits, "facilitator": facilitator}),
        ),
    )
    .await?;
    Ok(id)
}

/// Accept groups for a cohort: the cohort's groups are replaced (with their
/// visit days).
pub async fn accept_groups(
    tx: &mut Tx,
    who: &Who,
    run_id: RunId,
    seen: i64,
    cohort: CohortId,
    groups: &[NewGroup],
    broken: &[String],
) -> Result<(), StoreError> {
    close_run(tx, who, run_id, seen, RunStatus::Accepted).await?;
    let cohort_id = cohort.get();
    Sql::new("DELETE FROM school_groups WHERE cohort_id = ?").bind(cohort_id).query().execute(&mut **tx).await?;
    for g in groups {
        insert_group(tx, cohort, g, None).await?;
        audit::record(
            tx,
            who,
            Change::new(
                "cohort.group_set",
                "cohort",
                cohort_id,
                format!("{} formed from matching run {run_id}", g.name),
            )
            .after(serde_json::json!({"group": g.name, "schools": g.schools, "visits": g.visits})),
        )
        .await?;
    }
    accepted(tx, who, run_id, format!("{} groups accepted", groups.len()), broken).await
}

/// Accept facilitators: (group, facilitator or none).
pub async fn accept_facilitators(
    tx: &mut Tx,
    who: &Who,
    run_id: RunId,
    seen: i64,
    chosen: &[(GroupId, Option<PersonId>)],
    broken: &[String],
) -> Result<(), StoreError> {
    close_run(tx, who, run_id, seen, RunStatus::Accepted).await?;
    for (group, person) in chosen {
        let before = Sql::new("SELECT facilitator_id FROM school_groups WHERE id = ?")
            .bind(group.get())
            .query()
            .fetch_optional(&mut **tx)
            .await?;
        let before = before.map(|r| get_oi64(&r, "facilitator_id")).transpose()?.flatten();
        Sql::new("UPDATE school_groups SET facilitator_id = ? WHERE id = ?")
            .bind(person.map(PersonId::get))
            .bind(group.get())
            .query()
            .execute(&mut **tx)
            .await?;
        audit::record(
            tx,
            who,
            Change::new(
                "group.facilitator_set",
                "school_group",
                group.get(),
                format!("Facilitator set from matching run {run_id}"),
            )
            .before(serde_json::json!({"facilitator": before}))
            .after(serde_json::json!({"facilitator": person})),
        )
        .await?;
    }
    accepted(tx, who, run_id, format!("Facilitators accepted for {} groups", chosen.len()), broken).await
}

/// The audit record of an acceptance, naming any broken rule accepted.
async fn accepted(tx: &mut Tx, who: &Who, run_id: RunId, what: String, broken: &[String]) -> Result<(), StoreError> {
    let change = if broken.is_empty() {
        Change::new("match.accepted", "match_run", run_id.get(), what)
    } else {
        let n = broken.len();
        Change::new(
            "match.accepted",
            "match_run",
            run_id.get(),
            format!("{what}, with {n} broken rule{} accepted knowingly", if n == 1 { "" } else { "s" }),
        )
        .after(serde_json::json!({ "broken_rules": broken }))
    };
    audit::record(tx, who, change).await
}

/// Someone to tell: an active person with their e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    pub id: PersonId,
    pub name: String,
    pub email: String,
}

fn contact(r: &AnyRow) -> Result<Contact, StoreError> {
    Ok(Contact { id: PersonId(get_i64(r, "id")?), name: get_str(r, "full_name")?, email: get_str(r, "email")? })
}

/// The active people among `ids`, to tell them what they were placed on.
pub async fn contacts(db: &Db, ids: &[PersonId]) -> Result<Vec<Contact>, StoreError> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let mut s = Sql::new("SELECT id, full_name, email FROM people WHERE status = 'active' AND id IN (");
    for (i, id) in ids.iter().enumerate() {
        s.push_bind(if i == 0 { "?" } else { ", ?" }, id.get());
    }
    s.push(") ORDER BY id");
    db.fetch_all(&s).await?.iter().map(contact).collect()
}

/// The leaders (headteachers and senior leaders holding the school leader
/// role) of each of `schools`: who represents a school in a group.
pub async fn school_leaders(db: &Db, schools: &[SchoolId]) -> Result<Vec<(SchoolId, Contact)>, StoreError> {
    if schools.is_empty() {
        return Ok(vec![]);
    }
    let mut s = Sql::new(
        "SELECT DISTINCT g.scope_id AS school_id, p.id, p.full_name, p.email FROM role_grants g JOIN people p ON p.id = g.person_id \
         WHERE g.role = 'school_leader' AND g.scope_kind = 'school' AND p.status = 'active' AND g.scope_id IN (",
    );
    for (i, id) in schools.iter().enumerate() {
        s.push_bind(if i == 0 { "?" } else { ", ?" }, id.get());
    }
    s.push(") ORDER BY g.scope_id, p.id");
    db.fetch_all(&s).await?.iter().map(|r| Ok((SchoolId(get_i64(r, "school_id")?), contact(r)?))).collect()
}

/// Reviews booked or planned to start from `from` to `until` (inclusive)
/// that have nobody on their team: how many, and the first one's start.
pub async fn reviews_without_team(db: &Db, from: &str, until: &str) -> Result<(i64, Option<String>), StoreError> {
    let row = db
        .fetch_one(
            &Sql::new(
                "SELECT COUNT(*) AS n, MIN(r.starts_on) AS first FROM reviews r WHERE r.starts_on >= ? AND r.starts_on <= ? \
                 AND r.status IN ('booked', 'planned') AND NOT EXISTS (SELECT 1 FROM review_team t WHERE t.review_id = r.id)",
            )
            .bind(from)
            .bind(until),
        )
        .await?;
    Ok((get_i64(&row, "n")?, get_ostr(&row, "first")?))
}

/// Declare a conflict of interest.
pub async fn add_conflict(
    tx: &mut Tx,
    who: &Who,
    person_id: i64,
    school_id: i64,
    reason: Option<&str>,
) -> Result<(), StoreError> {
    Sql::new("INSERT INTO person_conflicts (person_id, school_id, reason) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(person_id)
        .bind(school_id)
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
            person_id,
            format!("Conflict of interest with school {school_id}"),
        ),
    )
    .await
}

/// Mark a person unavailable on some dates.
pub async fn add_unavailable(tx: &mut Tx, who: &Who, person_id: i64, dates: &[String]) -> Result<(), StoreError> {
    for d in dates {
        Sql::new("INSERT INTO person_unavailable (person_id, on_date) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .bind(person_id)
            .bind(d)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    audit::record(
        tx,
        who,
        Change::new("person.unavailable_set", "person", person_id, format!("Unavailable on {} dates", dates.len())),
    )
    .await
}

/// Pinned (together) and separated (apart) pairs of a cohort.
pub async fn cohort_pairs(db: &Db, cohort: CohortId) -> Result<Vec<(SchoolId, SchoolId, PairRule)>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT school_a, school_b, kind FROM cohort_pairs WHERE cohort_id = ? ORDER BY school_a, school_b",
            )
            .bind(cohort.get()),
        )
        .await?;
    rows.iter()
        .filter_map(|r| {
            let rule = match get_str(r, "kind") {
                Ok(k) => PairRule::from_code(&k)?,
                Err(e) => return Some(Err(e)),
            };
            Some((|| Ok((SchoolId(get_i64(r, "school_a")?), SchoolId(get_i64(r, "school_b")?), rule)))())
        })
        .collect()
}

/// Pin two schools together or keep them apart (or, with [`PairRule::None`], neither).
pub async fn set_cohort_pair(
    tx: &mut Tx,
    who: &Who,
    cohort: CohortId,
    a: SchoolId,
    b: SchoolId,
    rule: PairRule,
) -> Result<(), StoreError> {
    let cohort_id = cohort.get();
    let (a, b) = if a < b { (a.get(), b.get()) } else { (b.get(), a.get()) };
    Sql::new("DELETE FROM cohort_pairs WHERE cohort_id = ? AND school_a = ? AND school_b = ?")
        .bind(cohort_id)
        .bind(a)
        .bind(b)
        .query()
        .execute(&mut **tx)
        .await?;
    if let Some(kind) = rule.code() {
        Sql::new("INSERT INTO cohort_pairs (cohort_id, school_a, school_b, kind) VALUES (?, ?, ?, ?)")
            .bind(cohort_id)
            .bind(a)
            .bind(b)
            .bind(kind)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    audit::record(
        tx,
        who,
        Change::new("cohort.pair_set", "cohort", cohort_id, format!("Schools {a} and {b}: {}", rule.label()))
            .after(serde_json::json!({"a": a, "b": b, "kind": rule.code().unwrap_or("none")})),
    )
    .await
}
