//! Lagrangian upper bounds for grouping problems.
//!
//! Any grouping picks a set of within-group pairs ("edges") such that
//! school (or element) `i` has at most `D_i` partners, a few elements may
//! have one partner more (the members of the odd-sized groups), and there
//! are at most `E` pairs in all. Relaxing the integrality and the group
//! structure leaves the linear programme
//!
//! `max Σ_e s_e x_e  s.t.  deg_i(x) ≤ D_i + q_i,  Σ_i q_i ≤ K,  Σ_e x_e ≤ E,  0 ≤ x, q ≤ 1`
//!
//! whose value bounds the optimum from above. Dualising the degree and
//! edge-count constraints with multipliers `λ ≥ 0`, `μ ≥ 0` gives, for
//! *any* such multipliers, the bound
//!
//! `L(λ, μ) = Σ_i D_i λ_i + (sum of the K largest λ_i) + μE + Σ_e max(0, s_e − λ_i − λ_j − μ)`
//!
//! (without the `μ` terms when the degree limits already imply `E`).
//!
//! [`lagrangian_bound`] lowers it by projected subgradient steps (Polyak
//! step towards a known feasible value) and returns the least value seen:
//! each value is a valid bound whatever the multipliers, so stopping early
//! costs tightness, never validity. Only edges with `s_e > 0` matter.

/// The relaxation: positive edges and the degree and count limits.
#[derive(Debug, Clone, Default)]
pub struct Relaxation {
    /// Number of elements.
    pub n: usize,
    /// Edges `(i, j, s)` with `s > 0` (others never help the bound).
    pub edges: Vec<(u32, u32, f64)>,
    /// Degree limit `D_i` of every element.
    pub degree: Vec<f64>,
    /// Elements that may have one partner more (`K`).
    pub extra: usize,
    /// Most pairs in all (`E`), when that limit is not implied by the
    /// degree limits.
    pub max_edges: Option<f64>,
}

fn evaluate(r: &Relaxation, lambda: &[f64], mu: f64, deg: &mut [f64]) -> (f64, f64, Vec<usize>) {
    deg.iter_mut().for_each(|d| *d = 0.0);
    let mut sum_e = 0.0;
    let mut count = 0.0;
    for &(i, j, s) in &r.edges {
        let (i, j) = (i as usize, j as usize);
        let red = s - lambda[i] - lambda[j] - mu;
        if red > 0.0 {
            sum_e += red;
            count += 1.0;
            deg[i] += 1.0;
            deg[j] += 1.0;
        }
    }
    let mut value = sum_e + mu * r.max_edges.unwrap_or(0.0);
    for (l, d) in lambda.iter().zip(&r.degree) {
        value += l * d;
    }
    // the K largest multipliers take the extra degree
    let mut top: Vec<usize> = Vec::new();
    if r.extra > 0 {
        let mut idx: Vec<usize> = (0..r.n).collect();
        let k = r.extra.min(r.n);
        if k < r.n {
            idx.select_nth_unstable_by(k, |&a, &b| lambda[b].total_cmp(&lambda[a]));
        }
        idx.truncate(k);
        value += idx.iter().map(|&i| lambda[i]).sum::<f64>();
        top = idx;
    }
    (value, count, top)
}

/// Lowers the Lagrangian bound for `iterations` subgradient steps, aiming
/// at `target` (a feasible value, e.g. the best solution found). Returns the
/// least bound seen (at least `target` when the inputs are consistent).
pub fn lagrangian_bound(r: &Relaxation, target: f64, iterations: usize) -> f64 {
    let n = r.n;
    if n == 0 {
        return 0.0;
    }
    // Start each multiplier at half the value of the first edge beyond the
    // element's degree limit: the cut-off an element would set alone.
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); n];
    for &(i, j, s) in &r.edges {
        per[i as usize].push(s);
        per[j as usize].push(s);
    }
    let mut lambda: Vec<f64> = per
        .iter_mut()
        .zip(&r.degree)
        .map(|(v, &d)| {
            let k = d.max(0.0) as usize;
            if v.len() > k {
                v.select_nth_unstable_by(k, |a, b| b.total_cmp(a));
                v[k] / 2.0
            } else {
                0.0
            }
        })
        .collect();
    drop(per);
    let mut mu = 0.0f64;
    let mut deg = vec![0.0; n];
    let mut best = f64::INFINITY;
    let mut theta = 1.0;
    let mut stall = 0;
    let mut g = vec![0.0; n];
    for _ in 0..iterations.max(1) {
        let (value, count, top) = evaluate(r, &lambda, mu, &mut deg);
        if !best.is_finite() || value < best - 1e-9 * best.abs().max(1.0) {
            best = value;
            stall = 0;
        } else {
            stall += 1;
            if stall >= 20 {
                theta /= 2.0;
                stall = 0;
            }
        }
        if theta < 1e-4 {
            break;
        }
        // subgradient of L: ∂/∂λ_i = D_i + [i in top] − deg_i, ∂/∂μ = E − count
        for i in 0..n {
            g[i] = r.degree[i] - deg[i];
        }
        for &i in &top {
            g[i] += 1.0;
        }
        let gm = r.max_edges.map(|e| e - count).unwrap_or(0.0);
        let norm: f64 = g.iter().map(|x| x * x).sum::<f64>() + gm * gm;
        if norm <= 1e-12 {
            break; // the relaxed solution is feasible: L is the LP value
        }
        let gap = (value - target).max(1e-6 * value.abs().max(1.0));
        let t = theta * gap / norm;
        for i in 0..n {
            lambda[i] = (lambda[i] - t * g[i]).max(0.0);
        }
        mu = (mu - t * gm).max(0.0);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_is_above_the_optimum_of_a_tiny_case() {
        // Four elements, one pair of groups of two: best is 10 + 10 = 20.
        let r = Relaxation {
            n: 4,
            edges: vec![(0, 1, 10.0), (2, 3, 10.0), (0, 2, 9.0), (1, 3, 1.0)],
            degree: vec![1.0; 4],
            extra: 0,
            max_edges: Some(2.0),
        };
        let b = lagrangian_bound(&r, 20.0, 200);
        assert!((20.0 - 1e-6..=29.0).contains(&b), "{b}");
    }
}
