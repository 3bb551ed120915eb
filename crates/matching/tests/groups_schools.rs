//! Growing the Top groups: the pilot, hard rules, evaluation, explanations,
//! CSV errors, and the heuristic against the exact optimum.

use std::time::Duration;

use upward_matching::groups::check::check_schools;
use upward_matching::groups::io::{read_grouping, read_schools, read_themes, write_grouping};
use upward_matching::groups::school_solver::{solve_exact, solve_heuristic, upper_bound_total};
use upward_matching::groups::schools::RuleKind;
use upward_matching::groups::{
    Grouping, Phase, Rules, School, SchoolInstance, SolveMode, SolveOptions, Weights, evaluate, solve,
};
use upward_matching::themes::Taxonomy;

const SCHOOLS: &str = include_str!("../data/gtt-2018-schools.csv");
const THEMES: &str = include_str!("../data/gtt-2018-themes.csv");

fn pilot(rules: Rules) -> SchoolInstance {
    let mut schools = read_schools(SCHOOLS.as_bytes(), "gtt-2018-schools.csv").expect("schools");
    read_themes(THEMES.as_bytes(), "gtt-2018-themes.csv", &mut schools).expect("themes");
    SchoolInstance::new(schools, Taxonomy::default(), rules, Weights::default()).expect("instance")
}

fn same_group(g: &Grouping, a: usize, b: usize) -> bool {
    g.groups.iter().any(|m| m.contains(&a) && m.contains(&b))
}

#[test]
fn the_pilot_makes_seven_proven_trios_with_a_reason_for_every_pair() {
    let inst = pilot(Rules::default());
    assert_eq!(inst.len(), 21);
    let r = solve(&inst, &SolveOptions::default()).expect("solve");
    assert!(r.proven_optimal && r.valid);
    assert_eq!(r.grouping.groups.len(), 7);
    assert!(r.grouping.groups.iter().all(|g| g.len() == 3));
    let ev = evaluate(&inst, &r.grouping);
    assert!(ev.is_valid());
    assert!((ev.total - r.total).abs() < 1e-9);
    let check = check_schools(&inst, &r.grouping);
    assert!(check.broken.is_empty());
    assert!((check.total - r.total).abs() < 1e-9 && (check.min_group - r.min_group).abs() < 1e-9);
    for g in &ev.groups {
        assert_eq!(g.pairs.len(), 3);
        for p in &g.pairs {
            assert!(p.sentence.ends_with('.') && p.sentence.len() > 20, "{}", p.sentence);
            assert_eq!(p.sentence.matches(". ").count(), 0, "one sentence: {}", p.sentence);
        }
    }
    // The published pilot trio: one school strong in sixth form, one with a
    // sixth-form challenge, and the reverse for tutoring and PSHE.
    let (co, ir) = (inst.index_of("Co").expect("Cobalt"), inst.index_of("Ir").expect("Iridium"));
    assert!(same_group(&r.grouping, co, ir));
    let s = inst.explain_pair(co, ir);
    assert!(s.contains("Cobalt school's excellence in sixth form"), "{s}");
    assert!(s.contains("Iridium school's challenge in sixth form progress and retention of students"), "{s}");
    assert!(s.contains("tutoring"), "{s}");
    // A bound is a bound.
    assert!(upper_bound_total(&inst).expect("bound") >= r.total - 1e-9);
}

#[test]
fn max_min_mode_protects_the_weakest_group() {
    let inst = pilot(Rules::default());
    let total = solve_exact(&inst, SolveMode::Total).expect("total");
    let mm = solve_exact(&inst, SolveMode::MaxMin).expect("max-min");
    assert!(mm.min_group >= total.min_group - 1e-9);
    assert!(mm.total <= total.total + 1e-9);
    assert!(mm.proven_optimal && mm.valid);
}

#[test]
fn the_heuristic_matches_the_exact_optimum_on_the_pilot() {
    let inst = pilot(Rules::default());
    let exact = solve_exact(&inst, SolveMode::Total).expect("exact");
    let opts =
        SolveOptions { time_limit: Duration::from_secs(20), seed: 5, max_iterations: Some(1000), ..Default::default() };
    let h = solve_heuristic(&inst, &opts).expect("heuristic");
    assert!(h.valid && !h.proven_optimal);
    assert!(h.total <= exact.total + 1e-9);
    assert!((h.total - exact.total).abs() < 1e-9, "heuristic {} vs optimum {}", h.total, exact.total);
}

