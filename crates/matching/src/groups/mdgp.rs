//! The maximally diverse grouping problem (MDGP).
//!
//! **Model.** `n` elements, a symmetric matrix of pair values `d[i][j]`, and
//! `G` labelled groups, group `g` holding between `a_g` and `b_g` elements.
//! A solution assigns every element to exactly one group with every size
//! within its bounds.
//!
//! **Objective.** Maximise the sum, over all groups, of the values of the
//! pairs inside the group: `Σ_g Σ_{i<j ∈ g} d[i][j]`.
//!
//! **Solvers.** [`solve`] proves the optimum by dynamic programming over
//! subsets ([`super::mdgp_exact`]) when `n` is small, and otherwise runs an
//! iterated maxima search ([`super::mdgp_ims`]), a seeded and time-boxed
//! local search, and reports a combinatorial upper bound ([`upper_bound`]).
//! Every returned solution is re-checked by [`super::check::check_mdgp`]
//! in debug builds.

use std::io::BufRead;
use std::time::Duration;

use super::error::{GroupsError, ParseError};

/// Largest `n` read from a file (the dense matrix takes `8n²` bytes; the
/// largest MDGPLIB instances have 960 elements, MDG-c 3,000).
pub const MAX_PARSE_N: usize = 5_000;

/// An MDGP instance: pair values and per-group size bounds.
#[derive(Debug, Clone, PartialEq)]
pub struct MdgpInstance {
    n: usize,
    bounds: Vec<(usize, usize)>,
    d: Vec<f64>,
    min_d: f64,
}

impl MdgpInstance {
    /// Builds an instance from a full row-major `n × n` matrix (its lower
    /// triangle and diagonal are ignored: the upper triangle is mirrored).
    pub fn new(n: usize, bounds: Vec<(usize, usize)>, matrix: Vec<f64>) -> Result<Self, GroupsError> {
        if matrix.len() != n * n {
            return Err(GroupsError::Invalid(format!("matrix has {} values, expected {}", matrix.len(), n * n)));
        }
        let mut d = matrix;
        for i in 0..n {
            d[i * n + i] = 0.0;
            for j in i + 1..n {
                let v = d[i * n + j];
                if !v.is_finite() {
                    return Err(GroupsError::Invalid(format!("value of pair ({i}, {j}) is not finite")));
                }
                d[j * n + i] = v;
            }
        }
        let mut inst = MdgpInstance { n, bounds, d, min_d: 0.0 };
        inst.min_d = inst.compute_min();
        inst.validate()?;
        Ok(inst)
    }

    fn compute_min(&self) -> f64 {
        let mut m = f64::INFINITY;
        for i in 0..self.n {
            for j in i + 1..self.n {
                m = m.min(self.d[i * self.n + j]);
            }
        }
        if m.is_finite() { m } else { 0.0 }
    }

    /// The smallest pair value.
    pub fn min_d(&self) -> f64 {
        self.min_d
    }

    fn validate(&self) -> Result<(), GroupsError> {
        if self.bounds.is_empty() {
            return Err(GroupsError::Invalid("no groups".into()));
        }
        if let Some((g, _)) = self.bounds.iter().enumerate().find(|(_, (a, b))| a > b) {
            return Err(GroupsError::Invalid(format!("group {g}: lower size bound above upper")));
        }
        let lo: usize = self.bounds.iter().map(|b| b.0).sum();
        let hi: usize = self.bounds.iter().map(|b| b.1).sum();
        if lo > self.n || hi < self.n {
            return Err(GroupsError::Infeasible(format!(
                "{} elements cannot fill groups whose sizes sum to between {lo} and {hi}",
                self.n
            )));
        }
        Ok(())
    }

