//! Solvers for school groups.
//!
//! **Exact** (cohorts up to [`SolveOptions::exact_max_n`] schools, e.g. the
//! 21-school pilot). Every valid group (a trio or quad breaking no hard
//! rule, whose pinned partners are all inside) is enumerated. A grouping is
//! built by always placing the lowest-numbered school not yet placed, so
//! each grouping is produced by exactly one chain of choices; dynamic
//! programming over the set of placed schools (and the number of quads used)
//! then gives:
//! * total mode: `F(S) = max_{g ∋ min(V∖S)} s(g) + F(S ∪ g)`, the proven
//!   maximum total;
//! * max-min mode: first `M(S) = max_g min(s(g), M(S ∪ g))`, the proven best
//!   weakest group `m*`; then `F` again over groups with `s(g) ≥ m*` only,
//!   the proven best total among groupings whose weakest group is `m*`.
//!
//! **Heuristic** (larger cohorts). Iterated local search on a sparse
//! candidate graph: each school keeps its `K` best allowed partners. The
//! neighbourhood of a school `i` is every swap of `i` with a member of the
//! group of one of its candidates (and every move from a quad into a trio).
//! The value of a group is its score minus a large penalty per broken rule
//! (so the search first makes the grouping valid, then improves it), minus in
//! max-min mode a penalty on the shortfall below a threshold. Max-min runs
//! in three parts of the budget: the total; then the threshold is raised
//! whenever every group clears it; then, from the best grouping found, the
//! total again with every group held at that best minimum. Descent is first-improvement with a work
//! queue of schools whose groups changed; after each local optimum a few
//! chained random swaps kick the solution and the kick is undone when the
//! result is worse. It is seeded and stops at the time limit or iteration
//! cap. Its result comes with a proven upper bound on the total
//! ([`lagrangian_upper_bound`]: the Lagrangian relaxation of "two partners
//! each, three in a quad" over allowed pairs, see [`super::bound`]).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::error::GroupsError;
use super::rng::Rng;
use super::schools::{Grouping, SchoolInstance, SizePlan};

/// What to optimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SolveMode {
    /// Maximise the total score.
    #[default]
    Total,
    /// Maximise the minimum group score, then the total.
    MaxMin,
}

/// Options of [`solve`].
#[derive(Debug, Clone, PartialEq)]
pub struct SolveOptions {
    /// Objective.
    pub mode: SolveMode,
    /// Time budget of the heuristic.
    pub time_limit: Duration,
    /// Seed of the heuristic.
    pub seed: u64,
    /// Optional cap on heuristic kicks, for results that depend only on the seed.
    pub max_iterations: Option<u64>,
    /// Cohorts up to this size are solved exactly.
    pub exact_max_n: usize,
    /// Candidate partners kept per school by the heuristic.
    pub candidates: usize,
}

impl Default for SolveOptions {
    fn default() -> Self {
        SolveOptions {
            mode: SolveMode::Total,
            time_limit: Duration::from_secs(10),
            seed: 1,
            max_iterations: None,
            exact_max_n: 24,
            candidates: 40,
        }
    }
}

/// A proposed grouping with its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveResult {
    /// The groups (school indices).
    pub grouping: Grouping,
    /// Sum of group scores.
    pub total: f64,
    /// Lowest group score.
    pub min_group: f64,
    /// True when proven optimal for the mode.
    pub proven_optimal: bool,
    /// A proven upper bound on the total (total mode), when known.
    pub upper_bound: Option<f64>,
    /// True when no hard rule is broken.
    pub valid: bool,
    /// Method used.
    pub method: &'static str,
    /// Time spent.
    pub elapsed: Duration,
    /// Exact: states; heuristic: kicks.
    pub iterations: u64,
}

