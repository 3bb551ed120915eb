//! Review cycles, reviews and their teams, and events: what calendars show
//! and what matching fills.

use crate::audit::{self, Change, Who};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_i64, get_ostr, get_str};
use serde::Serialize;
use upward_domain::reviews::{ReviewKind, ReviewStatus, TeamRole};

pub async fn create_cycle(
    tx: &mut Tx,
    who: &Who,
    name: &str,
    starts_on: &str,
    ends_on: &str,
) -> Result<i64, StoreError> {
    let row = Sql::new("INSERT INTO cycles (name, starts_on, ends_on, created_at) VALUES (?, ?, ?, ?) RETURNING id")
        .bind(name)
        .bind(starts_on)
        .bind(ends_on)
        .bind(tx.now())
        .query()
        .fetch_one(&mut **tx)
        .await?;
    let id = get_i64(&row, "id")?;
    audit::record(tx, who, Change::new("cycle.created", "cycle", id, format!("Review cycle {name} created"))).await?;
    Ok(id)
}

#[derive(Debug, Clone, Serialize)]
pub struct NewReview<'a> {
    pub cycle_id: i64,
    pub kind: ReviewKind,
    pub school_id: i64,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub status: ReviewStatus,
    pub peer_places: i64,
    pub focus: Option<&'a str>,
}

pub async fn create_review(tx: &mut Tx, who: &Who, r: &NewReview<'_>) -> Result<i64, StoreError> {
    let t = tx.now();
    let row = Sql::new(
        "INSERT INTO reviews (cycle_id, kind, school_id, starts_on, ends_on, status, peer_places, focus, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(r.cycle_id)
    .bind(r.kind.as_str())
    .bind(r.school_id)
    .bind(r.starts_on)
    .bind(r.ends_on)
    .bind(r.status.as_str())
    .bind(r.peer_places)
    .bind(r.focus)
    .bind(t)
    .bind(t)
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    audit::record(
        tx,
        who,
        Change::new("review.booked", "review", id, format!("Review booked for {} to {}", r.starts_on, r.ends_on))
            .after(serde_json::to_value(r).unwrap_or_default()),
    )
    .await?;
    Ok(id)
}

pub async fn add_team_member(
    tx: &mut Tx,
    who: &Who,
    review_id: i64,
    person_id: i64,
    role: TeamRole,
) -> Result<(), StoreError> {
    Sql::new("INSERT INTO review_team (review_id, person_id, role, created_at) VALUES (?, ?, ?, ?)")
        .bind(review_id)
        .bind(person_id)
        .bind(role.as_str())
        .bind(tx.now())
        .query()
        .execute(&mut **tx)
        .await?;
    audit::record(
        tx,
        who,
        Change::new(
            "review.team_member_added",
            "review",
            review_id,
            format!("Person {person_id} joined the team as {}", role.label()),
        )
        .after(serde_json::json!({"person_id": person_id, "role": role.as_str()})),
    )
    .await
}

/// Something on a person's calendar.
#[derive(Debug, Clone, Serialize)]
pub struct CalendarItem {
    /// Stable identifier, e.g. "review-12-person-3".
    pub uid: String,
    pub title: String,
    /// All-day items have dates; timed items have Unix times.
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub location: Option<String>,
    pub description: String,
    /// The school a review is at.
    pub school_urn: Option<i64>,
}

/// Reviews the person is on, reviews of the schools they lead, and events
/// they registered for.
pub async fn calendar(db: &Db, person_id: i64) -> Result<Vec<CalendarItem>, StoreError> {
    let mut out = Vec::new();
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT r.id, r.kind, r.starts_on, r.ends_on, s.name AS school_name, s.urn, s.postcode, tm.role FROM review_team tm \
                 JOIN reviews r ON r.id = tm.review_id JOIN schools s ON s.id = r.school_id WHERE tm.person_id = ? AND r.status <> 'cancelled' \
                 UNION ALL \
                 SELECT r.id, r.kind, r.starts_on, r.ends_on, s.name AS school_name, s.urn, s.postcode, 'host' AS role FROM reviews r \
                 JOIN schools s ON s.id = r.school_id JOIN role_grants g ON g.scope_kind = 'school' AND g.scope_id = r.school_id \
                 AND g.role = 'school_leader' WHERE g.person_id = ? AND r.status <> 'cancelled' ORDER BY 3",
            )
            .bind(person_id)
            .bind(person_id),
        )
        .await?;
    for r in &rows {
        let id = get_i64(r, "id")?;
        let role = get_str(r, "role")?;
        let school = get_str(r, "school_name")?;
        let kind = crate::util::get_kind(r, "kind")?.label();
        // The team member's place, or (the second query) the host school.
        let what = TeamRole::parse(&role).map(TeamRole::label).unwrap_or("host school");
        out.push(CalendarItem {
            uid: format!("review-{id}-{role}-{person_id}@upward"),
            title: format!("{kind}: {school}"),
            starts_on: Some(get_str(r, "starts_on")?),
            ends_on: Some(get_str(r, "ends_on")?),
            starts_at: None,
            ends_at: None,
            location: get_ostr(r, "postcode")?.map(|p| format!("{school}, {p}")),
            description: format!("{kind} of {school}. You are the {what}."),
            school_urn: Some(get_i64(r, "urn")?),
        });
    }
    out.extend(group_visits(db, person_id).await?);
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT e.id, e.title, e.starts_at, e.ends_at, e.location, e.description FROM event_registrations er \
                 JOIN events e ON e.id = er.event_id WHERE er.person_id = ? AND er.status = 'registered' ORDER BY e.starts_at",
            )
            .bind(person_id),
        )
        .await?;
    for r in &rows {
        out.push(CalendarItem {
            uid: format!("event-{}-{person_id}@upward", get_i64(r, "id")?),
            title: get_str(r, "title")?,
            starts_on: None,
            ends_on: None,
            starts_at: Some(get_i64(r, "starts_at")?),
            ends_at: Some(get_i64(r, "ends_at")?),
            location: get_ostr(r, "location")?,
            description: get_ostr(r, "description")?.unwrap_or_default(),
            school_urn: None,
        });
    }
    Ok(out)
}

