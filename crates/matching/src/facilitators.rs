//! Facilitators for Growing the Top groups.
//!
//! One facilitator per group (trio or quad) for all of its visits.
//! Hard rules: eligible (trained, DBS in date); available on every visit
//! date of the group; not from a school in the group; within their travel
//! limit of every school of the group (when set); at most `max_groups`
//! groups each. Preferences (points, [`FacWeights`]): same phase as the
//! group, experience of similar contexts (share of the group's context tags
//! the facilitator has), and travel (mean distance to the group's schools).
//!
//! # Exactness
//! This is a bipartite b-matching, solved as a min-cost flow
//! (`source → facilitator (max_groups) → group (1) → sink`, plus an
//! "unfilled" arc per group with a cost above any score difference), so the
//! result first covers as many groups as possible and then maximises the
//! score; it is optimal by the min-cost flow optimality conditions
//! (integral capacities give an integral optimum). [`check`] re-derives the
//! rules and scores independently.

use crate::flow::{MinCostFlow, Node};
use crate::reviews::LatLon;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A school in a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct GroupSchool {
    pub id: String,
    pub location: Option<LatLon>,
}

/// A Growing the Top group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Group {
    pub id: String,
    pub schools: Vec<GroupSchool>,
    /// Visit dates (ISO `YYYY-MM-DD`).
    pub visit_dates: Vec<String>,
    pub phase: Option<String>,
    /// Context tags of the group's schools (e.g. "sixth form", "rural", "high FSM").
    pub context: Vec<String>,
}

/// A trained facilitator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Facilitator {
    pub id: String,
    pub school: Option<String>,
    pub eligible: bool,
    /// Dates the facilitator is available (ISO `YYYY-MM-DD`).
    pub available: Vec<String>,
    pub max_groups: u32,
    pub phase: Option<String>,
    /// Contexts the facilitator has experience of.
    pub context: Vec<String>,
    pub location: Option<LatLon>,
    pub travel_limit_km: Option<f64>,
}

/// Preference weights, in points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FacWeights {
    pub phase: f64,
    pub context: f64,
    pub travel_per_100km: f64,
}

impl Default for FacWeights {
    fn default() -> Self {
        FacWeights { phase: 3.0, context: 3.0, travel_per_100km: 1.0 }
    }
}

/// A hard rule for facilitators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FacRule {
    NotEligible,
    FromGroupSchool,
    Unavailable,
    TooFar,
    AtMaxLoad,
    UnknownId,
}

/// One group's facilitator (by ids, as the UI edits it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacAssignment {
    pub group: String,
    pub facilitator: Option<String>,
}

/// Score of one group's facilitator, by term (thousandths of a point).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacScore {
    pub group: String,
    pub facilitator: Option<String>,
    pub phase: i64,
    pub context: i64,
    pub travel: i64,
    pub total: i64,
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacWarning {
    pub rule: FacRule,
    pub group: Option<String>,
    pub facilitator: Option<String>,
    pub message: String,
}

/// Scores and warnings of an assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacReport {
    pub total: i64,
    pub groups: Vec<FacScore>,
    pub warnings: Vec<FacWarning>,
}

/// A group left without facilitator and why each facilitator was excluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacUnfilled {
    pub group: String,
    pub candidates: Vec<(String, Vec<FacRule>)>,
    pub counts: BTreeMap<FacRule, usize>,
}

/// The solver's proposal (always optimal: see the module documentation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacProposal {
    pub assignment: Vec<FacAssignment>,
    pub report: FacReport,
    pub unfilled: Vec<FacUnfilled>,
    pub proof: String,
}

fn milli(x: f64) -> i64 {
    (x * 1000.0).round() as i64
}

fn same(a: &Option<String>, b: &Option<String>) -> bool {
    matches!((a, b), (Some(x), Some(y)) if x.eq_ignore_ascii_case(y))
}

/// Rules that exclude `f` from `g` on their own (load not included).
pub fn pair_rules(f: &Facilitator, g: &Group) -> Vec<FacRule> {
    let mut v = Vec::new();
    if !f.eligible {
        v.push(FacRule::NotEligible);
    }
    if f.school.as_ref().is_some_and(|s| g.schools.iter().any(|x| &x.id == s)) {
        v.push(FacRule::FromGroupSchool);
    }
    if !g.visit_dates.iter().all(|d| f.available.contains(d)) {
        v.push(FacRule::Unavailable);
    }
    if let (Some(lim), Some(at)) = (f.travel_limit_km, f.location)
        && g.schools.iter().any(|s| s.location.is_some_and(|l| at.distance_km(l) > lim))
    {
        v.push(FacRule::TooFar);
    }
    v
}

fn score(w: &FacWeights, f: &Facilitator, g: &Group) -> (i64, i64, i64) {
    let phase = if same(&f.phase, &g.phase) { milli(w.phase) } else { 0 };
    let context = if g.context.is_empty() {
        0
    } else {
        let hit = g.context.iter().filter(|c| f.context.iter().any(|x| x.eq_ignore_ascii_case(c))).count();
        milli(w.context * hit as f64 / g.context.len() as f64)
    };
    let travel = match f.location {
        Some(at) => {
            let ds: Vec<f64> = g.schools.iter().filter_map(|s| s.location.map(|l| at.distance_km(l))).collect();
            if ds.is_empty() {
                0
            } else {
                -milli(w.travel_per_100km * ds.iter().sum::<f64>() / ds.len() as f64 / 100.0)
            }
        }
        None => 0,
    };
    (phase, context, travel)
}

