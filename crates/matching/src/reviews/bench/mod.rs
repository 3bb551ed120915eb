//! The bench-format reviewer assignment, solved exactly on a sparse graph
//! with a streamed dual certificate.
//!
//! # Problem
//! `P` reviews ("papers"), `R` reviewers, an affinity `s(p,r)` for every pair
//! and a set of conflicted pairs. Choose pairs `x(p,r) ∈ {0,1}` so that every
//! review gets exactly `K` reviewers, every reviewer gets between `M` and `L`
//! reviews, no conflicted pair is used, and `Σ s(p,r)·x(p,r)` is maximal.
//!
//! Scores are handled as integers in millionths (`micro`), so every
//! comparison below is exact.
//!
//! # Method
//! 1. **One streamed pass** keeps, for each review, its `T` best eligible
//!    reviewers (conflicts removed) and the best score it had to leave out,
//!    `ω(p)`; with `M > 0` also each reviewer's `T'` best reviews, so that the
//!    sparse graph can meet minimum loads. Memory is `O((P + R)·T)`, never
//!    `P × R`.
//! 2. **Min-cost flow** ([`crate::flow`]) on the sparse graph: review `p`
//!    supplies `K`, arc `p → r` (capacity 1, cost `S − s(p,r)` where `S` is
//!    the largest score seen, so costs are `≥ 0`; every review sends exactly
//!    `K` units so the shift is a constant), reviewer `r → sink` (capacity
//!    `M` at cost 0 plus capacity `L − M` at cost `C`, with `C` larger than
//!    any possible score difference, so meeting minimum loads comes first).
//! 3. **Certificate.** The solver returns potentials `π` with non-negative
//!    reduced cost on every residual arc of the sparse graph. The full graph
//!    only adds arcs `p → r` that carry no flow; the flow stays optimal for
//!    the full graph iff each of them has reduced cost
//!    `S − s(p,r) + π(p) − π(r) ≥ 0` (no negative residual cycle, AMO Thm 9.3).
//!    Because `s(p,r) ≤ ω(p)` for every omitted pair and `π(r) ≤ max π`, the
//!    per-review test `S − ω(p) + π(p) − max π ≥ 0` proves it for all of `p`'s
//!    omitted pairs at once, without a second pass. Reviews failing that test
//!    are checked pair by pair in another streamed pass; any pair with
//!    negative reduced cost is added to the graph and the flow re-solved.
//!    "Optimal (certified)" is reported only when every omitted pair is
//!    covered by one of these two tests.
//! 4. **Infeasibility** is proven the same way: if some supply cannot be
//!    routed, the reviews reachable from it in the residual graph get all
//!    their eligible pairs added; when that set is closed, it is a Hall
//!    violator (those reviews need more places than all their eligible
//!    reviewers can give), which is reported with names.

pub mod check;
pub mod csv;
pub mod generate;

use crate::flow::{FlowError, MinCostFlow, Node};
use rustc_hash::FxHashSet;
use std::fmt;

/// Error while reading an instance (with the 1-based line number).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// A line that does not follow the format.
    #[error("{file} line {line}: {message}")]
    Malformed { file: &'static str, line: u64, message: String },
    /// The underlying reader failed.
    #[error("{file}: read error after line {line}: {message}")]
    Io { file: &'static str, line: u64, message: String },
}

/// Error from the bench solver.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BenchError {
    /// Reading the instance failed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// Parameters that make no sense.
    #[error("invalid parameters: {0}")]
    Params(String),
    /// The flow core failed.
    #[error(transparent)]
    Flow(#[from] FlowError),
}

/// Something that can stream every scored pair, any number of times.
///
/// Paper and reviewer indices are dense (`0..counts()`); the source assigns
/// them (the CSV source in order of first appearance). Scores are in
/// millionths.
pub trait PairSource {
    /// Calls `visit(paper, reviewer, score_micro, line)` once per scored pair.
    fn stream(&mut self, visit: &mut dyn FnMut(u32, u32, i64, u64)) -> Result<(), ReadError>;
    /// Names of papers and reviewers known so far.
    fn names(&self) -> Names;
    /// Number of papers and reviewers known so far.
    fn counts(&self) -> (usize, usize);
}

/// Conflicted `(paper, reviewer)` pairs.
pub trait ConflictSet {
    /// Whether the pair is a conflict.
    fn contains(&self, p: u32, r: u32) -> bool;
}

/// A conflict set held in memory.
#[derive(Debug, Clone, Default)]
pub struct PairSet(pub FxHashSet<u64>);

impl PairSet {
    fn key(p: u32, r: u32) -> u64 {
        (p as u64) << 32 | r as u64
    }
    /// Adds a pair.
    pub fn insert(&mut self, p: u32, r: u32) {
        self.0.insert(Self::key(p, r));
    }
    /// Number of pairs.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl ConflictSet for PairSet {
    fn contains(&self, p: u32, r: u32) -> bool {
        self.0.contains(&Self::key(p, r))
    }
}

/// Names of papers and reviewers, and which of them appear in the scores
/// (an id that appears only in the conflicts file is not a paper/reviewer).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub papers: Vec<String>,
    pub reviewers: Vec<String>,
    pub paper_scored: Vec<bool>,
    pub reviewer_scored: Vec<bool>,
}