#[allow(clippy::too_many_arguments)] // one value per column of the record
pub async fn create_event(
    tx: &mut Tx,
    who: &Who,
    title: &str,
    kind: &str,
    starts_at: i64,
    ends_at: i64,
    location: Option<&str>,
    description: Option<&str>,
    capacity: Option<i64>,
) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO events (title, kind, starts_at, ends_at, location, description, capacity, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(title)
    .bind(kind)
    .bind(starts_at)
    .bind(ends_at)
    .bind(location)
    .bind(description)
    .bind(capacity)
    .bind(tx.now())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    audit::record(tx, who, Change::new("event.created", "event", id, format!("Event created: {title}"))).await?;
    Ok(id)
}

pub async fn register(tx: &mut Tx, who: &Who, event_id: i64, person_id: i64) -> Result<(), StoreError> {
    Sql::new(
        "INSERT INTO event_registrations (event_id, person_id, status, created_at) VALUES (?, ?, 'registered', ?) \
         ON CONFLICT (event_id, person_id) DO UPDATE SET status = 'registered'",
    )
    .bind(event_id)
    .bind(person_id)
    .bind(tx.now())
    .query()
    .execute(&mut **tx)
    .await?;
    audit::record(tx, who, Change::new("event.registered", "event", event_id, format!("Person {person_id} registered")))
        .await
}

/// Reviews of a school, newest first (for its profile).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewSummary {
    pub id: i64,
    pub cycle: String,
    pub kind: ReviewKind,
    pub starts_on: String,
    pub ends_on: String,
    pub status: ReviewStatus,
}

pub async fn reviews_of_school(db: &Db, school_id: i64) -> Result<Vec<ReviewSummary>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT r.id, c.name AS cycle, r.kind, r.starts_on, r.ends_on, r.status FROM reviews r JOIN cycles c ON c.id = r.cycle_id \
                 WHERE r.school_id = ? ORDER BY r.starts_on DESC",
            )
            .bind(school_id),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ReviewSummary {
                id: get_i64(r, "id")?,
                cycle: get_str(r, "cycle")?,
                kind: crate::util::get_kind(r, "kind")?,
                starts_on: get_str(r, "starts_on")?,
                ends_on: get_str(r, "ends_on")?,
                status: crate::util::get_state(r, "status")?,
            })
        })
        .collect()
}

