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
//! # Stage 1: a Lagrangian min-cost flow relaxation
//! ```text
//! source ─(min load, 0)─┐
//!        ─(max−min, C2)─┴─> person ─(1)─> person-week ─┬─(lead arc)────────────────────────────────────> review-lead ──> sink
//!                                                      └─(peer arc)─> school ─(1)─> Hub ─(1, μ | k−1, hub)─> kind ─(1, −half | k, 0)─> review-peers ─> sink
//! source ─(places, C2+C1: unfilled)───────────────────────────────────────────────────────────────> review-lead / review-peers
//! ```
//! Every filled place is a unit of flow; `C1`, `C2` exceed any score
//! difference, so the flow maximises min-load units, then places, then score
//! (one combined integer `Φ`; all costs are shifted to be `≥ 0`). Node
//! capacities in series make "one review a week", "one person per school and
//! kind" and the convex Hub-repeat penalty exact. A review with ≥ 2 peer
//! places splits its peers into a first-timer and an experienced *kind* node;
//! the first unit of each kind earns its half of the mix bonus, so a team
//! with both kinds gets the whole bonus and only a one-kind team is
//! over-counted. The constraints a flow cannot express are relaxed with
//! Lagrange multipliers, tuned by a subgradient loop (Polyak steps):
//! one person per school across the lead and both kinds (`λ`), the Hub
//! repeats between the lead and the two kinds (`μ ≤ hub_repeat` on the lead
//! and on each kind's first Hub unit), and the two mix halves being equal
//! (`ν` moves bonus between the halves). For any multipliers the flow optimum
//! plus `Σλ + Σμ` is an **upper bound**; the lowest one is kept. (A negative
//! Hub weight is a bonus the flow omits; it is added optimistically. A
//! negative mix weight is a penalty, left out, which keeps the bound valid.)
//!
//! # Stage 2: incumbents
//! Every flow solution is made valid by dropping the second of two colleagues
//! from one school in a team and filling empty places greedily; the
//! independent checker scores it; anyone left below their minimum load then
//! takes a place from someone above theirs. If none reaches the bound, the
//! clashing arcs are banned and the flow solved again (at most 30 times,
//! within the time limit). An incumbent whose value reaches the bound is
//! **optimal**. The subgradient loop stops at half the time limit.
//!
//! # Stage 3: reduced-cost fixing and the MIP
//! After each flow solve the potentials `π` prove optimality (reduced costs
//! `≥ 0` on every residual arc), so any assignment using triple `t` has
//! `Φ ≤ Φ* + Σλ + Σμ − rc(t)`: the triples whose best such bound (over all
//! iterations) is below the incumbent's `Φ` cannot be in a better solution
//! and are dropped with proof. The big-M order makes this exact for the
//! lexicographic objective. The full model is then solved as a MIP with
//! `good_lp` (microlp by default, HiGHS with the `highs` feature) over the
//! survivors, warm-started from the incumbent, within what is left of
//! `Rules::time_limit_secs` (at least a tenth of it). If there are at most `Rules::max_mip_triples`
//! survivors and the MIP proves optimality over them, the result is
//! **optimal over every eligible triple**. With more survivors the MIP runs
//! on a heuristic subset and proves nothing; the status is then `Feasible`
//! with the gap to the Lagrangian bound. The MIP result is taken only if the
//! checker finds it valid and no worse than the incumbent.
//!
//! The relaxation is solved on the full graph by successive shortest paths:
//! from scratch once (about 2 s for the demo's 252 reviews × 416 people,
//! 114,538 triples, on a shared 2-core machine), then re-optimised from the
//! previous flow and potentials after each change of multipliers or bans
//! ([`MinCostFlow::resolve`], about 0.5 s there); see docs/bench-reviews.md.

use super::check::{self, Report, pair_rules};
use super::model::{Assignment, Cycle, Role, Rule, Team};
use crate::flow::{Arc, MinCostFlow, Node};
use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, WithTimeLimit, constraint, variable};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