/// Team size and loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BenchParams {
    /// Reviewers per review (`K`).
    pub team_size: u32,
    /// Most reviews per reviewer (`L`).
    pub max_load: u32,
    /// Fewest reviews per reviewer (`M`).
    pub min_load: u32,
    /// Candidates kept per review in the first pass (`T`); `None` picks
    /// `max(3K, K + 12)`. Only speed depends on it, never the result.
    pub candidates: Option<u32>,
}

impl BenchParams {
    /// `K`, `L`, and `M = 0`.
    pub fn new(team_size: u32, max_load: u32) -> Self {
        BenchParams { team_size, max_load, min_load: 0, candidates: None }
    }
}

/// How the solve ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BenchStatus {
    /// Optimal, proven by the reduced-cost certificate over all pairs.
    OptimalCertified,
    /// No assignment meets the rules; each reason names the reviews or
    /// reviewers concerned.
    Infeasible(Vec<String>),
}

impl fmt::Display for BenchStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BenchStatus::OptimalCertified => write!(f, "optimal (certified)"),
            BenchStatus::Infeasible(r) => write!(f, "infeasible: {}", r.join("; ")),
        }
    }
}

/// Counters that show what the certificate cost.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BenchStats {
    /// Streamed passes over all pairs (1 when the bound test proved all).
    pub passes: u32,
    /// Min-cost flow solves.
    pub solves: u32,
    /// Candidates kept per review in the first pass.
    pub candidates_per_review: u32,
    /// Arcs `p → r` in the final sparse graph.
    pub pair_arcs: usize,
    /// Reviews whose omitted pairs needed the pair-by-pair test.
    pub reviews_checked_pairwise: usize,
    /// Pairs added after the first pass.
    pub pairs_added: usize,
}

/// Result of [`solve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BenchSolution {
    /// `teams[p]` = reviewers of paper `p`, with their scores (micro), best first.
    pub teams: Vec<Vec<(u32, i64)>>,
    /// Total affinity in millionths.
    pub total_micro: i64,
    /// Smallest team total among scored papers, in millionths.
    pub min_team_micro: i64,
    /// Optimal or infeasible (an infeasible result still carries the best
    /// partial assignment found).
    pub status: BenchStatus,
    /// Work done.
    pub stats: BenchStats,
    /// Names (papers, reviewers).
    pub names: Names,
}

impl BenchSolution {
    /// Total affinity as a decimal number.
    pub fn total(&self) -> f64 {
        self.total_micro as f64 / 1e6
    }
    /// Worst team's total.
    pub fn min_team(&self) -> f64 {
        self.min_team_micro as f64 / 1e6
    }
    /// Assigned pairs as names, in paper order.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.teams.iter().enumerate().flat_map(move |(p, t)| {
            t.iter().map(move |&(r, _)| (self.names.papers[p].as_str(), self.names.reviewers[r as usize].as_str()))
        })
    }
    /// A per-review breakdown, one line per review.
    pub fn explain(&self) -> String {
        let mut out = String::new();
        for (p, t) in self.teams.iter().enumerate() {
            if !self.names.paper_scored[p] {
                continue;
            }
            let total: i64 = t.iter().map(|x| x.1).sum();
            out.push_str(&format!("{}: total {:.4} =", self.names.papers[p], total as f64 / 1e6));
            for (i, &(r, s)) in t.iter().enumerate() {
                let sep = if i == 0 { " " } else { " + " };
                out.push_str(&format!("{sep}{} {:.4}", self.names.reviewers[r as usize], s as f64 / 1e6));
            }
            out.push('\n');
        }
        out
    }
}