/// The review cycle that contains `today` (an ISO date), if any.
#[derive(Debug, Clone, Serialize)]
pub struct CycleInfo {
    pub id: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
}

pub async fn cycle_on(db: &Db, today: &str) -> Result<Option<CycleInfo>, StoreError> {
    let row = db
        .fetch_optional(
            &Sql::new("SELECT id, name, starts_on, ends_on FROM cycles WHERE starts_on <= ? AND ends_on >= ? ORDER BY starts_on DESC LIMIT 1")
                .bind(today)
                .bind(today),
        )
        .await?;
    row.map(|r| {
        Ok(CycleInfo {
            id: get_i64(&r, "id")?,
            name: get_str(&r, "name")?,
            starts_on: get_str(&r, "starts_on")?,
            ends_on: get_str(&r, "ends_on")?,
        })
    })
    .transpose()
}

/// A group of member schools someone leads: a Hub, a trust, or one school.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schools {
    Hub(i64),
    Trust(i64),
    School(i64),
}

impl Schools {
    fn filter(self) -> (&'static str, i64) {
        match self {
            Schools::Hub(id) => ("s.hub_id = ?", id),
            Schools::Trust(id) => ("s.trust_id = ?", id),
            Schools::School(id) => ("s.id = ?", id),
        }
    }
}

/// A review as a line in a list: the school and the dates.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewLine {
    pub id: i64,
    pub urn: i64,
    pub school: String,
    pub kind: ReviewKind,
    pub status: ReviewStatus,
    pub starts_on: String,
    pub ends_on: String,
}

/// Reviews of these open member schools starting from `from` to `to`
/// (ISO dates), soonest first; cancelled ones left out.
pub async fn reviews_between(db: &Db, of: Schools, from: &str, to: &str) -> Result<Vec<ReviewLine>, StoreError> {
    let (filter, id) = of.filter();
    let rows = db
        .fetch_all(
            &Sql::new(&format!(
                "SELECT r.id, s.urn, s.name, r.kind, r.status, r.starts_on, r.ends_on FROM reviews r JOIN schools s ON s.id = r.school_id \
                 WHERE {filter} AND s.membership = 'member' AND r.status <> 'cancelled' AND r.starts_on >= ? AND r.starts_on <= ? \
                 ORDER BY r.starts_on, s.name"
            ))
            .bind(id)
            .bind(from)
            .bind(to),
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ReviewLine {
                id: get_i64(r, "id")?,
                urn: get_i64(r, "urn")?,
                school: get_str(r, "name")?,
                kind: crate::util::get_kind(r, "kind")?,
                status: crate::util::get_state(r, "status")?,
                starts_on: get_str(r, "starts_on")?,
                ends_on: get_str(r, "ends_on")?,
            })
        })
        .collect()
}

/// Open member schools of the group with no review (other than a cancelled
/// one) in the cycle: (URN, name), by name.
pub async fn schools_without_review(db: &Db, of: Schools, cycle_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let (filter, id) = of.filter();
    let rows = db
        .fetch_all(
            &Sql::new(&format!(
                "SELECT s.urn, s.name FROM schools s WHERE {filter} AND s.membership = 'member' \
                 AND s.status IN ('open', 'proposed_to_close') AND NOT EXISTS (SELECT 1 FROM reviews r \
                 WHERE r.school_id = s.id AND r.cycle_id = ? AND r.status <> 'cancelled') ORDER BY s.name"
            ))
            .bind(id)
            .bind(cycle_id),
        )
        .await?;
    rows.iter().map(|r| Ok((get_i64(r, "urn")?, get_str(r, "name")?))).collect()
}

