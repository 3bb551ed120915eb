//! The review-team solver.
//!
//! # Model
//! Each review needs one Lead Reviewer (when `needs_lead`) and `peer_places`
//! peer reviewers. Hard rules: eligibility; conflicts (own school, same
//! trust, declared, reviewed in the last N cycles, optionally same Hub);
//! travel limit; leads must be Lead Reviewers, with special-school expertise
//! for special schools; at most one person from any school per team (lead
//! included); at most one review per person per week; each person's min and
//! max load. The objective, lexicographically:
//!
//! 1. meet every minimum load (if that is impossible the result is
//!    `Infeasible`, with the reasons);
//! 2. fill as many places as possible;
//! 3. maximise the score: per member, phase + themes − travel + reciprocity;
//!    per team, + mix bonus − Hub repeats (see [`super::check`]).
//!
//! # Stage 1: an exact min-cost flow relaxation
//! ```text
//! source ─(min load, 0)─┐
//!        ─(max−min, C2)─┴─> person ─(1)─> person-week ─┬─(lead arc)───────────────> review-lead ──> sink
//!                                                      └─(peer arc)─> review-school ─(1)─> review-hub ─(1, 0 | k−1, hub)─> review-peers ─> sink
//! source ─(places, C2+C1: unfilled)──────────────────────────────────────────> review-lead / review-peers
//! ```
//! Node capacities in series (person-week, review-school, review-hub) make
//! "one review a week", "one person per school" and the convex Hub-repeat
//! penalty exact parts of a network flow, which the min-cost flow solves
//! exactly. Two things are relaxed: the lead does not pass through the
//! review's school/Hub nodes (a person's role is not known to a shared
//! school node, so a lead + peer school clash is not excluded), and the mix
//! bonus is counted for every team that could have one. The relaxation's
//! optimum is therefore an **upper bound** on the true optimum.
//!
//! # Stage 2: repair
//! Lead/peer school clashes are removed by banning the clashing school's peer
//! arcs at that review and solving again, which yields a feasible assignment.
//! If its true value (recomputed by the checker) equals the bound, it is
//! **optimal, proven by the flow bound**.
//!
//! # Stage 3: MIP
//! Otherwise the full model is solved as a MIP with `good_lp` (microlp by
//! default, HiGHS with the `highs` feature), warm-started from the repaired
//! assignment, within `Rules::time_limit_secs`. If the MIP proves optimality
//! over *all* eligible (person, review, role) triples, the result is
//! optimal; otherwise it is `Feasible` with the gap to the flow bound.

use super::check::{self, pair_rules, Report};
use super::model::{Assignment, Cycle, Role, Rule, Team};
use crate::flow::{MinCostFlow, Node};
use good_lp::{constraint, variable, Expression, ProblemVariables, Solution, SolverModel, Variable, WithTimeLimit};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How good the proposal is known to be.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Status {
    /// Proven optimal; `proof` says by what.
    Optimal { proof: String },
    /// Feasible; the optimum is at most `gap` points better (and, if
    /// `places_unproven > 0`, up to that many more places might be fillable).
    Feasible { gap: f64, places_unproven: u32, proof: String },
    /// The minimum loads cannot be met (`proven`: by the flow relaxation or
    /// the MIP; otherwise none was found in the time limit). The proposal
    /// still carries the best assignment found.
    Infeasible { reasons: Vec<String>, proven: bool },
}

/// An unfilled place and why nobody could take it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unfilled {
    pub review: String,
    pub role: Role,
    pub places: u32,
    /// For each person: the rules that exclude them (empty: available).
    pub candidates: Vec<(String, Vec<Rule>)>,
    /// How many people each rule excludes.
    pub counts: BTreeMap<Rule, usize>,
}

/// The solver's proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub assignment: Assignment,
    pub status: Status,
    /// Score breakdown and warnings, from the independent checker.
    pub report: Report,
    /// Places left empty, with reasons.
    pub unfilled: Vec<Unfilled>,
    /// Upper bound on the score (points), from the flow relaxation, valid
    /// among assignments that fill `bound_filled` places.
    pub bound: f64,
    /// Places the relaxation fills: no assignment fills more.
    pub bound_filled: u32,
}

