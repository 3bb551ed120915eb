//! Bench-format solver: agreement with gen_instance.py, known optimum of
//! instance `a`, infeasibility messages, certificate logic, brute force.

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use upward_matching::reviews::bench::{
    self, BenchParams, BenchStatus, ConflictSet, PairSet, check, csv::CsvScores, generate::Generated,
};

/// SHA-256 of `scores.csv` and `constraints.csv` from `gen_instance.py a 500 1300`
/// (its meta.json), and its conflict count.
const A_SCORES_SHA: &str = "2da60cd26d395d11c9e0209b97c8ca2654aaf33fcf57a3b3721101c1f33655d9";
const A_CONSTRAINTS_SHA: &str = "26c8ffc458acd386ceace832ee022db297cbc101e2e62d1e76a8bc26de7cecfa";

#[test]
fn generator_matches_python_files_for_instance_a() {
    let g = Generated::named("a").unwrap();
    let (mut hs, mut hc) = (Sha256::new(), Sha256::new());
    let mut n_conf = 0;
    for p in 0..g.n_papers {
        hs.update(g.scores_csv_block(p).as_bytes());
        for r in 0..g.n_reviewers {
            if g.is_conflict(p, r) {
                hc.update(format!("p{p:05},r{r:06},-1\n").as_bytes());
                n_conf += 1;
            }
        }
    }
    assert_eq!(hex::encode(hs.finalize()), A_SCORES_SHA);
    assert_eq!(hex::encode(hc.finalize()), A_CONSTRAINTS_SHA);
    assert_eq!(n_conf, 13028);
}

fn solve_gen(g: Generated, prm: BenchParams) -> bench::BenchSolution {
    let mut src = g;
    bench::solve(&mut src, &g, &prm).unwrap()
}

#[test]
fn instance_a_known_optimum() {
    let g = Generated::named("a").unwrap();
    let sol = solve_gen(g, BenchParams::new(4, 3));
    assert_eq!(sol.status, BenchStatus::OptimalCertified);
    assert_eq!(sol.total_micro, 1_995_895_400);
    // Independent check.
    let pairs: Vec<(u32, u32)> =
        sol.teams.iter().enumerate().flat_map(|(p, t)| t.iter().map(move |&(r, _)| (p as u32, r))).collect();
    let mut src = g;
    let c = check::check(&mut src, &g, 4, 3, 0, &pairs).unwrap();
    assert!(c.violations.is_empty(), "{:?}", c.violations);
    assert_eq!(c.total_micro, sol.total_micro);
    assert_eq!(c.min_team_micro, sol.min_team_micro);
}

#[test]
fn small_candidate_lists_still_reach_the_optimum() {
    // T = K forces the certificate to fail and pairs to be added.
    let g = Generated::new(60, 100);
    let mut prm = BenchParams::new(4, 3);
    let reference = solve_gen(g, prm);
    prm.candidates = Some(4);
    let tight = solve_gen(g, prm);
    assert_eq!(tight.status, BenchStatus::OptimalCertified);
    assert_eq!(tight.total_micro, reference.total_micro);
    assert!(tight.stats.passes > 1, "{:?}", tight.stats);
    assert_eq!(reference.total_micro, brute_force_lp_free(g, 4, 3, 0).unwrap_or(reference.total_micro));
}

