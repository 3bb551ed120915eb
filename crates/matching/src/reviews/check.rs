//! The independent checker, also the live re-scoring API.
//!
//! [`rescore`] takes a cycle and any assignment (the solver's, or one the
//! central team edited by hand) and returns the score of every member and
//! team, broken down by preference term, and every broken hard rule as a
//! warning. It shares only the data types with the solver: rules and scores
//! are recomputed here from their definitions, so a test that compares the
//! two catches a bug in either.
//!
//! Scores are in thousandths of a point (`milli`), each term rounded on its
//! own, so totals are exact integers.

use super::model::{Assignment, Cycle, Person, Review, Role, Rule};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// Score of one team member, by term (thousandths of a point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberScore {
    pub person: String,
    pub role: Role,
    pub phase: i64,
    pub themes: i64,
    pub travel: i64,
    pub reciprocity: i64,
    pub total: i64,
}

/// Score of one review's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewScore {
    pub review: String,
    pub members: Vec<MemberScore>,
    /// Bonus for mixing experienced and first-time peer reviewers.
    pub mix: i64,
    /// Penalty (negative) for several members from one Hub.
    pub hub_repeat: i64,
    /// Members' totals + mix + hub_repeat.
    pub total: i64,
    /// Peer places left empty.
    pub unfilled_peers: u32,
    /// The review needs a lead and has none.
    pub lead_missing: bool,
}

/// A broken hard rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub rule: Rule,
    pub review: Option<String>,
    pub person: Option<String>,
    pub message: String,
}

/// Result of [`rescore`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    /// Sum of the review totals (thousandths of a point).
    pub total: i64,
    pub reviews: Vec<ReviewScore>,
    /// Places (lead and peer) left empty.
    pub unfilled_places: u32,
    /// Every broken hard rule; empty for a valid assignment.
    pub warnings: Vec<Warning>,
}

impl Report {
    /// Total in points.
    pub fn total_points(&self) -> f64 {
        self.total as f64 / 1000.0
    }
    /// Warnings counted per rule.
    pub fn warning_counts(&self) -> BTreeMap<Rule, usize> {
        let mut m = BTreeMap::new();
        for w in &self.warnings {
            *m.entry(w.rule).or_insert(0) += 1;
        }
        m
    }
}

fn milli(x: f64) -> i64 {
    (x * 1000.0).round() as i64
}

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y))
}

/// The hard rules that forbid `person` from `role` at `review`, on their own
/// (without looking at the rest of the assignment).
pub fn pair_rules(cycle: &Cycle, person: &Person, review: &Review, role: Role) -> Vec<Rule> {
    let mut v = Vec::new();
    if !person.eligible {
        v.push(Rule::NotEligible);
    }
    if person.school == review.school {
        v.push(Rule::OwnSchool);
    }
    if same(&person.trust, &review.trust) {
        v.push(Rule::SameTrust);
    }
    if cycle.rules.same_hub_is_conflict && same(&person.hub, &review.hub) {
        v.push(Rule::SameHub);
    }
    if person.conflicts.contains(&review.school) {
        v.push(Rule::DeclaredConflict);
    }
    if person.reviewed.iter().any(|(s, ago)| *s == review.school && *ago <= cycle.rules.recent_cycles) {
        v.push(Rule::ReviewedRecently);
    }
    if let (Some(limit), Some(a), Some(b)) = (person.travel_limit_km, person.location, review.location)
        && a.distance_km(b) > limit
    {
        v.push(Rule::TooFar);
    }
    if role == Role::Lead {
        if !person.can_lead {
            v.push(Rule::NotALead);
        }
        if review.special && !person.special_expertise {
            v.push(Rule::NoSpecialExpertise);
        }
    }
    v
}

/// What `p` would score in `role` at `r` (the preference terms, before the
/// team's mix and Hub terms).
pub fn member_score(cycle: &Cycle, p: &Person, r: &Review, role: Role) -> MemberScore {
    let w = &cycle.weights;
    let phase = if same(&p.phase, &r.phase) { milli(w.phase) } else { 0 };
    let themes = if r.focus.is_empty() {
        0
    } else {
        let hit = r.focus.iter().filter(|f| p.themes.iter().any(|t| t.eq_ignore_ascii_case(f))).count();
        milli(w.themes * hit as f64 / r.focus.len() as f64)
    };
    let travel = match (p.location, r.location) {
        (Some(a), Some(b)) => -milli(w.travel_per_100km * a.distance_km(b) / 100.0),
        _ => 0,
    };
    let reciprocity = if p.school_hosts_review { milli(w.reciprocity) } else { 0 };
    MemberScore {
        person: p.id.clone(),
        role,
        phase,
        themes,
        travel,
        reciprocity,
        total: phase + themes + travel + reciprocity,
    }
}

