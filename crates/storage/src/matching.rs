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
pub async fn cycle_data(db: &Db, cycle_id: i64, from: &str) -> Result<(Vec<ReviewSlot>, Vec<Candidate>), StoreError> {
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
    let people = candidates(db, cycle_id).await?;
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
/// matching needs to know about them (history relative to `cycle_id`).
pub async fn candidates(db: &Db, cycle_id: i64) -> Result<Vec<Candidate>, StoreError> {
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
pub async fn hosting_schools(db: &Db, cycle_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows =
        db.fetch_all(&Sql::new("SELECT DISTINCT school_id FROM reviews WHERE cycle_id = ?").bind(cycle_id)).await?;
    rows.iter().map(|r| get_i64(r, "school_id")).collect()
}

/// Cycle names, oldest first, for counting "the last N cycles".
pub async fn cycles(db: &Db) -> Result<Vec<(i64, String, String, String)>, StoreError> {
    let rows = db.fetch_all(&Sql::new("SELECT id, name, starts_on, ends_on FROM cycles ORDER BY starts_on")).await?;
    rows.iter()
        .map(|r| Ok((get_i64(r, "id")?, get_str(r, "name")?, get_str(r, "starts_on")?, get_str(r, "ends_on")?)))
        .collect()
}

/// Reviews of a cycle still needing their team (counts), for the overview.
pub async fn cycle_needs(db: &Db, cycle_id: i64, from: &str) -> Result<(i64, i64), StoreError> {
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

pub async fn cohort_by_id(db: &Db, id: i64) -> Result<Option<Cohort>, StoreError> {
    let mut s = Sql::new(COHORT_SELECT);
    s.push_bind(" WHERE c.id = ?", id);
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

pub async fn cohort_schools(db: &Db, cohort_id: i64) -> Result<Vec<CohortSchool>, StoreError> {
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

pub async fn groups(db: &Db, cohort_id: i64) -> Result<Vec<SchoolGroup>, StoreError> {
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
/// assignment as edited by hand.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: i64,
    /// 'review_teams', 'groups' or 'facilitators'.
    pub kind: String,
    pub subject_id: i64,
    /// 'proposed', 'accepted' or 'discarded'.
    pub status: String,
    pub input_json: String,
    pub proposal_json: String,
    pub current_json: String,
    pub summary: String,
    pub created_by: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub accepted_at: Option<i64>,
}

fn run(r: &AnyRow) -> Result<Run, StoreError> {
    Ok(Run {
        id: get_i64(r, "id")?,
        kind: get_str(r, "kind")?,
        subject_id: get_i64(r, "subject_id")?,
        status: get_str(r, "status")?,
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

#[allow(clippy::too_many_arguments)] // one value per column of the record
pub async fn create_run(
    tx: &mut Tx,
    who: &Who,
    kind: &str,
    subject_id: i64,
    input: &str,
    proposal: &str,
    current: &str,
    summary: &str,
) -> Result<i64, StoreError> {
    let t = tx.now();
    let row = Sql::new(
        "INSERT INTO match_runs (kind, subject_id, status, input_json, proposal_json, current_json, summary, created_by, created_at, updated_at) \
         VALUES (?, ?, 'proposed', ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(kind)
    .bind(subject_id)
    .bind(input)
    .bind(proposal)
    .bind(current)
    .bind(summary)
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
        Change::new("match.proposed", "match_run", id, format!("Proposed {}: {summary}", kind.replace('_', " "))),
    )
    .await?;
    Ok(id)
}

pub async fn get_run(db: &Db, id: i64) -> Result<Option<Run>, StoreError> {
    db.fetch_optional(&Sql::new("SELECT * FROM match_runs WHERE id = ?").bind(id)).await?.as_ref().map(run).transpose()
}

/// Recent runs (without their large JSON documents' content being needed).
pub async fn recent_runs(db: &Db, limit: i64) -> Result<Vec<Run>, StoreError> {
    db.fetch_all(&Sql::new("SELECT * FROM match_runs ORDER BY id DESC LIMIT ?").bind(limit))
        .await?
        .iter()
        .map(run)
        .collect()
}

/// Save a hand edit of a proposed run.
pub async fn edit_run(
    tx: &mut Tx,
    who: &Who,
    id: i64,
    current: &str,
    summary: &str,
    what: &str,
) -> Result<(), StoreError> {
    let r = Sql::new(
        "UPDATE match_runs SET current_json = ?, summary = ?, updated_at = ? WHERE id = ? AND status = 'proposed'",
    )
    .bind(current)
    .bind(summary)
    .bind(tx.now())
    .bind(id)
    .query()
    .execute(&mut **tx)
    .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            "This proposal has already been accepted or discarded; make a new one to change it.".into(),
        ));
    }
    audit::record(tx, who, Change::new("match.edited", "match_run", id, what.to_string())).await
}

async fn close_run(tx: &mut Tx, who: &Who, id: i64, status: &str) -> Result<(), StoreError> {
    let t = tx.now();
    let r = Sql::new("UPDATE match_runs SET status = ?, accepted_by = ?, accepted_at = ?, updated_at = ? WHERE id = ? AND status = 'proposed'")
        .bind(status)
        .bind(who.person_id)
        .bind(t)
        .bind(t)
        .bind(id)
        .query()
        .execute(&mut **tx)
        .await?;
    if r.rows_affected() == 0 {
        return Err(StoreError::Conflict("This proposal has already been accepted or discarded.".into()));
    }
    Ok(())
}

pub async fn discard_run(tx: &mut Tx, who: &Who, id: i64) -> Result<(), StoreError> {
    close_run(tx, who, id, "discarded").await?;
    audit::record(tx, who, Change::new("match.discarded", "match_run", id, "Proposal discarded")).await
}

/// Accept review teams: each listed review's team is replaced.
/// `teams`: (review, lead, peers).
/// `broken`: the hard rules the teams break, which the person accepted
/// knowingly (kept on the audit trail).
pub async fn accept_review_teams(
    tx: &mut Tx,
    who: &Who,
    run_id: i64,
    teams: &[(i64, Option<i64>, Vec<i64>)],
    broken: &[String],
) -> Result<(), StoreError> {
    close_run(tx, who, run_id, "accepted").await?;
    for (review, lead, peers) in teams {
        let before: Vec<i64> = Sql::new("SELECT person_id FROM review_team WHERE review_id = ? ORDER BY person_id")
            .bind(*review)
            .query()
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| get_i64(r, "person_id"))
            .collect::<Result<_, _>>()?;
        Sql::new("DELETE FROM review_team WHERE review_id = ?").bind(*review).query().execute(&mut **tx).await?;
        let t = tx.now();
        for (p, role) in lead.iter().map(|l| (*l, "lead")).chain(peers.iter().map(|p| (*p, "peer"))) {
            Sql::new("INSERT INTO review_team (review_id, person_id, role, created_at) VALUES (?, ?, ?, ?)")
                .bind(*review)
                .bind(p)
                .bind(role)
                .bind(t)
                .query()
                .execute(&mut **tx)
                .await?;
        }
        audit::record(
            tx,
            who,
            Change::new("review.team_set", "review", *review, format!("Team set from matching run {run_id}"))
                .before(serde_json::json!({"members": before}))
                .after(serde_json::json!({"lead": lead, "peers": peers})),
        )
        .await?;
    }
    accepted(tx, who, run_id, format!("Review teams accepted for {} reviews", teams.len()), broken).await
}

/// A group to save: its name, its schools, and its visit days (host, date).
pub type NewGroup = (String, Vec<i64>, Vec<(i64, String)>);

/// Accept groups for a cohort: the cohort's groups are replaced (with their
/// visit days).
pub async fn accept_groups(
    tx: &mut Tx,
    who: &Who,
    run_id: i64,
    cohort_id: i64,
    groups: &[NewGroup],
    broken: &[String],
) -> Result<(), StoreError> {
    close_run(tx, who, run_id, "accepted").await?;
    Sql::new("DELETE FROM school_groups WHERE cohort_id = ?").bind(cohort_id).query().execute(&mut **tx).await?;
    let t = tx.now();
    for (name, schools, visits) in groups {
        let row = Sql::new("INSERT INTO school_groups (cohort_id, name, created_at) VALUES (?, ?, ?) RETURNING id")
            .bind(cohort_id)
            .bind(name)
            .bind(t)
            .query()
            .fetch_one(&mut **tx)
            .await?;
        let gid = get_i64(&row, "id")?;
        for s in schools {
            Sql::new("INSERT INTO school_group_members (group_id, school_id) VALUES (?, ?)")
                .bind(gid)
                .bind(*s)
                .query()
                .execute(&mut **tx)
                .await?;
        }
        for (host, date) in visits {
            Sql::new("INSERT INTO group_visits (group_id, host_school_id, visit_date) VALUES (?, ?, ?)")
                .bind(gid)
                .bind(*host)
                .bind(date)
                .query()
                .execute(&mut **tx)
                .await?;
        }
        audit::record(
            tx,
            who,
            Change::new("cohort.group_set", "cohort", cohort_id, format!("{name} formed from matching run {run_id}"))
                .after(serde_json::json!({"group": name, "schools": schools, "visits": visits})),
        )
        .await?;
    }
    accepted(tx, who, run_id, format!("{} groups accepted", groups.len()), broken).await
}

/// Accept facilitators: (group id, facilitator).
pub async fn accept_facilitators(
    tx: &mut Tx,
    who: &Who,
    run_id: i64,
    chosen: &[(i64, Option<i64>)],
    broken: &[String],
) -> Result<(), StoreError> {
    close_run(tx, who, run_id, "accepted").await?;
    for (group, person) in chosen {
        let before = Sql::new("SELECT facilitator_id FROM school_groups WHERE id = ?")
            .bind(*group)
            .query()
            .fetch_optional(&mut **tx)
            .await?;
        let before = before.map(|r| get_oi64(&r, "facilitator_id")).transpose()?.flatten();
        Sql::new("UPDATE school_groups SET facilitator_id = ? WHERE id = ?")
            .bind(*person)
            .bind(*group)
            .query()
            .execute(&mut **tx)
            .await?;
        audit::record(
            tx,
            who,
            Change::new(
                "group.facilitator_set",
                "school_group",
                *group,
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
async fn accepted(tx: &mut Tx, who: &Who, run_id: i64, what: String, broken: &[String]) -> Result<(), StoreError> {
    let change = if broken.is_empty() {
        Change::new("match.accepted", "match_run", run_id, what)
    } else {
        let n = broken.len();
        Change::new(
            "match.accepted",
            "match_run",
            run_id,
            format!("{what}, with {n} broken rule{} accepted knowingly", if n == 1 { "" } else { "s" }),
        )
        .after(serde_json::json!({ "broken_rules": broken }))
    };
    audit::record(tx, who, change).await
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

/// Pinned (`together`) and separated (`apart`) pairs of a cohort.
pub async fn cohort_pairs(db: &Db, cohort_id: i64) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT school_a, school_b, kind FROM cohort_pairs WHERE cohort_id = ? ORDER BY school_a, school_b",
            )
            .bind(cohort_id),
        )
        .await?;
    rows.iter().map(|r| Ok((get_i64(r, "school_a")?, get_i64(r, "school_b")?, get_str(r, "kind")?))).collect()
}

/// Pin two schools together or keep them apart (or, with `kind` "none", neither).
pub async fn set_cohort_pair(
    tx: &mut Tx,
    who: &Who,
    cohort_id: i64,
    a: i64,
    b: i64,
    kind: &str,
) -> Result<(), StoreError> {
    let (a, b) = if a < b { (a, b) } else { (b, a) };
    Sql::new("DELETE FROM cohort_pairs WHERE cohort_id = ? AND school_a = ? AND school_b = ?")
        .bind(cohort_id)
        .bind(a)
        .bind(b)
        .query()
        .execute(&mut **tx)
        .await?;
    if kind != "none" {
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
        Change::new(
            "cohort.pair_set",
            "cohort",
            cohort_id,
            format!(
                "Schools {a} and {b}: {}",
                match kind {
                    "together" => "pinned together",
                    "apart" => "kept apart",
                    _ => "no rule",
                }
            ),
        )
        .after(serde_json::json!({"a": a, "b": b, "kind": kind})),
    )
    .await
}
