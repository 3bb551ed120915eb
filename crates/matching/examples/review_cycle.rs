//! A synthetic national review cycle for the rich model:
//! `cargo run --release -p upward-matching --example review_cycle -- [REVIEWS] [PEOPLE] [SECONDS]`
//!
//! Prints the status (optimal / feasible with gap), the time, the number of
//! unfilled places with the top exclusion reasons, and one team's breakdown.

use std::time::Instant;
use upward_matching::reviews::{Cycle, LatLon, Person, Review, Rules, Weights, propose};

fn main() {
    let a: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let (nr, np, secs) =
        (a.first().copied().unwrap_or(100), a.get(1).copied().unwrap_or(600), a.get(2).copied().unwrap_or(10));
    let mut x: u64 = 42;
    let mut rnd = move |m: u64| {
        x = upward_matching::reviews::bench::generate::splitmix64(x);
        x % m
    };
    let themes = ["maths", "english", "send", "assessment", "behaviour", "curriculum", "sixth form", "leadership"];
    let phases = ["primary", "secondary", "special"];
    let n_schools = 480;
    let school_loc: Vec<LatLon> = (0..n_schools)
        .map(|_| LatLon { lat: 50.5 + rnd(400) as f64 / 100.0, lon: -3.5 + rnd(500) as f64 / 100.0 })
        .collect();
    let hub_of = |s: usize| format!("hub{}", s % 30);
    let trust_of = |s: usize| if s.is_multiple_of(3) { Some(format!("trust{}", s % 130)) } else { None };
    let reviews: Vec<Review> = (0..nr)
        .map(|i| {
            let s = rnd(n_schools as u64) as usize;
            let phase = phases[(rnd(10) as usize).min(2) % 3];
            Review {
                id: format!("rev{i:03}"),
                school: format!("s{s}"),
                trust: trust_of(s),
                hub: Some(hub_of(s)),
                week: rnd(30) as i32,
                special: phase == "special",
                peer_places: 2 + rnd(3) as u32,
                needs_lead: true,
                location: Some(school_loc[s]),
                phase: Some(phase.into()),
                focus: (0..2).map(|_| themes[rnd(8) as usize].to_string()).collect(),
            }
        })
        .collect();
    let host_schools: std::collections::HashSet<String> = reviews.iter().map(|r| r.school.clone()).collect();
    let people: Vec<Person> = (0..np)
        .map(|i| {
            let s = rnd(n_schools as u64) as usize;
            let lead = rnd(6) == 0;
            Person {
                id: format!("per{i:04}"),
                school: format!("s{s}"),
                trust: trust_of(s),
                hub: Some(hub_of(s)),
                can_lead: lead,
                special_expertise: rnd(5) == 0,
                eligible: rnd(20) != 0,
                min_load: 0,
                max_load: if lead { 6 } else { 1 + rnd(2) as u32 },
                conflicts: vec![format!("s{}", rnd(n_schools as u64))],
                reviewed: vec![(format!("s{}", rnd(n_schools as u64)), 1)],
                location: Some(school_loc[s]),
                travel_limit_km: if rnd(3) == 0 { Some(150.0) } else { None },
                experience: rnd(4) as u32,
                phase: Some(phases[(rnd(10) as usize).min(2) % 3].into()),
                themes: (0..3).map(|_| themes[rnd(8) as usize].to_string()).collect(),
                school_hosts_review: host_schools.contains(&format!("s{s}")),
            }
        })
        .collect();
    let cycle = Cycle {
        reviews,
        people,
        weights: Weights::default(),
        rules: Rules { time_limit_secs: secs as f64, ..Rules::default() },
    };
    let t = Instant::now();
    let p = propose(&cycle).expect("propose");
    println!("{nr} reviews, {np} people: {:.2} s", t.elapsed().as_secs_f64());
    println!("status: {:?}", p.status);
    println!(
        "score {:.3} (bound {:.3}), unfilled places {}",
        p.report.total_points(),
        p.bound,
        p.report.unfilled_places
    );
    println!("warnings: {}", p.report.warnings.len());
    if let Some(u) = p.unfilled.first() {
        println!("first unfilled: {} {:?} x{}: {:?}", u.review, u.role, u.places, u.counts);
    }
    let r = &p.report.reviews[0];
    println!("team of {}: total {} (mix {}, hub {})", r.review, r.total, r.mix, r.hub_repeat);
    for m in &r.members {
        println!(
            "  {} {:?}: phase {} themes {} travel {} reciprocity {} = {}",
            m.person, m.role, m.phase, m.themes, m.travel, m.reciprocity, m.total
        );
    }
}