/// Proposes a grouping: exact when the cohort is small enough, heuristic
/// otherwise. Errors when the sizes cannot work or, for an exact solve,
/// when no grouping keeps every hard rule.
pub fn solve(inst: &SchoolInstance, opts: &SolveOptions) -> Result<SolveResult, GroupsError> {
    inst.check_size_plans()?;
    let cohorts = inst.phase_cohorts();
    let res = if cohorts.len() > 1 {
        solve_cohorts(inst, opts, &cohorts)?
    } else if inst.len() <= opts.exact_max_n.min(MAX_EXACT) {
        solve_exact(inst, opts.mode)?
    } else {
        solve_heuristic(inst, opts)?
    };
    #[cfg(debug_assertions)]
    {
        let c = super::check::check_schools(inst, &res.grouping);
        debug_assert!((c.total - res.total).abs() < 1e-6 * (1.0 + c.total.abs()), "checker total differs");
        debug_assert!(
            (c.min_group - res.min_group).abs() < 1e-6 * (1.0 + c.min_group.abs()),
            "checker minimum differs"
        );
        debug_assert_eq!(c.broken.is_empty(), res.valid, "checker disagrees on validity: {:?}", c.broken);
    }
    Ok(res)
}

/// Solves every phase cohort on its own (time shared by size) and joins
/// the results.
fn solve_cohorts(
    inst: &SchoolInstance,
    opts: &SolveOptions,
    cohorts: &[Vec<usize>],
) -> Result<SolveResult, GroupsError> {
    let start = Instant::now();
    let n = inst.len().max(1);
    let mut groups = Vec::new();
    let (mut proven, mut bound, mut iterations) = (true, Some(0.0), 0u64);
    let mut methods: Vec<&'static str> = Vec::new();
    for members in cohorts {
        let sub = inst.sub_instance(members)?;
        let share = opts.time_limit.mul_f64(members.len() as f64 / n as f64);
        let r = solve(&sub, &SolveOptions { time_limit: share, ..opts.clone() })?;
        groups.extend(r.grouping.groups.iter().map(|g| g.iter().map(|&k| members[k]).collect::<Vec<_>>()));
        proven &= r.proven_optimal;
        bound = bound.zip(r.upper_bound).map(|(a, b)| a + b);
        iterations += r.iterations;
        if !methods.contains(&r.method) {
            methods.push(r.method);
        }
    }
    // Max-min: the weakest cohort fixes the best minimum m*; every other
    // cohort then maximises its total over groups scoring at least m*
    // (exactly, where the cohort is small enough).
    if opts.mode == SolveMode::MaxMin && cohorts.len() > 1 {
        let m_star = groups.iter().map(|g: &Vec<usize>| inst.group_score(g)).fold(f64::INFINITY, f64::min);
        let mut regrouped = Vec::new();
        for members in cohorts {
            let sub = inst.sub_instance(members)?;
            let mine: Vec<Vec<usize>> =
                groups.iter().filter(|g| g.first().is_some_and(|i| members.contains(i))).cloned().collect();
            if sub.len() <= opts.exact_max_n.min(MAX_EXACT)
                && let Ok(r) = solve_exact_floor(&sub, SolveMode::Total, m_star - 1e-9)
            {
                regrouped.extend(r.grouping.groups.iter().map(|g| g.iter().map(|&k| members[k]).collect::<Vec<_>>()));
                continue;
            }
            proven = false;
            regrouped.extend(mine);
        }
        groups = regrouped;
    }
    let grouping = Grouping { groups };
    let (total, min_group, valid) = finish(inst, grouping.clone());
    Ok(SolveResult {
        grouping,
        total,
        min_group,
        // Total mode: the sum of the cohorts' optima is the optimum.
        proven_optimal: proven,
        upper_bound: if opts.mode == SolveMode::Total { bound } else { None },
        valid,
        method: if methods.len() == 1 { methods[0] } else { "per phase cohort: exact and heuristic" },
        elapsed: start.elapsed(),
        iterations,
    })
}

