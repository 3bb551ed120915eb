//! MDGP: proven optima, bounds, the heuristic against the optimum, parsing.

use std::path::PathBuf;
use std::time::Duration;

use upward_matching::groups::check::check_mdgp;
use upward_matching::groups::mdgp::upper_bound;
use upward_matching::groups::mdgp_exact::solve_exact;
use upward_matching::groups::mdgp_ims::solve_ims;
use upward_matching::groups::{MdgpInstance, MdgpOptions, mdgp};

fn fixture(name: &str) -> MdgpInstance {
    let text = match name {
        "RanReal_n012_ss_01" => include_str!("../data/mdgplib/RanReal_n012_ss_01.txt"),
        "RanReal_n012_ss_02" => include_str!("../data/mdgplib/RanReal_n012_ss_02.txt"),
        _ => include_str!("../data/mdgplib/RanReal_n012_ss_03.txt"),
    };
    MdgpInstance::parse(text.as_bytes(), name).expect("fixture parses")
}

/// Every assignment within the bounds, enumerated.
fn brute_force(inst: &MdgpInstance) -> f64 {
    fn rec(inst: &MdgpInstance, i: usize, assign: &mut Vec<usize>, size: &mut Vec<usize>, best: &mut f64) {
        let n = inst.n();
        if i == n {
            if size.iter().zip(inst.bounds()).all(|(s, b)| *s >= b.0) {
                *best = best.max(inst.objective(assign));
            }
            return;
        }
        for g in 0..inst.groups() {
            if size[g] < inst.bounds()[g].1 {
                assign.push(g);
                size[g] += 1;
                rec(inst, i + 1, assign, size, best);
                size[g] -= 1;
                assign.pop();
            }
        }
    }
    let mut best = f64::NEG_INFINITY;
    rec(inst, 0, &mut Vec::new(), &mut vec![0; inst.groups()], &mut best);
    best
}

#[test]
fn the_three_n12_optima_are_proven() {
    for (name, want) in
        [("RanReal_n012_ss_01", 956.430), ("RanReal_n012_ss_02", 972.550), ("RanReal_n012_ss_03", 1011.773)]
    {
        let inst = fixture(name);
        let sol = mdgp::solve(&inst, &MdgpOptions::default());
        assert!(sol.proven_optimal, "{name}");
        assert!((sol.objective - want).abs() < 5e-4, "{name}: {} vs {want}", sol.objective);
        let v = check_mdgp(&inst, &sol.assignment).expect("valid");
        assert!((v - sol.objective).abs() < 1e-9);
        assert!(upper_bound(&inst) >= sol.objective - 1e-9);
    }
}

#[test]
fn exact_equals_brute_force_on_a_fixture() {
    let inst = fixture("RanReal_n012_ss_01");
    assert!((brute_force(&inst) - solve_exact(&inst).objective).abs() < 1e-9);
}

#[test]
fn the_heuristic_reaches_the_proven_optimum_on_small_instances() {
    for name in ["RanReal_n012_ss_01", "RanReal_n012_ss_02", "RanReal_n012_ss_03"] {
        let inst = fixture(name);
        let exact = solve_exact(&inst);
        let opts = MdgpOptions {
            time_limit: Duration::from_secs(5),
            seed: 7,
            max_iterations: Some(200),
            exact_max_n: 0,
            clock: None,
        };
        let h = solve_ims(&inst, &opts);
        assert!(!h.proven_optimal);
        assert!(h.objective <= exact.objective + 1e-9);
        assert!(
            (h.objective - exact.objective).abs() < 1e-6,
            "{name}: heuristic {} vs optimum {}",
            h.objective,
            exact.objective
        );
    }
}

#[test]
fn the_heuristic_is_deterministic_for_a_seed_and_an_iteration_cap() {
    let inst = fixture("RanReal_n012_ss_02");
    let opts = MdgpOptions {
        time_limit: Duration::from_secs(60),
        seed: 3,
        max_iterations: Some(20),
        exact_max_n: 0,
        clock: None,
    };
    assert_eq!(solve_ims(&inst, &opts).assignment, solve_ims(&inst, &opts).assignment);
}

/// All 120 instances with n = 10 and n = 12 of the shared MDGPLIB folder,
/// when it is there: proven optimum, checked, bounded, and equal to brute
/// force on the n = 10 ones.
#[test]
fn every_n10_and_n12_instance_is_proven() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mdgplib");
    if !dir.exists() {
        eprintln!("skipped: {} not found", dir.display());
        return;
    }
    let mut count = 0;
    for family in ["RanReal", "RanInt", "Geo"] {
        for n in [10, 12] {
            for kind in ["ss", "ds"] {
                for k in 1..=10 {
                    let name = format!("{family}_n{n:03}_{kind}_{k:02}");
                    let path = dir.join(family).join(format!("{name}.txt"));
                    let text = std::fs::read_to_string(&path).expect("read instance");
                    let inst = MdgpInstance::parse(text.as_bytes(), &name).expect("parse");
                    let sol = mdgp::solve(&inst, &MdgpOptions::default());
                    assert!(sol.proven_optimal, "{name}");
                    let v = check_mdgp(&inst, &sol.assignment).expect("valid");
                    assert!((v - sol.objective).abs() < 1e-9, "{name}");
                    assert!(upper_bound(&inst) >= v - 1e-9, "{name}");
                    if n == 10 {
                        assert!((brute_force(&inst) - v).abs() < 1e-9, "{name}");
                    }
                    count += 1;
                }
            }
        }
    }
    assert_eq!(count, 120);
}

#[test]
fn bad_instances_name_line_and_field() {
    let e = MdgpInstance::parse("3 1 ss 3 3\n0 1 1.0\n0 2 x\n1 2 3\n".as_bytes(), "t.txt").expect_err("bad value");
    assert_eq!((e.source_name.as_str(), e.line, e.field.as_str()), ("t.txt", 3, "d"));
    let e = MdgpInstance::parse("3 1 ss 3 3\n0 1 1.0\n1 2 3\n".as_bytes(), "t.txt").expect_err("missing pair");
    assert_eq!(e.field, "pair");
    let e = MdgpInstance::parse("3 1 xx 3 3\n".as_bytes(), "t.txt").expect_err("bad kind");
    assert_eq!((e.line, e.field.as_str()), (1, "kind"));
    let e = MdgpInstance::parse("3 2 ss 1 1 1 1\n0 1 1\n0 2 1\n1 2 1\n".as_bytes(), "t.txt").expect_err("bounds");
    assert_eq!(e.field, "bounds");
    let e = MdgpInstance::parse("3 1 ss 3 3\n0 5 1.0\n".as_bytes(), "t.txt").expect_err("index");
    assert_eq!((e.line, e.field.as_str()), (2, "j"));
    assert!(MdgpInstance::parse("".as_bytes(), "t.txt").is_err());
}

#[test]
fn a_bad_assignment_is_rejected_by_the_checker() {
    let inst = fixture("RanReal_n012_ss_01");
    assert!(check_mdgp(&inst, &[0; 12]).is_err());
    assert!(check_mdgp(&inst, &[0, 0, 0]).is_err());
    assert!(check_mdgp(&inst, &[9; 12]).is_err());
}
