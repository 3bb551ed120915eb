//! Iterated maxima search for the MDGP (after Lai & Hao, EJOR 2016).
//!
//! * **Gain table.** `gain[g][i] = Σ_{j ∈ g} d_ij`, kept up to date in
//!   `O(n)` per move, makes the value change of moving element `i` from
//!   group `p` to `q` `gain[q][i] − gain[p][i]`, and of swapping `i ∈ p`
//!   with `j ∈ q` `gain[q][i] − gain[p][i] + gain[p][j] − gain[q][j] − 2d_ij`.
//! * **Descent.** First-improvement ascent over the one-move neighbourhood
//!   (only where size bounds allow) and the swap neighbourhood, sweeping
//!   until no move improves.
//! * **Maxima search.** From the best local optimum of this search, a *weak
//!   perturbation* (three moves, each the best of `n` random neighbours,
//!   improving or not, so the search leaves the optimum by little) and a new
//!   descent; repeated until `depth` rounds in a row bring no improvement.
//! * **Iteration.** The result is *strongly perturbed* (`n/2G` random moves
//!   or swaps) and a new maxima search starts from it; the best solution
//!   ever seen is kept. The start is the best of ten descended random
//!   assignments.
//!
//! The search is seeded ([`super::rng::Rng`]) and stops at the time limit or
//! after `max_iterations` maxima searches; with an iteration cap the result
//! depends only on the seed.

use std::time::{Duration, Instant};

use super::bound::{Relaxation, lagrangian_bound};
use super::mdgp::{MdgpInstance, MdgpOptions, MdgpSolution, upper_bound};
use super::rng::Rng;

/// Tuning of the search (defaults are those used in the benchmarks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImsParams {
    /// Non-improving weak-perturbation rounds before a maxima search ends.
    pub depth: u32,
    /// Swaps per weak perturbation.
    pub weak_moves: usize,
    /// Random neighbours examined per weak move (the best is applied);
    /// 0 means `n`.
    pub weak_sample: usize,
    /// Random moves of a strong perturbation, as a multiple of `n / G`
    /// (the average group size).
    pub strong_factor: f64,
    /// Random starts (each descended) before the search; the best is kept.
    pub starts: usize,
    /// Half of the starts use the group sizes with the most pairs
    /// ([`max_pair_sizes`]) instead of random sizes.
    pub size_start: bool,
    /// Every start (not half) uses the sizes with the most pairs.
    pub all_size_start: bool,
    /// Perturbations use swaps only (group sizes then change only through
    /// improving moves of the descent).
    pub swap_perturb: bool,
}

impl Default for ImsParams {
    fn default() -> Self {
        ImsParams {
            depth: 3,
            weak_moves: 3,
            weak_sample: 0,
            strong_factor: 0.5,
            starts: 10,
            size_start: true,
            all_size_start: false,
            swap_perturb: false,
        }
    }
}

/// A solution with its gain table.
#[derive(Clone)]
pub(crate) struct State<'a> {
    inst: &'a MdgpInstance,
    n: usize,
    pub(crate) assign: Vec<usize>,
    size: Vec<usize>,
    /// `gain[g * n + i]`.
    gain: Vec<f64>,
    /// `own[i] = gain[assign[i] * n + i]`.
    own: Vec<f64>,
    /// Members of every group, and each element's position in its list.
    members: Vec<Vec<usize>>,
    pos: Vec<usize>,
    pub(crate) f: f64,
}

impl<'a> State<'a> {
    pub(crate) fn new(inst: &'a MdgpInstance, assign: Vec<usize>) -> Self {
        let n = inst.n();
        let gc = inst.groups();
        let mut gain = vec![0.0; gc * n];
        let mut size = vec![0; gc];
        for (j, &g) in assign.iter().enumerate() {
            size[g] += 1;
            let row = inst.row(j);
            let dst = &mut gain[g * n..(g + 1) * n];
            for (x, d) in dst.iter_mut().zip(row) {
                *x += d;
            }
        }
        let own: Vec<f64> = (0..n).map(|i| gain[assign[i] * n + i]).collect();
        let f = own.iter().sum::<f64>() / 2.0;
        let mut members = vec![Vec::new(); gc];
        let mut pos = vec![0; n];
        for (i, &g) in assign.iter().enumerate() {
            pos[i] = members[g].len();
            members[g].push(i);
        }
        State { inst, n, assign, size, gain, own, members, pos, f }
    }

