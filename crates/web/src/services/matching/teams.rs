//! Review teams: the instance built from the database, proposing, the
//! report in plain English (scores broken down, broken rules, empty places
//! and why), candidates for a place, hand changes, and what accepting does
//! (teams saved, everyone placed told).
//!
//! A run keeps the instance it was solved on, so every re-score of a hand
//! edit uses exactly the data of the proposal, even if people or reviews
//! change meanwhile.

use super::runs::{Docs, LoadedRun, TeamsRun};
use super::{Edited, counts_text, dbs_in_date, pts, refused};
use crate::AppState;
use crate::error::Failure;
use crate::layout::date;
use crate::mail;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use upward_domain::ids::{CycleId, PersonId, ReviewId, RunId};
use upward_domain::matching::{RunAction, TeamChange, TeamsOptions, check_change};
use upward_matching::reviews::{self, Assignment, Cycle, LatLon, Person, Proposal, Review, Role, Rules, Team, Weights};
use upward_storage::matching::{self as store, NewRun, NewTeam, Run, Subject};
use upward_storage::{Db, StoreError, Tx, Who};

/// Names and dates the pages show beside the engine's ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewInfo {
    pub id: String,
    pub urn: i64,
    pub school: String,
    pub starts_on: String,
    pub ends_on: String,
    pub special: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonInfo {
    pub id: String,
    pub name: String,
    pub school: Option<String>,
    pub can_lead: bool,
}

/// The instance of a review-team run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// "Oak School (7 Jun 2027 to 9 Jun 2027)".
    pub fn review_label(&self, id: &str) -> String {
        match self.review(id) {
            Some(r) => format!("{} ({} to {})", r.school, date(&r.starts_on), date(&r.ends_on)),
            None => format!("review {id}"),
        }
    }
}

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

/// The engine's weights and rules for checked options (blanks: the
/// engine's defaults).
pub fn engine_options(o: &TeamsOptions) -> (Weights, Rules) {
    let d = Weights::default();
    let w = Weights {
        phase: o.weights.phase.unwrap_or(d.phase),
        themes: o.weights.themes.unwrap_or(d.themes),
        travel_per_100km: o.weights.travel_per_100km.unwrap_or(d.travel_per_100km),
        reciprocity: o.weights.reciprocity.unwrap_or(d.reciprocity),
        mix: o.weights.mix.unwrap_or(d.mix),
        hub_repeat: o.weights.hub_repeat.unwrap_or(d.hub_repeat),
    };
    let r = Rules::default();
    let r = Rules {
        same_hub_is_conflict: o.same_hub_is_conflict,
        recent_cycles: o.recent_cycles.unwrap_or(r.recent_cycles),
        time_limit_secs: o.time_limit_secs.unwrap_or(r.time_limit_secs),
        max_mip_triples: o.max_mip_triples.unwrap_or(r.max_mip_triples),
    };
    (w, r)
}

/// The form as the propose page first shows it: the engine's defaults.
pub fn default_form(from: NaiveDate) -> upward_domain::matching::TeamsForm {
    let (w, r) = (Weights::default(), Rules::default());
    upward_domain::matching::TeamsForm {
        from: from.format("%Y-%m-%d").to_string(),
        w_phase: w.phase.to_string(),
        w_themes: w.themes.to_string(),
        w_travel: w.travel_per_100km.to_string(),
        w_reciprocity: w.reciprocity.to_string(),
        w_mix: w.mix.to_string(),
        w_hub: w.hub_repeat.to_string(),
        recent_cycles: r.recent_cycles.to_string(),
        seconds: r.time_limit_secs.to_string(),
        same_hub: if r.same_hub_is_conflict { "on".into() } else { String::new() },
        max_mip_triples: String::new(),
    }
}

