//! An independent checker.
//!
//! It shares no code with the solvers' incremental bookkeeping: it
//! re-derives group sizes, re-tests every hard rule pair by pair from the raw
//! school data (distance by its own haversine, phases, single-sex/selective,
//! pinned and kept-apart pairs) and re-sums every objective from the pair
//! values. Solvers call it on every result in debug builds; the property
//! tests call it on random instances.

use std::collections::HashMap;

use super::mdgp::MdgpInstance;
use super::schools::{Grouping, SchoolInstance};

/// Checks an MDGP assignment: one group per element, every group size
/// within its bounds. Returns the objective re-summed, or what is wrong.
pub fn check_mdgp(inst: &MdgpInstance, assignment: &[usize]) -> Result<f64, Vec<String>> {
    let mut errors = Vec::new();
    if assignment.len() != inst.n() {
        errors.push(format!("{} elements assigned, instance has {}", assignment.len(), inst.n()));
        return Err(errors);
    }
    let mut size = vec![0usize; inst.groups()];
    for (i, &g) in assignment.iter().enumerate() {
        if g >= inst.groups() {
            errors.push(format!("element {i} is in group {g}, which does not exist"));
        } else {
            size[g] += 1;
        }
    }
    for (g, (&s, &(a, b))) in size.iter().zip(inst.bounds()).enumerate() {
        if s < a || s > b {
            errors.push(format!("group {g} holds {s} elements, bounds are {a}..={b}"));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut total = 0.0;
    for i in 0..inst.n() {
        for j in i + 1..inst.n() {
            if assignment[i] == assignment[j] {
                total += inst.d(i, j);
            }
        }
    }
    Ok(total)
}

/// What the checker recomputes for a school grouping.
#[derive(Debug, Clone, PartialEq)]
pub struct SchoolCheck {
    /// Sum of group scores.
    pub total: f64,
    /// Lowest group score.
    pub min_group: f64,
    /// Every broken hard rule, in plain words.
    pub broken: Vec<String>,
}

fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    // Written independently of schools::haversine_km on purpose.
    let r = 6371.0088_f64;
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2) + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * r * h.sqrt().min(1.0).asin()
}

/// Checks a school grouping against every hard rule of `inst` and
/// recomputes the total and the minimum group score from the pair scores.
pub fn check_schools(inst: &SchoolInstance, grouping: &Grouping) -> SchoolCheck {
    let n = inst.schools.len();
    let mut broken = Vec::new();
    let mut seen = vec![0usize; n];
    for g in &grouping.groups {
        for &i in g {
            if i < n {
                seen[i] += 1;
            } else {
                broken.push(format!("school index {i} does not exist"));
            }
        }
    }
    for (i, &c) in seen.iter().enumerate() {
        if c != 1 {
            broken.push(format!("{} is in {c} groups", inst.schools[i].name));
        }
    }
    let allowed = inst.rules.allowed_sizes();
    let mut total = 0.0;
    let mut min_group = f64::INFINITY;
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for (gi, g) in grouping.groups.iter().enumerate() {
        if !allowed.contains(&g.len()) {
            broken.push(format!("group {} has {} schools", gi + 1, g.len()));
        }
        let mut score = 0.0;
        let mut restricted = 0;
        for (a, &i) in g.iter().enumerate() {
            if i >= n {
                continue;
            }
            group_of.insert(i, gi);
            let si = &inst.schools[i];
            if si.single_sex || si.selective {
                restricted += 1;
            }
            for &j in &g[a + 1..] {
                if j >= n {
                    continue;
                }
                let sj = &inst.schools[j];
                score += inst.pair_score(i, j);
                if !inst.rules.phases.compatible(si.phase, sj.phase) {
                    broken.push(format!("{} and {} are of incompatible phases", si.name, sj.name));
                }
                if let (Some(a), Some(b)) = (si.location, sj.location) {
                    let km = haversine_km(a, b);
                    if km < inst.rules.min_km {
                        broken.push(format!("{} and {} are {km:.1} km apart", si.name, sj.name));
                    }
                }
                if inst.rules.apart.iter().any(|&(x, y)| (x, y) == (i, j) || (y, x) == (i, j)) {
                    broken.push(format!("{} and {} are to be kept apart", si.name, sj.name));
                }
            }
        }
        if restricted > 1 {
            broken.push(format!("group {} has {restricted} single-sex or selective schools", gi + 1));
        }
        total += score;
        min_group = min_group.min(score);
    }
    for &(x, y) in &inst.rules.together {
        if x < n && y < n && group_of.get(&x) != group_of.get(&y) {
            broken.push(format!("{} and {} are to be together", inst.schools[x].name, inst.schools[y].name));
        }
    }
    if grouping.groups.is_empty() {
        min_group = 0.0;
    }
    SchoolCheck { total, min_group, broken }
}
