//! Matching in the product: build the engine's instance from the database,
//! propose, re-score hand edits, and apply an accepted run.
//!
//! A run keeps the instance it was solved on (`input_json`), so every
//! re-score of a hand edit uses exactly the data of the proposal, even if
//! people or reviews change meanwhile.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use upward_matching::reviews::{self, Cycle, LatLon, Person, Review, Rules, Weights};
use upward_storage::matching as store;
use upward_storage::{Db, StoreError};

/// Names and dates the pages show beside the engine's ids.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReviewInfo {
    pub id: String,
    pub urn: i64,
    pub school: String,
    pub starts_on: String,
    pub ends_on: String,
    pub special: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonInfo {
    pub id: String,
    pub name: String,
    pub school: Option<String>,
    pub can_lead: bool,
}

/// The instance of a review-team run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TeamsInput {
    pub cycle_id: i64,
    pub cycle_name: String,
    /// Reviews starting on or after this date are matched.
    pub from: String,
    pub cycle: Cycle,
    pub reviews: Vec<ReviewInfo>,
    pub people: Vec<PersonInfo>,
}

impl TeamsInput {
    pub fn person(&self, id: &str) -> Option<&PersonInfo> {
        self.people.iter().find(|p| p.id == id)
    }
    pub fn review(&self, id: &str) -> Option<&ReviewInfo> {
        self.reviews.iter().find(|r| r.id == id)
    }
    /// "Ada Lovelace (Oak School)".
    pub fn person_label(&self, id: &str) -> String {
        match self.person(id) {
            Some(p) => match &p.school {
                Some(s) => format!("{} ({s})", p.name),
                None => p.name.clone(),
            },
            None => format!("person {id}"),
        }
    }
    pub fn review_label(&self, id: &str) -> String {
        match self.review(id) {
            Some(r) => format!("{} ({} to {})", r.school, r.starts_on, r.ends_on),
            None => format!("review {id}"),
        }
    }
}

/// One theme of the taxonomy, as stored with a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThemeIn {
    pub id: String,
    pub label: String,
    pub weight: f64,
    pub keywords: Vec<String>,
}

/// The partnership's taxonomy (the `themes` table), as the engine's data.
pub fn taxonomy_of(themes: &[upward_storage::schools::Theme]) -> Vec<ThemeIn> {
    themes
        .iter()
        .map(|t| ThemeIn {
            id: t.code.clone(),
            label: t.label.clone(),
            weight: t.weight,
            keywords: t.keywords.split(';').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect(),
        })
        .collect()
}

/// The engine's taxonomy from stored themes (the shipped one when none).
pub fn engine_taxonomy(themes: &[ThemeIn]) -> upward_matching::themes::Taxonomy {
    if themes.is_empty() {
        return upward_matching::themes::Taxonomy::default();
    }
    let tags = themes
        .iter()
        .map(|t| upward_matching::themes::Tag {
            id: t.id.clone(),
            label: t.label.clone(),
            weight: t.weight,
            keywords: t.keywords.clone(),
        })
        .collect();
    upward_matching::themes::Taxonomy::new(tags).unwrap_or_default()
}

/// JSON text of a value stored with a run (our types always serialise).
pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// A DBS check is in date for three years.
pub const DBS_VALID_DAYS: i64 = 3 * 365;

fn week_of(iso: &str) -> i32 {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| {
            let w = d.iso_week();
            w.year() * 100 + w.week() as i32
        })
        .unwrap_or(0)
}

fn loc(lat: Option<f64>, lon: Option<f64>) -> Option<LatLon> {
    Some(LatLon { lat: lat?, lon: lon? })
}

/// Theme codes a specialism stands for (e.g. "Maths" → maths).
fn specialism_themes(s: &str) -> Option<&'static str> {
    let s = s.to_ascii_lowercase();
    Some(match s.as_str() {
        "maths" => "maths",
        "english" => "english",
        "send" => "send",
        "disadvantaged pupils" => "disadvantaged",
        "curriculum" => "curriculum",
        "behaviour" => "behaviour",
        "sixth form" => "post16",
        _ if s.starts_with("special") => "send",
        _ => return None,
    })
}

