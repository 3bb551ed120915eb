//! Matching: propose review teams (and, per cohort, school groups and
//! facilitators), inspect every score and reason, change by hand with
//! re-scoring and rule warnings, then accept.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, redirect, redirect_with};
use crate::error::{Failure, FieldError};
use crate::forms::Path;
use crate::forms::{Fields, RawForm};
use crate::layout::{Layout, date, when};
use crate::services::matching::{self as svc, TeamsInput};
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use upward_domain::ids::{CycleId, RunId};
use upward_domain::policy::Action;
use upward_matching::reviews::{self, Assignment, Proposal, Role, Rules, Team, Weights};
use upward_storage::matching::{self as store, Run};

/// Default start of the matching window: reviews from four weeks ahead
/// (nearer ones are already being planned with their teams).
pub fn default_from(today: chrono::NaiveDate) -> String {
    (today + chrono::Days::new(29)).format("%Y-%m-%d").to_string()
}

pub struct CycleRow {
    pub id: i64,
    pub name: String,
    pub from: String,
    pub in_scope: i64,
    pub unstaffed: i64,
}

pub struct RunRow {
    pub id: i64,
    pub kind: String,
    pub status: String,
    pub summary: String,
    pub when: String,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "review_teams" => "Review teams",
        "groups" => "Growing the Top groups",
        "facilitators" => "Facilitators",
        _ => "Matching",
    }
}

#[derive(Template)]
#[template(path = "matching/index.html")]
struct Index {
    l: Layout,
    cycles: Vec<CycleRow>,
    cohorts: Vec<store::Cohort>,
    runs: Vec<RunRow>,
    can_run: bool,
    w: Weights,
    r: Rules,
    errors: Vec<FieldError>,
}

async fn index_page(state: &AppState, ctx: &Ctx, errors: Vec<FieldError>) -> Result<Index, Failure> {
    let from = default_from(state.today());
    let mut cycles = vec![];
    for (id, name, _, ends) in store::cycles(&state.db).await? {
        if ends.as_str() < from.as_str() {
            continue;
        }
        let (in_scope, unstaffed) = store::cycle_needs(&state.db, id, &from).await?;
        cycles.push(CycleRow { id, name, from: from.clone(), in_scope, unstaffed });
    }
    let runs = store::recent_runs(&state.db, 15)
        .await?
        .into_iter()
        .map(|r| RunRow {
            id: r.id,
            kind: kind_label(&r.kind).to_string(),
            status: r.status,
            summary: r.summary,
            when: when(r.created_at),
        })
        .collect();
    Ok(Index {
        l: Layout::new(ctx, "Matching"),
        cycles,
        cohorts: store::cohorts(&state.db).await?,
        runs,
        can_run: ctx.can(&Action::RunMatching),
        w: Weights::default(),
        r: Rules::default(),
        errors,
    })
}

pub async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    Ok(render(&index_page(&state, &ctx, vec![]).await?))
}

/// Read weights and rules from a form (defaults for blanks).
pub fn weights_rules(f: &Fields, errors: &mut Vec<FieldError>) -> (Weights, Rules) {
    let mut w = Weights::default();
    let mut num = |name: &str, label: &str, slot: &mut f64, min: f64, max: f64| {
        let v = f.get(name);
        if v.is_empty() {
            return;
        }
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && (min..=max).contains(&x) => *slot = x,
            _ => errors.push(FieldError {
                field: name.into(),
                message: format!("{label} must be a number from {min} to {max}, not \"{v}\""),
            }),
        }
    };
    num("w_phase", "Same phase", &mut w.phase, 0.0, 100.0);
    num("w_themes", "Expertise in the host's focus", &mut w.themes, 0.0, 100.0);
    num("w_travel", "Travel (per 100 km)", &mut w.travel_per_100km, 0.0, 100.0);
    num("w_reciprocity", "Reciprocity", &mut w.reciprocity, 0.0, 100.0);
    num("w_mix", "A mix of experienced and new reviewers", &mut w.mix, 0.0, 100.0);
    num("w_hub", "Hub diversity", &mut w.hub_repeat, 0.0, 100.0);
    let mut r = Rules { same_hub_is_conflict: f.checked("same_hub"), ..Rules::default() };
    let mut secs = r.time_limit_secs;
    num("seconds", "Time limit", &mut secs, 1.0, 120.0);
    r.time_limit_secs = secs;
    if let Some(n) = f.int("recent_cycles", "Cycles", errors) {
        if (0..=10).contains(&n) {
            r.recent_cycles = n as u32;
        } else {
            errors.push(FieldError { field: "recent_cycles".into(), message: "Cycles must be from 0 to 10".into() });
        }
    }
    (w, r)
}

