//! Growing the Top groups: a cohort's schools as the engine's instance,
//! proposing trios and quads, the report (every group's score and each
//! pair's reason, broken rules), moving a school by hand, and what
//! accepting does (groups with their visit days saved, each school's
//! leaders told).

use super::runs::{Docs, GroupsRun, LoadedRun};
use super::teams::{Verdict, changed_by_hand};
use super::{Edited, ThemeIn, engine_taxonomy, refused, taxonomy_of};
use crate::AppState;
use crate::error::{Failure, FieldError};
use crate::layout::date;
use crate::mail;
use serde::{Deserialize, Serialize};
use upward_domain::ids::{CohortId, RunId, SchoolId};
use upward_domain::matching::{GroupsOptions, PairRule, RunAction, check_change, visit_dates};
use upward_matching::groups::{
    self, Grouping, Phase, PhaseRules, Rules, School, SchoolInstance, SolveMode, SolveOptions, Weights,
};
use upward_storage::matching::{self as store, NewGroup, NewRun, Run, Subject};
use upward_storage::{Tx, Who};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupSchoolIn {
    /// School id (database).
    pub id: String,
    pub urn: i64,
    pub name: String,
    pub phase: String,
    pub town: Option<String>,
    pub location: Option<(f64, f64)>,
    pub single_sex: bool,
    pub selective: bool,
    pub excellence: Vec<String>,
    pub challenge: Vec<String>,
}

/// The instance of a groups run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupsInput {
    pub cohort_id: i64,
    pub cohort_name: String,
    pub year: String,
    pub min_km: f64,
    pub group_size: usize,
    pub max_min: bool,
    pub seconds: f64,
    pub together: Vec<(String, String)>,
    pub apart: Vec<(String, String)>,
    pub schools: Vec<GroupSchoolIn>,
    /// The partnership's theme taxonomy when the run was made.
    #[serde(default)]
    pub taxonomy: Vec<ThemeIn>,
}

/// The solver's grouping and what it knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupsProposal {
    /// Groups of school ids.
    pub groups: Vec<Vec<String>>,
    pub total: f64,
    pub min_group: f64,
    pub proven_optimal: bool,
    pub upper_bound: Option<f64>,
    pub method: String,
    pub seconds: f64,
}

impl GroupsInput {
    pub fn school(&self, id: &str) -> Option<&GroupSchoolIn> {
        self.schools.iter().find(|s| s.id == id)
    }
    fn name(&self, id: &str) -> String {
        self.school(id).map(|s| s.name.clone()).unwrap_or_else(|| format!("school {id}"))
    }
}

fn phase_of(code: &str) -> Phase {
    Phase::parse(code).unwrap_or(Phase::parse("other").unwrap_or(Phase::parse("secondary").expect("a phase")))
}

/// The engine's instance for a stored input.
pub fn instance(input: &GroupsInput) -> Result<SchoolInstance, String> {
    let schools: Vec<School> = input
        .schools
        .iter()
        .map(|s| {
            let mut x = School::new(s.id.clone(), s.name.clone(), phase_of(&s.phase));
            x.location = s.location;
            x.single_sex = s.single_sex;
            x.selective = s.selective;
            x.excellence = s.excellence.clone();
            x.challenge = s.challenge.clone();
            x
        })
        .collect();
    let idx = |id: &str| input.schools.iter().position(|s| s.id == id);
    let pairs = |v: &[(String, String)]| v.iter().filter_map(|(a, b)| Some((idx(a)?, idx(b)?))).collect::<Vec<_>>();
    let rules = Rules {
        min_km: input.min_km,
        group_size: input.group_size,
        phases: PhaseRules::default(),
        max_restricted: 1,
        together: pairs(&input.together),
        apart: pairs(&input.apart),
    };
    SchoolInstance::new(schools, engine_taxonomy(&input.taxonomy), rules, Weights::default()).map_err(|e| e.to_string())
}

fn grouping_of(input: &GroupsInput, groups: &[Vec<String>]) -> Grouping {
    Grouping {
        groups: groups
            .iter()
            .map(|g| g.iter().filter_map(|id| input.schools.iter().position(|s| &s.id == id)).collect())
            .collect(),
    }
}

/// Score a grouping (any: unknown or missing schools are broken rules).
pub fn evaluate(input: &GroupsInput, groups: &[Vec<String>]) -> Result<groups::Evaluation, Failure> {
    let inst = instance(input).map_err(Failure::BadRequest)?;
    Ok(groups::evaluate(&inst, &grouping_of(input, groups)))
}