/// Largest cohort accepted by the exact solver (masks are `u32`).
pub const MAX_EXACT: usize = 30;

fn finish(inst: &SchoolInstance, grouping: Grouping) -> (f64, f64, bool) {
    let ev = super::schools::evaluate(inst, &grouping);
    (ev.total, ev.min_group, ev.is_valid())
}

/// Every valid group, indexed by its lowest member.
fn valid_groups(inst: &SchoolInstance, plan: SizePlan) -> Vec<Vec<(u32, f64)>> {
    let n = inst.len();
    let mut by_low: Vec<Vec<(u32, f64)>> = vec![Vec::new(); n];
    let ok = |m: &[usize]| inst.group_breaches(m) == 0;
    for (i, list) in by_low.iter_mut().enumerate() {
        for j in i + 1..n {
            if !inst.pair_allowed(i, j) {
                continue;
            }
            for k in j + 1..n {
                if !inst.pair_allowed(i, k) || !inst.pair_allowed(j, k) {
                    continue;
                }
                if plan.trios > 0 && ok(&[i, j, k]) {
                    list.push(((1 << i) | (1 << j) | (1 << k), inst.group_score(&[i, j, k])));
                }
                if plan.quads > 0 {
                    for l in k + 1..n {
                        if inst.pair_allowed(i, l)
                            && inst.pair_allowed(j, l)
                            && inst.pair_allowed(k, l)
                            && ok(&[i, j, k, l])
                        {
                            list.push(((1 << i) | (1 << j) | (1 << k) | (1 << l), inst.group_score(&[i, j, k, l])));
                        }
                    }
                }
            }
        }
    }
    by_low
}

struct Dp<'a> {
    n: usize,
    plan: SizePlan,
    groups: &'a [Vec<(u32, f64)>],
    threshold: f64,
    memo: HashMap<u64, (f64, u32)>,
    bottleneck: bool,
}

impl Dp<'_> {
    /// Best value from state (mask, quads used); `NEG_INFINITY` if none.
    fn best(&mut self, mask: u32, quads: usize) -> f64 {
        let full: u32 = if self.n == 32 { u32::MAX } else { (1u32 << self.n) - 1 };
        if mask == full {
            return if quads == self.plan.quads {
                if self.bottleneck { f64::INFINITY } else { 0.0 }
            } else {
                f64::NEG_INFINITY
            };
        }
        let key = (mask as u64) << 8 | quads as u64;
        if let Some(&(v, _)) = self.memo.get(&key) {
            return v;
        }
        let low = (!mask).trailing_zeros() as usize;
        let mut best = f64::NEG_INFINITY;
        let mut choice = 0u32;
        let left = self.n - mask.count_ones() as usize;
        for idx in 0..self.groups[low].len() {
            let (g, s) = self.groups[low][idx];
            if g & mask != 0 || s < self.threshold {
                continue;
            }
            let q = quads + usize::from(g.count_ones() == 4);
            if q > self.plan.quads {
                continue;
            }
            // remaining schools must split into the remaining quads and trios
            let rest = left - g.count_ones() as usize;
            let rq = self.plan.quads - q;
            if rest < 4 * rq || !(rest - 4 * rq).is_multiple_of(3) {
                continue;
            }
            let sub = self.best(mask | g, q);
            if sub == f64::NEG_INFINITY {
                continue;
            }
            let v = if self.bottleneck { s.min(sub) } else { s + sub };
            if v > best {
                best = v;
                choice = g;
            }
        }
        self.memo.insert(key, (best, choice));
        best
    }

    fn rebuild(&self) -> Vec<Vec<usize>> {
        let mut out = Vec::new();
        let full: u32 = (1u32 << self.n) - 1;
        let (mut mask, mut quads) = (0u32, 0usize);
        while mask != full {
            let key = (mask as u64) << 8 | quads as u64;
            let Some(&(_, g)) = self.memo.get(&key) else { break };
            if g == 0 {
                break;
            }
            out.push((0..self.n).filter(|&i| g & (1 << i) != 0).collect());
            quads += usize::from(g.count_ones() == 4);
            mask |= g;
        }
        out
    }
}

