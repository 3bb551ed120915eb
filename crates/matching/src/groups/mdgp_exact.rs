//! Exact MDGP by dynamic programming over subsets.
//!
//! Groups are filled in label order. `F_g(S)` is the best value of putting
//! exactly the elements of `S` into groups `0..g`, each within its bounds:
//!
//! `F_0(∅) = 0`, `F_{g+1}(S ∪ T) = max F_g(S) + v(T)` over `T ⊆ V∖S` with
//! `a_g ≤ |T| ≤ b_g`, where `v(T)` is the sum of pair values inside `T`.
//!
//! `F_G(V)` is the optimum. Every assignment of elements to groups is some
//! chain of such choices, so the recursion considers all of them: this is a
//! proof of optimality, not a search. When all the groups still to fill have
//! the same bounds, they are interchangeable and `T` must hold the lowest
//! element of `V∖S`, which removes symmetric copies without losing any
//! solution. Transitions whose remaining elements could not fill the
//! remaining groups are skipped. Cost: about `G · 3^n` steps, `G · 2^n`
//! memory, so it is for `n ≤ 16` or so (n = 12 takes milliseconds).

use std::time::Instant;

use super::mdgp::{MdgpInstance, MdgpSolution};

/// Largest `n` accepted (masks are `u32`; memory is `G · 2^n · 4` bytes).
pub const MAX_N: usize = 22;

/// Proves the optimum of `inst` (requires `inst.n() ≤ MAX_N`; larger
/// instances are refused with an infinite upper bound and no assignment).
pub fn solve_exact(inst: &MdgpInstance) -> MdgpSolution {
    let start = Instant::now();
    let n = inst.n();
    let g_count = inst.groups();
    if n > MAX_N {
        return MdgpSolution {
            assignment: Vec::new(),
            objective: f64::NEG_INFINITY,
            proven_optimal: false,
            upper_bound: f64::INFINITY,
            elapsed: start.elapsed(),
            iterations: 0,
            method: "exact DP (refused: n too large)",
        };
    }
    let size = 1usize << n;
    let full: u32 = (size - 1) as u32;
    // v(T) for every subset, built from T without its lowest element.
    let mut val = vec![0.0f64; size];
    for mask in 1..size {
        let low = mask.trailing_zeros() as usize;
        let rest = mask & (mask - 1);
        let mut v = val[rest];
        let mut r = rest;
        while r != 0 {
            let j = r.trailing_zeros() as usize;
            v += inst.d(low, j);
            r &= r - 1;
        }
        val[mask] = v;
    }
    let bounds = inst.bounds();
    let mut suffix_lo = vec![0usize; g_count + 1];
    let mut suffix_hi = vec![0usize; g_count + 1];
    for g in (0..g_count).rev() {
        suffix_lo[g] = suffix_lo[g + 1] + bounds[g].0;
        suffix_hi[g] = suffix_hi[g + 1] + bounds[g].1;
    }
    let interchangeable: Vec<bool> = (0..g_count).map(|g| bounds[g..].iter().all(|b| *b == bounds[g])).collect();

    let mut cur = vec![f64::NEG_INFINITY; size];
    cur[0] = 0.0;
    let mut choices: Vec<Vec<u32>> = Vec::with_capacity(g_count);
    let mut steps = 0u64;
    for g in 0..g_count {
        let mut next = vec![f64::NEG_INFINITY; size];
        let mut choice = vec![0u32; size];
        let (a, b) = bounds[g];
        for (mask, &base) in cur.iter().enumerate() {
            if base == f64::NEG_INFINITY {
                continue;
            }
            let used = mask.count_ones() as usize;
            let left = n - used;
            // |T| must leave between suffix_lo and suffix_hi for later groups.
            let smin = a.max(left.saturating_sub(suffix_hi[g + 1]));
            if left < suffix_lo[g + 1] {
                continue;
            }
            let smax = b.min(left - suffix_lo[g + 1]);
            if smin > smax {
                continue;
            }
            let rem = full & !(mask as u32);
            let must = if interchangeable[g] && rem != 0 { rem & rem.wrapping_neg() } else { 0 };
            let mut sub = rem;
            loop {
                let s = sub.count_ones() as usize;
                if s >= smin && s <= smax && (sub & must) == must {
                    steps += 1;
                    let cand = base + val[sub as usize];
                    let to = mask | sub as usize;
                    if cand > next[to] {
                        next[to] = cand;
                        choice[to] = sub;
                    }
                }
                if sub == 0 {
                    break;
                }
                sub = (sub - 1) & rem;
            }
        }
        cur = next;
        choices.push(choice);
    }
    let best = cur[full as usize];
    let mut assignment = vec![0usize; n];
    if best.is_finite() {
        let mut mask = full;
        for g in (0..g_count).rev() {
            let sub = choices[g][mask as usize];
            let mut r = sub;
            while r != 0 {
                assignment[r.trailing_zeros() as usize] = g;
                r &= r - 1;
            }
            mask &= !sub;
        }
    }
    MdgpSolution {
        objective: if best.is_finite() { inst.objective(&assignment) } else { best },
        assignment: if best.is_finite() { assignment } else { Vec::new() },
        proven_optimal: best.is_finite(),
        upper_bound: best,
        elapsed: start.elapsed(),
        iterations: steps,
        method: "exact dynamic programme over subsets",
    }
}