/// Build the instance of a cohort with checked options.
pub async fn groups_input(state: &AppState, cohort: &store::Cohort, o: &GroupsOptions) -> Result<GroupsInput, Failure> {
    let id = CohortId(cohort.id);
    let schools = store::cohort_schools(&state.db, id).await?;
    let pairs = store::cohort_pairs(&state.db, id).await?;
    let pick = |rule: PairRule| {
        pairs.iter().filter(|p| p.2 == rule).map(|p| (p.0.to_string(), p.1.to_string())).collect::<Vec<_>>()
    };
    let taxonomy = taxonomy_of(&upward_storage::schools::taxonomy(&state.db).await?);
    Ok(GroupsInput {
        taxonomy,
        cohort_id: cohort.id,
        cohort_name: cohort.name.clone(),
        year: cohort.year.clone(),
        min_km: o.min_km,
        group_size: o.group_size,
        max_min: o.max_min,
        seconds: o.seconds,
        together: pick(PairRule::Together),
        apart: pick(PairRule::Apart),
        schools: schools
            .into_iter()
            .map(|s| GroupSchoolIn {
                id: s.id.to_string(),
                urn: s.urn,
                name: s.name,
                phase: s.phase,
                town: s.town,
                location: s.latitude.zip(s.longitude),
                single_sex: s.gender == "boys" || s.gender == "girls",
                selective: s.admissions == "selective",
                excellence: s.themes.iter().filter(|t| t.0 == "excellence").map(|t| t.1.clone()).collect(),
                challenge: s.themes.iter().filter(|t| t.0 == "challenge").map(|t| t.1.clone()).collect(),
            })
            .collect(),
    })
}