/// Proves the best grouping of a small cohort (see the module documentation).
pub fn solve_exact(inst: &SchoolInstance, mode: SolveMode) -> Result<SolveResult, GroupsError> {
    solve_exact_floor(inst, mode, f64::NEG_INFINITY)
}

/// As [`solve_exact`], using only groups scoring at least `floor`.
fn solve_exact_floor(inst: &SchoolInstance, mode: SolveMode, floor: f64) -> Result<SolveResult, GroupsError> {
    let start = Instant::now();
    let n = inst.len();
    if n > MAX_EXACT {
        return Err(GroupsError::Invalid(format!(
            "{n} schools is too many for the exact solver (at most {MAX_EXACT})"
        )));
    }
    let plan = inst.rules.size_plan(n)?;
    let groups = valid_groups(inst, plan);
    let mut threshold = floor;
    let mut states = 0u64;
    if mode == SolveMode::MaxMin {
        let mut dp = Dp { n, plan, groups: &groups, threshold, memo: HashMap::new(), bottleneck: true };
        let m = dp.best(0, 0);
        states += dp.memo.len() as u64;
        if m == f64::NEG_INFINITY {
            return Err(GroupsError::Infeasible("no grouping keeps every hard rule".into()));
        }
        threshold = m;
    }
    let mut dp = Dp { n, plan, groups: &groups, threshold, memo: HashMap::new(), bottleneck: false };
    let best = dp.best(0, 0);
    states += dp.memo.len() as u64;
    if best == f64::NEG_INFINITY {
        return Err(GroupsError::Infeasible("no grouping keeps every hard rule".into()));
    }
    let grouping = Grouping { groups: dp.rebuild() };
    let (total, min_group, valid) = finish(inst, grouping.clone());
    Ok(SolveResult {
        grouping,
        total,
        min_group,
        proven_optimal: true,
        upper_bound: if mode == SolveMode::Total { Some(best.max(total)) } else { None },
        valid,
        method: "exact dynamic programme over valid groups",
        elapsed: start.elapsed(),
        iterations: states,
    })
}

/// A proven upper bound on the total: a group's score is
/// `½ Σ_{i ∈ g} Σ_{j ∈ g, j ≠ i} s(i,j)`, and school `i` has two partners
/// (three in a quad), all allowed with it, so the total is at most
/// `½ Σ_i max(top2_i, top3_i)` over its allowed partners (`top3` only when
/// the plan has quads).
pub fn upper_bound_total(inst: &SchoolInstance) -> Option<f64> {
    let n = inst.len();
    let plan = inst.rules.size_plan(n).ok()?;
    let mut total = 0.0;
    for i in 0..n {
        let mut top = [f64::NEG_INFINITY; 3];
        for j in 0..n {
            if j == i || !inst.pair_allowed(i, j) {
                continue;
            }
            let s = inst.pair_score(i, j);
            if s > top[2] {
                top[2] = s;
                if top[2] > top[1] {
                    top.swap(1, 2);
                    if top[1] > top[0] {
                        top.swap(0, 1);
                    }
                }
            }
        }
        let mut b = f64::NEG_INFINITY;
        if plan.trios > 0 {
            b = b.max(top[0] + top[1]);
        }
        if plan.quads > 0 {
            b = b.max(top[0] + top[1] + top[2]);
        }
        if !b.is_finite() {
            return None; // a school with too few allowed partners
        }
        total += b;
    }
    Some(total / 2.0)
}

/// Above this many schools only the simple bound is computed (the
/// relaxation keeps every positive allowed pair in memory).
pub const LAGRANGIAN_MAX_N: usize = 6_000;