/// Exact reference for small instances: a plain dense min-cost flow with
/// every eligible pair (no sparsification, no certificate).
fn brute_force_lp_free(g: Generated, k: i64, l: i64, m: i64) -> Option<i64> {
    use upward_matching::flow::MinCostFlow;
    let (np, nr) = (g.n_papers as usize, g.n_reviewers as usize);
    let mut f = MinCostFlow::new(np + nr + 1);
    let sink = (np + nr) as u32;
    let mut arcs = Vec::new();
    for p in 0..np {
        f.set_supply(p as u32, k);
        for r in 0..nr {
            if !g.is_conflict(p as u32, r as u32) {
                let s = g.score_e4(p as u32, r as u32) as i64 * 100;
                arcs.push((f.add_arc(p as u32, (np + r) as u32, 1, 1_000_000 - s).unwrap(), s));
            }
        }
    }
    let big = 1_000_000 * (np as i64 * k + 1);
    for r in 0..nr {
        if m > 0 {
            f.add_arc((np + r) as u32, sink, m, 0).unwrap();
        }
        f.add_arc((np + r) as u32, sink, l - m, if m > 0 { big } else { 0 }).unwrap();
    }
    f.set_supply(sink, -(np as i64) * k);
    let out = f.solve().unwrap();
    if !out.is_complete() {
        return None;
    }
    Some(arcs.iter().filter(|(a, _)| f.flow(*a) > 0).map(|(_, s)| s).sum())
}

#[test]
fn min_loads_are_met_and_cost_score() {
    let g = Generated::new(40, 50);
    let free = solve_gen(g, BenchParams::new(3, 4));
    let mut prm = BenchParams::new(3, 4);
    prm.min_load = 2; // 50 * 2 = 100 <= 120 places
    let tight = solve_gen(g, prm);
    assert_eq!(tight.status, BenchStatus::OptimalCertified);
    assert!(tight.total_micro <= free.total_micro);
    assert_eq!(Some(tight.total_micro), brute_force_lp_free(g, 3, 4, 2));
    let mut load = vec![0; 50];
    for t in &tight.teams {
        assert_eq!(t.len(), 3);
        for &(r, _) in t {
            load[r as usize] += 1;
        }
    }
    assert!(load.iter().all(|&l| (2..=4).contains(&l)), "{load:?}");
}

#[test]
fn min_loads_that_cannot_add_up_are_infeasible() {
    let g = Generated::new(10, 50);
    let mut prm = BenchParams::new(3, 4);
    prm.min_load = 1; // 50 > 30 places
    let sol = solve_gen(g, prm);
    match sol.status {
        BenchStatus::Infeasible(r) => assert!(r[0].contains("minimum loads"), "{r:?}"),
        s => panic!("{s:?}"),
    }
}

#[test]
fn too_few_eligible_reviewers_is_named() {
    let text = "p1,r1,0.5\np1,r2,0.4\np1,r3,0.3\np2,r1,0.2\np2,r2,0.9\np2,r3,0.1\n";
    let mut src = CsvScores::new(move || Ok(text.as_bytes()));
    let conflicts = src.read_conflicts(&b"p2,r1,-1\n"[..]).unwrap();
    let sol = bench::solve(&mut src, &conflicts, &BenchParams::new(3, 2)).unwrap();
    assert_eq!(
        sol.status,
        BenchStatus::Infeasible(vec!["review p2 has only 2 eligible reviewer(s) after conflicts, needs 3".into()])
    );
}

#[test]
fn hall_violation_is_named() {
    // 3 reviews of 2 need 6 places; 4 reviewers with load 1 give 4.
    let mut text = String::new();
    for p in 1..=3 {
        for r in 1..=4 {
            text.push_str(&format!("p{p},r{r},0.{p}{r}\n"));
        }
    }
    let text: &'static str = Box::leak(text.into_boxed_str());
    let mut src = CsvScores::new(move || Ok(text.as_bytes()));
    let sol = bench::solve(&mut src, &PairSet::default(), &BenchParams::new(2, 1)).unwrap();
    match sol.status {
        BenchStatus::Infeasible(r) => {
            assert_eq!(r.len(), 1, "{r:?}");
            assert!(r[0].contains("need 6 places but at most 4 can be filled"), "{r:?}");
        }
        s => panic!("{s:?}"),
    }
}