    /// Reads the MDGPLIB text format: a first line
    /// `n G ss|ds a_1 b_1 … a_G b_G`, then one line `i j d_ij` per pair
    /// `0 ≤ i < j < n`. `source` names the input in error messages.
    pub fn parse(reader: impl BufRead, source: &str) -> Result<Self, ParseError> {
        let mut lines = reader.lines().enumerate();
        let header = loop {
            match lines.next() {
                None => return Err(ParseError::new(source, 0, "header", "the file is empty")),
                Some((no, line)) => {
                    let line = line.map_err(|e| ParseError::new(source, no + 1, "header", e.to_string()))?;
                    if !line.trim().is_empty() {
                        break (no + 1, line);
                    }
                }
            }
        };
        let (hline, htext) = header;
        let tok: Vec<&str> = htext.split_whitespace().collect();
        let num = |idx: usize, field: &str| -> Result<usize, ParseError> {
            let t = tok.get(idx).ok_or_else(|| ParseError::new(source, hline, field, "missing"))?;
            t.parse::<usize>()
                .map_err(|_| ParseError::new(source, hline, field, format!("`{t}` is not a whole number")))
        };
        let n = num(0, "n")?;
        let g = num(1, "G")?;
        if !(2..=MAX_PARSE_N).contains(&n) {
            return Err(ParseError::new(source, hline, "n", format!("{n} elements is out of range 2..={MAX_PARSE_N}")));
        }
        if g == 0 || g > n {
            return Err(ParseError::new(source, hline, "G", format!("{g} groups for {n} elements")));
        }
        match tok.get(2) {
            Some(&"ss") | Some(&"ds") => {}
            Some(other) => {
                return Err(ParseError::new(source, hline, "kind", format!("expected `ss` or `ds`, found `{other}`")));
            }
            None => return Err(ParseError::new(source, hline, "kind", "missing")),
        }
        let mut bounds = Vec::with_capacity(g);
        for k in 0..g {
            let a = num(3 + 2 * k, &format!("a_{}", k + 1))?;
            let b = num(4 + 2 * k, &format!("b_{}", k + 1))?;
            bounds.push((a, b));
        }
        let mut d = vec![f64::NAN; n * n];
        let mut seen = 0usize;
        for (no, line) in lines {
            let line_no = no + 1;
            let line = line.map_err(|e| ParseError::new(source, line_no, "pair", e.to_string()))?;
            let t: Vec<&str> = line.split_whitespace().collect();
            if t.is_empty() {
                continue;
            }
            if t.len() != 3 {
                return Err(ParseError::new(
                    source,
                    line_no,
                    "pair",
                    format!("expected `i j d`, found {} fields", t.len()),
                ));
            }
            let idx = |s: &str, field: &str| -> Result<usize, ParseError> {
                let v: usize = s
                    .parse()
                    .map_err(|_| ParseError::new(source, line_no, field, format!("`{s}` is not a whole number")))?;
                if v >= n {
                    return Err(ParseError::new(source, line_no, field, format!("{v} is not below n = {n}")));
                }
                Ok(v)
            };
            let i = idx(t[0], "i")?;
            let j = idx(t[1], "j")?;
            if i == j {
                return Err(ParseError::new(source, line_no, "j", "a pair needs two different elements"));
            }
            let v: f64 = t[2]
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| ParseError::new(source, line_no, "d", format!("`{}` is not a number", t[2])))?;
            let (i, j) = if i < j { (i, j) } else { (j, i) };
            if !d[i * n + j].is_nan() {
                return Err(ParseError::new(source, line_no, "pair", format!("pair ({i}, {j}) given twice")));
            }
            d[i * n + j] = v;
            d[j * n + i] = v;
            seen += 1;
        }
        if seen != n * (n - 1) / 2 {
            return Err(ParseError::new(
                source,
                0,
                "pair",
                format!("{seen} pairs given, expected n(n-1)/2 = {}", n * (n - 1) / 2),
            ));
        }
        for i in 0..n {
            d[i * n + i] = 0.0;
        }
        let mut inst = MdgpInstance { n, bounds, d, min_d: 0.0 };
        inst.min_d = inst.compute_min();
        inst.validate().map_err(|e| ParseError::new(source, hline, "bounds", e.to_string()))?;
        Ok(inst)
    }

    /// Number of elements.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.bounds.len()
    }

    /// Size bounds `(a_g, b_g)` of every group.
    pub fn bounds(&self) -> &[(usize, usize)] {
        &self.bounds
    }

    /// Value of the pair `(i, j)`.
    #[inline]
    pub fn d(&self, i: usize, j: usize) -> f64 {
        self.d[i * self.n + j]
    }

    /// Row `i` of the value matrix.
    #[inline]
    pub fn row(&self, i: usize) -> &[f64] {
        &self.d[i * self.n..(i + 1) * self.n]
    }

    /// Sum of within-group pair values of an assignment (element → group).
    /// Elements with an out-of-range group are ignored; use
    /// [`super::check::check_mdgp`] to validate.
    pub fn objective(&self, assignment: &[usize]) -> f64 {
        let mut total = 0.0;
        for i in 0..self.n.min(assignment.len()) {
            for j in i + 1..self.n.min(assignment.len()) {
                if assignment[i] == assignment[j] {
                    total += self.d(i, j);
                }
            }
        }
        total
    }
}