    fn refresh_own(&mut self) {
        let n = self.n;
        for k in 0..n {
            self.own[k] = self.gain[self.assign[k] * n + k];
        }
    }

    fn raw_move(&mut self, i: usize, to: usize) {
        let n = self.n;
        let from = self.assign[i];
        self.f += self.gain[to * n + i] - self.gain[from * n + i];
        let row = self.inst.row(i);
        {
            let (lo, hi) = if from < to {
                let (a, b) = self.gain.split_at_mut(to * n);
                (&mut a[from * n..from * n + n], &mut b[..n])
            } else {
                let (a, b) = self.gain.split_at_mut(from * n);
                (&mut b[..n], &mut a[to * n..to * n + n])
            };
            // lo = gain row of `from`, hi = gain row of `to`
            for k in 0..n {
                lo[k] -= row[k];
                hi[k] += row[k];
            }
        }
        self.assign[i] = to;
        self.size[from] -= 1;
        self.size[to] += 1;
        let p = self.pos[i];
        self.members[from].swap_remove(p);
        if let Some(&moved) = self.members[from].get(p) {
            self.pos[moved] = p;
        }
        self.pos[i] = self.members[to].len();
        self.members[to].push(i);
    }

    pub(crate) fn apply_move(&mut self, i: usize, to: usize) {
        self.raw_move(i, to);
        self.refresh_own();
    }

    pub(crate) fn apply_swap(&mut self, i: usize, j: usize) {
        let (gi, gj) = (self.assign[i], self.assign[j]);
        self.raw_move(i, gj);
        self.raw_move(j, gi);
        self.refresh_own();
    }

    #[inline]
    fn swap_delta(&self, i: usize, j: usize) -> f64 {
        let n = self.n;
        let (gi, gj) = (self.assign[i], self.assign[j]);
        self.gain[gj * n + i] - self.own[i] + self.gain[gi * n + j] - self.own[j] - 2.0 * self.inst.d(i, j)
    }

    /// First-improvement ascent: sweeps the one-move neighbourhood (where
    /// size bounds allow) and then the swap neighbourhood, applying every
    /// improving move at once, until a full sweep finds none. Returns the
    /// number of moves applied.
    pub(crate) fn descend(&mut self) -> usize {
        let all = vec![true; self.inst.groups()];
        self.descend_from(all)
    }

