//! Rich review-team model: rules, explanations, re-scoring, and the solver
//! against brute force on random tiny cycles.

use proptest::prelude::*;
use std::collections::HashMap;
use upward_matching::reviews::{
    Assignment, Cycle, LatLon, Person, Review, Role, Rule, Rules, Status, Team, Weights, propose, rescore,
};

fn person(id: &str, school: &str) -> Person {
    Person { id: id.into(), school: school.into(), eligible: true, max_load: 2, ..Default::default() }
}

fn review(id: &str, school: &str, week: i32, peers: u32) -> Review {
    Review { id: id.into(), school: school.into(), week, peer_places: peers, needs_lead: true, ..Default::default() }
}

fn small_cycle() -> Cycle {
    let mut lead = person("lena", "s9");
    lead.can_lead = true;
    lead.special_expertise = true;
    let mut lead2 = person("liam", "s8");
    lead2.can_lead = true;
    let mut people =
        vec![lead, lead2, person("ann", "s1"), person("bob", "s2"), person("cat", "s3"), person("dan", "s3")];
    people[2].phase = Some("primary".into());
    people[3].themes = vec!["maths".into()];
    people[4].experience = 0;
    people[5].experience = 3;
    let mut r1 = review("r1", "s1", 10, 2);
    r1.phase = Some("primary".into());
    r1.focus = vec!["maths".into(), "send".into()];
    r1.special = true;
    let r2 = review("r2", "s2", 10, 2);
    Cycle { reviews: vec![r1, r2], people, weights: Weights::default(), rules: Rules::default() }
}

#[test]
fn proposes_a_valid_optimal_assignment_with_explanations() {
    let c = small_cycle();
    let p = propose(&c).unwrap();
    assert!(matches!(p.status, Status::Optimal { .. }), "{:?}", p.status);
    assert!(p.report.warnings.is_empty(), "{:?}", p.report.warnings);
    // r1 is special: only lena can lead it.
    assert_eq!(p.assignment.teams[0].lead.as_deref(), Some("lena"));
    assert_eq!(p.assignment.teams[1].lead.as_deref(), Some("liam"));
    // Week 10 for both reviews: nobody on both.
    let t0: Vec<&String> = p.assignment.teams[0].peers.iter().collect();
    let t1: Vec<&String> = p.assignment.teams[1].peers.iter().collect();
    assert!(t0.iter().all(|x| !t1.contains(x)));
    // ann works at r1's host, bob at r2's: each can only go to the other.
    assert!(!t0.contains(&&"ann".to_string()) && !t1.contains(&&"bob".to_string()));
    // 2 + 2 peer places, 4 peers (ann, bob, cat, dan) but cat and dan share
    // a school, so they must split; everything fills.
    assert_eq!(p.report.unfilled_places, 0);
    assert!(p.unfilled.is_empty());
    // bob has maths, one of r1's two focus themes: 4 * 1/2 = 2 points.
    let r1 = &p.report.reviews[0];
    let bob = r1.members.iter().find(|m| m.person == "bob").expect("bob on r1");
    assert_eq!(bob.themes, 2000);
    assert_eq!(bob.total, 2000);
}

#[test]
fn unfilled_places_are_explained_per_rule() {
    let mut c = small_cycle();
    c.reviews[0].peer_places = 4; // r1 can only get bob + one of cat/dan
    let p = propose(&c).unwrap();
    assert!(p.report.warnings.is_empty(), "{:?}", p.report.warnings);
    let u = p.unfilled.iter().find(|u| u.review == "r1" && u.role == Role::Peer).expect("unfilled r1");
    assert_eq!(u.places, 2);
    let ann = &u.candidates.iter().find(|c| c.0 == "ann").unwrap().1;
    assert!(ann.contains(&Rule::OwnSchool));
    assert!(u.counts[&Rule::OwnSchool] >= 1);
    assert!(u.counts.contains_key(&Rule::SchoolAlreadyInTeam) || u.counts.contains_key(&Rule::WeekClash));
}

#[test]
fn rescore_warns_about_every_broken_rule() {
    let c = small_cycle();
    let a = Assignment {
        teams: vec![
            Team {
                review: "r1".into(),
                lead: Some("liam".into()),
                peers: vec!["ann".into(), "cat".into(), "dan".into()],
            },
            Team { review: "r2".into(), lead: Some("ghost".into()), peers: vec!["cat".into()] },
        ],
    };
    let rep = rescore(&c, &a);
    let counts = rep.warning_counts();
    assert_eq!(counts.get(&Rule::NoSpecialExpertise), Some(&1)); // liam leads a special school
    assert_eq!(counts.get(&Rule::OwnSchool), Some(&1)); // ann at her own school
    assert_eq!(counts.get(&Rule::SchoolAlreadyInTeam), Some(&1)); // cat + dan
    assert_eq!(counts.get(&Rule::TeamSize), Some(&1)); // 3 peers for 2 places
    assert_eq!(counts.get(&Rule::UnknownId), Some(&1)); // ghost
    assert_eq!(counts.get(&Rule::WeekClash), Some(&1)); // cat twice in week 10
    assert_eq!(rep.unfilled_places, 2); // r2: no known lead, one peer missing
}