/// A fixed-size min-heap of `(score, reviewer)` per row (paper or reviewer).
struct TopK {
    k: usize,
    len: Vec<u32>,
    score: Vec<i64>,
    idx: Vec<u32>,
}

impl TopK {
    fn new(rows: usize, k: usize) -> Self {
        TopK { k, len: vec![0; rows], score: vec![0; rows * k], idx: vec![0; rows * k] }
    }
    fn grow(&mut self, rows: usize) {
        if rows > self.len.len() {
            self.len.resize(rows, 0);
            self.score.resize(rows * self.k, 0);
            self.idx.resize(rows * self.k, 0);
        }
    }
    #[inline]
    fn full(&self, row: usize) -> bool {
        self.len[row] as usize == self.k
    }
    #[inline]
    fn min(&self, row: usize) -> i64 {
        self.score[row * self.k]
    }
    fn contains(&self, row: usize, x: u32) -> bool {
        let b = row * self.k;
        self.idx[b..b + self.len[row] as usize].contains(&x)
    }
    /// Pushes when not full; returns nothing.
    fn push(&mut self, row: usize, s: i64, x: u32) {
        let b = row * self.k;
        let mut i = self.len[row] as usize;
        self.len[row] += 1;
        while i > 0 {
            let parent = (i - 1) / 2;
            if self.score[b + parent] <= s {
                break;
            }
            self.score[b + i] = self.score[b + parent];
            self.idx[b + i] = self.idx[b + parent];
            i = parent;
        }
        self.score[b + i] = s;
        self.idx[b + i] = x;
    }
    /// Replaces the minimum (heap full); returns the evicted score.
    fn replace_min(&mut self, row: usize, s: i64, x: u32) -> i64 {
        let b = row * self.k;
        let out = self.score[b];
        let n = self.k;
        let mut i = 0;
        loop {
            let l = 2 * i + 1;
            if l >= n {
                break;
            }
            let c = if l + 1 < n && self.score[b + l + 1] < self.score[b + l] { l + 1 } else { l };
            if self.score[b + c] >= s {
                break;
            }
            self.score[b + i] = self.score[b + c];
            self.idx[b + i] = self.idx[b + c];
            i = c;
        }
        self.score[b + i] = s;
        self.idx[b + i] = x;
        out
    }
    fn row(&self, row: usize) -> impl Iterator<Item = (i64, u32)> + '_ {
        let b = row * self.k;
        (0..self.len[row] as usize).map(move |i| (self.score[b + i], self.idx[b + i]))
    }
}

/// Sparse candidate graph: per paper, the reviewers kept, with scores.
struct Sparse {
    cand: Vec<Vec<(u32, i64)>>,
    set: FxHashSet<u64>,
    /// Best eligible score left out of `cand[p]`, or `i64::MIN` if none.
    omitted_best: Vec<i64>,
}

impl Sparse {
    fn add(&mut self, p: u32, r: u32, s: i64) -> bool {
        if self.set.insert(PairSet::key(p, r)) {
            self.cand[p as usize].push((r, s));
            true
        } else {
            false
        }
    }
    fn has(&self, p: u32, r: u32) -> bool {
        self.set.contains(&PairSet::key(p, r))
    }
}

struct Graph {
    g: MinCostFlow,
    /// arc id of cand[p][i] is pair_arc[p][i]
    pair_arc: Vec<Vec<u32>>,
    min_arcs: Vec<u32>,
    sink: Node,
    n_papers: usize,
}

