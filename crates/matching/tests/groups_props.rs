//! Property tests: solvers and the independent checker on random small
//! instances, exact against brute force, heuristic against exact.

use std::time::Duration;

use proptest::prelude::*;
use upward_matching::groups::check::{check_mdgp, check_schools};
use upward_matching::groups::mdgp_exact::solve_exact as mdgp_exact;
use upward_matching::groups::mdgp_ims::solve_ims;
use upward_matching::groups::school_solver::{lagrangian_upper_bound, solve_exact, solve_heuristic, upper_bound_total};
use upward_matching::groups::{
    Grouping, MdgpInstance, MdgpOptions, Phase, Rules, School, SchoolInstance, SolveMode, SolveOptions, Weights,
    evaluate,
};
use upward_matching::themes::Taxonomy;

const THEMES: [&str; 10] = [
    "Sixth form outcomes",
    "Progress of boys",
    "Maths",
    "English",
    "Coaching",
    "Vertical tutoring and PSHE",
    "Closing the gap for disadvantaged students",
    "Middle leadership",
    "SEND",
    "Curriculum",
];

fn school_strategy() -> impl Strategy<Value = School> {
    (
        prop::option::of((50.0f64..55.0, -4.0f64..1.0)),
        0u8..10,
        prop::collection::vec(0usize..10, 0..3),
        prop::collection::vec(0usize..10, 0..3),
        0u8..10,
    )
        .prop_map(|(loc, restricted, exc, chal, phase)| {
            let mut s = School::new("", "", if phase == 0 { Phase::Primary } else { Phase::Secondary });
            s.location = loc;
            s.single_sex = restricted == 0;
            s.selective = restricted == 1;
            s.excellence = exc.into_iter().map(|t| THEMES[t].to_string()).collect();
            s.challenge = chal.into_iter().map(|t| THEMES[t].to_string()).collect();
            s
        })
}

fn instance_strategy(max_n: usize) -> impl Strategy<Value = SchoolInstance> {
    (
        prop::collection::vec(school_strategy(), 6..=max_n),
        0.0f64..120.0,
        any::<bool>(),
        prop::collection::vec((0usize..16, 0usize..16), 0..3),
    )
        .prop_filter_map("sizes", |(mut schools, km, cross, apart)| {
            for (i, s) in schools.iter_mut().enumerate() {
                s.id = format!("S{i}");
                s.name = format!("School {i}");
                // Several phase cohorts are tested elsewhere; here one cohort,
                // so that brute force and the solvers share one size plan.
                if !cross {
                    s.phase = Phase::Secondary;
                }
            }
            let n = schools.len();
            let mut rules = Rules { min_km: km, ..Default::default() };
            if cross {
                rules.phases.cross.push((Phase::Primary, Phase::Secondary));
            }
            rules.apart = apart.into_iter().filter(|&(a, b)| a < n && b < n && a != b).collect();
            SchoolInstance::new(schools, Taxonomy::default(), rules, Weights::default()).ok()
        })
}