/// Errors in the cycle's data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("duplicate {kind} id {id}")]
    DuplicateId { kind: &'static str, id: String },
    #[error("person {0}: min load is above max load")]
    Loads(String),
    #[error("weight {0} is not a finite number")]
    Weight(&'static str),
    #[error("scores too large for exact integer arithmetic")]
    Overflow,
    #[error(transparent)]
    Flow(#[from] crate::flow::FlowError),
}

/// A possible (person, review, role) with its score in thousandths.
#[derive(Debug, Clone, Copy)]
struct Triple {
    p: usize,
    r: usize,
    role: Role,
    score: i64,
}

fn ieq(a: &Option<String>, b: &Option<String>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        _ => false,
    }
}

/// The solver's own eligibility test and score (the checker has another).
fn triples(cycle: &Cycle) -> Vec<Triple> {
    let w = &cycle.weights;
    let m = |x: f64| (x * 1000.0).round() as i64;
    let mut out = Vec::new();
    for (ri, r) in cycle.reviews.iter().enumerate() {
        for (pi, p) in cycle.people.iter().enumerate() {
            if !p.eligible || p.max_load == 0 || p.school == r.school || ieq(&p.trust, &r.trust) {
                continue;
            }
            if cycle.rules.same_hub_is_conflict && ieq(&p.hub, &r.hub) {
                continue;
            }
            if p.conflicts.contains(&r.school)
                || p.reviewed.iter().any(|(s, ago)| s == &r.school && *ago <= cycle.rules.recent_cycles)
            {
                continue;
            }
            let dist = match (p.location, r.location) {
                (Some(a), Some(b)) => Some(a.distance_km(b)),
                _ => None,
            };
            if let (Some(d), Some(lim)) = (dist, p.travel_limit_km)
                && d > lim {
                    continue;
                }
            let mut s = 0;
            if ieq(&p.phase, &r.phase) {
                s += m(w.phase);
            }
            if !r.focus.is_empty() {
                let hits = r.focus.iter().filter(|f| p.themes.iter().any(|t| t.eq_ignore_ascii_case(f))).count();
                s += m(w.themes * hits as f64 / r.focus.len() as f64);
            }
            if let Some(d) = dist {
                s -= m(w.travel_per_100km * d / 100.0);
            }
            if p.school_hosts_review {
                s += m(w.reciprocity);
            }
            if r.peer_places > 0 {
                out.push(Triple { p: pi, r: ri, role: Role::Peer, score: s });
            }
            if r.needs_lead && p.can_lead && (!r.special || p.special_expertise) {
                out.push(Triple { p: pi, r: ri, role: Role::Lead, score: s });
            }
        }
    }
    out
}

/// Lexicographic value: (minimum-load units met, places filled, score).
type Value = (i64, i64, i64);

fn value_of(cycle: &Cycle, rep: &Report, a: &Assignment) -> Value {
    let mut load: HashMap<&str, i64> = HashMap::new();
    let mut filled = 0;
    for t in &a.teams {
        for id in t.lead.iter().chain(t.peers.iter()) {
            *load.entry(id.as_str()).or_insert(0) += 1;
            filled += 1;
        }
    }
    let mand = cycle.people.iter().map(|p| (p.min_load as i64).min(*load.get(p.id.as_str()).unwrap_or(&0))).sum();
    (mand, filled, rep.total)
}

struct Relaxed {
    lead: Vec<Option<usize>>,
    peers: Vec<Vec<usize>>,
    value: Value,
}

fn relax(cycle: &Cycle, tr: &[Triple], banned: &HashSet<(usize, usize)>, school_of: &[usize], hub_ok: bool) -> Result<Relaxed, ModelError> {
    let nr = cycle.reviews.len();
    let places: i64 = cycle.reviews.iter().map(|r| r.peer_places as i64 + r.needs_lead as i64).sum();
    let hub_pen = if hub_ok { (cycle.weights.hub_repeat * 1000.0).round().max(0.0) as i64 } else { 0 };
    let maxs = tr.iter().map(|t| t.score).max().unwrap_or(0).max(0);
    let mins = tr.iter().map(|t| t.score).min().unwrap_or(0).min(0);
    let span = maxs - mins + hub_pen + 1;
    let c1 = span.checked_mul(places + 1).ok_or(ModelError::Overflow)?;
    let c2 = (c1 + span).checked_mul(places + 1).ok_or(ModelError::Overflow)?;
    (c2 + c1).checked_mul(places + 1).ok_or(ModelError::Overflow)?;

    let mut g = MinCostFlow::new(2);
    let (src, sink) = (0 as Node, 1 as Node);
    g.set_supply(src, places);
    g.set_supply(sink, -places);
    let mut person_node = vec![None; cycle.people.len()];
    let mut mand_arcs = Vec::new();
    for (pi, p) in cycle.people.iter().enumerate() {
        if p.min_load == 0 && !tr.iter().any(|t| t.p == pi) {
            continue;
        }
        let v = g.add_node();
        person_node[pi] = Some(v);
        if p.min_load > 0 {
            mand_arcs.push(g.add_arc(src, v, p.min_load as i64, 0)?);
        }
        g.add_arc(src, v, (p.max_load - p.min_load) as i64, c2)?;
    }
    let mut lead_node = vec![None; nr];
    let mut peer_node = vec![None; nr];
    for (ri, r) in cycle.reviews.iter().enumerate() {
        if r.needs_lead {
            let v = g.add_node();
            g.add_arc(v, sink, 1, 0)?;
            g.add_arc(src, v, 1, c2 + c1)?;
            lead_node[ri] = Some(v);
        }
        if r.peer_places > 0 {
            let v = g.add_node();
            g.add_arc(v, sink, r.peer_places as i64, 0)?;
            g.add_arc(src, v, r.peer_places as i64, c2 + c1)?;
            peer_node[ri] = Some(v);
        }
    }
    let mut pw: HashMap<(usize, i32), Node> = HashMap::new();
    let mut rs: HashMap<(usize, usize), Node> = HashMap::new();
    let mut rh: HashMap<(usize, String), Node> = HashMap::new();
    let mut pen_arcs = Vec::new();
    let mut pair_arcs = Vec::new();
    for (ti, t) in tr.iter().enumerate() {
        let r = &cycle.reviews[t.r];
        let p = &cycle.people[t.p];
        if t.role == Role::Peer && banned.contains(&(t.r, school_of[t.p])) {
            continue;
        }
        let Some(pn) = person_node[t.p] else { continue };
        let wk = match pw.get(&(t.p, r.week)) {
            Some(&v) => v,
            None => {
                let v = g.add_node();
                g.add_arc(pn, v, 1, 0)?;
                pw.insert((t.p, r.week), v);
                v
            }
        };
        let cost = maxs - t.score;
        let a = match t.role {
            Role::Lead => g.add_arc(wk, lead_node[t.r].expect("lead node"), 1, cost)?,
            Role::Peer => {
                let key = (t.r, school_of[t.p]);
                let sn = match rs.get(&key) {
                    Some(&v) => v,
                    None => {
                        let v = g.add_node();
                        let target = match (&p.hub, hub_pen > 0) {
                            (Some(h), true) => {
                                let hk = (t.r, h.to_ascii_lowercase());
                                match rh.get(&hk) {
                                    Some(&hn) => hn,
                                    None => {
                                        let hn = g.add_node();
                                        let pn = peer_node[t.r].expect("peer node");
                                        g.add_arc(hn, pn, 1, 0)?;
                                        if r.peer_places > 1 {
                                            pen_arcs.push(g.add_arc(hn, pn, r.peer_places as i64 - 1, hub_pen)?);
                                        }
                                        rh.insert(hk, hn);
                                        hn
                                    }
                                }
                            }
                            _ => peer_node[t.r].expect("peer node"),
                        };
                        g.add_arc(v, target, 1, 0)?;
                        rs.insert(key, v);
                        v
                    }
                };
                g.add_arc(wk, sn, 1, cost)?
            }
        };
        pair_arcs.push((a, ti));
    }
    let out = g.solve()?;
    debug_assert!(out.is_complete(), "unfilled arcs make the relaxation always feasible");
    let mut lead = vec![None; nr];
    let mut peers = vec![Vec::new(); nr];
    let mut score = 0;
    let mut filled = 0;
    for &(a, ti) in &pair_arcs {
        if g.flow(a) > 0 {
            let t = tr[ti];
            score += t.score;
            filled += 1;
            match t.role {
                Role::Lead => lead[t.r] = Some(t.p),
                Role::Peer => peers[t.r].push(t.p),
            }
        }
    }
    score -= pen_arcs.iter().map(|&a| g.flow(a) * hub_pen).sum::<i64>();
    let mand = mand_arcs.iter().map(|&a| g.flow(a)).sum();
    Ok(Relaxed { lead, peers, value: (mand, filled, score) })
}

fn to_assignment(cycle: &Cycle, lead: &[Option<usize>], peers: &[Vec<usize>]) -> Assignment {
    Assignment {
        teams: cycle
            .reviews
            .iter()
            .enumerate()
            .map(|(ri, r)| {
                let mut ps: Vec<String> = peers[ri].iter().map(|&p| cycle.people[p].id.clone()).collect();
                ps.sort();
                Team { review: r.id.clone(), lead: lead[ri].map(|p| cycle.people[p].id.clone()), peers: ps }
            })
            .collect(),
    }
}

fn validate(cycle: &Cycle) -> Result<(), ModelError> {
    let mut seen = HashSet::new();
    for r in &cycle.reviews {
        if !seen.insert(r.id.as_str()) {
            return Err(ModelError::DuplicateId { kind: "review", id: r.id.clone() });
        }
    }
    let mut seen = HashSet::new();
    for p in &cycle.people {
        if !seen.insert(p.id.as_str()) {
            return Err(ModelError::DuplicateId { kind: "person", id: p.id.clone() });
        }
        if p.min_load > p.max_load {
            return Err(ModelError::Loads(p.id.clone()));
        }
    }
    let w = &cycle.weights;
    for (n, x) in [("phase", w.phase), ("themes", w.themes), ("travel_per_100km", w.travel_per_100km), ("reciprocity", w.reciprocity), ("mix", w.mix), ("hub_repeat", w.hub_repeat)] {
        if !x.is_finite() || x.abs() > 1e9 {
            return Err(ModelError::Weight(n));
        }
    }
    Ok(())
}

/// Proposes review teams for a cycle. See the module documentation.
pub fn propose(cycle: &Cycle) -> Result<Proposal, ModelError> {
    validate(cycle)?;
    let tr = triples(cycle);
    // Dense school ids; Hub terms are exact in the flow only when every
    // school's people share one Hub.
    let mut school_ids: HashMap<&str, usize> = HashMap::new();
    let school_of: Vec<usize> = cycle.people.iter().map(|p| {
        let n = school_ids.len();
        *school_ids.entry(p.school.as_str()).or_insert(n)
    }).collect();
    let mut hub_of_school: HashMap<usize, Option<String>> = HashMap::new();
    let mut hub_ok = true;
    for (pi, p) in cycle.people.iter().enumerate() {
        let h = p.hub.as_ref().map(|h| h.to_ascii_lowercase());
        if let Some(prev) = hub_of_school.insert(school_of[pi], h.clone())
            && prev != h {
                hub_ok = false;
            }
    }
    // Optimistic mix bonus: every team that could mix.
    let mix_w = (cycle.weights.mix * 1000.0).round() as i64;
    let mix_opt: i64 = if mix_w > 0 {
        (0..cycle.reviews.len())
            .filter(|&ri| {
                let peer = |first: bool| tr.iter().any(|t| t.r == ri && t.role == Role::Peer && (cycle.people[t.p].experience == 0) == first);
                cycle.reviews[ri].peer_places >= 2 && peer(true) && peer(false)
            })
            .count() as i64
            * mix_w
    } else {
        0
    };
    let mut banned = HashSet::new();
    let first = relax(cycle, &tr, &banned, &school_of, hub_ok)?;
    let bound: Value = (first.value.0, first.value.1, first.value.2 + mix_opt.max(0));
    let mut cur = first;
    let mut repairs = 0;
    loop {
        let mut clash = false;
        for ri in 0..cycle.reviews.len() {
            if let Some(l) = cur.lead[ri]
                && cur.peers[ri].iter().any(|&p| school_of[p] == school_of[l]) {
                    banned.insert((ri, school_of[l]));
                    clash = true;
                }
        }
        if !clash {
            break;
        }
        repairs += 1;
        cur = relax(cycle, &tr, &banned, &school_of, hub_ok)?;
    }
    let mut assignment = to_assignment(cycle, &cur.lead, &cur.peers);
    let mut report = check::rescore(cycle, &assignment);
    debug_assert!(
        report.warnings.iter().all(|w| w.rule == Rule::BelowMinLoad),
        "solver broke a rule: {:?}",
        report.warnings
    );
    let mut value = value_of(cycle, &report, &assignment);
    let min_total: i64 = cycle.people.iter().map(|p| p.min_load as i64).sum();
    let status;
    if bound.0 < min_total {
        let reasons = min_load_reasons(cycle, &tr);
        status = Status::Infeasible { reasons, proven: true };
    } else if value == bound || (value.0 == bound.0 && value.1 == bound.1 && value.2 >= bound.2) {
        status = Status::Optimal {
            proof: if repairs == 0 {
                "min-cost flow: the flow optimum meets every rule, so it is optimal".into()
            } else {
                format!("min-cost flow bound reached after {repairs} lead/peer school repair(s)")
            },
        };
    } else {
        let meets_min = value.0 == min_total;
        let (mip, all) = mip(cycle, &tr, &assignment, value, meets_min);
        let mut proven = false;
        let mut mip_infeasible = false;
        match mip {
            MipOutcome::Solved(a, opt) => {
                let rep = check::rescore(cycle, &a);
                let v = value_of(cycle, &rep, &a);
                if rep.warnings.iter().all(|w| w.rule == Rule::BelowMinLoad) && v >= value {
                    assignment = a;
                    report = rep;
                    value = v;
                    proven = opt && all;
                }
            }
            MipOutcome::Infeasible => mip_infeasible = true,
            MipOutcome::Nothing => {}
        }
        let solver = if cfg!(feature = "highs") { "HiGHS" } else { "microlp" };
        if value.0 < min_total {
            let mut reasons = min_load_reasons(cycle, &tr);
            let proven = mip_infeasible && all;
            if proven {
                reasons.push(format!("proven by the MIP ({solver}): the minimum loads cannot be met together with one person per school"));
            } else {
                reasons.push("no assignment meeting every minimum load was found within the time limit (not proven impossible)".into());
            }
            status = Status::Infeasible { reasons, proven };
        } else if proven || value >= bound {
            status = Status::Optimal { proof: format!("MIP ({solver}) solved to optimality over every eligible triple") };
        } else {
            status = Status::Feasible {
                gap: (bound.2 - value.2).max(0) as f64 / 1000.0,
                places_unproven: (bound.1 - value.1).max(0) as u32,
                proof: format!(
                    "flow relaxation bound; MIP ({solver}, {} triples, {} s limit) did not close the gap",
                    if all { "all" } else { "a subset of" },
                    cycle.rules.time_limit_secs
                ),
            };
        }
    }
    let unfilled = explain_unfilled(cycle, &assignment, &report);
    Ok(Proposal { assignment, status, report, unfilled, bound: bound.2 as f64 / 1000.0, bound_filled: bound.1 as u32 })
}

fn min_load_reasons(cycle: &Cycle, tr: &[Triple]) -> Vec<String> {
    let mut v = Vec::new();
    for (pi, p) in cycle.people.iter().enumerate() {
        if p.min_load == 0 {
            continue;
        }
        let weeks: HashSet<i32> = tr.iter().filter(|t| t.p == pi).map(|t| cycle.reviews[t.r].week).collect();
        if (weeks.len() as u32) < p.min_load {
            v.push(format!(
                "{} must do at least {} review(s) but is eligible for reviews in only {} different week(s)",
                p.id,
                p.min_load,
                weeks.len()
            ));
        }
    }
    if v.is_empty() {
        v.push("the minimum loads cannot all be met together (not enough places that the committed people may take)".into());
    }
    v
}

/// Solves the full model as a MIP; returns the assignment found, whether the
/// MIP proved it optimal, and whether all triples were in the model.
enum MipOutcome {
    Solved(Assignment, bool),
    Infeasible,
    Nothing,
}

fn mip(cycle: &Cycle, tr: &[Triple], inc: &Assignment, inc_value: Value, meets_min: bool) -> (MipOutcome, bool) {
    let pid: HashMap<&str, usize> = cycle.people.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mut in_inc: HashSet<(usize, usize, Role)> = HashSet::new();
    for (ri, t) in inc.teams.iter().enumerate() {
        if let Some(l) = &t.lead {
            in_inc.insert((pid[l.as_str()], ri, Role::Lead));
        }
        for p in &t.peers {
            in_inc.insert((pid[p.as_str()], ri, Role::Peer));
        }
    }
    // Candidate triples: all when few enough, else the best per place plus the incumbent.
    let all = tr.len() <= cycle.rules.max_mip_triples;
    let chosen: Vec<Triple> = if all {
        tr.to_vec()
    } else {
        let mut by: HashMap<(usize, Role), Vec<Triple>> = HashMap::new();
        for t in tr {
            by.entry((t.r, t.role)).or_default().push(*t);
        }
        let mut v = Vec::new();
        for ((ri, role), mut ts) in by {
            ts.sort_by_key(|t| std::cmp::Reverse(t.score));
            let keep = 4 * (if role == Role::Lead { 1 } else { cycle.reviews[ri].peer_places as usize }) + 6;
            for (i, t) in ts.into_iter().enumerate() {
                if i < keep || in_inc.contains(&(t.p, t.r, t.role)) {
                    v.push(t);
                }
            }
        }
        v
    };
    let w = &cycle.weights;
    let max_abs = chosen.iter().map(|t| t.score.abs()).max().unwrap_or(0) as f64 / 1000.0;
    let places: f64 = cycle.reviews.iter().map(|r| (r.peer_places + r.needs_lead as u32) as f64).sum();
    let unfilled_pen = 1.0 + places * (2.0 * max_abs + w.mix.abs() + w.hub_repeat.abs() * 2.0) + w.mix.abs() * cycle.reviews.len() as f64;
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = chosen
        .iter()
        .map(|t| {
            let v = variable().binary();
            vars.add(if meets_min { v.initial(if in_inc.contains(&(t.p, t.r, t.role)) { 1.0 } else { 0.0 }) } else { v })
        })
        .collect();
    let mut obj = Expression::from(0.0);
    for (i, t) in chosen.iter().enumerate() {
        obj += (t.score as f64 / 1000.0 + unfilled_pen) * x[i];
    }
    let mut cons = Vec::new();
    // Mix and Hub terms.
    let inc_rep = check::rescore(cycle, inc);
    for (ri, r) in cycle.reviews.iter().enumerate() {
        let mine: Vec<usize> = (0..chosen.len()).filter(|&i| chosen[i].r == ri).collect();
        if w.mix > 0.0 && r.peer_places >= 2 {
            let init = if inc_rep.reviews[ri].mix > 0 { 1.0 } else { 0.0 };
            let m = vars.add(if meets_min { variable().min(0.0).max(1.0).initial(init) } else { variable().min(0.0).max(1.0) });
            obj += w.mix * m;
            let first: Expression = mine.iter().filter(|&&i| chosen[i].role == Role::Peer && cycle.people[chosen[i].p].experience == 0).map(|&i| x[i]).sum();
            let exp: Expression = mine.iter().filter(|&&i| chosen[i].role == Role::Peer && cycle.people[chosen[i].p].experience > 0).map(|&i| x[i]).sum();
            cons.push(constraint!(m <= first));
            cons.push(constraint!(m <= exp));
        }
        if w.hub_repeat > 0.0 {
            let mut hubs: HashMap<String, Vec<usize>> = HashMap::new();
            for &i in &mine {
                if let Some(h) = &cycle.people[chosen[i].p].hub {
                    hubs.entry(h.to_ascii_lowercase()).or_default().push(i);
                }
            }
            for (_, is) in hubs {
                if is.len() < 2 {
                    continue;
                }
                let init = is.iter().filter(|&&i| in_inc.contains(&(chosen[i].p, chosen[i].r, chosen[i].role))).count().saturating_sub(1) as f64;
                let h = vars.add(if meets_min { variable().min(0.0).initial(init) } else { variable().min(0.0) });
                obj -= w.hub_repeat * h;
                let s: Expression = is.iter().map(|&i| x[i]).sum();
                cons.push(constraint!(h >= s - 1.0));
            }
        }
        let lead: Expression = mine.iter().filter(|&&i| chosen[i].role == Role::Lead).map(|&i| x[i]).sum();
        let peer: Expression = mine.iter().filter(|&&i| chosen[i].role == Role::Peer).map(|&i| x[i]).sum();
        cons.push(constraint!(lead <= r.needs_lead as u8 as f64));
        cons.push(constraint!(peer <= r.peer_places as f64));
        let mut by_school: HashMap<&str, Vec<usize>> = HashMap::new();
        for &i in &mine {
            by_school.entry(cycle.people[chosen[i].p].school.as_str()).or_default().push(i);
        }
        for (_, is) in by_school {
            if is.len() > 1 {
                let s: Expression = is.iter().map(|&i| x[i]).sum();
                cons.push(constraint!(s <= 1.0));
            }
        }
    }
    for (pi, p) in cycle.people.iter().enumerate() {
        let mine: Vec<usize> = (0..chosen.len()).filter(|&i| chosen[i].p == pi).collect();
        let load: Expression = mine.iter().map(|&i| x[i]).sum();
        if !mine.is_empty() {
            cons.push(constraint!(load.clone() <= p.max_load as f64));
        }
        if p.min_load > 0 {
            cons.push(constraint!(load >= p.min_load as f64));
        }
        let mut by_week: HashMap<i32, Vec<usize>> = HashMap::new();
        for &i in &mine {
            by_week.entry(cycle.reviews[chosen[i].r].week).or_default().push(i);
        }
        for (_, is) in by_week {
            if is.len() > 1 {
                let s: Expression = is.iter().map(|&i| x[i]).sum();
                cons.push(constraint!(s <= 1.0));
            }
        }
    }
    if meets_min {
        // Lexicographic order: never fewer places than the incumbent.
        let filled: Expression = x.iter().copied().sum();
        cons.push(constraint!(filled >= inc_value.1 as f64));
    }
    #[cfg(feature = "highs")]
    let solver = good_lp::highs;
    #[cfg(not(feature = "highs"))]
    let solver = good_lp::microlp;
    let mut model = vars.maximise(obj).using(solver).with_time_limit(cycle.rules.time_limit_secs.max(0.1));
    for c in cons {
        model.add_constraint(c);
    }
    let sol = match model.solve() {
        Ok(s) => s,
        Err(good_lp::ResolutionError::Infeasible) => return (MipOutcome::Infeasible, all),
        Err(_) => return (MipOutcome::Nothing, all),
    };
    let optimal = matches!(sol.status(), good_lp::SolutionStatus::Optimal);
    let mut lead = vec![None; cycle.reviews.len()];
    let mut peers = vec![Vec::new(); cycle.reviews.len()];
    for (i, t) in chosen.iter().enumerate() {
        if sol.value(x[i]) > 0.5 {
            match t.role {
                Role::Lead => lead[t.r] = Some(t.p),
                Role::Peer => peers[t.r].push(t.p),
            }
        }
    }
    (MipOutcome::Solved(to_assignment(cycle, &lead, &peers), optimal), all)
}

/// For each unfilled place: every person and the rules that keep them out.
pub fn explain_unfilled(cycle: &Cycle, a: &Assignment, rep: &Report) -> Vec<Unfilled> {
    let pid: HashMap<&str, usize> = cycle.people.iter().enumerate().map(|(i, p)| (p.id.as_str(), i)).collect();
    let mut load = vec![0u32; cycle.people.len()];
    let mut busy: HashSet<(usize, i32)> = HashSet::new();
    let team_of: HashMap<&str, &Team> = a.teams.iter().map(|t| (t.review.as_str(), t)).collect();
    for t in &a.teams {
        let week = cycle.reviews.iter().find(|r| r.id == t.review).map(|r| r.week);
        for id in t.lead.iter().chain(&t.peers) {
            if let Some(&p) = pid.get(id.as_str()) {
                load[p] += 1;
                if let Some(wk) = week {
                    busy.insert((p, wk));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (ri, r) in cycle.reviews.iter().enumerate() {
        let rs = &rep.reviews[ri];
        let team = team_of.get(r.id.as_str());
        let schools: HashSet<&str> = team
            .map(|t| t.lead.iter().chain(&t.peers).filter_map(|id| pid.get(id.as_str())).map(|&p| cycle.people[p].school.as_str()).collect())
            .unwrap_or_default();
        for (role, places) in [(Role::Lead, rs.lead_missing as u32), (Role::Peer, rs.unfilled_peers)] {
            if places == 0 {
                continue;
            }
            let mut candidates = Vec::new();
            let mut counts = BTreeMap::new();
            for (pi, p) in cycle.people.iter().enumerate() {
                let mut why = pair_rules(cycle, p, r, role);
                if load[pi] >= p.max_load {
                    why.push(Rule::AtMaxLoad);
                }
                if busy.contains(&(pi, r.week)) {
                    why.push(Rule::WeekClash);
                }
                if schools.contains(p.school.as_str()) {
                    why.push(Rule::SchoolAlreadyInTeam);
                }
                for &w in &why {
                    *counts.entry(w).or_insert(0) += 1;
                }
                candidates.push((p.id.clone(), why));
            }
            out.push(Unfilled { review: r.id.clone(), role, places, candidates, counts });
        }
    }
    out
}