fn build_graph(
    sp: &Sparse,
    active_p: &[bool],
    active_r: &[bool],
    prm: &BenchParams,
    shift: i64,
    big: i64,
) -> Result<Graph, FlowError> {
    let np = sp.cand.len();
    let nr = active_r.len();
    let mut g = MinCostFlow::new(np + nr + 1);
    let sink = (np + nr) as Node;
    let k = prm.team_size as i64;
    let mut demand = 0;
    for (p, &a) in active_p.iter().enumerate() {
        if a {
            g.set_supply(p as Node, k);
            demand += k;
        }
    }
    g.set_supply(sink, -demand);
    let mut pair_arc = Vec::with_capacity(np);
    for (p, c) in sp.cand.iter().enumerate() {
        let mut v = Vec::with_capacity(c.len());
        for &(r, s) in c {
            v.push(g.add_arc(p as Node, (np + r as usize) as Node, 1, shift - s)?);
        }
        pair_arc.push(v);
    }
    let (m, l) = (prm.min_load as i64, prm.max_load as i64);
    let mut min_arcs = Vec::new();
    for (r, &a) in active_r.iter().enumerate() {
        if !a {
            continue;
        }
        let node = (np + r) as Node;
        if m > 0 {
            min_arcs.push(g.add_arc(node, sink, m, 0)?);
            g.add_arc(node, sink, l - m, big)?;
        } else {
            g.add_arc(node, sink, l, 0)?;
        }
    }
    Ok(Graph { g, pair_arc, min_arcs, sink, n_papers: np })
}

fn list(names: &[String], idx: impl Iterator<Item = usize>, max: usize) -> String {
    let v: Vec<usize> = idx.collect();
    let mut s: Vec<&str> = v.iter().take(max).map(|&i| names[i].as_str()).collect();
    if v.len() > max {
        s.push("…");
    }
    s.join(", ")
}