/// Every partition of the schools into the planned trios and quads.
fn brute_force(inst: &SchoolInstance) -> Option<(f64, f64)> {
    fn rec(
        inst: &SchoolInstance,
        left: &mut Vec<usize>,
        groups: &mut Vec<Vec<usize>>,
        quads: usize,
        best: &mut Option<(f64, f64)>,
    ) {
        if left.is_empty() {
            if quads != 0 {
                return;
            }
            let ev = evaluate(inst, &Grouping { groups: groups.clone() });
            if ev.is_valid() {
                let cur = best.get_or_insert((f64::NEG_INFINITY, f64::NEG_INFINITY));
                cur.0 = cur.0.max(ev.total);
                cur.1 = cur.1.max(ev.min_group);
            }
            return;
        }
        let first = left.remove(0);
        let n = left.len();
        for size in [3usize, 4] {
            if size == 4 && quads == 0 || size - 1 > n {
                continue;
            }
            // choose size-1 partners among `left`
            let mut idx: Vec<usize> = (0..size - 1).collect();
            loop {
                let mut group = vec![first];
                group.extend(idx.iter().map(|&k| left[k]));
                let mut rest: Vec<usize> = (0..n).filter(|k| !idx.contains(k)).map(|k| left[k]).collect();
                groups.push(group);
                rec(inst, &mut rest, groups, quads - usize::from(size == 4), best);
                groups.pop();
                // next combination
                let k = idx.len();
                let mut p = k;
                while p > 0 && idx[p - 1] == n - k + p - 1 {
                    p -= 1;
                }
                if p == 0 {
                    break;
                }
                idx[p - 1] += 1;
                for q in p..k {
                    idx[q] = idx[q - 1] + 1;
                }
            }
        }
        left.insert(0, first);
    }
    let plan = inst.rules.size_plan(inst.len()).ok()?;
    let mut best = None;
    rec(inst, &mut (0..inst.len()).collect(), &mut Vec::new(), plan.quads, &mut best);
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]

    #[test]
    fn exact_school_solver_is_optimal_and_checked(inst in instance_strategy(10)) {
        let brute = brute_force(&inst);
        match solve_exact(&inst, SolveMode::Total) {
            Ok(r) => {
                let c = check_schools(&inst, &r.grouping);
                prop_assert!(c.broken.is_empty(), "{:?}", c.broken);
                prop_assert!((c.total - r.total).abs() < 1e-9);
                let (bt, bm) = brute.expect("brute force finds a grouping too");
                prop_assert!((bt - r.total).abs() < 1e-9, "exact {} brute {}", r.total, bt);
                prop_assert!(upper_bound_total(&inst).unwrap_or(f64::INFINITY) >= r.total - 1e-9);
                // the Lagrangian bound, aimed at the optimum itself, stays above it
                let lb = lagrangian_upper_bound(&inst, r.total, 200).unwrap_or(f64::INFINITY);
                prop_assert!(lb >= r.total - 1e-6, "bound {} below optimum {}", lb, r.total);
                let mm = solve_exact(&inst, SolveMode::MaxMin).expect("max-min feasible too");
                prop_assert!((mm.min_group - bm).abs() < 1e-9, "max-min {} brute {}", mm.min_group, bm);
                prop_assert!(mm.total <= r.total + 1e-9);
                // heuristic: never better than the optimum, and checked
                let h = solve_heuristic(&inst, &SolveOptions {
                    time_limit: Duration::from_secs(5), seed: 1, max_iterations: Some(300), ..Default::default()
                }).expect("heuristic");
                let hc = check_schools(&inst, &h.grouping);
                prop_assert_eq!(hc.broken.is_empty(), h.valid);
                if h.valid {
                    prop_assert!(h.total <= r.total + 1e-9);
                }
            }
            Err(_) => prop_assert!(brute.is_none(), "exact found nothing, brute force did"),
        }
    }

    #[test]
    fn evaluate_and_checker_agree_on_any_grouping(inst in instance_strategy(13), labels in prop::collection::vec(0usize..5, 13)) {
        let a: Vec<usize> = (0..inst.len()).map(|i| labels[i]).collect();
        let g = Grouping::from_assignment(&a);
        let ev = evaluate(&inst, &g);
        let c = check_schools(&inst, &g);
        prop_assert!((ev.total - c.total).abs() < 1e-9);
        prop_assert!((ev.min_group - c.min_group).abs() < 1e-9);
        // Both say valid, or both say invalid (the evaluation's size-plan
        // rule is the one the checker leaves out).
        let plan_only = ev.violations.iter().all(|v| v.kind == upward_matching::groups::schools::RuleKind::GroupSize && v.group.is_none());
        if !plan_only {
            prop_assert_eq!(ev.is_valid(), c.broken.is_empty(), "{:?} / {:?}", ev.violations, c.broken);
        }
    }

    #[test]
    fn mdgp_exact_is_brute_force_and_heuristic_is_bounded(
        n in 4usize..9,
        vals in prop::collection::vec(-50.0f64..100.0, 64),
        g in 2usize..4,
        slack in 0usize..2,
    ) {
        let base = n / g;
        let bounds: Vec<(usize, usize)> = (0..g).map(|_| (base.saturating_sub(slack).max(1), base + 1 + slack)).collect();
        let mut m = vec![0.0; n * n];
        for i in 0..n { for j in 0..n { m[i * n + j] = vals[(i * 8 + j) % 64]; } }
        let Ok(inst) = MdgpInstance::new(n, bounds, m) else { return Ok(()); };
        let ex = mdgp_exact(&inst);
        // brute force over all assignments
        let mut best = f64::NEG_INFINITY;
        let total = g.pow(n as u32);
        for code in 0..total {
            let mut c = code;
            let a: Vec<usize> = (0..n).map(|_| { let x = c % g; c /= g; x }).collect();
            if let Ok(v) = check_mdgp(&inst, &a) { best = best.max(v); }
        }
        prop_assert!((ex.objective - best).abs() < 1e-9, "exact {} brute {}", ex.objective, best);
        prop_assert!(upper_bound_(&inst) >= best - 1e-9);
        prop_assert!(upward_matching::groups::mdgp_ims::lagrangian_upper_bound(&inst, best, 100) >= best - 1e-6);
        let h = solve_ims(&inst, &MdgpOptions { time_limit: Duration::from_secs(5), seed: 2, max_iterations: Some(30), exact_max_n: 0, clock: None });
        let v = check_mdgp(&inst, &h.assignment).expect("heuristic solution valid");
        prop_assert!(v <= best + 1e-9);
    }
}

fn upper_bound_(inst: &MdgpInstance) -> f64 {
    upward_matching::groups::mdgp::upper_bound(inst)
}