/// What a solve returns.
#[derive(Debug, Clone, PartialEq)]
pub struct MdgpSolution {
    /// Group of every element (`0..G`).
    pub assignment: Vec<usize>,
    /// Sum of within-group pair values.
    pub objective: f64,
    /// True when the objective is proven optimal (exact solver).
    pub proven_optimal: bool,
    /// A proven upper bound on the optimum (equal to `objective` when proven).
    pub upper_bound: f64,
    /// Time spent, on the options' clock (wall-clock by default).
    pub elapsed: Duration,
    /// Local optima visited (heuristic) or states expanded (exact).
    pub iterations: u64,
    /// Which method produced the solution.
    pub method: &'static str,
}

/// Options of [`solve`].
#[derive(Debug, Clone)]
pub struct MdgpOptions {
    /// Time budget of the heuristic.
    pub time_limit: Duration,
    /// Seed of the heuristic.
    pub seed: u64,
    /// Optional cap on the heuristic's iterations (maxima searches). With a
    /// cap the result depends only on the seed, not on the machine's speed.
    pub max_iterations: Option<u64>,
    /// Largest `n` solved exactly; the dynamic programme costs about
    /// `G · 3^n` steps and `G · 2^n` memory.
    pub exact_max_n: usize,
    /// The clock the time limit is read on (any origin; only differences
    /// count). `None` is wall-clock time. Benchmarks on a shared machine pass
    /// a thread CPU-time clock so that a limit means CPU seconds, as in the
    /// literature.
    pub clock: Option<fn() -> Duration>,
}

impl Default for MdgpOptions {
    fn default() -> Self {
        MdgpOptions { time_limit: Duration::from_secs(3), seed: 1, max_iterations: None, exact_max_n: 14, clock: None }
    }
}

/// Solves an instance: exactly (and proven) when `n ≤ exact_max_n`,
/// otherwise by iterated maxima search within the time limit.
pub fn solve(inst: &MdgpInstance, opts: &MdgpOptions) -> MdgpSolution {
    let sol = if inst.n() <= opts.exact_max_n.min(super::mdgp_exact::MAX_N) {
        super::mdgp_exact::solve_exact(inst)
    } else {
        super::mdgp_ims::solve_ims(inst, opts)
    };
    debug_assert!(
        super::check::check_mdgp(inst, &sol.assignment)
            .map(|v| (v - sol.objective).abs() <= 1e-6 * (1.0 + v.abs()))
            .unwrap_or(false),
        "solver returned a solution the checker rejects"
    );
    sol
}

/// A combinatorial upper bound on the optimum: the objective equals
/// `½ Σ_i Σ_{j ∈ group(i)} d_ij`, and element `i` has between `a−1` and
/// `b−1` partners for the smallest `a` and largest `b` over all groups, so
/// `½ Σ_i max_{s} (sum of the s−1 largest values in row i)` bounds it.
pub fn upper_bound(inst: &MdgpInstance) -> f64 {
    let n = inst.n();
    let smin = inst.bounds().iter().map(|b| b.0).min().unwrap_or(1).max(1);
    let smax = inst.bounds().iter().map(|b| b.1).max().unwrap_or(1).min(n);
    let mut total = 0.0;
    let mut row = Vec::with_capacity(n);
    for i in 0..n {
        row.clear();
        row.extend((0..n).filter(|&j| j != i).map(|j| inst.d(i, j)));
        row.sort_by(|a, b| b.total_cmp(a));
        let mut best = f64::NEG_INFINITY;
        let mut acc = 0.0;
        for (k, v) in row.iter().enumerate() {
            // k+1 partners so far
            if k + 1 > smax.saturating_sub(1) {
                break;
            }
            acc += v;
            if k + 2 >= smin {
                best = best.max(acc);
            }
        }
        if smin <= 1 {
            best = best.max(0.0);
        }
        if best.is_finite() {
            total += best;
        }
    }
    total / 2.0
}