/// A proven upper bound on the total from the Lagrangian relaxation of
/// [`super::bound`] (each school has two partners, the members of quads
/// three, and the plan fixes the number of pairs), lowered towards
/// `target` (a known total, e.g. the heuristic's); never above the simple
/// [`upper_bound_total`].
pub fn lagrangian_upper_bound(inst: &SchoolInstance, target: f64, iterations: usize) -> Option<f64> {
    let n = inst.len();
    let plan = inst.rules.size_plan(n).ok()?;
    let simple = upper_bound_total(inst)?;
    if n > LAGRANGIAN_MAX_N {
        return Some(simple);
    }
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            if inst.pair_allowed(i, j) {
                let s = inst.pair_score(i, j);
                if s > 0.0 {
                    edges.push((i as u32, j as u32, s));
                }
            }
        }
    }
    let (d, extra) = match (plan.trios > 0, plan.quads > 0) {
        (true, true) => (2.0, 4 * plan.quads),
        (false, true) => (3.0, 0),
        _ => (2.0, 0),
    };
    let r = super::bound::Relaxation {
        n,
        edges,
        degree: vec![d; n],
        extra,
        // 3·trios + 6·quads = (Σ D_i + K)/2: implied by the degree limits
        max_edges: None,
    };
    Some(super::bound::lagrangian_bound(&r, target, iterations).min(simple))
}

// ---------------------------------------------------------------------------
// Heuristic

const PENALTY: f64 = 1.0e4;

struct Search<'a> {
    inst: &'a SchoolInstance,
    members: Vec<[u32; 4]>,
    len: Vec<u8>,
    group_of: Vec<u32>,
    score: Vec<f64>,
    breach: Vec<u32>,
    /// max-min: groups below this lose `shortfall_weight` per unit short.
    threshold: f64,
    shortfall_weight: f64,
    cand: Vec<Vec<u32>>,
    undo: Vec<Op>,
    logging: bool,
}

#[derive(Clone, Copy)]
enum Op {
    Swap(u32, u32),
    Move(u32, u32, u32), // element, from group, to group
}

impl<'a> Search<'a> {
    fn value_of(&self, score: f64, breach: u32) -> f64 {
        let short = (self.threshold - score).max(0.0);
        score - PENALTY * breach as f64 - self.shortfall_weight * short
    }

    fn gvalue(&self, g: usize) -> f64 {
        self.value_of(self.score[g], self.breach[g])
    }

    fn members(&self, g: usize) -> &[u32] {
        &self.members[g][..self.len[g] as usize]
    }

    fn total_value(&self) -> f64 {
        (0..self.members.len()).map(|g| self.gvalue(g)).sum()
    }

    fn eval_group(&self, m: &[usize]) -> (f64, u32) {
        (self.inst.group_score(m), self.inst.group_breaches(m) as u32)
    }

    fn recompute(&mut self, g: usize) {
        let m: Vec<usize> = self.members(g).iter().map(|&x| x as usize).collect();
        let (s, b) = self.eval_group(&m);
        self.score[g] = s;
        self.breach[g] = b;
    }

    /// Group `g` with `out` replaced by `inn`.
    fn replaced(&self, g: usize, out: u32, inn: u32) -> ([usize; 4], usize) {
        let mut a = [0usize; 4];
        let mut k = 0;
        for &x in self.members(g) {
            a[k] = if x == out { inn as usize } else { x as usize };
            k += 1;
        }
        (a, k)
    }

    fn swap_delta(&self, i: u32, j: u32) -> f64 {
        let (gi, gj) = (self.group_of[i as usize] as usize, self.group_of[j as usize] as usize);
        let (a, ka) = self.replaced(gi, i, j);
        let (b, kb) = self.replaced(gj, j, i);
        let (sa, ba) = self.eval_group(&a[..ka]);
        let (sb, bb) = self.eval_group(&b[..kb]);
        self.value_of(sa, ba) + self.value_of(sb, bb) - self.gvalue(gi) - self.gvalue(gj)
    }

