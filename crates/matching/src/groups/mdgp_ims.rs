//! Iterated maxima search for the MDGP (after Lai & Hao, EJOR 2016).
//!
//! * **Gain table.** `gain[g][i] = Σ_{j ∈ g} d_ij`, kept up to date in
//!   `O(n)` per move, makes the value change of moving element `i` from
//!   group `p` to `q` `gain[q][i] − gain[p][i]`, and of swapping `i ∈ p`
//!   with `j ∈ q` `gain[q][i] − gain[p][i] + gain[p][j] − gain[q][j] − 2d_ij`.
//! * **Descent.** Steepest ascent over the union of the one-move
//!   neighbourhood (only where size bounds allow) and the swap neighbourhood
//!   until no move improves.
//! * **Maxima search.** From a local optimum, a *weak perturbation* (a few
//!   swaps, each the best of a small random sample, so the search leaves the
//!   optimum by little) and a new descent; repeated until `depth` rounds in a
//!   row bring no improvement over the best of this search.
//! * **Iteration.** The best solution found so far is *strongly perturbed*
//!   (random swaps) and a new maxima search starts from it.
//!
//! The search is seeded ([`super::rng::Rng`]) and stops at the time limit or
//! after `max_iterations` maxima searches; with an iteration cap the result
//! depends only on the seed.

use std::time::Instant;

use super::mdgp::{MdgpInstance, MdgpOptions, MdgpSolution, upper_bound};
use super::rng::Rng;

/// Tuning of the search (defaults are those used in the benchmarks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImsParams {
    /// Non-improving weak-perturbation rounds before a maxima search ends.
    pub depth: u32,
    /// Swaps per weak perturbation.
    pub weak_moves: usize,
    /// Random candidates examined per weak swap (the best is applied).
    pub weak_sample: usize,
    /// Random swaps of a strong perturbation, as a fraction of `n`.
    pub strong_fraction: f64,
}

impl Default for ImsParams {
    fn default() -> Self {
        ImsParams { depth: 5, weak_moves: 3, weak_sample: 8, strong_fraction: 0.1 }
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
        State { inst, n, assign, size, gain, own, f }
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

    /// Steepest ascent to a local optimum; returns the number of moves.
    pub(crate) fn descend(&mut self) -> usize {
        let n = self.n;
        let gc = self.inst.groups();
        let bounds = self.inst.bounds();
        let can_move = bounds.iter().any(|b| b.0 < b.1);
        let eps = 1e-9 * (1.0 + self.f.abs());
        let mut steps = 0;
        let mut gi_row = vec![0.0; gc];
        loop {
            let mut best = eps;
            let mut best_op: Option<(usize, usize, bool)> = None; // (i, j or group, is_move)
            if can_move {
                for i in 0..n {
                    let p = self.assign[i];
                    if self.size[p] <= bounds[p].0 {
                        continue;
                    }
                    for q in 0..gc {
                        if q != p && self.size[q] < bounds[q].1 {
                            let delta = self.gain[q * n + i] - self.own[i];
                            if delta > best {
                                best = delta;
                                best_op = Some((i, q, true));
                            }
                        }
                    }
                }
            }
            for i in 0..n {
                let gi = self.assign[i];
                for (g, x) in gi_row.iter_mut().enumerate() {
                    *x = self.gain[g * n + i];
                }
                let own_i = self.own[i];
                let row = self.inst.row(i);
                let gain_gi = &self.gain[gi * n..gi * n + n];
                for j in i + 1..n {
                    let gj = self.assign[j];
                    if gj == gi {
                        continue;
                    }
                    let delta = gi_row[gj] - own_i + gain_gi[j] - self.own[j] - 2.0 * row[j];
                    if delta > best {
                        best = delta;
                        best_op = Some((i, j, false));
                    }
                }
            }
            match best_op {
                None => return steps,
                Some((i, q, true)) => self.apply_move(i, q),
                Some((i, j, false)) => self.apply_swap(i, j),
            }
            steps += 1;
        }
    }

    fn random_pair(&self, rng: &mut Rng) -> Option<(usize, usize)> {
        for _ in 0..32 {
            let i = rng.below(self.n);
            let j = rng.below(self.n);
            if self.assign[i] != self.assign[j] {
                return Some((i, j));
            }
        }
        None
    }

    fn weak_perturb(&mut self, rng: &mut Rng, p: &ImsParams) {
        for _ in 0..p.weak_moves {
            let mut best: Option<(f64, usize, usize)> = None;
            for _ in 0..p.weak_sample.max(1) {
                if let Some((i, j)) = self.random_pair(rng) {
                    let d = self.swap_delta(i, j);
                    if best.is_none_or(|b| d > b.0) {
                        best = Some((d, i, j));
                    }
                }
            }
            if let Some((_, i, j)) = best {
                self.apply_swap(i, j);
            }
        }
    }

    fn strong_perturb(&mut self, rng: &mut Rng, p: &ImsParams) {
        let k = ((self.n as f64 * p.strong_fraction).round() as usize).max(2);
        for _ in 0..k {
            if let Some((i, j)) = self.random_pair(rng) {
                let (gi, gj) = (self.assign[i], self.assign[j]);
                self.raw_move(i, gj);
                self.raw_move(j, gi);
            }
        }
        self.refresh_own();
    }
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

/// Runs the iterated maxima search with default parameters.
pub fn solve_ims(inst: &MdgpInstance, opts: &MdgpOptions) -> MdgpSolution {
    solve_ims_with(inst, opts, &ImsParams::default())
}

/// Runs the iterated maxima search with explicit parameters.
pub fn solve_ims_with(inst: &MdgpInstance, opts: &MdgpOptions, p: &ImsParams) -> MdgpSolution {
    let start = Instant::now();
    let mut rng = Rng::new(opts.seed);
    let mut s = State::new(inst, random_assignment(inst, &mut rng));
    s.descend();
    let mut best_assign = s.assign.clone();
    let mut best_f = s.f;
    let mut iterations = 0u64;
    let out_of_budget = |it: u64| {
        start.elapsed() >= opts.time_limit || opts.max_iterations.is_some_and(|m| it >= m)
    };
    while !out_of_budget(iterations) {
        iterations += 1;
        // Maxima search from the current solution.
        let mut local_best = s.f;
        let mut local_assign = s.assign.clone();
        let mut fails = 0;
        while fails < p.depth {
            s.weak_perturb(&mut rng, p);
            s.descend();
            if s.f > local_best + 1e-9 * (1.0 + local_best.abs()) {
                local_best = s.f;
                local_assign.clone_from(&s.assign);
                fails = 0;
            } else {
                fails += 1;
            }
            if start.elapsed() >= opts.time_limit {
                break;
            }
        }
        if local_best > best_f {
            best_f = local_best;
            best_assign.clone_from(&local_assign);
        }
        // Strong perturbation of the best solution found so far.
        s = State::new(inst, best_assign.clone());
        s.strong_perturb(&mut rng, p);
        s.descend();
    }
    MdgpSolution {
        objective: inst.objective(&best_assign),
        assignment: best_assign,
        proven_optimal: false,
        upper_bound: upper_bound(inst),
        elapsed: start.elapsed(),
        iterations,
        method: "iterated maxima search",
    }
}
