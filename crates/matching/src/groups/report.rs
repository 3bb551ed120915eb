//! Plain-text reports of a solve or an evaluation, shared by the command
//! line and the examples (no I/O: the caller prints the string).

use std::fmt::Write;

use super::school_solver::SolveResult;
use super::schools::{Evaluation, SchoolInstance};

/// A report of a grouping: total, minimum group score, whether proven
/// optimal, time, broken rules and, with `explain`, every group's pairs
/// with their one-sentence reasons.
pub fn school_report(inst: &SchoolInstance, ev: &Evaluation, solved: Option<&SolveResult>, explain: bool) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "schools: {}  groups: {}", inst.len(), ev.groups.len());
    let _ = writeln!(s, "total score: {:.3}", ev.total);
    let _ = writeln!(s, "minimum group score: {:.3}", ev.min_group);
    if let Some(r) = solved {
        let _ = writeln!(
            s,
            "optimal: {}{}",
            if r.proven_optimal { "yes (proven)" } else { "not proven" },
            match r.upper_bound {
                Some(b) if !r.proven_optimal => format!("; upper bound on the total {b:.3}"),
                _ => String::new(),
            }
        );
        let _ = writeln!(s, "method: {}", r.method);
        let _ = writeln!(s, "time: {:.3} s", r.elapsed.as_secs_f64());
    }
    if ev.violations.is_empty() {
        let _ = writeln!(s, "hard rules: all kept");
    } else {
        let _ = writeln!(s, "hard rules broken: {}", ev.violations.len());
        for v in &ev.violations {
            let _ = writeln!(s, "  - {}", v.message);
        }
    }
    if explain {
        for (g, grp) in ev.groups.iter().enumerate() {
            let names: Vec<&str> = grp.members.iter().map(|&i| inst.schools[i].name.as_str()).collect();
            let _ = writeln!(s, "\ngroup {} (score {:.3}): {}", g + 1, grp.score, names.join(", "));
            for p in &grp.pairs {
                let _ = writeln!(s, "  [{:+.2}] {}", p.score, p.sentence);
            }
        }
    }
    s
}