    fn move_delta(&self, i: u32, to: usize) -> f64 {
        let from = self.group_of[i as usize] as usize;
        let mut a = [0usize; 4];
        let mut ka = 0;
        for &x in self.members(from) {
            if x != i {
                a[ka] = x as usize;
                ka += 1;
            }
        }
        let mut b = [0usize; 5];
        let mut kb = 0;
        for &x in self.members(to) {
            b[kb] = x as usize;
            kb += 1;
        }
        b[kb] = i as usize;
        kb += 1;
        let (sa, ba) = self.eval_group(&a[..ka]);
        let (sb, bb) = self.eval_group(&b[..kb]);
        self.value_of(sa, ba) + self.value_of(sb, bb) - self.gvalue(from) - self.gvalue(to)
    }

    fn do_swap(&mut self, i: u32, j: u32) {
        let (gi, gj) = (self.group_of[i as usize] as usize, self.group_of[j as usize] as usize);
        for x in self.members[gi].iter_mut() {
            if *x == i {
                *x = j;
                break;
            }
        }
        for x in self.members[gj].iter_mut() {
            if *x == j {
                *x = i;
                break;
            }
        }
        self.group_of[i as usize] = gj as u32;
        self.group_of[j as usize] = gi as u32;
        self.recompute(gi);
        self.recompute(gj);
        if self.logging {
            self.undo.push(Op::Swap(i, j));
        }
    }

    fn do_move(&mut self, i: u32, to: usize) {
        let from = self.group_of[i as usize] as usize;
        let l = self.len[from] as usize;
        let pos = self.members[from][..l].iter().position(|&x| x == i).unwrap_or(0);
        self.members[from][pos] = self.members[from][l - 1];
        self.len[from] -= 1;
        let lt = self.len[to] as usize;
        if lt < 4 {
            self.members[to][lt] = i;
            self.len[to] += 1;
        }
        self.group_of[i as usize] = to as u32;
        self.recompute(from);
        self.recompute(to);
        if self.logging {
            self.undo.push(Op::Move(i, from as u32, to as u32));
        }
    }

    fn rollback(&mut self) {
        let was = self.logging;
        self.logging = false;
        while let Some(op) = self.undo.pop() {
            match op {
                Op::Swap(i, j) => self.do_swap(i, j),
                Op::Move(i, from, _) => self.do_move(i, from as usize),
            }
        }
        self.logging = was;
    }

    /// First-improvement descent over the candidate neighbourhood of the
    /// schools in `queue`.
    fn descend(&mut self, queue: &mut Vec<u32>, queued: &mut [bool]) {
        let eps = 1e-9;
        while let Some(i) = queue.pop() {
            queued[i as usize] = false;
            let mut best = eps;
            let mut best_op: Option<Op> = None;
            let gi = self.group_of[i as usize] as usize;
            let li = self.len[gi];
            for &p in &self.cand[i as usize] {
                let gp = self.group_of[p as usize] as usize;
                if gp == gi {
                    continue;
                }
                for &k in self.members(gp) {
                    if k == p {
                        continue;
                    }
                    let d = self.swap_delta(i, k);
                    if d > best {
                        best = d;
                        best_op = Some(Op::Swap(i, k));
                    }
                }
                if li == 4 && self.len[gp] == 3 {
                    let d = self.move_delta(i, gp);
                    if d > best {
                        best = d;
                        best_op = Some(Op::Move(i, gi as u32, gp as u32));
                    }
                }
            }
            if let Some(op) = best_op {
                let touched: Vec<u32> = match op {
                    Op::Swap(a, b) => {
                        let ga = self.group_of[a as usize] as usize;
                        let gb = self.group_of[b as usize] as usize;
                        self.do_swap(a, b);
                        self.members(ga).iter().chain(self.members(gb)).copied().collect()
                    }
                    Op::Move(a, f, t) => {
                        self.do_move(a, t as usize);
                        self.members(f as usize).iter().chain(self.members(t as usize)).copied().collect()
                    }
                };
                for x in touched {
                    if !queued[x as usize] {
                        queued[x as usize] = true;
                        queue.push(x);
                    }
                }
            }
        }
    }