    /// As [`State::descend`], knowing that only moves touching a group
    /// marked in `dirty` can improve (every other move was found not to
    /// improve, and its value depends only on the two groups it touches).
    pub(crate) fn descend_from(&mut self, mut dirty: Vec<bool>) -> usize {
        let n = self.n;
        let gc = self.inst.groups();
        let bounds = self.inst.bounds();
        let can_move = bounds.iter().any(|b| b.0 < b.1);
        let eps = 1e-9 * (1.0 + self.f.abs());
        let mut steps = 0;
        let mut next = vec![false; gc];
        let mut ybuf: Vec<f64> = Vec::new();
        loop {
            let mut improved = false;
            if can_move {
                for i in 0..n {
                    for q in 0..gc {
                        let p = self.assign[i];
                        if q != p && (dirty[p] || dirty[q]) && self.size[p] > bounds[p].0 && self.size[q] < bounds[q].1
                        {
                            let delta = self.gain[q * n + i] - self.own[i];
                            if delta > eps {
                                self.apply_move(i, q);
                                next[p] = true;
                                next[q] = true;
                                dirty[p] = true;
                                dirty[q] = true;
                                steps += 1;
                                improved = true;
                            }
                        }
                    }
                }
            }
            // Swaps, group pair by group pair. For i in group a and j in b
            // the change is X_i + Y_j − 2 d_ij with X_i = gain[b][i] − own[i]
            // and Y_j = gain[a][j] − own[j]; i is skipped when even the
            // largest Y cannot beat 2·min d.
            let floor = 2.0 * self.inst.min_d() + eps;
            for a in 0..gc {
                for b in a + 1..gc {
                    if !(dirty[a] || dirty[b]) {
                        continue;
                    }
                    loop {
                        ybuf.clear();
                        let mut max_y = f64::NEG_INFINITY;
                        for &j in &self.members[b] {
                            let y = self.gain[a * n + j] - self.own[j];
                            max_y = max_y.max(y);
                            ybuf.push(y);
                        }
                        let mut best = eps;
                        let mut best_pair = (usize::MAX, usize::MAX);
                        for &i in &self.members[a] {
                            let x = self.gain[b * n + i] - self.own[i];
                            if x + max_y <= floor {
                                continue;
                            }
                            let row = self.inst.row(i);
                            for (&j, &y) in self.members[b].iter().zip(&ybuf) {
                                let delta = x + y - 2.0 * row[j];
                                if delta > best {
                                    best = delta;
                                    best_pair = (i, j);
                                }
                            }
                        }
                        if best_pair.0 == usize::MAX {
                            break;
                        }
                        self.apply_swap(best_pair.0, best_pair.1);
                        next[a] = true;
                        next[b] = true;
                        dirty[a] = true;
                        dirty[b] = true;
                        steps += 1;
                        improved = true;
                    }
                }
            }
            if !improved {
                return steps;
            }
            std::mem::swap(&mut dirty, &mut next);
            next.iter_mut().for_each(|x| *x = false);
        }
    }

    fn move_delta(&self, i: usize, q: usize) -> Option<f64> {
        let p = self.assign[i];
        let b = self.inst.bounds();
        (q != p && self.size[p] > b[p].0 && self.size[q] < b[q].1).then(|| self.gain[q * self.n + i] - self.own[i])
    }

    /// A random neighbour (move or swap, in proportion to the sizes of the
    /// two neighbourhoods) and its value change; `None` if not applicable.
    fn random_neighbour(&self, rng: &mut Rng, swaps_only: bool) -> Option<(f64, Op)> {
        let n = self.n;
        let gc = self.inst.groups();
        let moves = if swaps_only { 0 } else { n * gc };
        let swaps = n * (n - 1) / 2;
        let r = rng.below(moves + swaps);
        if r < moves {
            let (i, q) = (r / gc, r % gc);
            self.move_delta(i, q).map(|d| (d, Op::Move(i, q)))
        } else {
            let i = rng.below(n);
            let j = rng.below(n);
            (self.assign[i] != self.assign[j]).then(|| (self.swap_delta(i, j), Op::Swap(i, j)))
        }
    }

    fn apply(&mut self, op: Op, dirty: &mut [bool]) {
        match op {
            Op::Move(i, q) => {
                dirty[self.assign[i]] = true;
                dirty[q] = true;
                self.apply_move(i, q)
            }
            Op::Swap(i, j) => {
                dirty[self.assign[i]] = true;
                dirty[self.assign[j]] = true;
                self.apply_swap(i, j)
            }
        }
    }

    /// Weak perturbation: `weak_moves` times, the best of `weak_sample`
    /// random applicable neighbours (improving or not) is applied.
    fn weak_perturb(&mut self, rng: &mut Rng, p: &ImsParams, dirty: &mut [bool]) {
        let sample = if p.weak_sample == 0 { self.n } else { p.weak_sample };
        for _ in 0..p.weak_moves {
            let mut best: Option<(f64, Op)> = None;
            let mut seen = 0;
            let mut tries = 0;
            while seen < sample && tries < 20 * sample {
                tries += 1;
                if let Some((d, op)) = self.random_neighbour(rng, p.swap_perturb) {
                    seen += 1;
                    if best.is_none_or(|b| d > b.0) {
                        best = Some((d, op));
                    }
                }
            }
            if let Some((_, op)) = best {
                self.apply(op, dirty);
            }
        }
    }

