//! Facilitators: a cohort's accepted groups and the facilitator pool as
//! the engine's instance, proposing one facilitator per group, the report
//! (scores, empty places and why, broken rules), changing a group's
//! facilitator by hand, and what accepting does (facilitators saved, each
//! told).

use super::runs::{Docs, FacilitatorsRun, LoadedRun};
use super::teams::{Verdict, changed_by_hand};
use super::{Edited, counts_text, dbs_in_date, pts, refused};
use crate::AppState;
use crate::error::Failure;
use crate::layout::date;
use crate::mail;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use upward_domain::ids::{CohortId, GroupId, PersonId, RunId};
use upward_domain::matching::{RunAction, check_change};
use upward_matching::facilitators::{self as fac, FacAssignment, FacWeights, Facilitator, Group, GroupSchool};
use upward_matching::reviews::LatLon;
use upward_storage::matching::{self as store, NewRun, Run, Subject};
use upward_storage::{Tx, Who};

/// The instance of a facilitators run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacInput {
    pub cohort_id: i64,
    pub cohort_name: String,
    pub groups: Vec<Group>,
    pub facilitators: Vec<Facilitator>,
    /// Facilitator id → "Name (School)".
    pub names: BTreeMap<String, String>,
    /// Group id → "Group 3".
    pub group_names: BTreeMap<String, String>,
    /// School id → name (the groups' schools).
    #[serde(default)]
    pub school_names: BTreeMap<String, String>,
}

impl FacInput {
    pub fn name(&self, id: &str) -> String {
        self.names.get(id).cloned().unwrap_or_else(|| id.to_string())
    }
    pub fn group_name(&self, id: &str) -> String {
        self.group_names.get(id).cloned().unwrap_or_else(|| format!("group {id}"))
    }
}

/// A broken rule or an exclusion, in words.
pub fn rule_text(r: fac::FacRule) -> &'static str {
    match r {
        fac::FacRule::NotEligible => "not trained or DBS check not in date",
        fac::FacRule::FromGroupSchool => "works at a school of the group",
        fac::FacRule::Unavailable => "not available on every visit date",
        fac::FacRule::TooFar => "beyond their travel limit",
        fac::FacRule::AtMaxLoad => "already has their most groups",
        fac::FacRule::UnknownId => "unknown",
    }
}

/// Build the instance from a cohort's accepted groups and the pool.
pub async fn fac_input(state: &AppState, cohort: CohortId) -> Result<FacInput, Failure> {
    let c = store::cohort_by_id(&state.db, cohort).await?.ok_or(Failure::NotFound("cohort".into()))?;
    let db_groups = store::groups(&state.db, cohort).await?;
    if db_groups.is_empty() {
        return Err(Failure::Conflict("This cohort has no groups yet: propose and accept its groups first.".into()));
    }
    let schools = store::cohort_schools(&state.db, cohort).await?;
    let school = |sid: i64| schools.iter().find(|s| s.id == sid);
    let groups: Vec<Group> = db_groups
        .iter()
        .map(|g| {
            let members: Vec<&store::CohortSchool> = g.schools.iter().filter_map(|(sid, _, _)| school(*sid)).collect();
            let phase = members.first().map(|s| s.phase.clone());
            let mut context: Vec<String> =
                members.iter().flat_map(|s| s.themes.iter().filter_map(|t| t.2.clone())).collect();
            context.sort();
            context.dedup();
            Group {
                id: g.id.to_string(),
                schools: members
                    .iter()
                    .map(|s| GroupSchool {
                        id: s.id.to_string(),
                        location: s.latitude.zip(s.longitude).map(|(lat, lon)| LatLon { lat, lon }),
                    })
                    .collect(),
                visit_dates: g.visits.iter().map(|v| v.1.clone()).collect(),
                phase,
                context,
            }
        })
        .collect();
    let all_dates: Vec<String> = {
        let mut d: Vec<String> = groups.iter().flat_map(|g| g.visit_dates.clone()).collect();
        d.sort();
        d.dedup();
        d
    };
    let today = state.today();
    let people = store::candidates(&state.db, None).await?;
    let mut names = BTreeMap::new();
    let facilitators: Vec<Facilitator> = people
        .iter()
        .filter(|p| p.facilitator)
        .map(|p| {
            names.insert(
                p.id.to_string(),
                match &p.school_name {
                    Some(s) => format!("{} ({s})", p.name),
                    None => p.name.clone(),
                },
            );
            let mut context: Vec<String> = p.themes.clone();
            context.sort();
            context.dedup();
            Facilitator {
                id: p.id.to_string(),
                school: p.school_id.map(|s| s.to_string()),
                eligible: dbs_in_date(p.dbs_checked_on.as_deref(), today) && p.trained_on.is_some(),
                available: all_dates.iter().filter(|d| !p.unavailable.contains(d)).cloned().collect(),
                max_groups: 2,
                phase: p.phase.clone(),
                context,
                location: p.latitude.zip(p.longitude).map(|(lat, lon)| LatLon { lat, lon }),
                travel_limit_km: None,
            }
        })
        .collect();
    Ok(FacInput {
        cohort_id: cohort.get(),
        cohort_name: c.name.clone(),
        groups,
        facilitators,
        names,
        group_names: db_groups.iter().map(|g| (g.id.to_string(), g.name.clone())).collect(),
        school_names: schools.iter().map(|s| (s.id.to_string(), s.name.clone())).collect(),
    })
}