#[test]
fn travel_limit_and_distance_penalty() {
    let mut c = small_cycle();
    let leeds = LatLon { lat: 53.8, lon: -1.55 };
    let london = LatLon { lat: 51.5, lon: -0.12 };
    c.reviews[1].location = Some(london);
    c.people[3].location = Some(leeds); // bob
    c.people[3].travel_limit_km = Some(100.0);
    c.people[4].location = Some(leeds); // cat, no limit
    let p = propose(&c).unwrap();
    assert!(!p.assignment.teams[1].peers.contains(&"bob".to_string()));
    let d = leeds.distance_km(london);
    assert!((d - 270.0).abs() < 10.0, "{d}");
    if let Some(cat) = p.report.reviews[1].members.iter().find(|m| m.person == "cat") {
        assert_eq!(cat.travel, -((d / 100.0 * 1000.0).round() as i64));
    }
}

#[test]
fn impossible_minimum_load_is_infeasible_with_reason() {
    let mut c = small_cycle();
    c.people[2].min_load = 2; // ann: both reviews are in week 10
    let p = propose(&c).unwrap();
    match p.status {
        Status::Infeasible { reasons, .. } => assert!(reasons[0].contains("ann"), "{reasons:?}"),
        s => panic!("{s:?}"),
    }
}

#[test]
fn lead_and_peer_from_one_school_are_repaired() {
    // The best peer for r1 is from the lead's school: the relaxation puts
    // both in; the repair must keep one per school.
    let mut lead = person("lee", "s5");
    lead.can_lead = true;
    lead.special_expertise = true;
    let mut star = person("sam", "s5");
    star.themes = vec!["maths".into()];
    let other = person("oli", "s6");
    let mut r = review("r1", "s1", 1, 1);
    r.focus = vec!["maths".into()];
    let c = Cycle {
        reviews: vec![r],
        people: vec![lead, star, other],
        weights: Weights::default(),
        rules: Rules::default(),
    };
    let p = propose(&c).unwrap();
    assert!(p.report.warnings.is_empty(), "{:?}", p.report.warnings);
    assert_eq!(p.assignment.teams[0].lead.as_deref(), Some("lee"));
    assert_eq!(p.assignment.teams[0].peers, vec!["oli".to_string()]);
    assert!(matches!(p.status, Status::Optimal { .. } | Status::Feasible { .. }));
}

// ---------- brute force ----------

fn value(c: &Cycle, a: &Assignment) -> Option<(i64, i64, i64)> {
    let rep = rescore(c, a);
    if rep.warnings.iter().any(|w| w.rule != Rule::BelowMinLoad) {
        return None;
    }
    let mut load: HashMap<&str, i64> = HashMap::new();
    let mut filled = 0;
    for t in &a.teams {
        for id in t.lead.iter().chain(&t.peers) {
            *load.entry(id).or_default() += 1;
            filled += 1;
        }
    }
    let mand = c.people.iter().map(|p| (p.min_load as i64).min(*load.get(p.id.as_str()).unwrap_or(&0))).sum();
    Some((mand, filled, rep.total))
}