    /// Replaces the current grouping by `g` (same sizes as the plan).
    fn load(&mut self, g: &Grouping) {
        for (k, members) in g.groups.iter().enumerate() {
            if k >= self.members.len() {
                break;
            }
            self.len[k] = members.len().min(4) as u8;
            for (p, &i) in members.iter().take(4).enumerate() {
                self.members[k][p] = i as u32;
                self.group_of[i] = k as u32;
            }
        }
        for k in 0..self.members.len() {
            self.recompute(k);
        }
        self.undo.clear();
    }

    fn min_score(&self) -> f64 {
        self.score.iter().copied().fold(f64::INFINITY, f64::min)
    }

    fn breaches(&self) -> u32 {
        self.breach.iter().sum()
    }

    fn grouping(&self) -> Grouping {
        Grouping {
            groups: (0..self.members.len()).map(|g| self.members(g).iter().map(|&x| x as usize).collect()).collect(),
        }
    }
}

fn candidates(inst: &SchoolInstance, k: usize) -> Vec<Vec<u32>> {
    let n = inst.len();
    let mut out = Vec::with_capacity(n);
    let mut buf: Vec<(f64, u32)> = Vec::with_capacity(n);
    for i in 0..n {
        buf.clear();
        for j in 0..n {
            if j != i && inst.pair_allowed(i, j) {
                buf.push((inst.pair_score(i, j), j as u32));
            }
        }
        if buf.len() > k {
            buf.select_nth_unstable_by(k, |a, b| b.0.total_cmp(&a.0));
            buf.truncate(k);
        }
        buf.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut c: Vec<u32> = buf.iter().map(|x| x.1).collect();
        for &p in &inst.together_of[i] {
            if !c.contains(&(p as u32)) {
                c.push(p as u32);
            }
        }
        out.push(c);
    }
    out
}

/// Better in the mode's order: (breaches, then total or (min, total)).
fn better(mode: SolveMode, a: (u32, f64, f64), b: (u32, f64, f64)) -> bool {
    let eps = 1e-9;
    if a.0 != b.0 {
        return a.0 < b.0;
    }
    match mode {
        SolveMode::Total => a.1 > b.1 + eps,
        SolveMode::MaxMin => a.2 > b.2 + eps || ((a.2 - b.2).abs() <= eps && a.1 > b.1 + eps),
    }
}

