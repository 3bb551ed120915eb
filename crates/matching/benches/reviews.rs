//! Bench-format reviewer assignment on instances regenerated in memory.
//!
//! ```text
//! cargo bench -p upward-matching --bench reviews            # a, b, c, d
//! cargo bench -p upward-matching --bench reviews -- a b     # some of them
//! ```
//!
//! Each instance is streamed from the splitmix64 formula of
//! `gen_instance.py` (no files, no dense matrix); the time covers the
//! streamed pass(es), the min-cost flow and the certificate. The known
//! optima of a, b and c are asserted, and the independent checker re-derives
//! every total.

use std::time::Instant;
use upward_matching::reviews::bench::{self, BenchParams, BenchStatus, check, generate::Generated};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let names: Vec<&str> =
        if args.is_empty() { vec!["a", "b", "c", "d"] } else { args.iter().map(|s| s.as_str()).collect() };
    let known = [("a", 1_995_895_400i64), ("b", 3_995_722_200), ("c", 7_995_548_200)];
    println!("| instance | reviews × reviewers | solve (s) | passes | total | worst team | status |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    for name in names {
        let Some(g) = Generated::named(name) else {
            eprintln!("unknown instance {name}");
            continue;
        };
        let mut src = g;
        let t = Instant::now();
        let sol = bench::solve(&mut src, &g, &BenchParams::new(4, 3)).expect("solve");
        let secs = t.elapsed().as_secs_f64();
        assert_eq!(sol.status, BenchStatus::OptimalCertified);
        if let Some(&(_, opt)) = known.iter().find(|k| k.0 == name) {
            assert_eq!(sol.total_micro, opt, "instance {name}: known optimum");
        }
        let pairs: Vec<(u32, u32)> =
            sol.teams.iter().enumerate().flat_map(|(p, t)| t.iter().map(move |&(r, _)| (p as u32, r))).collect();
        let c = check::check(&mut src, &g, 4, 3, 0, &pairs).expect("check");
        assert!(c.violations.is_empty(), "{:?}", c.violations);
        assert_eq!(c.total_micro, sol.total_micro);
        println!(
            "| {name} | {} × {} | {secs:.3} | {} | {:.4} | {:.4} | {} |",
            g.n_papers,
            g.n_reviewers,
            sol.stats.passes,
            sol.total(),
            sol.min_team(),
            sol.status
        );
    }
}