/// Solves a bench instance exactly. See the module documentation for the
/// method and the proof.
pub fn solve(
    src: &mut dyn PairSource,
    conflicts: &dyn ConflictSet,
    prm: &BenchParams,
) -> Result<BenchSolution, BenchError> {
    if prm.team_size == 0 || prm.max_load == 0 || prm.min_load > prm.max_load {
        return Err(BenchError::Params(format!(
            "team size {} and max load {} must be at least 1, and min load {} at most max load",
            prm.team_size, prm.max_load, prm.min_load
        )));
    }
    let k = prm.team_size as usize;
    let t = prm.candidates.map(|t| t as usize).unwrap_or((3 * k).max(k + 12)).max(k);
    let tr = if prm.min_load > 0 { 2 * prm.min_load as usize + 4 } else { 0 };
    let mut stats = BenchStats { candidates_per_review: t as u32, ..Default::default() };

    // ---- pass 1: top-T per paper (and top-T' per reviewer), ω(p), S ----
    let (np0, nr0) = src.counts();
    let mut top = TopK::new(np0, t);
    let mut rtop = TopK::new(if tr > 0 { nr0 } else { 0 }, tr.max(1));
    let mut omitted: Vec<i64> = vec![i64::MIN; np0];
    let mut max_score = i64::MIN;
    let mut min_score = i64::MAX;
    src.stream(&mut |p, r, s, _line| {
        let pu = p as usize;
        if pu >= omitted.len() {
            top.grow(pu + 1);
            omitted.resize(pu + 1, i64::MIN);
        }
        max_score = max_score.max(s);
        min_score = min_score.min(s);
        if !top.full(pu) {
            if !conflicts.contains(p, r) && !top.contains(pu, r) {
                top.push(pu, s, r);
            }
        } else if s > top.min(pu) {
            if !conflicts.contains(p, r) && !top.contains(pu, r) {
                let ev = top.replace_min(pu, s, r);
                if ev > omitted[pu] {
                    omitted[pu] = ev;
                }
            }
        } else if s > omitted[pu] && !conflicts.contains(p, r) {
            omitted[pu] = s;
        }
        if tr > 0 {
            let ru = r as usize;
            if ru >= rtop.len.len() {
                rtop.grow(ru + 1);
            }
            if (!rtop.full(ru) || s > rtop.min(ru)) && !conflicts.contains(p, r) && !rtop.contains(ru, p) {
                if rtop.full(ru) {
                    rtop.replace_min(ru, s, p);
                } else {
                    rtop.push(ru, s, p);
                }
            }
        }
    })?;
    stats.passes = 1;
    let names = src.names();
    let (np, nr) = (names.papers.len(), names.reviewers.len());
    let active_p: Vec<bool> = (0..np).map(|p| names.paper_scored[p]).collect();
    let active_r: Vec<bool> = (0..nr).map(|r| names.reviewer_scored[r]).collect();
    top.grow(np);
    omitted.resize(np, i64::MIN);
    let mut sp = Sparse { cand: vec![Vec::new(); np], set: FxHashSet::default(), omitted_best: omitted };
    for p in 0..np {
        for (s, r) in top.row(p).collect::<Vec<_>>() {
            sp.add(p as u32, r, s);
        }
    }
    if tr > 0 {
        for r in 0..rtop.len.len() {
            for (s, p) in rtop.row(r).collect::<Vec<_>>() {
                if sp.add(p, r as u32, s) {
                    // The pair is now in the graph; ω(p) stays a valid upper bound.
                }
            }
        }
    }
    drop(top);
    drop(rtop);
    let n_active_p = active_p.iter().filter(|&&a| a).count() as i64;
    let n_active_r = active_r.iter().filter(|&&a| a).count() as i64;
    if n_active_p == 0 {
        return Err(BenchError::Params("the scores contain no pairs".into()));
    }
    let places = n_active_p * prm.team_size as i64;
    if prm.min_load as i64 * n_active_r > places {
        let reason = format!(
            "the {} reviewers' minimum loads ({} each) add up to {}, more than the {} places",
            n_active_r,
            prm.min_load,
            prm.min_load as i64 * n_active_r,
            places
        );
        return Ok(empty_solution(np, names, stats, BenchStatus::Infeasible(vec![reason])));
    }
    let shift = max_score;
    // C > any score difference over all places, so min loads come first.
    let big = (max_score - min_score + 1).saturating_mul(places + 1);
    // Reviews whose every eligible pair is already in the graph.
    let mut full_paper: Vec<bool> = sp.omitted_best.iter().map(|&w| w == i64::MIN).collect();

    loop {
        let mut gr = build_graph(&sp, &active_p, &active_r, prm, shift, big)?;
        let out = gr.g.solve()?;
        stats.solves += 1;
        stats.pair_arcs = sp.set.len();
        debug_assert!(gr.g.check_optimality().is_ok());

        if !out.is_complete() {
            // Close the reachable sets of stuck supply under "all eligible pairs".
            let mut grow: Vec<u32> = Vec::new();
            let mut reasons = Vec::new();
            for &(s, _) in &out.unrouted {
                let reach = gr.g.residual_reachable(s);
                let ps: Vec<usize> = (0..np).filter(|&p| reach[p]).collect();
                let open: Vec<usize> = ps.iter().copied().filter(|&p| !full_paper[p]).collect();
                if !open.is_empty() {
                    grow.extend(open.iter().map(|&p| p as u32));
                    continue;
                }
                // A minimum cut: reviewers inside the reachable set are full
                // and serve only these reviews; pairs to reviewers outside it
                // are all in use. So at most `cap` places can be filled.
                let rs: Vec<usize> = (0..nr).filter(|&r| reach[np + r]).collect();
                let outside: usize =
                    ps.iter().map(|&p| sp.cand[p].iter().filter(|&&(r, _)| !reach[np + r as usize]).count()).sum();
                let cap = rs.len() * prm.max_load as usize + outside;
                if ps.len() == 1 && sp.cand[ps[0]].len() < k {
                    reasons.push(format!(
                        "review {} has only {} eligible reviewer(s) after conflicts, needs {}",
                        names.papers[ps[0]],
                        sp.cand[ps[0]].len(),
                        k
                    ));
                } else {
                    reasons.push(format!(
                        "the {} review(s) {} need {} places but at most {} can be filled within the loads and conflicts (reviewers {} are full)",
                        ps.len(),
                        list(&names.papers, ps.iter().copied(), 8),
                        ps.len() * k,
                        cap,
                        list(&names.reviewers, rs.iter().copied(), 8),
                    ));
                }
            }
            if !grow.is_empty() {
                grow.sort_unstable();
                grow.dedup();
                let mut want = vec![false; np];
                for &p in &grow {
                    want[p as usize] = true;
                    full_paper[p as usize] = true;
                }
                stats.passes += 1;
                let mut added = 0;
                src.stream(&mut |p, r, s, _| {
                    if want[p as usize] && !conflicts.contains(p, r) && sp.add(p, r, s) {
                        added += 1;
                    }
                })?;
                for &p in &grow {
                    sp.omitted_best[p as usize] = i64::MIN;
                }
                stats.pairs_added += added;
                continue;
            }
            reasons.sort();
            reasons.dedup();
            let sol = extract(&gr, &sp, names, stats, BenchStatus::Infeasible(reasons));
            return Ok(sol);
        }

        // ---- certificate ----
        let pot = |v: usize| gr.g.potential(v as Node);
        let max_pot_r = (0..nr).filter(|&r| active_r[r]).map(|r| pot(np + r)).max().unwrap_or(0);
        let flagged: Vec<bool> = (0..np)
            .map(|p| {
                let w = sp.omitted_best[p];
                w != i64::MIN && (shift - w) + pot(p) - max_pot_r < 0
            })
            .collect();
        let n_flagged = flagged.iter().filter(|&&f| f).count();
        if n_flagged > 0 {
            stats.reviews_checked_pairwise += n_flagged;
            stats.passes += 1;
            let mut violators: Vec<(u32, u32, i64)> = Vec::new();
            let mut new_omitted: Vec<i64> = vec![i64::MIN; np];
            src.stream(&mut |p, r, s, _| {
                let pu = p as usize;
                if !flagged[pu] {
                    return;
                }
                let rc = (shift - s) + pot(pu) - pot(np + r as usize);
                if rc < 0 {
                    if !sp.has(p, r) && !conflicts.contains(p, r) {
                        violators.push((p, r, s));
                    }
                } else if s > new_omitted[pu] && !sp.has(p, r) && !conflicts.contains(p, r) {
                    new_omitted[pu] = s;
                }
            })?;
            for p in 0..np {
                if flagged[p] {
                    sp.omitted_best[p] = new_omitted[p];
                }
            }
            if !violators.is_empty() {
                stats.pairs_added += violators.len();
                for (p, r, s) in violators {
                    sp.add(p, r, s);
                }
                continue;
            }
            // Every omitted pair of the flagged reviews has rc ≥ 0: certified.
        }
        // Minimum loads not met in a certified-optimal lexicographic solution
        // cannot be met at all.
        let mut reasons = Vec::new();
        if prm.min_load > 0 {
            let short: Vec<usize> = gr
                .min_arcs
                .iter()
                .filter(|&&a| gr.g.flow(a) < prm.min_load as i64)
                .map(|&a| gr.g.ends(a).0 as usize - np)
                .collect();
            if !short.is_empty() {
                reasons.push(format!(
                    "{} reviewer(s) cannot reach the minimum load of {}: {}",
                    short.len(),
                    prm.min_load,
                    list(&names.reviewers, short.iter().copied(), 8)
                ));
            }
        }
        let status = if reasons.is_empty() { BenchStatus::OptimalCertified } else { BenchStatus::Infeasible(reasons) };
        let _ = gr.sink;
        let sol = extract(&gr, &sp, names, stats, status);
        #[cfg(debug_assertions)]
        if sol.status == BenchStatus::OptimalCertified {
            // Debug builds re-check every solve with the independent checker.
            let pairs: Vec<(u32, u32)> =
                sol.teams.iter().enumerate().flat_map(|(p, t)| t.iter().map(move |&(r, _)| (p as u32, r))).collect();
            let c = check::check(src, conflicts, prm.team_size, prm.max_load, prm.min_load, &pairs)?;
            assert!(c.violations.is_empty(), "bench solver broke a rule: {:?}", c.violations);
            assert_eq!(c.total_micro, sol.total_micro, "bench solver total differs from the checker's");
        }
        return Ok(sol);
    }
}

fn empty_solution(np: usize, names: Names, stats: BenchStats, status: BenchStatus) -> BenchSolution {
    BenchSolution { teams: vec![Vec::new(); np], total_micro: 0, min_team_micro: 0, status, stats, names }
}

fn extract(gr: &Graph, sp: &Sparse, names: Names, stats: BenchStats, status: BenchStatus) -> BenchSolution {
    let mut teams = vec![Vec::new(); gr.n_papers];
    let mut total = 0;
    let mut min_team = i64::MAX;
    for (p, team) in teams.iter_mut().enumerate() {
        for (i, &a) in gr.pair_arc[p].iter().enumerate() {
            if gr.g.flow(a) > 0 {
                team.push(sp.cand[p][i]);
            }
        }
        team.sort_by(|a: &(u32, i64), b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let tt: i64 = team.iter().map(|x| x.1).sum();
        total += tt;
        if names.paper_scored[p] {
            min_team = min_team.min(tt);
        }
    }
    let mut sol = BenchSolution { teams, total_micro: total, min_team_micro: min_team, status, stats, names };
    if sol.min_team_micro == i64::MAX {
        sol.min_team_micro = 0;
    }
    sol
}