/// Propose teams for a cycle and keep the run.
pub async fn create_teams_run(
    state: &AppState,
    ctx: &Ctx,
    cycle_id: i64,
    from: &str,
    w: Weights,
    r: Rules,
) -> Result<i64, Failure> {
    let input = svc::teams_input(&state.db, cycle_id, from, w, r, state.today()).await?;
    if input.cycle.reviews.is_empty() {
        return Err(Failure::Conflict(format!("No reviews of {} from {} need a team.", input.cycle_name, date(from))));
    }
    let cycle = input.cycle.clone();
    let proposal: Proposal = tokio::task::spawn_blocking(move || reviews::propose(&cycle))
        .await
        .map_err(|e| Failure::internal(format!("matching stopped: {e}")))?
        .map_err(|e| Failure::BadRequest(format!("The data cannot be matched: {e}")))?;
    let summary = svc::teams_summary(&input, &proposal.report, Some(&proposal.status));
    let mut tx = state.db.begin().await?;
    let id = store::create_run(
        &mut tx,
        &ctx.who(),
        "review_teams",
        cycle_id,
        &svc::to_json(&input),
        &svc::to_json(&proposal),
        &svc::to_json(&proposal.assignment),
        &summary,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn propose_teams(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(cycle): Path<CycleId>,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let cycle = cycle.get();
    let mut errors = vec![];
    let (w, r) = weights_rules(&f, &mut errors);
    let from = f.opt("from").unwrap_or_else(|| default_from(state.today()));
    if chrono::NaiveDate::parse_from_str(&from, "%Y-%m-%d").is_err() {
        errors.push(FieldError { field: "from".into(), message: format!("\"{from}\" is not a date like 2027-01-11") });
    }
    if !errors.is_empty() {
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &index_page(&state, &ctx, errors).await?));
    }
    let id = create_teams_run(&state, &ctx, cycle, &from, w, r).await?;
    Ok(redirect(&format!("/matching/runs/{id}")))
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

fn pts(milli: i64) -> String {
    let v = milli as f64 / 1000.0;
    if v < 0.0 { format!("−{:.1}", -v) } else { format!("{v:.1}") }
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

fn dates(r: &svc::ReviewInfo) -> String {
    format!("{} to {}", date(&r.starts_on), date(&r.ends_on))
}

fn team_rows(input: &TeamsInput, report: &reviews::Report) -> Vec<TeamRow> {
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

/// "32 already at their maximum load; 12 same trust as the host school",
/// most common reason first.
pub fn counts_text<K: Copy>(
    counts: impl IntoIterator<Item = (K, usize)>,
    describe: impl Fn(K) -> &'static str,
) -> String {
    let mut v: Vec<(usize, &'static str)> = counts.into_iter().map(|(k, n)| (n, describe(k))).collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.0));
    v.iter().map(|(n, d)| format!("{n} {d}")).collect::<Vec<_>>().join("; ")
}

#[derive(Template)]
#[template(path = "matching/teams.html")]
struct TeamsPage {
    l: Layout,
    run: Run,
    input: TeamsInput,
    status_text: String,
    advice: String,
    proof: String,
    total: String,
    bound: String,
    edited: bool,
    rows: Vec<TeamRow>,
    unfilled: Vec<UnfilledView>,
    warnings: Vec<String>,
    can_run: bool,
}

/// The solver's verdict for people: a headline, what to do about it (may be
/// empty), and how the solver knows (technical; shown on request).
pub fn status_text(s: &reviews::Status) -> (String, String, String) {
    match s {
        reviews::Status::Optimal { proof } => {
            ("Proven optimal: no assignment keeping every hard rule scores more".into(), String::new(), proof.clone())
        }
        reviews::Status::Feasible { gap, places_unproven, proof } => (
            format!(
                "Good, not proven best: at most {gap:.1} points from the best possible{}",
                if *places_unproven > 0 {
                    format!(", and up to {places_unproven} more places might be fillable")
                } else {
                    String::new()
                }
            ),
            "A longer time limit (under “Weights and rules” when you propose) usually narrows the gap.".into(),
            proof.clone(),
        ),
        reviews::Status::Infeasible { reasons, proven } => (
            if *proven {
                "The hard rules cannot all be met".into()
            } else {
                "No assignment meeting every hard rule was found in time".into()
            },
            reasons.join(" "),
            String::new(),
        ),
    }
}

pub struct Loaded {
    pub run: Run,
    pub input: TeamsInput,
    pub proposal: Proposal,
    pub current: Assignment,
}

pub async fn load_teams(state: &AppState, id: i64) -> Result<Loaded, Failure> {
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    teams_of(run)
}

/// Reads a review-team run already fetched.
fn teams_of(run: Run) -> Result<Loaded, Failure> {
    if run.kind != "review_teams" {
        return Err(Failure::NotFound("review-team run".into()));
    }
    let bad = |_| Failure::internal("a stored matching run could not be read");
    let input: TeamsInput = serde_json::from_str(&run.input_json).map_err(bad)?;
    let proposal: Proposal = serde_json::from_str(&run.proposal_json).map_err(bad)?;
    let current: Assignment = serde_json::from_str(&run.current_json).map_err(bad)?;
    Ok(Loaded { run, input, proposal, current })
}

pub async fn run(State(state): State<AppState>, ctx: Ctx, Path(id): Path<RunId>) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    let id = id.get();
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    match run.kind.as_str() {
        "review_teams" => teams_page(&state, &ctx, id).await,
        _ => super::groups::run_page(&state, &ctx, run).await,
    }
}

async fn teams_page(state: &AppState, ctx: &Ctx, id: i64) -> Result<Response, Failure> {
    let Loaded { run, input, proposal, current } = load_teams(state, id).await?;
    let report = reviews::rescore(&input.cycle, &current);
    let unfilled = reviews::explain_unfilled(&input.cycle, &current, &report)
        .iter()
        .map(|u| UnfilledView {
            review: input.review_label(&u.review),
            role: if u.role == Role::Lead { "Lead Reviewer" } else { "peer reviewer" },
            places: u.places,
            reasons: counts_text(u.counts.iter().map(|(k, v)| (*k, *v)), |r: reviews::Rule| r.describe()),
        })
        .collect();
    let (status, advice, proof) = status_text(&proposal.status);
    let page = TeamsPage {
        l: Layout::new(ctx, format!("Review teams for {}", input.cycle_name)),
        status_text: status,
        advice,
        proof,
        total: format!("{:.1}", report.total_points()),
        bound: format!("{:.1}", proposal.bound),
        edited: current != proposal.assignment,
        rows: team_rows(&input, &report),
        unfilled,
        warnings: svc::warning_lines(&input, &report),
        can_run: ctx.can(&Action::RunMatching) && run.status == "proposed",
        run,
        input,
    };
    Ok(render(&page))
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

#[derive(Template)]
#[template(path = "matching/team.html")]
struct TeamPage {
    l: Layout,
    run: Run,
    row: TeamRow,
    cycle_name: String,
    total: String,
    candidates: Vec<CandidateView>,
    excluded: String,
    can_run: bool,
}

/// Candidates for a review, best first, with the rules each would break.
fn candidates(input: &TeamsInput, current: &Assignment, review_id: &str) -> (Vec<CandidateView>, String) {
    let Some(r) = input.cycle.reviews.iter().find(|r| r.id == review_id) else { return (vec![], String::new()) };
    let team = current.teams.iter().find(|t| t.review == review_id);
    let on_team = |id: &str| team.is_some_and(|t| t.lead.as_deref() == Some(id) || t.peers.iter().any(|p| p == id));
    let base = reviews::rescore(&input.cycle, current);
    let mut excluded: std::collections::BTreeMap<reviews::Rule, usize> = Default::default();
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

pub async fn team(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, review)): Path<(RunId, String)>,
) -> Result<Response, Failure> {
    ctx.require(Action::ViewMatching)?;
    let id = id.get();
    let Loaded { run, input, current, .. } = load_teams(&state, id).await?;
    let report = reviews::rescore(&input.cycle, &current);
    let row = team_rows(&input, &report)
        .into_iter()
        .find(|r| r.id == review)
        .ok_or(Failure::NotFound("review in this run".into()))?;
    let (candidates, excluded) = candidates(&input, &current, &review);
    let page = TeamPage {
        l: Layout::new(&ctx, format!("Team for {}", row.school)),
        total: format!("{:.1}", report.total_points()),
        cycle_name: input.cycle_name.clone(),
        can_run: ctx.can(&Action::RunMatching) && run.status == "proposed",
        run,
        row,
        candidates,
        excluded,
    };
    Ok(render(&page))
}

/// Apply one hand edit to an assignment: `action` is lead, peer or remove.
pub fn apply_edit(
    input: &TeamsInput,
    a: &mut Assignment,
    review: &str,
    action: &str,
    person: &str,
) -> Result<String, String> {
    if input.review(review).is_none() {
        return Err(format!("Review {review} is not in this run"));
    }
    if input.person(person).is_none() {
        return Err(format!("Person {person} is not a reviewer in this run"));
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
    match action {
        "remove" => {
            if t.lead.as_deref() == Some(person) {
                t.lead = None;
            }
            t.peers.retain(|p| p != person);
            Ok(format!("Removed {who} from {at}"))
        }
        "lead" => {
            t.peers.retain(|p| p != person);
            if let Some(old) = t.lead.replace(person.to_string())
                && old != person
            {
                t.peers.retain(|p| p != &old);
            }
            Ok(format!("{who} leads {at}"))
        }
        "peer" => {
            if t.lead.as_deref() == Some(person) {
                t.lead = None;
            }
            if !t.peers.iter().any(|p| p == person) {
                t.peers.push(person.to_string());
            }
            Ok(format!("Added {who} to {at}"))
        }
        other => Err(format!("\"{other}\" is not a change (lead, peer or remove)")),
    }
}

pub async fn edit_team(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, review)): Path<(RunId, String)>,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let Loaded { input, mut current, .. } = load_teams(&state, id).await?;
    let before = reviews::rescore(&input.cycle, &current);
    let what =
        apply_edit(&input, &mut current, &review, f.get("action"), f.get("person")).map_err(Failure::BadRequest)?;
    let after = reviews::rescore(&input.cycle, &current);
    let summary = svc::teams_summary(&input, &after, None);
    let mut tx = state.db.begin().await?;
    store::edit_run(&mut tx, &ctx.who(), id, &svc::to_json(&current), &summary, &what).await?;
    tx.commit().await?;
    let delta = after.total_points() - before.total_points();
    let new_warnings = after.warnings.len() as i64 - before.warnings.len() as i64;
    let msg = format!(
        "{what}. Total now {:.1} points ({}{:.1}); {} broken rule{}{}.",
        after.total_points(),
        if delta >= 0.0 { "+" } else { "−" },
        delta.abs(),
        after.warnings.len(),
        if after.warnings.len() == 1 { "" } else { "s" },
        if new_warnings > 0 { format!(", {new_warnings} new: see the warnings") } else { String::new() }
    );
    let kind = if new_warnings > 0 { "error" } else { "success" };
    Ok(redirect_with(&format!("/matching/runs/{id}/reviews/{review}"), kind, &msg, ctx.secure))
}

/// What a person is told when they accept a run that breaks rules without
/// saying they mean to.
/// `how`: how to say one means it (the page's box or the API's parameter).
pub fn broken_message(broken: &[String], how: &str) -> String {
    let n = broken.len();
    let first: Vec<&str> = broken.iter().take(3).map(String::as_str).collect();
    format!(
        "Nothing was accepted: this proposal breaks {n} hard rule{} ({}{}). Put it right, or {how} to accept it knowingly (the broken rules are kept on the audit trail).",
        if n == 1 { "" } else { "s" },
        first.join("; "),
        if n > 3 { format!("; and {} more", n - 3) } else { String::new() }
    )
}

/// What accepting a run did.
pub enum Accepted {
    /// Saved; the message to show.
    Done(String),
    /// Nothing saved: the run breaks these rules and the person did not say
    /// they accept them.
    BrokenRules(Vec<String>),
}

/// The refusal when a run, as it stands now, breaks hard rules (`broken`,
/// one line each, as its page shows them) and the person did not say they
/// accept them.
pub fn refusal(broken: &[String], accept_broken: bool) -> Option<Accepted> {
    (!broken.is_empty() && !accept_broken).then(|| Accepted::BrokenRules(broken.to_vec()))
}

/// Accept a run (any kind). A run that breaks hard rules is accepted only
/// with `accept_broken` (the person has seen the rules and means it); the
/// broken rules then go on the audit trail.
pub async fn accept_run(state: &AppState, ctx: &Ctx, id: i64, accept_broken: bool) -> Result<Accepted, Failure> {
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    if run.status != "proposed" {
        return Err(Failure::Conflict("This proposal has already been accepted or discarded.".into()));
    }
    match run.kind.as_str() {
        "review_teams" => {
            let Loaded { input, current, .. } = teams_of(run)?;
            let broken = svc::warning_lines(&input, &reviews::rescore(&input.cycle, &current));
            if let Some(refused) = refusal(&broken, accept_broken) {
                return Ok(refused);
            }
            let teams: Vec<(i64, Option<i64>, Vec<i64>)> = input
                .cycle
                .reviews
                .iter()
                .filter_map(|r| {
                    let t = current.teams.iter().find(|t| t.review == r.id);
                    let rid = r.id.parse().ok()?;
                    let lead = t.and_then(|t| t.lead.as_ref()).and_then(|l| l.parse().ok());
                    let peers = t.map(|t| t.peers.iter().filter_map(|p| p.parse().ok()).collect()).unwrap_or_default();
                    Some((rid, lead, peers))
                })
                .collect();
            let mut tx = state.db.begin().await?;
            store::accept_review_teams(&mut tx, &ctx.who(), id, &teams, &broken).await?;
            tx.commit().await?;
            Ok(Accepted::Done(format!(
                "Teams accepted for {} reviews. Team members see them on their home page and calendar.",
                teams.len()
            )))
        }
        _ => super::groups::accept(state, ctx, run, accept_broken).await,
    }
}

pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<RunId>,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let accept_broken = f.checked("accept_broken");
    let (kind, msg) = match accept_run(&state, &ctx, id, accept_broken).await? {
        Accepted::Done(msg) => ("success", msg),
        // Back to the run, which lists the broken rules.
        Accepted::BrokenRules(broken) => ("error", broken_message(&broken, "tick “Accept although rules are broken”")),
    };
    Ok(redirect_with(&format!("/matching/runs/{id}"), kind, &msg, ctx.secure))
}

pub async fn discard(State(state): State<AppState>, ctx: Ctx, Path(id): Path<RunId>) -> Result<Response, Failure> {
    ctx.require(Action::RunMatching)?;
    let id = id.get();
    let mut tx = state.db.begin().await?;
    store::discard_run(&mut tx, &ctx.who(), id).await?;
    tx.commit().await?;
    Ok(redirect_with("/matching", "success", "The proposal was discarded. Nothing else changed.", ctx.secure))
}