/// Propose facilitators for a cohort's groups and keep the run.
pub async fn propose(state: &AppState, who: &Who, cohort: CohortId) -> Result<RunId, Failure> {
    let input = fac_input(state, cohort).await?;
    let (g, f) = (input.groups.clone(), input.facilitators.clone());
    let proposal = tokio::task::spawn_blocking(move || fac::assign(&g, &f, &FacWeights::default()))
        .await
        .map_err(|e| Failure::internal(format!("matching stopped: {e}")))?
        .map_err(|e| Failure::internal(format!("matching failed: {e}")))?;
    let covered = proposal.assignment.iter().filter(|a| a.facilitator.is_some()).count();
    let summary = format!(
        "Facilitators for {covered} of {} groups of {}: {:.1} points, proven optimal",
        input.groups.len(),
        input.cohort_name,
        proposal.report.total as f64 / 1000.0
    );
    let docs = Docs::Facilitators(FacilitatorsRun { current: proposal.assignment.clone(), input, proposal });
    let [input, proposal, current] = docs.texts(false);
    let mut tx = state.db.begin().await?;
    let id = store::create_run(
        &mut tx,
        who,
        &NewRun {
            kind: docs.kind(),
            subject: Subject::Cohort(cohort),
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

/// The report of the current assignment (the engine's checker).
pub fn check(r: &FacilitatorsRun) -> fac::FacReport {
    fac::check(&r.input.groups, &r.input.facilitators, &FacWeights::default(), &r.current)
}

/// The broken rules of a report, one line each.
pub fn warning_lines(input: &FacInput, report: &fac::FacReport) -> Vec<String> {
    report
        .warnings
        .iter()
        .map(|w| {
            format!(
                "{}{}: {}",
                w.facilitator.as_deref().map(|f| input.name(f)).unwrap_or_default(),
                w.group.as_deref().map(|g| format!(" at {}", input.group_name(g))).unwrap_or_default(),
                rule_text(w.rule)
            )
        })
        .collect()
}

/// The broken hard rules of the run's current assignment.
pub fn broken(r: &FacilitatorsRun) -> Vec<String> {
    warning_lines(&r.input, &check(r))
}

/// The solver's verdict, or that it was changed by hand.
pub fn verdict(r: &FacilitatorsRun, edited: bool) -> Verdict {
    let headline = "Proven optimal: as many groups as possible have a facilitator, and no such choice scores more";
    if edited {
        Verdict { how: r.proposal.proof.clone(), ..changed_by_hand(headline) }
    } else {
        Verdict { headline: headline.into(), advice: String::new(), how: r.proposal.proof.clone() }
    }
}

pub struct FacRow {
    pub group: String,
    pub group_name: String,
    /// (URN-less) names of the group's schools.
    pub schools: Vec<String>,
    pub dates: String,
    pub facilitator: Option<String>,
    pub facilitator_id: String,
    pub score: String,
    pub breakdown: String,
    pub unfilled: String,
    pub options: Vec<(String, String, bool)>,
}

/// Each group with its facilitator, score, empty place reasons, and the
/// choices for a hand change (each with the rules it would break).
pub fn rows(r: &FacilitatorsRun, report: &fac::FacReport) -> Vec<FacRow> {
    let input = &r.input;
    let unfilled_by_group: HashMap<&str, &fac::FacUnfilled> =
        r.proposal.unfilled.iter().map(|u| (u.group.as_str(), u)).collect();
    input
        .groups
        .iter()
        .map(|g| {
            let chosen = r.current.iter().find(|a| a.group == g.id).and_then(|a| a.facilitator.clone());
            let score = report.groups.iter().find(|s| s.group == g.id);
            FacRow {
                group: g.id.clone(),
                group_name: input.group_name(&g.id),
                schools: g
                    .schools
                    .iter()
                    .map(|s| input.school_names.get(&s.id).cloned().unwrap_or_else(|| format!("school {}", s.id)))
                    .collect(),
                dates: g.visit_dates.iter().map(|d| date(d)).collect::<Vec<_>>().join(", "),
                facilitator: chosen.as_deref().map(|f| input.name(f)),
                facilitator_id: chosen.clone().unwrap_or_default(),
                score: score.map(|s| pts(s.total)).unwrap_or_default(),
                breakdown: score
                    .map(|s| {
                        format!(
                            "same phase {}, experience of similar schools {}, travel {}",
                            pts(s.phase),
                            pts(s.context),
                            pts(s.travel)
                        )
                    })
                    .unwrap_or_default(),
                unfilled: unfilled_by_group
                    .get(g.id.as_str())
                    .filter(|_| chosen.is_none())
                    .map(|u| counts_text(u.counts.iter().map(|(r, n)| (*r, *n)), rule_text))
                    .unwrap_or_default(),
                options: input
                    .facilitators
                    .iter()
                    .map(|f| {
                        let rules = fac::pair_rules(f, g);
                        let label = if rules.is_empty() {
                            input.name(&f.id)
                        } else {
                            format!(
                                "{} — {}",
                                input.name(&f.id),
                                rules.iter().map(|r| rule_text(*r)).collect::<Vec<_>>().join(", ")
                            )
                        };
                        (f.id.clone(), label, chosen.as_deref() == Some(f.id.as_str()))
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Change a group's facilitator by hand (None: nobody), from the version
/// the person saw.
pub async fn edit(
    state: &AppState,
    who: &Who,
    loaded: LoadedRun,
    seen: i64,
    group: &str,
    person: Option<&str>,
) -> Result<Edited, Failure> {
    let LoadedRun { run, docs: Docs::Facilitators(mut r) } = loaded else {
        return Err(Failure::NotFound("facilitators proposal".into()));
    };
    check_change(run.status, run.version, seen, RunAction::Edit).map_err(refused)?;
    if !r.input.groups.iter().any(|g| g.id == group) {
        return Err(Failure::BadRequest("That group is not in this proposal".into()));
    }
    if let Some(p) = person
        && !r.input.facilitators.iter().any(|x| x.id == p)
    {
        return Err(Failure::BadRequest("That person is not a facilitator in this proposal".into()));
    }
    let before = check(&r).warnings.len();
    match r.current.iter_mut().find(|a| a.group == group) {
        Some(a) => a.facilitator = person.map(str::to_string),
        None => r.current.push(FacAssignment { group: group.to_string(), facilitator: person.map(str::to_string) }),
    }
    let report = check(&r);
    let gname = r.input.group_name(group);
    let what = match person {
        Some(p) => format!("{} facilitates {gname}", r.input.name(p)),
        None => format!("{gname} has no facilitator"),
    };
    let summary = format!(
        "Facilitators for {}: {:.1} points (changed by hand)",
        r.input.cohort_name,
        report.total as f64 / 1000.0
    );
    let text = Docs::Facilitators(r).current_text();
    let mut tx = state.db.begin().await?;
    store::edit_run(&mut tx, who, run.id, seen, &text, &summary, &what).await?;
    tx.commit().await?;
    let n = report.warnings.len();
    let message =
        format!("{what}. Total now {} points; {n} broken rule{}.", pts(report.total), if n == 1 { "" } else { "s" });
    Ok(Edited { message, worse: n > before || n > 0 })
}

/// (group, facilitator) to save.
pub fn chosen(r: &FacilitatorsRun) -> Vec<(GroupId, Option<PersonId>)> {
    r.current
        .iter()
        .filter_map(|a| Some((a.group.parse().ok()?, a.facilitator.as_ref().and_then(|f| f.parse().ok()))))
        .collect()
}

/// Everyone chosen, each once.
pub fn placed(r: &FacilitatorsRun) -> Vec<PersonId> {
    let mut v: Vec<PersonId> = chosen(r).into_iter().filter_map(|(_, p)| p).collect();
    v.sort();
    v.dedup();
    v
}

/// Save the facilitators and tell each of them, in the caller's
/// transaction.
pub(super) async fn accept(
    state: &AppState,
    tx: &mut Tx,
    who: &Who,
    run: &Run,
    seen: i64,
    r: &FacilitatorsRun,
    broken: &[String],
) -> Result<String, Failure> {
    let chosen = chosen(r);
    store::accept_facilitators(tx, who, run.id, seen, &chosen, broken).await?;
    let people = store::contacts(&state.db, &placed(r)).await?;
    for p in &people {
        let mine: Vec<String> = r
            .input
            .groups
            .iter()
            .filter(|g| {
                r.current.iter().any(|a| a.group == g.id && a.facilitator.as_deref() == Some(&p.id.to_string()))
            })
            .map(|g| {
                let schools: Vec<String> =
                    g.schools.iter().map(|s| r.input.school_names.get(&s.id).cloned().unwrap_or_default()).collect();
                let days: Vec<String> = g.visit_dates.iter().map(|d| date(d)).collect();
                format!(
                    "- {}: {}. Visit days: {}.",
                    r.input.group_name(&g.id),
                    schools.join(", "),
                    if days.is_empty() { "to be set".into() } else { days.join(", ") }
                )
            })
            .collect();
        let subject = format!("You facilitate {} in {}", plural(mine.len(), "group"), r.input.cohort_name);
        let body = format!(
            "Hello {},\n\nThe central team has confirmed the facilitators of {}. You facilitate:\n\n{}\n\nThe visit days are in your Upward calendar.{}",
            p.name.split_whitespace().next().unwrap_or(&p.name),
            r.input.cohort_name,
            mine.join("\n"),
            mail::signature(&state.config.link("/"))
        );
        mail::to_person(&state.db, tx, p.id.get(), &p.email, "programmes", &subject, &body).await?;
    }
    Ok(format!(
        "Facilitators accepted for {} groups. {} told by e-mail (as their settings allow); the visit days are in their calendars.",
        chosen.len(),
        plural(people.len(), "facilitator")
    ))
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}
