//! Facilitator assignment: rules, explanations, brute force.

use proptest::prelude::*;
use upward_matching::facilitators::{
    FacAssignment, FacRule, FacWeights, Facilitator, Group, GroupSchool, assign, check,
};

fn group(id: &str, schools: &[&str], dates: &[&str]) -> Group {
    Group {
        id: id.into(),
        schools: schools.iter().map(|s| GroupSchool { id: s.to_string(), location: None }).collect(),
        visit_dates: dates.iter().map(|d| d.to_string()).collect(),
        ..Default::default()
    }
}

fn fac(id: &str, school: &str, dates: &[&str], max: u32) -> Facilitator {
    Facilitator {
        id: id.into(),
        school: Some(school.into()),
        eligible: true,
        available: dates.iter().map(|d| d.to_string()).collect(),
        max_groups: max,
        ..Default::default()
    }
}

#[test]
fn assigns_and_explains() {
    let d = ["2025-01-10", "2025-02-10", "2025-03-10"];
    let mut g1 = group("g1", &["a", "b", "c"], &d);
    g1.phase = Some("secondary".into());
    g1.context = vec!["sixth form".into(), "rural".into()];
    let g2 = group("g2", &["d", "e", "f"], &d);
    let g3 = group("g3", &["g", "h", "i"], &["2025-05-01"]);
    let mut f1 = fac("f1", "x", &d, 1);
    f1.phase = Some("secondary".into());
    f1.context = vec!["rural".into()];
    let f2 = fac("f2", "d", &d, 2); // from g2's school d
    let facs = vec![f1, f2];
    let p = assign(&[g1.clone(), g2.clone(), g3.clone()], &facs, &FacWeights::default()).unwrap();
    // f1 is the only one for g2 (f2 is from school d); so g1 gets f2 and f1 goes to g2?
    // Coverage first: g1 <- f2, g2 <- f1; g3 (unavailable date) unfilled.
    assert_eq!(p.assignment[0].facilitator.as_deref(), Some("f2"));
    assert_eq!(p.assignment[1].facilitator.as_deref(), Some("f1"));
    assert_eq!(p.assignment[2].facilitator, None);
    assert!(p.report.warnings.is_empty());
    assert_eq!(p.unfilled.len(), 1);
    assert_eq!(p.unfilled[0].counts.get(&FacRule::Unavailable), Some(&2));
    // Re-scoring a hand edit: f2 on g2 breaks the own-school rule.
    let edit = vec![FacAssignment { group: "g2".into(), facilitator: Some("f2".into()) }];
    let rep = check(&[g1, g2, g3], &facs, &FacWeights::default(), &edit);
    assert_eq!(rep.warnings.len(), 1);
    assert_eq!(rep.warnings[0].rule, FacRule::FromGroupSchool);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn matches_brute_force(
        ng in 1usize..4, nf in 1usize..4,
        gs in proptest::collection::vec((0u8..4, 0u8..2, 0u8..2), 4),
        fs in proptest::collection::vec((0u8..6, 0u8..3, 0u32..3, 0u8..2, any::<bool>()), 4),
    ) {
        let dates = ["d0", "d1", "d2"];
        let groups: Vec<Group> = (0..ng).map(|i| {
            let (s, ph, ctx) = gs[i];
            let mut g = group(&format!("g{i}"), &[&format!("s{s}"), &format!("s{}", s + 1)], &dates[..=(i % 2)]);
            g.phase = Some(format!("p{ph}"));
            g.context = vec![format!("c{ctx}")];
            g
        }).collect();
        let facs: Vec<Facilitator> = (0..nf).map(|i| {
            let (s, avail, max, ph, ctx) = fs[i];
            let mut f = fac(&format!("f{i}"), &format!("s{s}"), &dates[..=avail as usize], max);
            f.phase = Some(format!("p{ph}"));
            f.context = if ctx { vec!["c0".into()] } else { vec![] };
            f
        }).collect();
        let w = FacWeights::default();
        let p = assign(&groups, &facs, &w).unwrap();
        prop_assert!(p.report.warnings.is_empty());
        // Brute force over every choice (None or a facilitator) per group.
        let mut best = (i64::MIN, i64::MIN);
        let mut idx = vec![0usize; ng];
        loop {
            let a: Vec<FacAssignment> = (0..ng).map(|g| FacAssignment {
                group: format!("g{g}"),
                facilitator: if idx[g] == 0 { None } else { Some(format!("f{}", idx[g] - 1)) },
            }).collect();
            let rep = check(&groups, &facs, &w, &a);
            if rep.warnings.is_empty() {
                let filled = a.iter().filter(|x| x.facilitator.is_some()).count() as i64;
                best = best.max((filled, rep.total));
            }
            let mut k = 0;
            while k < ng { idx[k] += 1; if idx[k] <= nf { break; } idx[k] = 0; k += 1; }
            if k == ng { break; }
        }
        let filled = p.assignment.iter().filter(|x| x.facilitator.is_some()).count() as i64;
        prop_assert_eq!((filled, p.report.total), best);
    }
}