/// Growing the Top visit days of the groups a person facilitates, and of
/// the groups of the schools they lead.
async fn group_visits(db: &Db, person_id: i64) -> Result<Vec<CalendarItem>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT v.id, v.visit_date, g.name AS group_name, c.name AS cohort, s.name AS host, s.postcode, 'facilitator' AS role \
                 FROM school_groups g JOIN cohorts c ON c.id = g.cohort_id JOIN group_visits v ON v.group_id = g.id \
                 JOIN schools s ON s.id = v.host_school_id WHERE g.facilitator_id = ? \
                 UNION \
                 SELECT v.id, v.visit_date, g.name AS group_name, c.name AS cohort, s.name AS host, s.postcode, 'school' AS role \
                 FROM school_group_members m JOIN role_grants rg ON rg.scope_kind = 'school' AND rg.scope_id = m.school_id \
                 AND rg.role = 'school_leader' JOIN school_groups g ON g.id = m.group_id JOIN cohorts c ON c.id = g.cohort_id \
                 JOIN group_visits v ON v.group_id = g.id JOIN schools s ON s.id = v.host_school_id WHERE rg.person_id = ? \
                 ORDER BY 2, 1",
            )
            .bind(person_id)
            .bind(person_id),
        )
        .await?;
    let mut out: Vec<CalendarItem> = Vec::with_capacity(rows.len());
    for r in &rows {
        let id = get_i64(r, "id")?;
        let role = get_str(r, "role")?;
        let uid = format!("visit-{id}-{person_id}@upward");
        // A facilitator who also leads a school of the group: one entry.
        if out.iter().any(|i| i.uid == uid) {
            continue;
        }
        let (group, cohort, host) = (get_str(r, "group_name")?, get_str(r, "cohort")?, get_str(r, "host")?);
        let day = get_str(r, "visit_date")?;
        out.push(CalendarItem {
            uid,
            title: format!("Growing the Top visit: {group} at {host}"),
            starts_on: Some(day.clone()),
            ends_on: Some(day),
            starts_at: None,
            ends_at: None,
            location: get_ostr(r, "postcode")?.map(|p| format!("{host}, {p}")),
            description: if role == "facilitator" {
                format!("{cohort}, {group}: visit day at {host}. You are the group's facilitator.")
            } else {
                format!("{cohort}, {group}: visit day at {host}. Your school is in this group.")
            },
            school_urn: None,
        });
    }
    Ok(out)
}
/// A review of a cycle with its team, whatever its status (for checking a
/// whole cycle against matching's rules).
#[derive(Debug, Clone, Serialize)]
pub struct ReviewWithTeam {
    pub id: i64,
    pub school_id: i64,
    pub trust_id: Option<i64>,
    pub hub_id: Option<i64>,
    pub phase: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
    pub peer_places: i64,
    /// (person, 'lead' or 'peer')
    pub team: Vec<(i64, String)>,
}

pub async fn cycle_reviews(db: &Db, cycle_id: upward_domain::ids::CycleId) -> Result<Vec<ReviewWithTeam>, StoreError> {
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT r.id, r.school_id, s.trust_id, s.hub_id, s.phase, r.starts_on, r.ends_on, r.status, r.peer_places \
                 FROM reviews r JOIN schools s ON s.id = r.school_id WHERE r.cycle_id = ? ORDER BY r.starts_on, r.id",
            )
            .bind(cycle_id.get()),
        )
        .await?;
    let mut out: Vec<ReviewWithTeam> = rows
        .iter()
        .map(|r| {
            Ok(ReviewWithTeam {
                id: get_i64(r, "id")?,
                school_id: get_i64(r, "school_id")?,
                trust_id: crate::util::get_oi64(r, "trust_id")?,
                hub_id: crate::util::get_oi64(r, "hub_id")?,
                phase: get_str(r, "phase")?,
                starts_on: get_str(r, "starts_on")?,
                ends_on: get_str(r, "ends_on")?,
                status: get_str(r, "status")?,
                peer_places: get_i64(r, "peer_places")?,
                team: vec![],
            })
        })
        .collect::<Result<_, StoreError>>()?;
    let idx: std::collections::HashMap<i64, usize> = out.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT tm.review_id, tm.person_id, tm.role FROM review_team tm JOIN reviews r ON r.id = tm.review_id \
                 WHERE r.cycle_id = ? ORDER BY tm.id",
            )
            .bind(cycle_id.get()),
        )
        .await?;
    for r in &rows {
        if let Some(&i) = idx.get(&get_i64(r, "review_id")?) {
            out[i].team.push((get_i64(r, "person_id")?, get_str(r, "role")?));
        }
    }
    Ok(out)
}