/// Build the instance for the reviews of `cycle_id` from `from` on.
pub async fn teams_input(
    db: &Db,
    cycle_id: i64,
    from: &str,
    weights: Weights,
    rules: Rules,
    today: NaiveDate,
) -> Result<TeamsInput, StoreError> {
    let cycles = store::cycles(db).await?;
    let pos = cycles
        .iter()
        .position(|c| c.0 == cycle_id)
        .ok_or_else(|| StoreError::NotFound(format!("review cycle {cycle_id}")))?;
    let cycle_name = cycles[pos].1.clone();
    let (slots, candidates) = store::cycle_data(db, cycle_id, from).await?;
    let hosts: std::collections::HashSet<i64> = store::hosting_schools(db, cycle_id).await?.into_iter().collect();
    let in_scope: std::collections::HashSet<i64> = slots.iter().map(|s| s.id).collect();
    // Reviews of this cycle outside the scope (already staffed, earlier):
    // they use up people's loads.
    let (all_slots, _) = store::cycle_data(db, cycle_id, "0000-00-00").await?;
    let mut used: HashMap<i64, u32> = HashMap::new();
    for s in all_slots.iter().filter(|s| !in_scope.contains(&s.id)) {
        for (p, _) in &s.team {
            *used.entry(*p).or_default() += 1;
        }
    }
    let cycle_index: HashMap<&str, usize> = cycles.iter().enumerate().map(|(i, c)| (c.1.as_str(), i)).collect();
    let reviews: Vec<Review> = slots
        .iter()
        .map(|s| Review {
            id: s.id.to_string(),
            school: s.school_id.to_string(),
            trust: s.trust_id.map(|t| t.to_string()),
            hub: s.hub_id.map(|h| h.to_string()),
            week: week_of(&s.starts_on),
            special: s.phase == "special",
            peer_places: s.peer_places.max(0) as u32,
            needs_lead: true,
            location: loc(s.latitude, s.longitude),
            phase: Some(s.phase.clone()),
            focus: {
                let mut f = s.focus_themes.clone();
                f.sort();
                f.dedup();
                f
            },
        })
        .collect();
    let people: Vec<Person> = candidates
        .iter()
        .filter(|c| c.reviewer || c.can_lead)
        .map(|c| {
            let dbs_ok = c
                .dbs_checked_on
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .is_some_and(|d| (today - d).num_days() <= DBS_VALID_DAYS);
            let already = used.get(&c.id).copied().unwrap_or(0);
            let max = c.max_per_year.unwrap_or(if c.can_lead { 10 } else { 4 }).max(0) as u32;
            let max_load = max.saturating_sub(already);
            let min_load = (c.min_per_year.unwrap_or(0).max(0) as u32).saturating_sub(already).min(max_load);
            let mut themes: Vec<String> = c.themes.clone();
            themes.extend(c.specialisms.iter().filter_map(|s| specialism_themes(s)).map(str::to_string));
            themes.sort();
            themes.dedup();
            Person {
                id: c.id.to_string(),
                school: c.school_id.map(|s| s.to_string()).unwrap_or_else(|| format!("none-{}", c.id)),
                trust: c.trust_id.map(|t| t.to_string()),
                hub: c.hub_id.map(|h| h.to_string()),
                can_lead: c.can_lead,
                special_expertise: c.specialisms.iter().any(|s| s.to_ascii_lowercase().starts_with("special")),
                eligible: dbs_ok && c.trained_on.is_some(),
                min_load,
                max_load,
                conflicts: c.conflicts.iter().map(|s| s.to_string()).collect(),
                reviewed: c
                    .reviewed
                    .iter()
                    .filter_map(|(school, cycle)| {
                        cycle_index.get(cycle.as_str()).map(|&i| (school.to_string(), (pos.saturating_sub(i)) as u32))
                    })
                    .filter(|(_, ago)| *ago >= 1)
                    .collect(),
                location: loc(c.latitude, c.longitude),
                travel_limit_km: None,
                experience: c.experience.max(0) as u32,
                phase: c.phase.clone(),
                themes,
                school_hosts_review: c.school_id.is_some_and(|s| hosts.contains(&s)),
            }
        })
        .collect();
    let info_people = candidates
        .iter()
        .filter(|c| c.reviewer || c.can_lead)
        .map(|c| PersonInfo {
            id: c.id.to_string(),
            name: c.name.clone(),
            school: c.school_name.clone(),
            can_lead: c.can_lead,
        })
        .collect();
    let info_reviews = slots
        .iter()
        .map(|s| ReviewInfo {
            id: s.id.to_string(),
            urn: s.urn,
            school: s.school_name.clone(),
            starts_on: s.starts_on.clone(),
            ends_on: s.ends_on.clone(),
            special: s.phase == "special",
        })
        .collect();
    Ok(TeamsInput {
        cycle_id,
        cycle_name,
        from: from.to_string(),
        cycle: Cycle { reviews, people, weights, rules },
        reviews: info_reviews,
        people: info_people,
    })
}

/// One line summing up a proposal or an edited assignment.
pub fn teams_summary(input: &TeamsInput, report: &reviews::Report, status: Option<&reviews::Status>) -> String {
    let places: u32 = input.cycle.reviews.iter().map(|r| r.peer_places + r.needs_lead as u32).sum();
    let filled = places.saturating_sub(report.unfilled_places);
    let status = match status {
        Some(reviews::Status::Optimal { .. }) => ", proven optimal".to_string(),
        Some(reviews::Status::Feasible { gap, .. }) => format!(", within {gap:.1} points of the best possible"),
        Some(reviews::Status::Infeasible { .. }) => ", some hard rules cannot all be met".to_string(),
        None => String::new(),
    };
    format!(
        "{} reviews of {}: {filled} of {places} places filled, {:.1} points{status}; {} broken rules",
        input.cycle.reviews.len(),
        input.cycle_name,
        report.total_points(),
        report.warnings.len()
    )
}

/// Plain-English lines for the warnings of a report (names, not ids).
pub fn warning_lines(input: &TeamsInput, report: &reviews::Report) -> Vec<String> {
    report
        .warnings
        .iter()
        .map(|w| {
            let who = w.person.as_deref().map(|p| input.person_label(p));
            let at = w.review.as_deref().map(|r| input.review_label(r));
            match (who, at) {
                (Some(p), Some(r)) => format!("{p} at {r}: {}", w.rule.describe()),
                (Some(p), None) => match w.rule {
                    reviews::Rule::AtMaxLoad => format!("{p}: more reviews than their maximum this cycle"),
                    reviews::Rule::BelowMinLoad => format!("{p}: fewer reviews than they committed to this cycle"),
                    reviews::Rule::WeekClash => format!("{p}: on more than one review in the same week"),
                    _ => format!("{p}: {}", w.rule.describe()),
                },
                (None, Some(r)) => format!("{r}: {}", w.rule.describe()),
                (None, None) => w.message.clone(),
            }
        })
        .collect()
}
