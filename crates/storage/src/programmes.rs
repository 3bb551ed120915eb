//! Review cycles, reviews and their teams, and events: what calendars show
//! and what matching fills.

use crate::audit::{self, Change, Who};
use crate::db::{Db, Tx};
use crate::error::StoreError;
use crate::sql::Sql;
use crate::util::{get_i64, get_ostr, get_str};
use serde::Serialize;

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
    pub kind: &'a str,
    pub school_id: i64,
    pub starts_on: &'a str,
    pub ends_on: &'a str,
    pub status: &'a str,
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
    .bind(r.kind)
    .bind(r.school_id)
    .bind(r.starts_on)
    .bind(r.ends_on)
    .bind(r.status)
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
    role: &str,
) -> Result<(), StoreError> {
    Sql::new("INSERT INTO review_team (review_id, person_id, role, created_at) VALUES (?, ?, ?, ?)")
        .bind(review_id)
        .bind(person_id)
        .bind(role)
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
            format!("Person {person_id} joined the team as {role}"),
        )
        .after(serde_json::json!({"person_id": person_id, "role": role})),
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
}

/// Reviews the person is on, reviews of the schools they lead, and events
/// they registered for.
pub async fn calendar(db: &Db, person_id: i64) -> Result<Vec<CalendarItem>, StoreError> {
    let mut out = Vec::new();
    let rows = db
        .fetch_all(
            &Sql::new(
                "SELECT r.id, r.kind, r.starts_on, r.ends_on, s.name AS school_name, s.postcode, tm.role FROM review_team tm \
                 JOIN reviews r ON r.id = tm.review_id JOIN schools s ON s.id = r.school_id WHERE tm.person_id = ? \
                 UNION ALL \
                 SELECT r.id, r.kind, r.starts_on, r.ends_on, s.name AS school_name, s.postcode, 'host' AS role FROM reviews r \
                 JOIN schools s ON s.id = r.school_id JOIN role_grants g ON g.scope_kind = 'school' AND g.scope_id = r.school_id \
                 AND g.role = 'school_leader' WHERE g.person_id = ? ORDER BY 3",
            )
            .bind(person_id)
            .bind(person_id),
        )
        .await?;
    for r in &rows {
        let id = get_i64(r, "id")?;
        let role = get_str(r, "role")?;
        let school = get_str(r, "school_name")?;
        let kind = match get_str(r, "kind")?.as_str() {
            "spotlight" => "Spotlight Review",
            "trust" => "Trust Peer Review",
            _ => "QA Review",
        };
        let what = match role.as_str() {
            "lead" => "Lead Reviewer",
            "peer" => "peer reviewer",
            _ => "host school",
        };
        out.push(CalendarItem {
            uid: format!("review-{id}-{role}-{person_id}@upward"),
            title: format!("{kind}: {school}"),
            starts_on: Some(get_str(r, "starts_on")?),
            ends_on: Some(get_str(r, "ends_on")?),
            starts_at: None,
            ends_at: None,
            location: get_ostr(r, "postcode")?.map(|p| format!("{school}, {p}")),
            description: format!("{kind} of {school}. You are the {what}."),
        });
    }
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
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub status: String,
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
                kind: get_str(r, "kind")?,
                starts_on: get_str(r, "starts_on")?,
                ends_on: get_str(r, "ends_on")?,
                status: get_str(r, "status")?,
            })
        })
        .collect()
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

/// A Growing the Top group as it was formed (the demo's past cohort): its
/// schools, a visit day at each, and its facilitator.
pub async fn add_group(
    tx: &mut Tx,
    who: &Who,
    cohort_id: upward_domain::ids::CohortId,
    name: &str,
    schools: &[i64],
    visits: &[(i64, String)],
    facilitator: Option<i64>,
) -> Result<i64, StoreError> {
    let row = Sql::new(
        "INSERT INTO school_groups (cohort_id, name, facilitator_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(cohort_id.get())
    .bind(name)
    .bind(facilitator)
    .bind(tx.now())
    .query()
    .fetch_one(&mut **tx)
    .await?;
    let id = get_i64(&row, "id")?;
    for s in schools {
        Sql::new("INSERT INTO school_group_members (group_id, school_id) VALUES (?, ?)")
            .bind(id)
            .bind(*s)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    for (host, date) in visits {
        Sql::new("INSERT INTO group_visits (group_id, host_school_id, visit_date) VALUES (?, ?, ?)")
            .bind(id)
            .bind(*host)
            .bind(date)
            .query()
            .execute(&mut **tx)
            .await?;
    }
    audit::record(
        tx,
        who,
        Change::new("cohort.group_set", "cohort", cohort_id.get(), format!("{name} formed")).after(
            serde_json::json!({"group": name, "schools": schools, "visits": visits, "facilitator": facilitator}),
        ),
    )
    .await?;
    Ok(id)
}