#[test]
fn pinned_and_kept_apart_pairs_are_honoured() {
    let base = pilot(Rules::default());
    let (co, ir, fe) = (base.index_of("Co").expect(""), base.index_of("Ir").expect(""), base.index_of("Fe").expect(""));
    let rules = Rules { apart: vec![(co, ir)], together: vec![(co, fe)], ..Default::default() };
    let inst = pilot(rules);
    let r = solve(&inst, &SolveOptions::default()).expect("solve");
    assert!(r.valid);
    assert!(!same_group(&r.grouping, co, ir));
    assert!(same_group(&r.grouping, co, fe));
    // The same rules, broken by hand, are reported.
    let unpinned = solve(&base, &SolveOptions::default()).expect("solve").grouping;
    let ev = evaluate(&inst, &unpinned);
    assert!(ev.violations.iter().any(|v| v.kind == RuleKind::KeptApart));
    assert!(ev.violations.iter().any(|v| v.kind == RuleKind::PinnedTogether));
    // Contradictory rules are refused.
    let both = Rules { apart: vec![(co, ir)], together: vec![(ir, co)], ..Default::default() };
    assert!(SchoolInstance::new(vec![], Taxonomy::default(), both.clone(), Weights::default()).is_err());
}

fn located(id: &str, lat: f64, lon: f64) -> School {
    let mut s = School::new(id, format!("School {id}"), Phase::Secondary);
    s.location = Some((lat, lon));
    s
}

#[test]
fn evaluate_reports_every_broken_rule() {
    // Six schools: A and B 1 km apart, C and D single-sex/selective, E primary.
    let mut schools = vec![
        located("A", 51.50, -0.10),
        located("B", 51.505, -0.11),
        located("C", 52.50, -1.90),
        located("D", 53.40, -2.20),
        located("E", 50.70, -3.50),
        located("F", 54.90, -1.60),
    ];
    schools[2].single_sex = true;
    schools[3].selective = true;
    schools[4].phase = Phase::Primary;
    let rules = Rules { min_km: 15.0, ..Default::default() };
    let inst =
        SchoolInstance::new(schools.clone(), Taxonomy::default(), rules.clone(), Weights::default()).expect("instance");
    let bad = Grouping { groups: vec![vec![0, 1, 4], vec![2, 3, 5]] };
    let ev = evaluate(&inst, &bad);
    let kinds: Vec<RuleKind> = ev.violations.iter().map(|v| v.kind).collect();
    assert!(kinds.contains(&RuleKind::TooClose), "{kinds:?}");
    assert!(kinds.contains(&RuleKind::Phase), "{kinds:?}");
    assert!(kinds.contains(&RuleKind::SingleSexOrSelective), "{kinds:?}");
    let check = check_schools(&inst, &bad);
    assert_eq!(check.broken.len(), ev.violations.len(), "{:?} vs {:?}", check.broken, ev.violations);
    // Cross-phase allowance removes the phase breach.
    let mut cross = rules;
    cross.phases.cross.push((Phase::Primary, Phase::Secondary));
    let inst2 = SchoolInstance::new(schools, Taxonomy::default(), cross, Weights::default()).expect("instance");
    assert!(!evaluate(&inst2, &bad).violations.iter().any(|v| v.kind == RuleKind::Phase));
    // Missing and duplicated schools and unknown indices.
    let ev = evaluate(&inst, &Grouping { groups: vec![vec![0, 0, 9]] });
    assert!(ev.violations.iter().filter(|v| v.kind == RuleKind::Membership).count() >= 5);
    // Nothing panics on an empty grouping.
    let ev = evaluate(&inst, &Grouping::default());
    assert_eq!(ev.min_group, 0.0);
    assert!(!ev.is_valid());
}

#[test]
fn distance_rule_ignores_schools_without_coordinates() {
    let mut schools: Vec<School> = (0..6).map(|i| located(&i.to_string(), 51.5, -0.1 + i as f64 * 0.0001)).collect();
    for s in schools.iter_mut().take(4) {
        s.location = None;
    }
    let rules = Rules { min_km: 15.0, ..Default::default() };
    let inst = SchoolInstance::new(schools, Taxonomy::default(), rules, Weights::default()).expect("instance");
    // Schools 4 and 5 are 7 m apart and must be split; the rest are free.
    let r = solve(&inst, &SolveOptions::default()).expect("solve");
    assert!(r.valid && r.proven_optimal);
    assert!(!same_group(&r.grouping, 4, 5));
}

