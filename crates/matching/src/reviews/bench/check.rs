//! Independent checker for bench-format assignments.
//!
//! It shares nothing with the solver but the input traits: it streams the
//! scores again, looks up only the assigned pairs, and recounts every rule
//! (team size, loads, conflicts, duplicates, unscored pairs) and the totals.

use super::{ConflictSet, PairSource, ReadError};
use rustc_hash::FxHashMap;

/// What the checker found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BenchCheck {
    /// Recomputed total affinity (millionths).
    pub total_micro: i64,
    /// Recomputed worst team total (millionths).
    pub min_team_micro: i64,
    /// Every broken rule, in words.
    pub violations: Vec<String>,
}

/// Checks `pairs` (paper index, reviewer index) against the instance.
pub fn check(
    src: &mut dyn PairSource,
    conflicts: &dyn ConflictSet,
    team_size: u32,
    max_load: u32,
    min_load: u32,
    pairs: &[(u32, u32)],
) -> Result<BenchCheck, ReadError> {
    let mut want: FxHashMap<(u32, u32), Option<i64>> = FxHashMap::default();
    let mut v = Vec::new();
    for &pr in pairs {
        if want.insert(pr, None).is_some() {
            v.push(format!("pair {pr:?} assigned twice"));
        }
    }
    src.stream(&mut |p, r, s, _| {
        if let Some(slot) = want.get_mut(&(p, r)) {
            *slot = Some(s);
        }
    })?;
    let names = src.names();
    let mut team = vec![0i64; names.papers.len()];
    let mut size = vec![0u32; names.papers.len()];
    let mut load = vec![0u32; names.reviewers.len()];
    for (&(p, r), s) in &want {
        match s {
            Some(s) => team[p as usize] += s,
            None => v.push(format!(
                "pair ({}, {}) is not in the scores",
                names.papers[p as usize], names.reviewers[r as usize]
            )),
        }
        if conflicts.contains(p, r) {
            v.push(format!("conflicted pair ({}, {}) assigned", names.papers[p as usize], names.reviewers[r as usize]));
        }
        size[p as usize] += 1;
        load[r as usize] += 1;
    }
    for (p, &n) in size.iter().enumerate() {
        if names.paper_scored[p] && n != team_size {
            v.push(format!("review {} has {} reviewers, needs {}", names.papers[p], n, team_size));
        }
    }
    for (r, &n) in load.iter().enumerate() {
        if names.reviewer_scored[r] && (n > max_load || n < min_load) {
            v.push(format!("reviewer {} has load {}, allowed {}..={}", names.reviewers[r], n, min_load, max_load));
        }
    }
    v.sort();
    let total = team.iter().sum();
    let min_team = (0..names.papers.len()).filter(|&p| names.paper_scored[p]).map(|p| team[p]).min().unwrap_or(0);
    Ok(BenchCheck { total_micro: total, min_team_micro: min_team, violations: v })
}