/// Iterated local search on the candidate graph (see the module documentation).
pub fn solve_heuristic(inst: &SchoolInstance, opts: &SolveOptions) -> Result<SolveResult, GroupsError> {
    let start = Instant::now();
    let n = inst.len();
    let plan = inst.rules.size_plan(n)?;
    let mut rng = Rng::new(opts.seed);
    let cand = candidates(inst, opts.candidates.max(2));
    // random start following the size plan
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let g_count = plan.groups();
    let mut members = vec![[0u32; 4]; g_count];
    let mut len = vec![0u8; g_count];
    let mut group_of = vec![0u32; n];
    let mut k = 0;
    for g in 0..g_count {
        let size = if g < plan.quads { 4 } else { 3 };
        for _ in 0..size {
            members[g][len[g] as usize] = order[k];
            len[g] += 1;
            group_of[order[k] as usize] = g as u32;
            k += 1;
        }
    }
    let mut s = Search {
        inst,
        members,
        len,
        group_of,
        score: vec![0.0; g_count],
        breach: vec![0; g_count],
        threshold: f64::NEG_INFINITY,
        shortfall_weight: 0.0,
        cand,
        undo: Vec::new(),
        logging: false,
    };
    for g in 0..g_count {
        s.recompute(g);
    }
    let mut queued = vec![true; n];
    let mut queue: Vec<u32> = order.clone();
    s.descend(&mut queue, &mut queued);

    let key = |s: &Search| (s.breaches(), s.score.iter().sum::<f64>(), s.min_score());
    let mut best_key = key(&s);
    let mut best = s.grouping();
    let mut iterations = 0u64;
    let budget_left = |it: u64| start.elapsed() < opts.time_limit && opts.max_iterations.is_none_or(|m| it < m);
    let maxmin = opts.mode == SolveMode::MaxMin;
    // In max-min mode the first part of the time goes to the total, then
    // the threshold is raised step by step.
    let mut polishing = false;
    let mut step = 0.5;
    let mut since_raise = 0u64;
    while budget_left(iterations) {
        iterations += 1;
        // Max-min runs in three phases (by time, or by iterations when
        // capped): the total; raising a threshold on the weakest group;
        // the total again with every group held at the best minimum found.
        let fraction = match opts.max_iterations {
            Some(m) => iterations as f64 / m.max(1) as f64,
            None => start.elapsed().as_secs_f64() / opts.time_limit.as_secs_f64().max(1e-9),
        };
        if maxmin && fraction >= 2.0 / 3.0 && !polishing {
            polishing = true;
            s.load(&best);
            s.threshold = best_key.2 - 1e-9;
            s.shortfall_weight = PENALTY;
        } else if maxmin && !polishing && fraction >= 1.0 / 3.0 && s.breaches() == 0 {
            let m = s.min_score();
            if s.threshold == f64::NEG_INFINITY || m >= s.threshold - 1e-9 {
                // every group clears the threshold: raise it
                s.threshold = m + step;
                s.shortfall_weight = 100.0;
                since_raise = 0;
            } else {
                since_raise += 1;
                if since_raise > 2000 + 5 * n as u64 && step > 0.01 {
                    step /= 2.0;
                    s.threshold = best_key.2 + step;
                    since_raise = 0;
                }
            }
        }
        let before = s.total_value();
        s.undo.clear();
        s.logging = true;
        // kick: a short chain of random swaps around a random school
        let mut x = rng.below(n) as u32;
        let kicks = 2 + rng.below(3);
        let mut touched: Vec<u32> = Vec::new();
        for _ in 0..kicks {
            let c = &s.cand[x as usize];
            if c.is_empty() {
                break;
            }
            let p = c[rng.below(c.len())];
            let gp = s.group_of[p as usize] as usize;
            if gp == s.group_of[x as usize] as usize {
                continue;
            }
            let ms = s.members(gp);
            let y = ms[rng.below(ms.len())];
            if y == p {
                continue;
            }
            let (gx, gy) = (s.group_of[x as usize] as usize, gp);
            s.do_swap(x, y);
            touched.extend(s.members(gx).iter().chain(s.members(gy)).copied());
            x = y;
        }
        for &t in &touched {
            if !queued[t as usize] {
                queued[t as usize] = true;
                queue.push(t);
            }
        }
        s.descend(&mut queue, &mut queued);
        s.logging = false;
        let after = s.total_value();
        if after + 1e-9 < before {
            s.rollback();
        }
        let k = key(&s);
        if better(opts.mode, k, best_key) {
            best_key = k;
            best = s.grouping();
        }
    }
    let (total, min_group, valid) = finish(inst, best.clone());
    Ok(SolveResult {
        grouping: best,
        total,
        min_group,
        proven_optimal: false,
        upper_bound: if opts.mode == SolveMode::Total { lagrangian_upper_bound(inst, total, 600) } else { None },
        valid,
        method: "iterated local search on a candidate graph",
        elapsed: start.elapsed(),
        iterations,
    })
}