#[test]
fn an_impossible_cohort_is_refused_exactly() {
    // Six schools all within a kilometre: no trio can keep 15 km apart.
    let schools: Vec<School> = (0..6).map(|i| located(&i.to_string(), 51.5, -0.1 + i as f64 * 0.001)).collect();
    let rules = Rules { min_km: 15.0, ..Default::default() };
    let inst = SchoolInstance::new(schools, Taxonomy::default(), rules, Weights::default()).expect("instance");
    assert!(solve(&inst, &SolveOptions::default()).is_err());
    // The heuristic returns its best attempt, marked invalid, without panicking.
    let h =
        solve_heuristic(&inst, &SolveOptions { max_iterations: Some(50), ..Default::default() }).expect("heuristic");
    assert!(!h.valid);
    assert!(SchoolInstance::new(vec![], Taxonomy::default(), Rules::default(), Weights::default()).is_err());
}

#[test]
fn group_sizes_follow_the_plan() {
    let r = Rules::default();
    assert_eq!(r.size_plan(21).map(|p| (p.trios, p.quads)).ok(), Some((7, 0)));
    assert_eq!(r.size_plan(22).map(|p| (p.trios, p.quads)).ok(), Some((6, 1)));
    assert_eq!(r.size_plan(3389).map(|p| (p.trios, p.quads)).ok(), Some((1127, 2)));
    assert!(r.size_plan(5).is_err());
    let q = Rules { group_size: 4, ..Default::default() };
    assert_eq!(q.size_plan(21).map(|p| (p.trios, p.quads)).ok(), Some((3, 3)));
    // 13 pilot-like schools: one quad.
    let mut schools = read_schools(SCHOOLS.as_bytes(), "s").expect("schools");
    schools.truncate(12);
    schools.push(School::new("X", "Xenon school", Phase::Secondary));
    let names: Vec<String> = schools.iter().map(|s| s.name.clone()).collect();
    let themes: String = THEMES
        .lines()
        .enumerate()
        .filter(|(k, l)| *k == 0 || names.iter().any(|n| l.starts_with(n.as_str())))
        .map(|(_, l)| l)
        .collect::<Vec<_>>()
        .join("\n");
    read_themes(themes.as_bytes(), "t", &mut schools).expect("themes");
    let inst =
        SchoolInstance::new(schools, Taxonomy::default(), Rules::default(), Weights::default()).expect("instance");
    let res = solve(&inst, &SolveOptions::default()).expect("solve");
    let mut sizes: Vec<usize> = res.grouping.groups.iter().map(Vec::len).collect();
    sizes.sort();
    assert_eq!(sizes, [3, 3, 3, 4]);
    assert!(res.proven_optimal);
}

#[test]
fn csv_errors_name_file_line_and_field() {
    let e =
        read_schools("id,name,phase,latitude,longitude,single_sex\n".as_bytes(), "s.csv").expect_err("missing column");
    assert_eq!((e.source_name.as_str(), e.line, e.field.as_str()), ("s.csv", 1, "selective"));
    let text =
        "id,name,phase,latitude,longitude,single_sex,selective\n1,A,secondary,51.5,-0.1,no,no\n2,B,tertiary,,,no,no\n";
    let e = read_schools(text.as_bytes(), "s.csv").expect_err("bad phase");
    assert_eq!((e.line, e.field.as_str()), (3, "phase"));
    let text = "id,name,phase,latitude,longitude,single_sex,selective\n1,A,secondary,151.5,-0.1,no,no\n";
    assert_eq!(read_schools(text.as_bytes(), "s.csv").expect_err("lat").field, "latitude");
    let text = "id,name,phase,latitude,longitude,single_sex,selective\n1,A,secondary,51.5,,no,no\n";
    assert_eq!(read_schools(text.as_bytes(), "s.csv").expect_err("lon").field, "longitude");
    let text = "id,name,phase,latitude,longitude,single_sex,selective\n1,A,secondary,,,maybe,no\n";
    assert_eq!(read_schools(text.as_bytes(), "s.csv").expect_err("flag").field, "single_sex");
    let text = "id,name,phase,latitude,longitude,single_sex,selective\n1,A,secondary,,,no,no\n1,B,secondary,,,no,no\n";
    assert_eq!(read_schools(text.as_bytes(), "s.csv").expect_err("dup").line, 3);
    let mut schools = read_schools(SCHOOLS.as_bytes(), "s").expect("schools");
    let e = read_themes(
        "school,kind,theme\nCobalt school,excellence,x\nBoron school,challenge,y\n".as_bytes(),
        "t.csv",
        &mut schools,
    )
    .expect_err("unknown school");
    assert_eq!((e.line, e.field.as_str()), (3, "school"));
    let e = read_themes("school,kind,theme\nCo,hobby,x\n".as_bytes(), "t.csv", &mut schools).expect_err("kind");
    assert_eq!((e.line, e.field.as_str()), (2, "kind"));
    let inst = pilot(Rules::default());
    let e = read_grouping("id,group\nCo,1\nZz,2\n".as_bytes(), "g.csv", &inst).expect_err("unknown id");
    assert_eq!((e.line, e.field.as_str()), (3, "id"));
}