fn brute(c: &Cycle) -> (i64, i64, i64) {
    let n = c.people.len();
    // Per review, every (lead option, peer subset).
    let options: Vec<Vec<Team>> = c
        .reviews
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            let leads: Vec<Option<usize>> =
                if r.needs_lead { std::iter::once(None).chain((0..n).map(Some)).collect() } else { vec![None] };
            for l in leads {
                for mask in 0u32..1 << n {
                    if mask.count_ones() > r.peer_places || l.is_some_and(|l| mask >> l & 1 == 1) {
                        continue;
                    }
                    v.push(Team {
                        review: r.id.clone(),
                        lead: l.map(|l| c.people[l].id.clone()),
                        peers: (0..n).filter(|&i| mask >> i & 1 == 1).map(|i| c.people[i].id.clone()).collect(),
                    });
                }
            }
            v
        })
        .collect();
    let mut best = (i64::MIN, i64::MIN, i64::MIN);
    let mut idx = vec![0usize; options.len()];
    loop {
        let a = Assignment { teams: idx.iter().enumerate().map(|(r, &i)| options[r][i].clone()).collect() };
        if let Some(v) = value(c, &a) {
            best = best.max(v);
        }
        let mut k = 0;
        loop {
            if k == idx.len() {
                return best;
            }
            idx[k] += 1;
            if idx[k] < options[k].len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

fn arb_cycle() -> impl Strategy<Value = Cycle> {
    let people = proptest::collection::vec(
        (
            0u8..3,
            any::<bool>(),
            any::<bool>(),
            (0u32..4).prop_map(|x| x / 3),
            1u32..3,
            0u8..3,
            0u8..2,
            any::<bool>(),
            0u8..2,
        ),
        2..5,
    );
    let reviews =
        proptest::collection::vec((0u8..4, 0i32..2, 0u32..3, any::<bool>(), any::<bool>(), 0u8..3, 0u8..2), 1..3);
    (people, reviews, 0u8..6, 0u8..3).prop_map(|(ps, rs, wsel, rsel)| {
        let people = ps
            .into_iter()
            .enumerate()
            .map(|(i, (school, lead, special, minl, maxl, hub, phase, hosts, exp))| Person {
                id: format!("p{i}"),
                school: format!("s{school}"),
                hub: Some(format!("h{hub}")),
                can_lead: lead,
                special_expertise: special,
                eligible: true,
                min_load: minl.min(maxl),
                max_load: maxl,
                experience: exp as u32,
                phase: Some(format!("ph{phase}")),
                themes: vec![format!("t{}", i % 2)],
                school_hosts_review: hosts,
                ..Default::default()
            })
            .collect();
        let reviews = rs
            .into_iter()
            .enumerate()
            .map(|(i, (school, week, k, needs_lead, special, hub, phase))| Review {
                id: format!("r{i}"),
                school: format!("s{school}"),
                hub: Some(format!("h{hub}")),
                week,
                special,
                peer_places: k,
                needs_lead,
                phase: Some(format!("ph{phase}")),
                focus: vec!["t0".into()],
                ..Default::default()
            })
            .collect();
        let weights = match wsel {
            0 => Weights { mix: 0.0, hub_repeat: 0.0, ..Weights::default() },
            1 => Weights::default(),
            2 => Weights { mix: 5.0, hub_repeat: 3.0, ..Weights::default() },
            // Odd thousandths: the two mix halves differ.
            3 => Weights { mix: 0.003, hub_repeat: 7.001, ..Weights::default() },
            // Negative weights: a bonus for Hub repeats, a penalty for mixing.
            4 => Weights { mix: -2.0, hub_repeat: -1.5, ..Weights::default() },
            _ => Weights { mix: 9.0, hub_repeat: 0.5, phase: 0.0, themes: 1.0, ..Weights::default() },
        };
        let rules = match rsel {
            0 => Rules { time_limit_secs: 5.0, ..Rules::default() },
            // A tiny MIP limit: the fixing survivors decide between the
            // proven and the heuristic path.
            1 => Rules { time_limit_secs: 5.0, max_mip_triples: 4, ..Rules::default() },
            _ => Rules { time_limit_secs: 5.0, same_hub_is_conflict: true, ..Rules::default() },
        };
        Cycle { reviews, people, weights, rules }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn solver_matches_brute_force_and_checker(c in arb_cycle()) {
        let p = propose(&c).unwrap();
        let best = brute(&c);
        let rep = rescore(&c, &p.assignment);
        prop_assert_eq!(&rep, &p.report);
        // Never a broken hard rule (a minimum load only when infeasible).
        prop_assert!(rep.warnings.iter().all(|w| w.rule == Rule::BelowMinLoad), "{:?}", rep.warnings);
        // The bound is valid whenever the minimum loads can be met.
        let min_total: i64 = c.people.iter().map(|p| p.min_load as i64).sum();
        if best.0 == min_total {
            prop_assert!(p.bound_filled as i64 >= best.1);
            prop_assert!(p.bound_filled as i64 > best.1 || p.bound * 1000.0 + 0.5 >= best.2 as f64, "bound {} < {:?}", p.bound, best);
        }
        match &p.status {
            Status::Optimal { .. } => {
                prop_assert!(rep.warnings.is_empty(), "{:?}", rep.warnings);
                prop_assert_eq!(value(&c, &p.assignment), Some(best));
            }
            Status::Feasible { .. } => {
                let v = value(&c, &p.assignment).expect("valid");
                prop_assert!(v <= best);
                prop_assert!(p.bound_filled as i64 >= best.1);
                prop_assert!(p.bound_filled as i64 > best.1 || p.bound * 1000.0 + 0.5 >= best.2 as f64);
            }
            Status::Infeasible { proven, .. } => {
                // Unproven only when the MIP ran on a heuristic subset.
                prop_assert!(*proven || c.rules.max_mip_triples < 100);
                if *proven {
                    prop_assert!(best.0 < min_total, "brute force met min loads: {:?}", best)
                }
            }
        }
    }
}