/// Build the instance for the reviews of `cycle` from `from` on.
pub async fn teams_input(
    db: &Db,
    cycle: CycleId,
    from: NaiveDate,
    weights: Weights,
    rules: Rules,
    today: NaiveDate,
) -> Result<TeamsInput, StoreError> {
    let from = from.format("%Y-%m-%d").to_string();
    let cycles = store::cycles(db).await?;
    let pos = cycles
        .iter()
        .position(|c| c.id == cycle)
        .ok_or_else(|| StoreError::NotFound(format!("review cycle {cycle}")))?;
    let cycle_name = cycles[pos].name.clone();
    let (slots, candidates) = store::cycle_data(db, cycle, &from).await?;
    let hosts: HashSet<i64> = store::hosting_schools(db, cycle).await?.into_iter().collect();
    let in_scope: HashSet<i64> = slots.iter().map(|s| s.id).collect();
    // Reviews of this cycle outside the scope (already staffed, earlier):
    // they use up people's loads.
    let (all_slots, _) = store::cycle_data(db, cycle, "0000-00-00").await?;
    let mut used: HashMap<i64, u32> = HashMap::new();
    for s in all_slots.iter().filter(|s| !in_scope.contains(&s.id)) {
        for (p, _) in &s.team {
            *used.entry(*p).or_default() += 1;
        }
    }
    let cycle_index: HashMap<&str, usize> = cycles.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
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
                eligible: dbs_in_date(c.dbs_checked_on.as_deref(), today) && c.trained_on.is_some(),
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
        cycle_id: cycle.get(),
        cycle_name,
        from,
        cycle: Cycle { reviews, people, weights, rules },
        reviews: info_reviews,
        people: info_people,
    })
}