#[test]
fn a_written_grouping_reads_back_the_same() {
    let inst = pilot(Rules::default());
    let r = solve(&inst, &SolveOptions::default()).expect("solve");
    let text = write_grouping(&inst, &r.grouping);
    assert!(text.starts_with("id,group\n"));
    let back = read_grouping(text.as_bytes(), "g.csv", &inst).expect("read back");
    assert_eq!(back, r.grouping);
    let ev = evaluate(&inst, &back);
    assert!((ev.total - r.total).abs() < 1e-9);
}

#[test]
fn phases_that_never_meet_are_grouped_as_separate_cohorts() {
    // 10 primary and 11 secondary pilot-like schools: 21 would be seven
    // trios, but each phase needs its own quads.
    let mut schools = read_schools(SCHOOLS.as_bytes(), "s").expect("schools");
    read_themes(THEMES.as_bytes(), "t", &mut schools).expect("themes");
    for s in schools.iter_mut().take(10) {
        s.phase = Phase::Primary;
    }
    let inst = SchoolInstance::new(schools.clone(), Taxonomy::default(), Rules::default(), Weights::default())
        .expect("instance");
    assert_eq!(inst.phase_cohorts().len(), 2);
    for mode in [SolveMode::Total, SolveMode::MaxMin] {
        let r = solve(&inst, &SolveOptions { mode, ..Default::default() }).expect("solve");
        assert!(r.valid && r.proven_optimal, "{mode:?}");
        let mut sizes: Vec<usize> = r.grouping.groups.iter().map(Vec::len).collect();
        sizes.sort();
        assert_eq!(sizes, [3, 3, 3, 4, 4, 4], "{mode:?}");
        for g in &r.grouping.groups {
            assert!(g.iter().all(|&i| inst.schools[i].phase == inst.schools[g[0]].phase));
        }
    }
    // With a transition allowance they form one cohort of seven trios.
    let mut rules = Rules::default();
    rules.phases.cross.push((Phase::Primary, Phase::Secondary));
    let inst = SchoolInstance::new(schools.clone(), Taxonomy::default(), rules, Weights::default()).expect("instance");
    assert_eq!(inst.phase_cohorts().len(), 1);
    let r = solve(&inst, &SolveOptions::default()).expect("solve");
    assert!(r.valid && r.grouping.groups.len() == 7);
    // Five primary schools cannot be grouped at all.
    for (i, s) in schools.iter_mut().enumerate() {
        s.phase = if i < 5 { Phase::Primary } else { Phase::Secondary };
    }
    let inst =
        SchoolInstance::new(schools, Taxonomy::default(), Rules::default(), Weights::default()).expect("instance");
    let e = solve(&inst, &SolveOptions::default()).expect_err("five primaries");
    assert!(e.to_string().contains("5 primary schools"), "{e}");
}

#[test]
fn the_heuristic_is_deterministic_for_a_seed_and_an_iteration_cap() {
    let inst = pilot(Rules::default());
    for mode in [SolveMode::Total, SolveMode::MaxMin] {
        let opts = SolveOptions {
            mode,
            time_limit: Duration::from_secs(60),
            seed: 9,
            max_iterations: Some(300),
            ..Default::default()
        };
        let a = solve_heuristic(&inst, &opts).expect("a");
        let b = solve_heuristic(&inst, &opts).expect("b");
        assert_eq!(a.grouping, b.grouping, "{mode:?}");
    }
}