/// Pin two schools of a cohort together, keep them apart, or neither
/// (`kind`: together, apart or none), as the form sent them. Problems come
/// back named by field, and nothing changes.
pub async fn set_pair(
    state: &AppState,
    who: &Who,
    cohort: CohortId,
    a: &str,
    b: &str,
    kind: &str,
) -> Result<Result<(), Vec<FieldError>>, Failure> {
    let schools = store::cohort_schools(&state.db, cohort).await?;
    let in_cohort = |v: &str| v.trim().parse::<SchoolId>().ok().filter(|s| schools.iter().any(|x| x.id == s.get()));
    let (a, b) = (in_cohort(a), in_cohort(b));
    let mut errors = vec![];
    if a.is_none() || b.is_none() || a == b {
        errors.push(FieldError::new("a", "Choose two different schools of the cohort"));
    }
    let rule = PairRule::parse(kind).map_err(|e| errors.push(e)).ok();
    let (Some(a), Some(b), Some(rule), true) = (a, b, rule, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let mut tx = state.db.begin().await?;
    store::set_cohort_pair(&mut tx, who, cohort, a, b, rule).await?;
    tx.commit().await?;
    Ok(Ok(()))
}

/// Propose groups for a cohort and keep the run.
pub async fn propose(state: &AppState, who: &Who, cohort: CohortId, o: &GroupsOptions) -> Result<RunId, Failure> {
    let c = store::cohort_by_id(&state.db, cohort).await?.ok_or(Failure::NotFound("cohort".into()))?;
    let input = groups_input(state, &c, o).await?;
    let inst = instance(&input).map_err(Failure::BadRequest)?;
    let opts = SolveOptions {
        mode: if input.max_min { SolveMode::MaxMin } else { SolveMode::Total },
        time_limit: std::time::Duration::from_secs_f64(input.seconds),
        seed: 1,
        ..SolveOptions::default()
    };
    let result = tokio::task::spawn_blocking(move || groups::solve(&inst, &opts))
        .await
        .map_err(|e| Failure::internal(format!("matching stopped: {e}")))?
        .map_err(|e| Failure::Conflict(format!("These schools cannot be grouped: {e}")))?;
    let ids = |g: &Vec<usize>| g.iter().map(|&i| input.schools[i].id.clone()).collect::<Vec<_>>();
    let proposal = GroupsProposal {
        groups: result.grouping.groups.iter().map(ids).collect(),
        total: result.total,
        min_group: result.min_group,
        proven_optimal: result.proven_optimal,
        upper_bound: result.upper_bound,
        method: result.method.to_string(),
        seconds: result.elapsed.as_secs_f64(),
    };
    let summary = format!(
        "{} schools of {} in {} groups: total {:.1}, weakest group {:.1}{}",
        input.schools.len(),
        input.cohort_name,
        proposal.groups.len(),
        proposal.total,
        proposal.min_group,
        if proposal.proven_optimal { ", proven optimal" } else { "" }
    );
    let docs = Docs::Groups(GroupsRun { current: proposal.groups.clone(), input, proposal });
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

/// The solver's verdict on its grouping, or that it was changed by hand.
pub fn verdict(r: &GroupsRun, edited: bool) -> Verdict {
    let p = &r.proposal;
    let headline = if p.proven_optimal {
        "Proven optimal: no grouping keeping every hard rule scores more".to_string()
    } else {
        match p.upper_bound {
            Some(b) => format!("Good, not proven best: no grouping can score more than {b:.2}"),
            None => "Good, not proven best".to_string(),
        }
    };
    let how = format!(
        "Found by {} in {:.1} s{}.",
        p.method,
        p.seconds,
        match p.upper_bound {
            Some(b) if !p.proven_optimal => format!("; the upper bound on the total is {b:.2}"),
            _ => String::new(),
        }
    );
    if edited {
        Verdict { how, ..changed_by_hand(&headline) }
    } else {
        Verdict {
            advice: if p.proven_optimal {
                String::new()
            } else {
                "A longer time limit when you propose usually brings it closer to the best.".into()
            },
            headline,
            how,
        }
    }
}

pub struct PairLine {
    pub a: String,
    pub b: String,
    pub score: String,
    pub sentence: String,
}

pub struct MemberLine {
    pub id: String,
    pub name: String,
    pub urn: i64,
    pub town: String,
}

pub struct GroupView {
    pub number: usize,
    pub score: String,
    pub members: Vec<MemberLine>,
    pub pairs: Vec<PairLine>,
    pub weakest: bool,
}

/// The report of a grouping: each group with its score and every pair's
/// reason, the broken rules in words, the total and the weakest group.
pub struct GroupsReport {
    pub groups: Vec<GroupView>,
    pub violations: Vec<String>,
    pub total: f64,
    pub min_group: f64,
}

pub fn report(input: &GroupsInput, current: &[Vec<String>]) -> Result<GroupsReport, Failure> {
    let ev = evaluate(input, current)?;
    let weakest = ev.groups.iter().map(|g| g.score).fold(f64::INFINITY, f64::min);
    let name = |i: usize| input.schools.get(i).map(|s| s.name.clone()).unwrap_or_default();
    let views = ev
        .groups
        .iter()
        .enumerate()
        .map(|(n, g)| GroupView {
            number: n + 1,
            score: format!("{:.2}", g.score),
            members: g
                .members
                .iter()
                .filter_map(|&i| input.schools.get(i))
                .map(|s| MemberLine {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    urn: s.urn,
                    town: s.town.clone().unwrap_or_default(),
                })
                .collect(),
            pairs: g
                .pairs
                .iter()
                .map(|p| PairLine {
                    a: name(p.a),
                    b: name(p.b),
                    score: format!("{:.2}", p.score),
                    sentence: p.sentence.clone(),
                })
                .collect(),
            weakest: (g.score - weakest).abs() < 1e-9 && ev.groups.len() > 1,
        })
        .collect();
    Ok(GroupsReport {
        groups: views,
        violations: ev.violations.iter().map(|v| v.message.clone()).collect(),
        total: ev.total,
        min_group: ev.min_group,
    })
}

/// The broken hard rules of the run's current groups, one line each.
pub fn broken(r: &GroupsRun) -> Result<Vec<String>, Failure> {
    Ok(evaluate(&r.input, &r.current)?.violations.into_iter().map(|v| v.message).collect())
}

/// The report as JSON (the API): scores, pairs with reasons, broken rules.
pub fn report_json(input: &GroupsInput, current: &[Vec<String>]) -> Result<serde_json::Value, Failure> {
    let ev = evaluate(input, current)?;
    let id = |i: usize| input.schools.get(i).map(|s| s.id.clone()).unwrap_or_default();
    Ok(serde_json::json!({
        "total": ev.total,
        "min_group": ev.min_group,
        "groups": ev.groups.iter().map(|g| serde_json::json!({
            "schools": g.members.iter().map(|&i| id(i)).collect::<Vec<_>>(),
            "score": g.score,
            "pairs": g.pairs.iter().map(|p| serde_json::json!({"a": id(p.a), "b": id(p.b), "score": p.score, "reason": p.sentence})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "violations": ev.violations.iter().map(|v| v.message.clone()).collect::<Vec<_>>(),
    }))
}

/// Move a school to another group (numbered from 1).
pub fn move_school(current: &mut [Vec<String>], school: &str, to: usize) -> Result<(), String> {
    if to == 0 || to > current.len() {
        return Err(format!("There is no group {to}"));
    }
    let from =
        current.iter().position(|g| g.iter().any(|s| s == school)).ok_or("That school is not in this proposal")?;
    if from + 1 == to {
        return Ok(());
    }
    current[from].retain(|s| s != school);
    current[to - 1].push(school.to_string());
    Ok(())
}

/// Move a school by hand, from the version the person saw.
pub async fn edit(
    state: &AppState,
    who: &Who,
    loaded: LoadedRun,
    seen: i64,
    school: &str,
    to: &str,
) -> Result<Edited, Failure> {
    let LoadedRun { run, docs: Docs::Groups(mut r) } = loaded else {
        return Err(Failure::NotFound("groups proposal".into()));
    };
    check_change(run.status, run.version, seen, RunAction::Edit).map_err(refused)?;
    let to: usize = to.trim().parse().map_err(|_| Failure::BadRequest(format!("\"{to}\" is not a group number")))?;
    let before = report(&r.input, &r.current)?;
    move_school(&mut r.current, school, to).map_err(Failure::BadRequest)?;
    let after = report(&r.input, &r.current)?;
    let what = format!("Moved {} to group {to}", r.input.name(school));
    let summary = format!(
        "{} groups: total {:.1}, weakest group {:.1} (changed by hand)",
        r.current.len(),
        after.total,
        after.min_group
    );
    let text = Docs::Groups(r).current_text();
    let mut tx = state.db.begin().await?;
    store::edit_run(&mut tx, who, run.id, seen, &text, &summary, &what).await?;
    tx.commit().await?;
    let delta = after.total - before.total;
    let n = after.violations.len();
    let message = format!(
        "{what}. Total now {:.2} ({}{:.2}), weakest group {:.2}; {n} broken rule{}.",
        after.total,
        if delta >= 0.0 { "+" } else { "−" },
        delta.abs(),
        after.min_group,
        if n == 1 { "" } else { "s" }
    );
    Ok(Edited { message, worse: n > before.violations.len() })
}

/// The groups to save, each with a visit day per school.
pub fn groups_to_save(r: &GroupsRun) -> Vec<NewGroup> {
    r.current
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let schools: Vec<SchoolId> = g.iter().filter_map(|s| s.parse().ok()).collect();
            let days = visit_dates(&r.input.year, i, schools.len());
            NewGroup {
                name: format!("Group {}", i + 1),
                visits: schools.iter().copied().zip(days.iter().map(|d| d.format("%Y-%m-%d").to_string())).collect(),
                schools,
            }
        })
        .collect()
}

/// Every school in the groups.
pub fn schools(r: &GroupsRun) -> Vec<SchoolId> {
    let mut v: Vec<SchoolId> = r.current.iter().flatten().filter_map(|s| s.parse().ok()).collect();
    v.sort();
    v.dedup();
    v
}

/// Save the groups and tell each school's leaders, in the caller's
/// transaction.
pub(super) async fn accept(
    state: &AppState,
    tx: &mut Tx,
    who: &Who,
    run: &Run,
    seen: i64,
    r: &GroupsRun,
    broken: &[String],
) -> Result<String, Failure> {
    let groups = groups_to_save(r);
    store::accept_groups(tx, who, run.id, seen, CohortId(r.input.cohort_id), &groups, broken).await?;
    let leaders = store::school_leaders(&state.db, &schools(r)).await?;
    let name = |s: &SchoolId| r.input.name(&s.to_string());
    for (school, p) in &leaders {
        let Some(g) = groups.iter().find(|g| g.schools.contains(school)) else { continue };
        let others: Vec<String> = g.schools.iter().filter(|s| *s != school).map(name).collect();
        let visits: Vec<String> =
            g.visits.iter().map(|(host, day)| format!("- {} at {}", date(day), name(host))).collect();
        let subject = format!("{} is in a Growing the Top group: {}", name(school), g.name);
        let body = format!(
            "Hello {},\n\nThe central team has formed the groups of {}. {} is in {} with {}.\n\nVisit days, one at each school:\n{}\n\nThey are in your Upward calendar. The group's facilitator will be confirmed next.{}",
            p.name.split_whitespace().next().unwrap_or(&p.name),
            r.input.cohort_name,
            name(school),
            g.name,
            others.join(" and "),
            visits.join("\n"),
            mail::signature(&state.config.link("/"))
        );
        mail::to_person(&state.db, tx, p.id.get(), &p.email, "programmes", &subject, &body).await?;
    }
    let told = {
        let mut ids: Vec<_> = leaders.iter().map(|(_, p)| p.id).collect();
        ids.sort();
        ids.dedup();
        ids.len()
    };
    Ok(format!(
        "{} groups accepted for {}, with a visit day for each school. {told} school leader{} told by e-mail (as their settings allow). Next: propose their facilitators.",
        groups.len(),
        r.input.cohort_name,
        if told == 1 { " was" } else { "s were" }
    ))
}