/// Scores `assignment` and lists every broken hard rule.
pub fn rescore(cycle: &Cycle, assignment: &Assignment) -> Report {
    let review_ix: HashMap<&str, usize> = cycle.reviews.iter().enumerate().map(|(i, r)| (r.id.as_str(), i)).collect();
    let person_ix: HashMap<&str, usize> = cycle.people.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mut warnings = Vec::new();
    let mut warn = |rule: Rule, review: Option<&str>, person: Option<&str>, message: String| {
        warnings.push(Warning { rule, review: review.map(str::to_string), person: person.map(str::to_string), message })
    };
    // Gather members per review (a review listed twice is merged).
    let mut members: Vec<Vec<(usize, Role)>> = vec![Vec::new(); cycle.reviews.len()];
    for team in &assignment.teams {
        let Some(&ri) = review_ix.get(team.review.as_str()) else {
            warn(Rule::UnknownId, Some(&team.review), None, format!("review {} is not in this cycle", team.review));
            continue;
        };
        let listed = team.lead.iter().map(|l| (l, Role::Lead)).chain(team.peers.iter().map(|p| (p, Role::Peer)));
        for (id, role) in listed {
            match person_ix.get(id.as_str()) {
                Some(&pi) => members[ri].push((pi, role)),
                None => {
                    warn(Rule::UnknownId, Some(&team.review), Some(id), format!("person {id} is not in this cycle"))
                }
            }
        }
    }
    let mut load = vec![0u32; cycle.people.len()];
    let mut weeks: HashMap<(usize, i32), Vec<usize>> = HashMap::new();
    let mut reviews = Vec::with_capacity(cycle.reviews.len());
    let mut unfilled_places = 0;
    for (ri, r) in cycle.reviews.iter().enumerate() {
        let m = &members[ri];
        let leads = m.iter().filter(|x| x.1 == Role::Lead).count();
        let peers = m.iter().filter(|x| x.1 == Role::Peer).count() as u32;
        if leads > 1 || (leads == 1 && !r.needs_lead) {
            warn(
                Rule::TeamSize,
                Some(&r.id),
                None,
                format!("review {} has {} lead(s), needs {}", r.id, leads, r.needs_lead as u32),
            );
        }
        if peers > r.peer_places {
            warn(
                Rule::TeamSize,
                Some(&r.id),
                None,
                format!("review {} has {} peer reviewers for {} places", r.id, peers, r.peer_places),
            );
        }
        let lead_missing = r.needs_lead && leads == 0;
        let unfilled_peers = r.peer_places.saturating_sub(peers);
        unfilled_places += unfilled_peers + lead_missing as u32;
        let mut seen_person: HashMap<usize, ()> = HashMap::new();
        let mut schools: HashMap<&str, Vec<&str>> = HashMap::new();
        let mut hubs: HashMap<String, u32> = HashMap::new();
        let (mut first_time, mut experienced) = (false, false);
        let mut scores = Vec::new();
        for &(pi, role) in m {
            let p = &cycle.people[pi];
            if seen_person.insert(pi, ()).is_some() {
                warn(Rule::TeamSize, Some(&r.id), Some(&p.id), format!("{} is in the team of {} twice", p.id, r.id));
                continue;
            }
            for rule in pair_rules(cycle, p, r, role) {
                warn(rule, Some(&r.id), Some(&p.id), format!("{} at {}: {}", p.id, r.id, rule.describe()));
            }
            load[pi] += 1;
            weeks.entry((pi, r.week)).or_default().push(ri);
            schools.entry(p.school.as_str()).or_default().push(p.id.as_str());
            if let Some(h) = &p.hub {
                *hubs.entry(h.to_ascii_lowercase()).or_insert(0) += 1;
            }
            if role == Role::Peer {
                if p.experience == 0 {
                    first_time = true;
                } else {
                    experienced = true;
                }
            }
            scores.push(member_score(cycle, p, r, role));
        }
        for (school, ids) in schools {
            if ids.len() > 1 {
                warn(
                    Rule::SchoolAlreadyInTeam,
                    Some(&r.id),
                    None,
                    format!("{} members of {}'s team come from school {}: {}", ids.len(), r.id, school, ids.join(", ")),
                );
            }
        }
        let mix = if first_time && experienced { milli(cycle.weights.mix) } else { 0 };
        let hub_repeat: i64 = hubs.values().map(|&c| -(milli(cycle.weights.hub_repeat) * (c as i64 - 1))).sum();
        let total = scores.iter().map(|s| s.total).sum::<i64>() + mix + hub_repeat;
        reviews.push(ReviewScore {
            review: r.id.clone(),
            members: scores,
            mix,
            hub_repeat,
            total,
            unfilled_peers,
            lead_missing,
        });
    }
    for (pi, p) in cycle.people.iter().enumerate() {
        if load[pi] > p.max_load {
            warn(
                Rule::AtMaxLoad,
                None,
                Some(&p.id),
                format!("{} has {} reviews, maximum {}", p.id, load[pi], p.max_load),
            );
        }
        if load[pi] < p.min_load {
            warn(
                Rule::BelowMinLoad,
                None,
                Some(&p.id),
                format!("{} has {} reviews, minimum {}", p.id, load[pi], p.min_load),
            );
        }
    }
    let mut clashes: Vec<_> = weeks.into_iter().filter(|(_, v)| v.len() > 1).collect();
    clashes.sort();
    for ((pi, week), rs) in clashes {
        let ids: Vec<&str> = rs.iter().map(|&i| cycle.reviews[i].id.as_str()).collect();
        warn(
            Rule::WeekClash,
            None,
            Some(&cycle.people[pi].id),
            format!("{} is on {} reviews in week {}: {}", cycle.people[pi].id, rs.len(), week, ids.join(", ")),
        );
    }
    let total = reviews.iter().map(|r| r.total).sum();
    Report { total, reviews, unfilled_places, warnings }
}