    /// Strong perturbation: `k` random applicable moves or swaps.
    fn strong_perturb(&mut self, rng: &mut Rng, k: usize, swaps_only: bool, dirty: &mut [bool]) {
        let mut done = 0;
        let mut tries = 0;
        while done < k && tries < 100 * k {
            tries += 1;
            if let Some((_, op)) = self.random_neighbour(rng, swaps_only) {
                self.apply(op, dirty);
                done += 1;
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Op {
    Move(usize, usize),
    Swap(usize, usize),
}

/// Group sizes within the bounds, summing to `n`, that maximise the number
/// of within-group pairs `Σ_g s_g(s_g−1)/2` (a knapsack solved by dynamic
/// programming over groups and elements placed). With pair values of one
/// sign and similar spread, the best groupings use such extreme sizes: a
/// good starting configuration for instances with unequal bounds.
pub fn max_pair_sizes(inst: &MdgpInstance) -> Vec<usize> {
    let n = inst.n();
    let b = inst.bounds();
    let gc = b.len();
    // best[g][k]: most pairs using groups 0..g holding k elements
    let mut best = vec![vec![i64::MIN; n + 1]; gc + 1];
    let mut pick = vec![vec![0usize; n + 1]; gc + 1];
    best[0][0] = 0;
    for g in 0..gc {
        for k in 0..=n {
            if best[g][k] == i64::MIN {
                continue;
            }
            for s in b[g].0..=b[g].1 {
                if k + s > n {
                    break;
                }
                let v = best[g][k] + (s * s.saturating_sub(1) / 2) as i64;
                if v > best[g + 1][k + s] {
                    best[g + 1][k + s] = v;
                    pick[g + 1][k + s] = s;
                }
            }
        }
    }
    let mut sizes = vec![0; gc];
    let mut k = n;
    for g in (0..gc).rev() {
        sizes[g] = pick[g + 1][k];
        k -= sizes[g];
    }
    sizes
}

/// A proven upper bound from the Lagrangian relaxation of
/// [`super::bound`]: each element has at most `b_max − 1` partners and
/// there are at most as many pairs as the sizes with the most pairs allow
/// ([`max_pair_sizes`]); never above the simple [`upper_bound`].
pub fn lagrangian_upper_bound(inst: &MdgpInstance, target: f64, iterations: usize) -> f64 {
    let n = inst.n();
    let simple = upper_bound(inst);
    let bmax = inst.bounds().iter().map(|b| b.1).max().unwrap_or(1).min(n);
    let max_edges: usize = max_pair_sizes(inst).iter().map(|&s| s * s.saturating_sub(1) / 2).sum();
    let mut edges = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            let d = inst.d(i, j);
            if d > 0.0 {
                edges.push((i as u32, j as u32, d));
            }
        }
    }
    let r = Relaxation {
        n,
        edges,
        degree: vec![bmax.saturating_sub(1) as f64; n],
        extra: 0,
        max_edges: Some(max_edges as f64),
    };
    lagrangian_bound(&r, target, iterations).min(simple)
}

/// A random assignment with the given group sizes.
pub(crate) fn random_assignment_sized(n: usize, sizes: &[usize], rng: &mut Rng) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut assign = vec![0; n];
    let mut k = 0;
    for (g, &s) in sizes.iter().enumerate() {
        for _ in 0..s {
            if k < n {
                assign[order[k]] = g;
                k += 1;
            }
        }
    }
    assign
}

/// A random assignment within the size bounds: every group first gets its
/// lower bound, the rest go to groups with room.
pub(crate) fn random_assignment(inst: &MdgpInstance, rng: &mut Rng) -> Vec<usize> {
    let n = inst.n();
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let mut assign = vec![0; n];
    let mut k = 0;
    let mut size = vec![0usize; inst.groups()];
    for (g, &(a, _)) in inst.bounds().iter().enumerate() {
        for _ in 0..a {
            assign[order[k]] = g;
            size[g] += 1;
            k += 1;
        }
    }
    while k < n {
        let open: Vec<usize> = (0..inst.groups()).filter(|&g| size[g] < inst.bounds()[g].1).collect();
        let g = open[rng.below(open.len())];
        assign[order[k]] = g;
        size[g] += 1;
        k += 1;
    }
    assign
}

/// Time spent since creation, on the options' clock (wall by default).
struct Timer {
    wall: Instant,
    clock: Option<fn() -> Duration>,
    origin: Duration,
}

impl Timer {
    fn new(clock: Option<fn() -> Duration>) -> Self {
        Timer { wall: Instant::now(), clock, origin: clock.map(|c| c()).unwrap_or_default() }
    }