/// Propose teams for the reviews of `cycle` and keep the run.
pub async fn propose(state: &AppState, who: &Who, cycle: CycleId, o: &TeamsOptions) -> Result<RunId, Failure> {
    let (w, r) = engine_options(o);
    let input = teams_input(&state.db, cycle, o.from, w, r, state.today()).await?;
    if input.cycle.reviews.is_empty() {
        return Err(Failure::Conflict(format!(
            "No reviews of {} from {} need a team.",
            input.cycle_name,
            date(&input.from)
        )));
    }
    let engine = input.cycle.clone();
    let proposal: Proposal = tokio::task::spawn_blocking(move || reviews::propose(&engine))
        .await
        .map_err(|e| Failure::internal(format!("matching stopped: {e}")))?
        .map_err(|e| Failure::BadRequest(format!("The data cannot be matched: {e}")))?;
    let summary = summary(&input, &proposal.report, Some(&proposal.status));
    let docs = Docs::Teams(TeamsRun { current: proposal.assignment.clone(), input, proposal });
    let [input, proposal, current] = docs.texts(false);
    let mut tx = state.db.begin().await?;
    let id = store::create_run(
        &mut tx,
        who,
        &NewRun {
            kind: docs.kind(),
            subject: Subject::Cycle(cycle),
            input: &input,
            proposal: &proposal,
            current: &current,
            summary: &summary,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// One line summing up a proposal or an edited assignment.
pub fn summary(input: &TeamsInput, report: &reviews::Report, status: Option<&reviews::Status>) -> String {
    let places: u32 = input.cycle.reviews.iter().map(|r| r.peer_places + r.needs_lead as u32).sum();
    let filled = places.saturating_sub(report.unfilled_places);
    let status = match status {
        Some(reviews::Status::Optimal { .. }) => ", proven optimal".to_string(),
        Some(reviews::Status::Feasible { gap, .. }) => format!(", within {gap:.1} points of the best possible"),
        Some(reviews::Status::Infeasible { .. }) => ", some hard rules cannot all be met".to_string(),
        None => " (changed by hand)".to_string(),
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

/// The broken hard rules of the run's current teams, one line each.
pub fn broken(r: &TeamsRun) -> Vec<String> {
    warning_lines(&r.input, &reviews::rescore(&r.input.cycle, &r.current))
}

/// The solver's verdict for people: a headline, what to do about it (may
/// be empty), and how the solver knows (technical; shown on request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub headline: String,
    pub advice: String,
    pub how: String,
}

/// Words of the solver's trade, kept behind "How the solver knows".
pub fn technical(s: &str) -> bool {
    let s = s.to_ascii_lowercase();
    ["lagrang", "mip", "dual", "bound", "gap", "feasib", "triple", "flow", "relaxation", "heuristic", "dynamic program"]
        .iter()
        .any(|w| s.contains(w))
}

/// What people are told once a proposal was changed by hand: the solver's
/// verdict was about its own proposal.
pub fn changed_by_hand(original: &str) -> Verdict {
    Verdict {
        headline: "Changed by hand since the solver proposed it".into(),
        advice: format!(
            "The scores and broken rules shown are for the proposal as it is now. The solver's verdict (“{original}”) was about its own proposal, not this one."
        ),
        how: String::new(),
    }
}

pub fn verdict(s: &reviews::Status, edited: bool) -> Verdict {
    let v = match s {
        reviews::Status::Optimal { proof } => Verdict {
            headline: "Proven optimal: no set of teams keeping every hard rule scores more".into(),
            advice: String::new(),
            how: proof.clone(),
        },
        reviews::Status::Feasible { gap, places_unproven, proof } => Verdict {
            headline: format!(
                "Good, not proven best: at most {gap:.1} points from the best possible{}",
                if *places_unproven > 0 {
                    format!(", and up to {places_unproven} more places might be fillable")
                } else {
                    String::new()
                }
            ),
            advice:
                "A longer time limit (under “Weights and rules” when you propose) usually brings it closer to the best."
                    .into(),
            how: proof.clone(),
        },
        reviews::Status::Infeasible { reasons, proven } => {
            let (how, plain): (Vec<&String>, Vec<&String>) = reasons.iter().partition(|r| technical(r));
            Verdict {
                headline: if *proven {
                    "The hard rules cannot all be met".into()
                } else {
                    "No set of teams meeting every hard rule was found in time".into()
                },
                advice: plain.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
                how: how.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "),
            }
        }
    };
    if edited { Verdict { how: v.how.clone(), ..changed_by_hand(&v.headline) } } else { v }
}

pub struct MemberView {
    pub id: String,
    pub name: String,
    pub score: String,
    pub breakdown: String,
}

pub struct TeamRow {
    pub id: String,
    pub urn: i64,
    pub school: String,
    pub dates: String,
    pub special: bool,
    pub lead: Option<MemberView>,
    pub peers: Vec<MemberView>,
    pub places: u32,
    pub unfilled: u32,
    pub total: String,
    pub extras: String,
    pub warnings: Vec<String>,
}

pub struct UnfilledView {
    pub review: String,
    pub role: &'static str,
    pub places: u32,
    pub reasons: String,
}

fn member_view(input: &TeamsInput, m: &reviews::MemberScore) -> MemberView {
    let p = input.person(&m.person);
    MemberView {
        id: m.person.clone(),
        name: p.map(|p| p.name.clone()).unwrap_or_else(|| m.person.clone()),
        score: pts(m.total),
        breakdown: format!(
            "same phase {}, focus expertise {}, travel {}, reciprocity {}{}",
            pts(m.phase),
            pts(m.themes),
            pts(m.travel),
            pts(m.reciprocity),
            p.and_then(|p| p.school.as_ref()).map(|s| format!("; from {s}")).unwrap_or_default()
        ),
    }
}

fn dates(r: &ReviewInfo) -> String {
    format!("{} to {}", date(&r.starts_on), date(&r.ends_on))
}

/// Every review's team with each member's score and what it is made of.
pub fn team_rows(input: &TeamsInput, report: &reviews::Report) -> Vec<TeamRow> {
    report
        .reviews
        .iter()
        .filter_map(|rs| {
            let info = input.review(&rs.review)?;
            let r = input.cycle.reviews.iter().find(|r| r.id == rs.review)?;
            let lead = rs.members.iter().find(|m| m.role == Role::Lead).map(|m| member_view(input, m));
            let peers = rs.members.iter().filter(|m| m.role == Role::Peer).map(|m| member_view(input, m)).collect();
            let warnings = report
                .warnings
                .iter()
                .filter(|w| w.review.as_deref() == Some(rs.review.as_str()))
                .map(|w| {
                    format!(
                        "{}: {}",
                        w.person.as_deref().map(|p| input.person_label(p)).unwrap_or_default(),
                        w.rule.describe()
                    )
                })
                .collect();
            Some(TeamRow {
                id: rs.review.clone(),
                urn: info.urn,
                school: info.school.clone(),
                dates: dates(info),
                special: info.special,
                lead,
                peers,
                places: r.peer_places + r.needs_lead as u32,
                unfilled: rs.unfilled_peers + rs.lead_missing as u32,
                total: pts(rs.total),
                extras: format!("mix of experience {}, Hub diversity {}", pts(rs.mix), pts(rs.hub_repeat)),
                warnings,
            })
        })
        .collect()
}

/// Places left empty, and why nobody could take them.
pub fn unfilled(input: &TeamsInput, current: &Assignment, report: &reviews::Report) -> Vec<UnfilledView> {
    reviews::explain_unfilled(&input.cycle, current, report)
        .iter()
        .map(|u| UnfilledView {
            review: input.review_label(&u.review),
            role: match u.role {
                Role::Lead => "Lead Reviewer",
                Role::Peer => "peer reviewer",
            },
            places: u.places,
            reasons: counts_text(u.counts.iter().map(|(k, v)| (*k, *v)), |r: reviews::Rule| r.describe()),
        })
        .collect()
}

pub struct CandidateView {
    pub id: String,
    pub name: String,
    pub school: String,
    pub score: String,
    pub breakdown: String,
    pub can_lead: bool,
    /// Rules that would be broken (empty: none).
    pub problems: String,
}

/// Candidates for a review, best first, with the rules each would break,
/// and (second) how many others hard rules exclude, by rule.
pub fn candidates(input: &TeamsInput, current: &Assignment, review_id: &str) -> (Vec<CandidateView>, String) {
    let Some(r) = input.cycle.reviews.iter().find(|r| r.id == review_id) else { return (vec![], String::new()) };
    let team = current.teams.iter().find(|t| t.review == review_id);
    let on_team = |id: &str| team.is_some_and(|t| t.lead.as_deref() == Some(id) || t.peers.iter().any(|p| p == id));
    let base = reviews::rescore(&input.cycle, current);
    let mut excluded: BTreeMap<reviews::Rule, usize> = Default::default();
    let mut out = vec![];
    for p in &input.cycle.people {
        if on_team(&p.id) {
            continue;
        }
        let rules = reviews::pair_rules(&input.cycle, p, r, Role::Peer);
        if !rules.is_empty() {
            for rule in rules {
                *excluded.entry(rule).or_default() += 1;
            }
            continue;
        }
        // Rules the whole assignment would break with them added (load, week).
        let mut trial = current.clone();
        match trial.teams.iter_mut().find(|t| t.review == review_id) {
            Some(t) => t.peers.push(p.id.clone()),
            None => trial.teams.push(Team { review: review_id.to_string(), lead: None, peers: vec![p.id.clone()] }),
        }
        let after = reviews::rescore(&input.cycle, &trial);
        let new: Vec<&str> = after
            .warnings
            .iter()
            .filter(|w| w.person.as_deref() == Some(p.id.as_str()) && !base.warnings.contains(w))
            .map(|w| w.rule.describe())
            .collect();
        let m = reviews::check::member_score(&input.cycle, p, r, Role::Peer);
        let v = member_view(input, &m);
        out.push((
            m.total,
            CandidateView {
                id: p.id.clone(),
                name: v.name,
                school: input.person(&p.id).and_then(|x| x.school.clone()).unwrap_or_default(),
                score: v.score,
                breakdown: v.breakdown,
                can_lead: p.can_lead && (!r.special || p.special_expertise),
                problems: new.join("; "),
            },
        ));
    }
    out.sort_by(|a, b| a.1.problems.is_empty().cmp(&b.1.problems.is_empty()).reverse().then(b.0.cmp(&a.0)));
    let excluded = counts_text(excluded, |r: reviews::Rule| r.describe());
    (out.into_iter().take(40).map(|x| x.1).collect(), excluded)
}

/// Apply one hand change to an assignment; what was done, in words.
pub fn apply_edit(
    input: &TeamsInput,
    a: &mut Assignment,
    review: &str,
    change: TeamChange,
    person: &str,
) -> Result<String, String> {
    if input.review(review).is_none() {
        return Err(format!("Review {review} is not in this proposal"));
    }
    if input.person(person).is_none() {
        return Err(format!("Person {person} is not a reviewer in this proposal"));
    }
    let idx = match a.teams.iter().position(|t| t.review == review) {
        Some(i) => i,
        None => {
            a.teams.push(Team { review: review.to_string(), lead: None, peers: vec![] });
            a.teams.len() - 1
        }
    };
    let t = &mut a.teams[idx];
    let who = input.person_label(person);
    let at = input.review_label(review);
    Ok(match change {
        TeamChange::Remove => {
            if t.lead.as_deref() == Some(person) {
                t.lead = None;
            }
            t.peers.retain(|p| p != person);
            format!("Removed {who} from {at}")
        }
        TeamChange::Lead => {
            t.peers.retain(|p| p != person);
            if let Some(old) = t.lead.replace(person.to_string())
                && old != person
            {
                t.peers.retain(|p| p != &old);
            }
            format!("{who} leads {at}")
        }
        TeamChange::Peer => {
            if t.lead.as_deref() == Some(person) {
                t.lead = None;
            }
            if !t.peers.iter().any(|p| p == person) {
                t.peers.push(person.to_string());
            }
            format!("Added {who} to {at}")
        }
    })
}

/// Change one review's team by hand, from the version the person saw.
pub async fn edit(
    state: &AppState,
    who: &Who,
    loaded: LoadedRun,
    seen: i64,
    review: ReviewId,
    change: TeamChange,
    person: &str,
) -> Result<Edited, Failure> {
    let LoadedRun { run, docs: Docs::Teams(mut r) } = loaded else {
        return Err(Failure::NotFound("review-team proposal".into()));
    };
    check_change(run.status, run.version, seen, RunAction::Edit).map_err(refused)?;
    let before = reviews::rescore(&r.input.cycle, &r.current);
    let what =
        apply_edit(&r.input, &mut r.current, &review.to_string(), change, person).map_err(Failure::BadRequest)?;
    let after = reviews::rescore(&r.input.cycle, &r.current);
    let summary = summary(&r.input, &after, None);
    let text = Docs::Teams(r).current_text();
    let mut tx = state.db.begin().await?;
    store::edit_run(&mut tx, who, run.id, seen, &text, &summary, &what).await?;
    tx.commit().await?;
    let delta = after.total_points() - before.total_points();
    let new_warnings = after.warnings.len() as i64 - before.warnings.len() as i64;
    let message = format!(
        "{what}. Total now {:.1} points ({}{:.1}); {} broken rule{}{}.",
        after.total_points(),
        if delta >= 0.0 { "+" } else { "−" },
        delta.abs(),
        after.warnings.len(),
        if after.warnings.len() == 1 { "" } else { "s" },
        if new_warnings > 0 { format!(", {new_warnings} new: see the warnings") } else { String::new() }
    );
    Ok(Edited { message, worse: new_warnings > 0 })
}

/// The teams to save: one per review of the run (an empty team for a
/// review the assignment leaves out).
pub fn teams_to_save(r: &TeamsRun) -> Vec<NewTeam> {
    r.input
        .cycle
        .reviews
        .iter()
        .filter_map(|review| {
            let t = r.current.teams.iter().find(|t| t.review == review.id);
            Some(NewTeam {
                review: review.id.parse().ok()?,
                lead: t.and_then(|t| t.lead.as_ref()).and_then(|l| l.parse().ok()),
                peers: t.map(|t| t.peers.iter().filter_map(|p| p.parse().ok()).collect()).unwrap_or_default(),
            })
        })
        .collect()
}

/// Everyone the teams place, each once.
pub fn placed(r: &TeamsRun) -> Vec<PersonId> {
    let mut v: Vec<PersonId> = teams_to_save(r).into_iter().flat_map(|t| t.lead.into_iter().chain(t.peers)).collect();
    v.sort();
    v.dedup();
    v
}

/// Save the teams and tell everyone placed, in the caller's transaction.
/// Returns what to tell the person accepting.
pub(super) async fn accept(
    state: &AppState,
    tx: &mut Tx,
    who: &Who,
    run: &Run,
    seen: i64,
    r: &TeamsRun,
    broken: &[String],
) -> Result<String, Failure> {
    let teams = teams_to_save(r);
    store::accept_review_teams(tx, who, run.id, seen, &teams, broken).await?;
    let people = store::contacts(&state.db, &placed(r)).await?;
    for p in &people {
        let mine: Vec<String> = teams
            .iter()
            .filter_map(|t| {
                let role = if t.lead == Some(p.id) {
                    "Lead Reviewer"
                } else if t.peers.contains(&p.id) {
                    "peer reviewer"
                } else {
                    return None;
                };
                let others: Vec<String> = t
                    .lead
                    .iter()
                    .chain(&t.peers)
                    .filter(|x| **x != p.id)
                    .map(|x| r.input.person_label(&x.to_string()))
                    .collect();
                Some(format!(
                    "- {}: you are the {role}{}.",
                    r.input.review_label(&t.review.to_string()),
                    if others.is_empty() { String::new() } else { format!(", with {}", others.join(", ")) }
                ))
            })
            .collect();
        let subject = if mine.len() == 1 {
            format!("You are on a review team: {}", r.input.review_label(&teams_of(&teams, p.id)[0].to_string()))
        } else {
            format!("You are on {} review teams in {}", mine.len(), r.input.cycle_name)
        };
        let body = format!(
            "Hello {},\n\nThe central team has confirmed review teams for {}. You are on:\n\n{}\n\nThe reviews are on your Upward home page and in your calendar.{}",
            p.name.split_whitespace().next().unwrap_or(&p.name),
            r.input.cycle_name,
            mine.join("\n"),
            mail::signature(&state.config.link("/"))
        );
        mail::to_person(&state.db, tx, p.id.get(), &p.email, "reviews", &subject, &body).await?;
    }
    Ok(format!(
        "Teams accepted for {} reviews. {} {} told by e-mail (as their settings allow), and the reviews are in their calendars.",
        teams.len(),
        people.len(),
        if people.len() == 1 { "person was" } else { "people were" }
    ))
}

fn teams_of(teams: &[NewTeam], p: PersonId) -> Vec<ReviewId> {
    teams.iter().filter(|t| t.lead == Some(p) || t.peers.contains(&p)).map(|t| t.review).collect()
}