/// Enumerates every assignment of a tiny instance.
fn brute(scores: &[Vec<i64>], conf: &[Vec<bool>], k: usize, l: u32, m: u32) -> Option<i64> {
    let np = scores.len();
    let nr = scores[0].len();
    let teams: Vec<Vec<u32>> = (0u32..1 << nr)
        .filter(|t| t.count_ones() as usize == k)
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| vec![t])
        .collect();
    let masks: Vec<u32> = teams.iter().map(|t| t[0]).collect();
    let mut best = None;
    let mut choice = vec![0usize; np];
    #[allow(clippy::too_many_arguments, clippy::needless_range_loop)]
    fn rec(
        p: usize,
        np: usize,
        nr: usize,
        masks: &[u32],
        scores: &[Vec<i64>],
        conf: &[Vec<bool>],
        l: u32,
        m: u32,
        load: &mut Vec<u32>,
        acc: i64,
        best: &mut Option<i64>,
        choice: &mut Vec<usize>,
    ) {
        if p == np {
            if load.iter().all(|&x| x >= m) {
                *best = Some(best.map_or(acc, |b: i64| b.max(acc)));
            }
            return;
        }
        for (i, &t) in masks.iter().enumerate() {
            if (0..nr).any(|r| t >> r & 1 == 1 && (conf[p][r] || load[r] >= l)) {
                continue;
            }
            let s: i64 = (0..nr).filter(|&r| t >> r & 1 == 1).map(|r| scores[p][r]).sum();
            for r in 0..nr {
                if t >> r & 1 == 1 {
                    load[r] += 1;
                }
            }
            choice[p] = i;
            rec(p + 1, np, nr, masks, scores, conf, l, m, load, acc + s, best, choice);
            for r in 0..nr {
                if t >> r & 1 == 1 {
                    load[r] -= 1;
                }
            }
        }
    }
    rec(0, np, nr, &masks, scores, conf, l, m, &mut vec![0; nr], 0, &mut best, &mut choice);
    best
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn exact_solver_matches_brute_force(
        np in 1usize..4, nr in 2usize..6, k in 1usize..3, l in 1u32..3, m in 0u32..2, t in 1u32..4,
        raw in proptest::collection::vec(0i64..100, 24), craw in proptest::collection::vec(0u8..10, 24),
    ) {
        prop_assume!(k <= nr && m <= l);
        let scores: Vec<Vec<i64>> = (0..np).map(|p| (0..nr).map(|r| raw[p * 6 + r] * 10_000).collect()).collect();
        let conf: Vec<Vec<bool>> = (0..np).map(|p| (0..nr).map(|r| craw[p * 6 + r] == 0).collect()).collect();
        let mut text = String::new();
        let mut ctext = String::new();
        for p in 0..np {
            for r in 0..nr {
                text.push_str(&format!("p{p},r{r},{}\n", scores[p][r] as f64 / 1e6));
                if conf[p][r] { ctext.push_str(&format!("p{p},r{r},-1\n")); }
            }
        }
        let text: &'static str = Box::leak(text.into_boxed_str());
        let mut src = CsvScores::new(move || Ok(text.as_bytes()));
        let cs = src.read_conflicts(ctext.as_bytes()).unwrap();
        let prm = BenchParams { team_size: k as u32, max_load: l, min_load: m, candidates: Some(t) };
        let sol = bench::solve(&mut src, &cs, &prm).unwrap();
        let expect = brute(&scores, &conf, k, l, m);
        match (&sol.status, expect) {
            (BenchStatus::OptimalCertified, Some(e)) => {
                prop_assert_eq!(sol.total_micro, e);
                let pairs: Vec<(u32,u32)> = sol.teams.iter().enumerate().flat_map(|(p, t)| t.iter().map(move |&(r, _)| (p as u32, r))).collect();
                let c = check::check(&mut src, &cs, k as u32, l, m, &pairs).unwrap();
                prop_assert!(c.violations.is_empty(), "{:?}", c.violations);
                prop_assert_eq!(c.total_micro, e);
            }
            (BenchStatus::Infeasible(_), None) => {}
            (s, e) => prop_assert!(false, "solver {:?} vs brute force {:?}", s, e),
        }
        let _ = cs.contains(0, 0);
    }
}