    fn elapsed(&self) -> Duration {
        match self.clock {
            Some(c) => c().saturating_sub(self.origin),
            None => self.wall.elapsed(),
        }
    }
}

/// Runs the iterated maxima search with default parameters.
pub fn solve_ims(inst: &MdgpInstance, opts: &MdgpOptions) -> MdgpSolution {
    solve_ims_with(inst, opts, &ImsParams::default())
}

/// Runs the iterated maxima search with explicit parameters.
pub fn solve_ims_with(inst: &MdgpInstance, opts: &MdgpOptions, p: &ImsParams) -> MdgpSolution {
    let start = Timer::new(opts.clock);
    let mut rng = Rng::new(opts.seed);
    let sizes = max_pair_sizes(inst);
    let init = |rng: &mut Rng, k: usize| {
        if p.size_start && (p.all_size_start || k.is_multiple_of(2)) {
            random_assignment_sized(inst.n(), &sizes, rng)
        } else {
            random_assignment(inst, rng)
        }
    };
    let mut s = State::new(inst, init(&mut rng, 0));
    s.descend();
    for k in 1..p.starts.max(1) {
        let mut t = State::new(inst, init(&mut rng, k));
        t.descend();
        if t.f > s.f {
            s = t;
        }
    }
    let mut best_assign = s.assign.clone();
    let mut best_f = s.f;
    let mut iterations = 0u64;
    let strong = ((inst.n() as f64 / inst.groups() as f64) * p.strong_factor).round().max(1.0) as usize;
    let out_of_budget = |it: u64| start.elapsed() >= opts.time_limit || opts.max_iterations.is_some_and(|m| it >= m);
    let mut local_best = s.clone();
    let gc = inst.groups();
    let mut dirty = vec![true; gc];
    while !out_of_budget(iterations) {
        iterations += 1;
        // Maxima search from the current solution: descend, keep the best
        // of this search, restart each round from it with a weak kick.
        s.descend_from(std::mem::replace(&mut dirty, vec![false; gc]));
        local_best.clone_from(&s);
        let mut fails = 0;
        let mut rounds = 0u32;
        while fails < p.depth && (!rounds.is_multiple_of(4) || start.elapsed() < opts.time_limit) {
            rounds += 1;
            s.weak_perturb(&mut rng, p, &mut dirty);
            s.descend_from(std::mem::replace(&mut dirty, vec![false; gc]));
            if s.f > local_best.f + 1e-9 * (1.0 + local_best.f.abs()) {
                local_best.clone_from(&s);
                fails = 0;
            } else {
                fails += 1;
                s.clone_from(&local_best);
            }
        }
        s.clone_from(&local_best);
        if s.f > best_f {
            best_f = s.f;
            best_assign.clone_from(&s.assign);
        }
        // Strong perturbation of the current solution.
        s.strong_perturb(&mut rng, strong, p.swap_perturb, &mut dirty);
    }
    MdgpSolution {
        objective: inst.objective(&best_assign),
        assignment: best_assign,
        proven_optimal: false,
        upper_bound: lagrangian_upper_bound(inst, best_f, 300),
        elapsed: start.elapsed(),
        iterations,
        method: "iterated maxima search",
    }
}