/// Most subgradient iterations of the Lagrangian relaxation.
const MAX_LAGRANGE_ITERS: usize = 60;

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
    /// Upper bound on the score (points), from the Lagrangian flow
    /// relaxation, valid among assignments that meet every minimum load and
    /// fill `bound_filled` places.
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
                && d > lim
            {
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

/// Per person: dense school id, dense Hub id, first-time reviewer.
struct PeopleIx {
    school: Vec<usize>,
    hub: Vec<Option<usize>>,
    first: Vec<bool>,
}

impl PeopleIx {
    fn new(cycle: &Cycle) -> Self {
        let mut schools: HashMap<&str, usize> = HashMap::new();
        let mut hubs: HashMap<String, usize> = HashMap::new();
        let mut ix = PeopleIx { school: Vec::new(), hub: Vec::new(), first: Vec::new() };
        for p in &cycle.people {
            let n = schools.len();
            ix.school.push(*schools.entry(p.school.as_str()).or_insert(n));
            ix.hub.push(p.hub.as_ref().map(|h| {
                let n = hubs.len();
                *hubs.entry(h.to_ascii_lowercase()).or_insert(n)
            }));
            ix.first.push(p.experience == 0);
        }
        ix
    }
}

/// Lagrange multipliers of the constraints the flow cannot express
/// (thousandths of a point; rounded to integers when used).
#[derive(Clone, Default)]
struct Mult {
    /// (review, school): at most one member (lead included) from the school.
    lam: HashMap<(usize, usize), f64>,
    /// (review, Hub): the Hub's repeats across the lead and both peer kinds.
    mu: HashMap<(usize, usize), f64>,
    /// Per review: how the mix bonus is split between its two halves.
    nu: Vec<f64>,
}

/// The flow relaxation, built once; only costs change between solves.
///
/// Every filled place is one unit of flow from the source through a person
/// and a person-week. A lead unit then goes to the review's lead node; a peer
/// unit goes through a school node (capacity 1), a Hub node (first unit free,
/// further units `hub_pen` each) and a kind node (first-timer or experienced,
/// when the review can mix: its first unit earns that half of the mix bonus)
/// to the review's peer node. Places left empty take an arc straight from
/// the source that costs more than any score difference.
struct Net {
    g: MinCostFlow,
    nr: usize,
    places: i64,
    c1: i64,
    c2: i64,
    /// Weight of one filled place in the combined value Φ.
    w1: i64,
    maxs: i64,
    /// Shift of the mix arcs (so their costs stay ≥ 0); every filled unit pays it.
    shift_b: i64,
    hub_pen: i64,
    mix_w: i64,
    lam_max: i64,
    /// Optimistic constant for terms the flow leaves out (negative Hub weight).
    extra: i64,
    mand_arcs: Vec<Arc>,
    /// Ends of each triple's arc (person-week → school node or lead node).
    ends: Vec<(Node, Node)>,
    /// Arc of each triple.
    pair: Vec<Arc>,
    /// Triples kept out for the clash repair.
    banned: Vec<bool>,
    /// (arc, review, Hub): the free first unit of a Hub within one peer kind.
    first_arcs: Vec<(Arc, usize, usize)>,
    further_arcs: Vec<Arc>,
    /// (arc, review, first-timer kind): the mix half of the kind's first unit.
    bonus_arcs: Vec<(Arc, usize, bool)>,
}

/// One solve of the flow: the teams and the bound they give.
struct FlowSol {
    lead: Vec<Option<usize>>,
    peers: Vec<Vec<usize>>,
    /// (min-load units, places filled, Lagrangian score): an upper bound.
    bound: Value,
    /// Per triple: upper bound on Φ of any assignment that uses it.
    ub: Option<Vec<i128>>,
    /// Per review: (first-timer half, experienced half) taken; per (review, Hub): lead + first units.
    mix_halves: Vec<(i64, i64)>,
    hub_firsts: HashMap<(usize, usize), i64>,
}

fn milli(x: f64) -> i64 {
    (x * 1000.0).round() as i64
}

fn mix_active(cycle: &Cycle, net: &Net, r: usize) -> bool {
    net.mix_w > 0 && cycle.reviews[r].peer_places >= 2
}

impl Net {
    fn build(cycle: &Cycle, tr: &[Triple], ix: &PeopleIx) -> Result<Net, ModelError> {
        let nr = cycle.reviews.len();
        let places: i64 = cycle.reviews.iter().map(|r| r.peer_places as i64 + r.needs_lead as i64).sum();
        let hub_w = milli(cycle.weights.hub_repeat);
        let mix_w0 = milli(cycle.weights.mix);
        let hub_pen = hub_w.max(0);
        let mix_w = mix_w0.max(0);
        let maxs = tr.iter().map(|t| t.score).max().unwrap_or(0).max(0);
        let mins = tr.iter().map(|t| t.score).min().unwrap_or(0).min(0);
        let lam_max = (maxs - mins) + mix_w + 2 * hub_pen + 1;
        // Largest change of one unit's (Lagrangian) value, with margin.
        let unit = (maxs - mins) + 2 * lam_max + 2 * hub_pen + 2 * mix_w + hub_w.abs() + mix_w0.abs() + 1;
        let ov = || ModelError::Overflow;
        let w1 = unit.checked_mul(2 * places + 2).ok_or_else(ov)?;
        let shift_b = mix_w;
        let c1 = w1.checked_add(maxs + shift_b).ok_or_else(ov)?;
        let c2 = w1.checked_mul(places + 2).ok_or_else(ov)?;
        (c2 + c1).checked_mul(places + 1).ok_or_else(ov)?.checked_mul(4).ok_or_else(ov)?;
        let extra = if hub_w < 0 {
            -hub_w * cycle.reviews.iter().map(|r| (r.peer_places as i64 + r.needs_lead as i64 - 1).max(0)).sum::<i64>()
        } else {
            0
        };

        let mut g = MinCostFlow::new(2);
        let (src, sink) = (0 as Node, 1 as Node);
        g.set_supply(src, places);
        g.set_supply(sink, -places);
        let mut has = vec![false; cycle.people.len()];
        for t in tr {
            has[t.p] = true;
        }
        let mut person_node = vec![None; cycle.people.len()];
        let mut mand_arcs = Vec::new();
        for (pi, p) in cycle.people.iter().enumerate() {
            if p.min_load == 0 && !has[pi] {
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
        let mut net = Net {
            g,
            nr,
            places,
            c1,
            c2,
            w1,
            maxs,
            shift_b,
            hub_pen,
            mix_w,
            lam_max,
            extra,
            mand_arcs,
            ends: Vec::with_capacity(tr.len()),
            pair: Vec::with_capacity(tr.len()),
            banned: vec![false; tr.len()],
            first_arcs: Vec::new(),
            further_arcs: Vec::new(),
            bonus_arcs: Vec::new(),
        };
        let mut pw: HashMap<(usize, i32), Node> = HashMap::new();
        // kind: 0 first-timer, 1 experienced, 2 the review does not mix.
        let mut kind_node: HashMap<(usize, u8), Node> = HashMap::new();
        let mut hub_node: HashMap<(usize, u8, usize), Node> = HashMap::new();
        let mut school_node: HashMap<(usize, u8, Option<usize>, usize), Node> = HashMap::new();
        // School groups with one candidate need no school node.
        let kind_of =
            |t: &Triple| if mix_w > 0 && cycle.reviews[t.r].peer_places >= 2 { u8::from(!ix.first[t.p]) } else { 2 };
        let hub_key = |t: &Triple| if hub_pen > 0 { ix.hub[t.p] } else { None };
        let mut group_size: HashMap<(usize, u8, Option<usize>, usize), usize> = HashMap::new();
        for t in tr.iter().filter(|t| t.role == Role::Peer) {
            *group_size.entry((t.r, kind_of(t), hub_key(t), ix.school[t.p])).or_insert(0) += 1;
        }
        for t in tr {
            let r = &cycle.reviews[t.r];
            let pn = person_node[t.p].expect("person with a triple has a node");
            let wk = match pw.get(&(t.p, r.week)) {
                Some(&v) => v,
                None => {
                    let v = net.g.add_node();
                    net.g.add_arc(pn, v, 1, 0)?;
                    pw.insert((t.p, r.week), v);
                    v
                }
            };
            let to = match t.role {
                Role::Lead => lead_node[t.r].expect("lead node"),
                Role::Peer => {
                    let k = r.peer_places as i64;
                    let kind = if mix_active(cycle, &net, t.r) { u8::from(!ix.first[t.p]) } else { 2 };
                    let kn = match kind_node.get(&(t.r, kind)) {
                        Some(&v) => v,
                        None => {
                            let v = net.g.add_node();
                            let to = peer_node[t.r].expect("peer node");
                            if kind < 2 {
                                let a = net.g.add_arc(v, to, 1, shift_b)?;
                                net.bonus_arcs.push((a, t.r, kind == 0));
                            }
                            net.g.add_arc(v, to, k, shift_b)?;
                            kind_node.insert((t.r, kind), v);
                            v
                        }
                    };
                    let hub = if hub_pen > 0 { ix.hub[t.p] } else { None };
                    let hn = match hub {
                        None => kn,
                        Some(h) => match hub_node.get(&(t.r, kind, h)) {
                            Some(&v) => v,
                            None => {
                                let v = net.g.add_node();
                                let a = net.g.add_arc(v, kn, 1, 0)?;
                                net.first_arcs.push((a, t.r, h));
                                if k > 1 {
                                    net.further_arcs.push(net.g.add_arc(v, kn, k - 1, hub_pen)?);
                                }
                                hub_node.insert((t.r, kind, h), v);
                                v
                            }
                        },
                    };
                    let key = (t.r, kind, hub, ix.school[t.p]);
                    match school_node.get(&key) {
                        _ if group_size[&key] == 1 => hn,
                        Some(&v) => v,
                        None => {
                            let v = net.g.add_node();
                            net.g.add_arc(v, hn, 1, 0)?;
                            school_node.insert(key, v);
                            v
                        }
                    }
                }
            };
            net.ends.push((wk, to));
            net.pair.push(net.g.add_arc(wk, to, 1, 0)?);
        }
        Ok(net)
    }

    fn lam(&self, m: &Mult, r: usize, s: usize) -> i64 {
        m.lam.get(&(r, s)).map_or(0, |&x| (x.round() as i64).clamp(0, self.lam_max))
    }

    fn mu(&self, m: &Mult, r: usize, h: Option<usize>) -> i64 {
        match h {
            Some(h) if self.hub_pen > 0 => m.mu.get(&(r, h)).map_or(0, |&x| (x.round() as i64).clamp(0, self.hub_pen)),
            _ => 0,
        }
    }

    /// The first-timer half of review `r`'s mix bonus.
    fn half(&self, m: &Mult, r: usize) -> i64 {
        (self.mix_w / 2 + m.nu.get(r).map_or(0.0, |x| x.round()) as i64).clamp(0, self.mix_w)
    }

    /// Solves the flow with multipliers `m`. `with_ub`: also bound every
    /// triple by reduced costs (only when the potentials prove optimality).
    fn solve(&mut self, tr: &[Triple], ix: &PeopleIx, m: &Mult, with_ub: bool) -> Result<FlowSol, ModelError> {
        let shift = self.maxs + self.shift_b;
        let mut adj_cost = Vec::with_capacity(tr.len());
        for (ti, t) in tr.iter().enumerate() {
            let lam = self.lam(m, t.r, ix.school[t.p]);
            let c = match t.role {
                Role::Lead => shift - t.score + lam + self.mu(m, t.r, ix.hub[t.p]),
                Role::Peer => self.maxs - t.score + lam,
            };
            self.g.set_cost(self.pair[ti], c)?;
            self.g.set_cap(self.pair[ti], if self.banned[ti] { 0 } else { 1 })?;
            adj_cost.push(c);
        }
        for i in 0..self.first_arcs.len() {
            let (a, r, h) = self.first_arcs[i];
            let c = self.mu(m, r, Some(h));
            self.g.set_cost(a, c)?;
        }
        for i in 0..self.bonus_arcs.len() {
            let (a, r, first) = self.bonus_arcs[i];
            let half = self.half(m, r);
            let b = if first { half } else { self.mix_w - half };
            self.g.set_cost(a, self.shift_b - b)?;
        }
        let out = self.g.resolve()?;
        debug_assert!(out.is_complete(), "unfilled arcs make the relaxation always feasible");
        let mut lead = vec![None; self.nr];
        let mut peers = vec![Vec::new(); self.nr];
        let mut filled = 0;
        for (ti, t) in tr.iter().enumerate() {
            if self.g.flow(self.pair[ti]) > 0 {
                filled += 1;
                match t.role {
                    Role::Lead => lead[t.r] = Some(t.p),
                    Role::Peer => peers[t.r].push(t.p),
                }
            }
        }
        let mand: i64 = self.mand_arcs.iter().map(|&a| self.g.flow(a)).sum();
        // cost = (c2 + c1)·places − c2·mand − w1·filled − adjusted score.
        let adj = (self.c2 + self.c1) * self.places - self.c2 * mand - self.w1 * filled - out.cost;
        let constant: i64 = self.extra
            + m.lam.keys().map(|&(r, s)| self.lam(m, r, s)).sum::<i64>()
            + m.mu.keys().map(|&(r, h)| self.mu(m, r, Some(h))).sum::<i64>();
        let phi = self.c2 as i128 * mand as i128 + self.w1 as i128 * filled as i128 + adj as i128;
        let ub = if with_ub && self.g.check_optimality().is_ok() {
            Some(
                (0..tr.len())
                    .map(|ti| {
                        let (u, v) = self.ends[ti];
                        let rc = (adj_cost[ti] + self.g.potential(u) - self.g.potential(v)).max(0);
                        phi + constant as i128 - rc as i128
                    })
                    .collect(),
            )
        } else {
            None
        };
        let mut mix_halves = vec![(0, 0); lead.len()];
        for &(a, r, first) in &self.bonus_arcs {
            if first {
                mix_halves[r].0 += self.g.flow(a);
            } else {
                mix_halves[r].1 += self.g.flow(a);
            }
        }
        let mut hub_firsts: HashMap<(usize, usize), i64> = HashMap::new();
        for &(a, r, h) in &self.first_arcs {
            let f = self.g.flow(a);
            if f > 0 {
                *hub_firsts.entry((r, h)).or_insert(0) += f;
            }
        }
        if self.hub_pen > 0 {
            for (r, l) in lead.iter().enumerate() {
                if let Some(h) = l.and_then(|p| ix.hub[p]) {
                    *hub_firsts.entry((r, h)).or_insert(0) += 1;
                }
            }
        }
        Ok(FlowSol { lead, peers, bound: (mand, filled, adj + constant), ub, mix_halves, hub_firsts })
    }
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
    for (n, x) in [
        ("phase", w.phase),
        ("themes", w.themes),
        ("travel_per_100km", w.travel_per_100km),
        ("reciprocity", w.reciprocity),
        ("mix", w.mix),
        ("hub_repeat", w.hub_repeat),
    ] {
        if !x.is_finite() || x.abs() > 1e9 {
            return Err(ModelError::Weight(n));
        }
    }
    Ok(())
}

/// The best valid assignment found so far.
struct Incumbent {
    assignment: Assignment,
    report: Report,
    value: Value,
}

impl Incumbent {
    /// Takes `a` if the checker finds no broken rule (other than a minimum
    /// load) and it is better.
    fn offer(&mut self, cycle: &Cycle, a: Assignment) -> bool {
        let rep = check::rescore(cycle, &a);
        if rep.warnings.iter().any(|w| w.rule != Rule::BelowMinLoad) {
            debug_assert!(false, "solver broke a rule: {:?}", rep.warnings);
            return false;
        }
        let v = value_of(cycle, &rep, &a);
        if v > self.value {
            *self = Incumbent { assignment: a, report: rep, value: v };
            true
        } else {
            false
        }
    }
}

/// Makes a flow solution valid (one person per school per team, lead
/// included) by dropping the later of two colleagues, then fills empty places
/// greedily with people who break no rule.
fn greedy_repair(
    cycle: &Cycle,
    tr: &[Triple],
    ix: &PeopleIx,
    by_review: &[Vec<usize>],
    lead0: &[Option<usize>],
    peers0: &[Vec<usize>],
) -> Teams {
    let nr = cycle.reviews.len();
    let mix_w = milli(cycle.weights.mix);
    let hub_w = milli(cycle.weights.hub_repeat);
    let mut lead = lead0.to_vec();
    let mut peers: Vec<Vec<usize>> = vec![Vec::new(); nr];
    let mut schools: Vec<HashSet<usize>> = vec![HashSet::new(); nr];
    let mut load = vec![0u32; cycle.people.len()];
    let mut busy: HashSet<(usize, i32)> = HashSet::new();
    for r in 0..nr {
        let week = cycle.reviews[r].week;
        if let Some(l) = lead[r] {
            schools[r].insert(ix.school[l]);
            load[l] += 1;
            busy.insert((l, week));
        }
        for &p in &peers0[r] {
            if schools[r].insert(ix.school[p]) {
                peers[r].push(p);
                load[p] += 1;
                busy.insert((p, week));
            }
        }
    }
    for r in 0..nr {
        let rv = &cycle.reviews[r];
        loop {
            let need_lead = rv.needs_lead && lead[r].is_none();
            let need_peer = peers[r].len() < rv.peer_places as usize;
            if !need_lead && !need_peer {
                break;
            }
            let mut best: Option<(i64, usize)> = None;
            for &ti in &by_review[r] {
                let t = tr[ti];
                let ok_role = match t.role {
                    Role::Lead => need_lead,
                    Role::Peer => need_peer,
                };
                if !ok_role
                    || load[t.p] >= cycle.people[t.p].max_load
                    || busy.contains(&(t.p, rv.week))
                    || schools[r].contains(&ix.school[t.p])
                {
                    continue;
                }
                let mut gain = t.score;
                if let Some(h) = ix.hub[t.p]
                    && lead[r].iter().chain(&peers[r]).any(|&q| ix.hub[q] == Some(h))
                {
                    gain -= hub_w;
                }
                if t.role == Role::Peer && rv.peer_places >= 2 {
                    let f = peers[r].iter().any(|&q| ix.first[q]);
                    let e = peers[r].iter().any(|&q| !ix.first[q]);
                    if (ix.first[t.p] && e && !f) || (!ix.first[t.p] && f && !e) {
                        gain += mix_w;
                    }
                }
                if best.is_none_or(|(g, _)| gain > g) {
                    best = Some((gain, ti));
                }
            }
            let Some((_, ti)) = best else { break };
            let t = tr[ti];
            match t.role {
                Role::Lead => lead[r] = Some(t.p),
                Role::Peer => peers[r].push(t.p),
            }
            schools[r].insert(ix.school[t.p]);
            load[t.p] += 1;
            busy.insert((t.p, rv.week));
        }
    }
    meet_min_loads(cycle, tr, ix, by_review, &mut lead, &mut peers, &mut load, &mut busy);
    (lead, peers)
}

/// Minimum loads come first in the objective, and a clash repair can take
/// a place from someone who needs it. Each person below their minimum takes
/// a place (an empty one, or one held by someone above their own minimum)
/// in a week they are free, where they are eligible and no colleague of
/// theirs is in the team, losing the fewest points first.
#[allow(clippy::too_many_arguments)]
fn meet_min_loads(
    cycle: &Cycle,
    tr: &[Triple],
    ix: &PeopleIx,
    by_review: &[Vec<usize>],
    lead: &mut [Option<usize>],
    peers: &mut [Vec<usize>],
    load: &mut [u32],
    busy: &mut HashSet<(usize, i32)>,
) {
    let short: Vec<usize> = (0..cycle.people.len()).filter(|&p| load[p] < cycle.people[p].min_load).collect();
    if short.is_empty() {
        return;
    }
    let score_of = |r: usize, q: usize, role: Role| {
        by_review[r].iter().find(|&&ti| tr[ti].p == q && tr[ti].role == role).map_or(0, |&ti| tr[ti].score)
    };
    for p in short {
        while load[p] < cycle.people[p].min_load {
            // (loss, triple, replaced person)
            let mut best: Option<(i64, usize, Option<usize>)> = None;
            for (ti, t) in tr.iter().enumerate() {
                if t.p != p {
                    continue;
                }
                let rv = &cycle.reviews[t.r];
                if busy.contains(&(p, rv.week)) {
                    continue;
                }
                let held: Vec<usize> = match t.role {
                    Role::Lead => lead[t.r].into_iter().collect(),
                    Role::Peer => peers[t.r].clone(),
                };
                let places = if t.role == Role::Lead { rv.needs_lead as usize } else { rv.peer_places as usize };
                let team_schools: Vec<usize> = lead[t.r].iter().chain(&peers[t.r]).map(|&q| ix.school[q]).collect();
                let mut options: Vec<Option<usize>> = Vec::new();
                if held.len() < places && !team_schools.contains(&ix.school[p]) {
                    options.push(None);
                }
                for &q in &held {
                    let colleague_elsewhere = team_schools.iter().filter(|&&s| s == ix.school[p]).count()
                        > usize::from(ix.school[q] == ix.school[p]);
                    if load[q] > cycle.people[q].min_load && !colleague_elsewhere {
                        options.push(Some(q));
                    }
                }
                for q in options {
                    let loss = q.map_or(0, |q| score_of(t.r, q, t.role)) - t.score;
                    if best.is_none_or(|(l, _, _)| loss < l) {
                        best = Some((loss, ti, q));
                    }
                }
            }
            let Some((_, ti, q)) = best else { break };
            let t = tr[ti];
            let week = cycle.reviews[t.r].week;
            match t.role {
                Role::Lead => lead[t.r] = Some(p),
                Role::Peer => {
                    peers[t.r].retain(|&x| Some(x) != q);
                    peers[t.r].push(p);
                }
            }
            if let Some(q) = q {
                load[q] -= 1;
                busy.remove(&(q, week));
            }
            load[p] += 1;
            busy.insert((p, week));
        }
    }
}

/// Teams by review index: the lead and the peers (person indices).
type Teams = (Vec<Option<usize>>, Vec<Vec<usize>>);

/// Stage 2: bans the arcs behind school clashes and solves again until the
/// flow solution breaks no rule (at most `rounds` solves).
fn ban_repair(
    net: &mut Net,
    tr: &[Triple],
    ix: &PeopleIx,
    by_review: &[Vec<usize>],
    m: &Mult,
    rounds: usize,
    deadline: (Instant, f64),
) -> Result<Option<Teams>, ModelError> {
    let mut banned: Vec<usize> = Vec::new();
    let mut out = None;
    for round in 0..rounds {
        if round > 0 && deadline.0.elapsed().as_secs_f64() > deadline.1 {
            break;
        }
        let sol = net.solve(tr, ix, m, false)?;
        let mut clash = false;
        for (r, cands) in by_review.iter().enumerate() {
            let lead_school = sol.lead[r].map(|l| ix.school[l]);
            let mut seen: HashMap<usize, usize> = HashMap::new();
            for &p in &sol.peers[r] {
                let s = ix.school[p];
                if Some(s) == lead_school {
                    // Lead + peer: no peer from the lead's school here.
                    for &ti in cands {
                        if tr[ti].role == Role::Peer && ix.school[tr[ti].p] == s {
                            banned.push(ti);
                        }
                    }
                    clash = true;
                } else if let Some(&q) = seen.get(&s) {
                    // Two peers: ban the lower-scoring one here.
                    let score = |x: usize| {
                        cands
                            .iter()
                            .find(|&&ti| tr[ti].p == x && tr[ti].role == Role::Peer)
                            .map_or(0, |&ti| tr[ti].score)
                    };
                    let worse = if score(p) < score(q) { p } else { q };
                    if let Some(&ti) = cands.iter().find(|&&ti| tr[ti].p == worse && tr[ti].role == Role::Peer) {
                        banned.push(ti);
                    }
                    clash = true;
                } else {
                    seen.insert(s, p);
                }
            }
        }
        for &ti in &banned {
            net.banned[ti] = true;
        }
        if !clash {
            out = Some((sol.lead, sol.peers));
            break;
        }
    }
    for &ti in &banned {
        net.banned[ti] = false;
    }
    Ok(out)
}

/// Proposes review teams for a cycle. See the module documentation.
pub fn propose(cycle: &Cycle) -> Result<Proposal, ModelError> {
    validate(cycle)?;
    let tr = triples(cycle);
    let ix = PeopleIx::new(cycle);
    let nr = cycle.reviews.len();
    let min_total: i64 = cycle.people.iter().map(|p| p.min_load as i64).sum();
    let mut by_review: Vec<Vec<usize>> = vec![Vec::new(); nr];
    for (ti, t) in tr.iter().enumerate() {
        by_review[t.r].push(ti);
    }
    for v in &mut by_review {
        v.sort_by_key(|&ti| std::cmp::Reverse(tr[ti].score));
    }
    let mut net = Net::build(cycle, &tr, &ix)?;

    // Stage 1 + 2: Lagrangian relaxation by subgradient, with an incumbent
    // repaired from every flow solution.
    let empty = to_assignment(cycle, &vec![None; nr], &vec![Vec::new(); nr]);
    let rep = check::rescore(cycle, &empty);
    let mut inc = Incumbent { value: value_of(cycle, &rep, &empty), assignment: empty, report: rep };
    // Start the mix split on the scarcer kind: when first-time reviewers
    // are fewer than experienced ones (as in most partnerships), nearly
    // every team gets an experienced peer anyway, so the first-timer is what
    // earns the bonus; crediting it the whole bonus from the start makes the
    // first flow solutions mix far more teams than an even split.
    let capacity = |first: bool| -> i64 {
        cycle.people.iter().filter(|p| p.eligible && (p.experience == 0) == first).map(|p| p.max_load as i64).sum()
    };
    let (ft, ex) = (capacity(true), capacity(false));
    let nu0 = if ft < ex {
        net.mix_w as f64 / 2.0
    } else if ex < ft {
        -(net.mix_w as f64) / 2.0
    } else {
        0.0
    };
    let mut mult = Mult { nu: vec![nu0; nr], ..Default::default() };
    let mut best_mult = mult.clone();
    let mut bound: Option<Value> = None;
    let mut ub = vec![i128::MAX; tr.len()];
    // Polyak step factor. The first incumbents are weak (the gap they give
    // overstates the distance to the optimum), so a full step overshoots:
    // on the demo's cycle a start at 1/4 reaches a bound within 7 points
    // in 5 s where 1 stays 33 points away.
    let mut theta = 0.25;
    let mut stall = 0;
    let mut iters = 0;
    let started = Instant::now();
    let budget = cycle.rules.time_limit_secs.max(0.1) * 0.5;
    loop {
        iters += 1;
        let sol = net.solve(&tr, &ix, &mult, true)?;
        if let Some(u) = &sol.ub {
            for (a, &b) in ub.iter_mut().zip(u) {
                *a = (*a).min(b);
            }
        }
        if bound.is_none_or(|b| sol.bound < b) {
            bound = Some(sol.bound);
            best_mult = mult.clone();
            stall = 0;
        } else {
            stall += 1;
            if stall >= 3 {
                theta /= 2.0;
                stall = 0;
            }
        }
        let (l, p) = greedy_repair(cycle, &tr, &ix, &by_review, &sol.lead, &sol.peers);
        inc.offer(cycle, to_assignment(cycle, &l, &p));
        let b = bound.expect("set above");
        if inc.value >= b || iters >= MAX_LAGRANGE_ITERS || theta < 0.01 || started.elapsed().as_secs_f64() > budget {
            break;
        }
        // Subgradient of the Lagrangian dual (which we minimise).
        let mut g_lam: HashMap<(usize, usize), f64> = HashMap::new();
        let mut count: HashMap<(usize, usize), i64> = HashMap::new();
        for r in 0..nr {
            for p in sol.lead[r].iter().chain(&sol.peers[r]) {
                *count.entry((r, ix.school[*p])).or_insert(0) += 1;
            }
        }
        for (&k, &c) in &count {
            if c >= 2 {
                g_lam.insert(k, (c - 1) as f64);
            }
        }
        for &k in mult.lam.keys() {
            g_lam.entry(k).or_insert((count.get(&k).copied().unwrap_or(0) - 1) as f64);
        }
        let mut g_mu: HashMap<(usize, usize), f64> = HashMap::new();
        for (&k, &c) in &sol.hub_firsts {
            if c >= 2 {
                g_mu.insert(k, (c - 1) as f64);
            }
        }
        for &k in mult.mu.keys() {
            g_mu.entry(k).or_insert((sol.hub_firsts.get(&k).copied().unwrap_or(0) - 1) as f64);
        }
        let g_nu: Vec<f64> = sol.mix_halves.iter().map(|&(f, e)| (f - e) as f64).collect();
        let norm2: f64 = g_lam.values().chain(g_mu.values()).chain(&g_nu).map(|x| x * x).sum();
        if norm2 == 0.0 {
            break;
        }
        let gap = if (inc.value.0, inc.value.1) == (sol.bound.0, sol.bound.1) {
            (sol.bound.2 - inc.value.2) as f64
        } else {
            (sol.bound.2.abs() as f64 / 100.0).max(1000.0)
        };
        let step = theta * gap / norm2;
        for (k, gv) in g_lam {
            let x = (mult.lam.get(&k).copied().unwrap_or(0.0) + step * gv).clamp(0.0, net.lam_max as f64);
            if x > 0.0 {
                mult.lam.insert(k, x);
            } else {
                mult.lam.remove(&k);
            }
        }
        for (k, gv) in g_mu {
            let x = (mult.mu.get(&k).copied().unwrap_or(0.0) + step * gv).clamp(0.0, net.hub_pen as f64);
            if x > 0.0 {
                mult.mu.insert(k, x);
            } else {
                mult.mu.remove(&k);
            }
        }
        for (r, gv) in g_nu.into_iter().enumerate() {
            mult.nu[r] = (mult.nu[r] - step * gv).clamp(-(net.mix_w as f64), net.mix_w as f64);
        }
    }
    let bound = bound.expect("at least one solve");
    let mut repaired = false;
    if inc.value < bound
        && let Some((l, p)) = ban_repair(&mut net, &tr, &ix, &by_review, &best_mult, 30, (started, 2.0 * budget))?
    {
        let (l, p) = greedy_repair(cycle, &tr, &ix, &by_review, &l, &p);
        repaired = inc.offer(cycle, to_assignment(cycle, &l, &p));
    }
    let Incumbent { mut assignment, mut report, mut value } = inc;
    let solver = if cfg!(feature = "highs") { "HiGHS" } else { "microlp" };
    let status;
    if bound.0 < min_total {
        let reasons = min_load_reasons(cycle, &tr);
        status = Status::Infeasible { reasons, proven: true };
    } else if value >= bound {
        status = Status::Optimal {
            proof: format!(
                "Lagrangian min-cost flow bound ({iters} iteration(s)) reached by the {} flow solution",
                if repaired { "clash-repaired" } else { "greedily repaired" }
            ),
        };
    } else {
        // Stage 3: reduced-cost fixing, then the MIP over the survivors.
        let phi_inc = net.c2 as i128 * value.0 as i128 + net.w1 as i128 * value.1 as i128 + value.2 as i128;
        let pool: Vec<Triple> = tr.iter().zip(&ub).filter(|&(_, &u)| u >= phi_inc).map(|(t, _)| *t).collect();
        let meets_min = value.0 == min_total;
        // The MIP gets what is left of the time limit (at least a tenth of
        // it), so that the whole proposal keeps to the limit where the
        // flow stages allow; the whole limit when the incumbent misses a
        // minimum load (a hard rule comes before the time).
        let limit = cycle.rules.time_limit_secs.max(0.1);
        let secs = if meets_min { (limit - started.elapsed().as_secs_f64()).max(limit / 10.0) } else { limit };
        let (mip, all) = mip(cycle, &pool, &assignment, value, meets_min, secs);
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
        let fixing = format!("flow bound + reduced-cost fixing left {} of {} triples", pool.len(), tr.len());
        if value.0 < min_total {
            let mut reasons = min_load_reasons(cycle, &tr);
            let proven = mip_infeasible && all;
            if proven {
                reasons.push(format!(
                    "proven by the MIP ({solver}, {fixing}): the minimum loads cannot be met together with one person per school"
                ));
            } else {
                reasons.push(
                    "no assignment meeting every minimum load was found within the time limit (not proven impossible)"
                        .into(),
                );
            }
            status = Status::Infeasible { reasons, proven };
        } else if proven || value >= bound {
            status = Status::Optimal {
                proof: format!("{fixing}; MIP ({solver}) optimal over them, so optimal over every eligible triple"),
            };
        } else {
            status = Status::Feasible {
                gap: (bound.2 - value.2).max(0) as f64 / 1000.0,
                places_unproven: (bound.1 - value.1).max(0) as u32,
                proof: format!(
                    "Lagrangian flow bound ({iters} iteration(s)); {fixing}; MIP ({solver}, {} them, {} s limit) did not close the gap",
                    if all { "all of" } else { "a subset of" },
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
        v.push(
            "the minimum loads cannot all be met together (not enough places that the committed people may take)"
                .into(),
        );
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

fn mip(
    cycle: &Cycle,
    tr: &[Triple],
    inc: &Assignment,
    inc_value: Value,
    meets_min: bool,
    secs: f64,
) -> (MipOutcome, bool) {
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
    let unfilled_pen = 1.0
        + places * (2.0 * max_abs + w.mix.abs() + w.hub_repeat.abs() * 2.0)
        + w.mix.abs() * cycle.reviews.len() as f64;
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = chosen
        .iter()
        .map(|t| {
            let v = variable().binary();
            vars.add(if meets_min {
                v.initial(if in_inc.contains(&(t.p, t.r, t.role)) { 1.0 } else { 0.0 })
            } else {
                v
            })
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
        if w.mix != 0.0 && r.peer_places >= 2 {
            let init = if inc_rep.reviews[ri].mix != 0 { 1.0 } else { 0.0 };
            let m = vars.add(if meets_min {
                variable().min(0.0).max(1.0).initial(init)
            } else {
                variable().min(0.0).max(1.0)
            });
            obj += w.mix * m;
            let (ch, people) = (&chosen, &cycle.people);
            let peer_of = |first: bool| {
                mine.iter()
                    .copied()
                    .filter(move |&i| ch[i].role == Role::Peer && (people[ch[i].p].experience == 0) == first)
            };
            if w.mix > 0.0 {
                let first: Expression = peer_of(true).map(|i| x[i]).sum();
                let exp: Expression = peer_of(false).map(|i| x[i]).sum();
                cons.push(constraint!(m <= first));
                cons.push(constraint!(m <= exp));
            } else {
                // A penalty: m ≥ [a first-timer] + [an experienced peer] − 1.
                let af = vars.add(variable().min(0.0).max(1.0));
                let ae = vars.add(variable().min(0.0).max(1.0));
                for i in peer_of(true) {
                    cons.push(constraint!(af >= x[i]));
                }
                for i in peer_of(false) {
                    cons.push(constraint!(ae >= x[i]));
                }
                cons.push(constraint!(m >= af + ae - 1.0));
            }
        }
        if w.hub_repeat != 0.0 {
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
                let init = is
                    .iter()
                    .filter(|&&i| in_inc.contains(&(chosen[i].p, chosen[i].r, chosen[i].role)))
                    .count()
                    .saturating_sub(1) as f64;
                let h = vars.add(if meets_min { variable().min(0.0).initial(init) } else { variable().min(0.0) });
                obj -= w.hub_repeat * h;
                let s: Expression = is.iter().map(|&i| x[i]).sum();
                if w.hub_repeat > 0.0 {
                    cons.push(constraint!(h >= s - 1.0));
                } else {
                    // A bonus: h ≤ s − [anyone from the Hub].
                    let y = vars.add(variable().min(0.0).max(1.0));
                    for &i in &is {
                        cons.push(constraint!(y >= x[i]));
                    }
                    cons.push(constraint!(h <= s - y));
                }
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
    let mut model = vars.maximise(obj).using(solver).with_time_limit(secs);
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
            .map(|t| {
                t.lead
                    .iter()
                    .chain(&t.peers)
                    .filter_map(|id| pid.get(id.as_str()))
                    .map(|&p| cycle.people[p].school.as_str())
                    .collect()
            })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reviews::model::{Person, Review};

    fn cycle(oli_min: u32) -> Cycle {
        let person = |id: &str, school: &str, min: u32| Person {
            id: id.into(),
            school: school.into(),
            eligible: true,
            min_load: min,
            max_load: 1,
            experience: 1,
            ..Default::default()
        };
        let r = Review { id: "r1".into(), school: "s1".into(), week: 1, peer_places: 1, ..Default::default() };
        Cycle {
            reviews: vec![r],
            people: vec![person("sam", "s5", 1), person("oli", "s6", oli_min)],
            ..Default::default()
        }
    }

    fn repair(c: &Cycle) -> Assignment {
        let tr = triples(c);
        let ix = PeopleIx::new(c);
        let mut by_review: Vec<Vec<usize>> = vec![Vec::new(); c.reviews.len()];
        for (ti, t) in tr.iter().enumerate() {
            by_review[t.r].push(ti);
        }
        // Oli holds the only place; Sam, who must do one review, has none.
        let (l, p) = greedy_repair(c, &tr, &ix, &by_review, &[None], &[vec![1]]);
        to_assignment(c, &l, &p)
    }

    #[test]
    fn a_person_below_their_minimum_takes_a_place_from_one_above_theirs() {
        let c = cycle(0);
        let a = repair(&c);
        assert_eq!(a.teams[0].peers, vec!["sam".to_string()]);
        assert!(check::rescore(&c, &a).warnings.is_empty());
    }

    #[test]
    fn nobody_loses_a_place_they_need_for_their_own_minimum() {
        let c = cycle(1);
        let a = repair(&c);
        assert_eq!(a.teams[0].peers, vec!["oli".to_string()]);
    }
}