/// Independent checker and live re-scoring of a facilitator assignment.
pub fn check(groups: &[Group], facs: &[Facilitator], w: &FacWeights, a: &[FacAssignment]) -> FacReport {
    let fi: HashMap<&str, &Facilitator> = facs.iter().map(|f| (f.id.as_str(), f)).collect();
    let chosen: HashMap<&str, &Option<String>> = a.iter().map(|x| (x.group.as_str(), &x.facilitator)).collect();
    let mut warnings = Vec::new();
    for x in a {
        if !groups.iter().any(|g| g.id == x.group) {
            warnings.push(FacWarning {
                rule: FacRule::UnknownId,
                group: Some(x.group.clone()),
                facilitator: None,
                message: format!("group {} is not known", x.group),
            });
        }
    }
    let mut load: BTreeMap<&str, u32> = BTreeMap::new();
    let mut out = Vec::new();
    for g in groups {
        let fid = chosen.get(g.id.as_str()).and_then(|f| f.as_deref());
        let mut s = FacScore {
            group: g.id.clone(),
            facilitator: fid.map(str::to_string),
            phase: 0,
            context: 0,
            travel: 0,
            total: 0,
        };
        if let Some(id) = fid {
            match fi.get(id) {
                None => warnings.push(FacWarning {
                    rule: FacRule::UnknownId,
                    group: Some(g.id.clone()),
                    facilitator: Some(id.into()),
                    message: format!("facilitator {id} is not known"),
                }),
                Some(f) => {
                    *load.entry(id).or_insert(0) += 1;
                    for r in pair_rules(f, g) {
                        warnings.push(FacWarning {
                            rule: r,
                            group: Some(g.id.clone()),
                            facilitator: Some(id.into()),
                            message: format!("{id} for {}: {r:?}", g.id),
                        });
                    }
                    let (p, c, t) = score(w, f, g);
                    s.phase = p;
                    s.context = c;
                    s.travel = t;
                    s.total = p + c + t;
                }
            }
        }
        out.push(s);
    }
    for (id, n) in load {
        let max = fi[id].max_groups;
        if n > max {
            warnings.push(FacWarning {
                rule: FacRule::AtMaxLoad,
                group: None,
                facilitator: Some(id.into()),
                message: format!("{id} facilitates {n} groups, maximum {max}"),
            });
        }
    }
    FacReport { total: out.iter().map(|s| s.total).sum(), groups: out, warnings }
}

/// Assigns facilitators to groups exactly (see the module documentation).
pub fn assign(groups: &[Group], facs: &[Facilitator], w: &FacWeights) -> Result<FacProposal, crate::flow::FlowError> {
    let (nf, ng) = (facs.len(), groups.len());
    let mut pairs = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        for (fi, f) in facs.iter().enumerate() {
            if f.max_groups > 0 && pair_rules(f, g).is_empty() {
                let (p, c, t) = score(w, f, g);
                pairs.push((fi, gi, p + c + t));
            }
        }
    }
    let maxs = pairs.iter().map(|x| x.2).max().unwrap_or(0).max(0);
    let mins = pairs.iter().map(|x| x.2).min().unwrap_or(0).min(0);
    let c1 = (maxs - mins + 1) * (ng as i64 + 1);
    let mut g = MinCostFlow::new(nf + ng + 2);
    let (src, sink) = ((nf + ng) as Node, (nf + ng + 1) as Node);
    g.set_supply(src, ng as i64);
    g.set_supply(sink, -(ng as i64));
    for (fi, f) in facs.iter().enumerate() {
        g.add_arc(src, fi as Node, f.max_groups as i64, 0)?;
    }
    for gi in 0..ng {
        g.add_arc((nf + gi) as Node, sink, 1, 0)?;
        g.add_arc(src, (nf + gi) as Node, 1, c1 + maxs)?;
    }
    let arcs: Vec<_> = pairs
        .iter()
        .map(|&(fi, gi, s)| g.add_arc(fi as Node, (nf + gi) as Node, 1, maxs - s))
        .collect::<Result<_, _>>()?;
    g.solve()?;
    let mut chosen: Vec<Option<String>> = vec![None; ng];
    for (i, &(fi, gi, _)) in pairs.iter().enumerate() {
        if g.flow(arcs[i]) > 0 {
            chosen[gi] = Some(facs[fi].id.clone());
        }
    }
    let assignment: Vec<FacAssignment> =
        groups.iter().zip(chosen).map(|(gr, f)| FacAssignment { group: gr.id.clone(), facilitator: f }).collect();
    let report = check(groups, facs, w, &assignment);
    debug_assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let mut load: HashMap<&str, u32> = HashMap::new();
    for a in &assignment {
        if let Some(f) = &a.facilitator {
            *load.entry(f.as_str()).or_insert(0) += 1;
        }
    }
    let unfilled = groups
        .iter()
        .zip(&assignment)
        .filter(|(_, a)| a.facilitator.is_none())
        .map(|(gr, _)| {
            let mut counts = BTreeMap::new();
            let candidates = facs
                .iter()
                .map(|f| {
                    let mut why = pair_rules(f, gr);
                    if load.get(f.id.as_str()).copied().unwrap_or(0) >= f.max_groups {
                        why.push(FacRule::AtMaxLoad);
                    }
                    for &r in &why {
                        *counts.entry(r).or_insert(0) += 1;
                    }
                    (f.id.clone(), why)
                })
                .collect();
            FacUnfilled { group: gr.id.clone(), candidates, counts }
        })
        .collect();
    Ok(FacProposal {
        assignment,
        report,
        unfilled,
        proof: "optimal: min-cost flow (most groups covered, then highest score)".into(),
    })
}
