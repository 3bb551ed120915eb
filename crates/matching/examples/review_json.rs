//! Solve a review cycle saved as JSON (e.g. the `cycle` of a stored matching
//! run's input): `cargo run --release -p upward-matching --example review_json -- FILE [SECONDS]`
//!
//! Prints the status, the score, the bound and the time.

use std::time::Instant;
use upward_matching::reviews::{Cycle, propose};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: review_json FILE [SECONDS]");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let mut cycle: Cycle = serde_json::from_str(&text).unwrap_or_else(|e| {
        eprintln!("{path}: not a review cycle: {e}");
        std::process::exit(1)
    });
    if let Some(s) = args.get(1).and_then(|s| s.parse().ok()) {
        cycle.rules.time_limit_secs = s;
    }
    let t = Instant::now();
    let p = match propose(&cycle) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(1)
        }
    };
    let secs = t.elapsed().as_secs_f64();
    let filled: usize = p.assignment.teams.iter().map(|t| t.peers.len() + t.lead.is_some() as usize).sum();
    println!("reviews {} people {}", cycle.reviews.len(), cycle.people.len());
    println!("status {:?}", p.status);
    println!(
        "score {:.3} bound {:.3} filled {} warnings {} time {secs:.2}s",
        p.report.total_points(),
        p.bound,
        filled,
        p.report.warnings.len()
    );
    let could_mix = cycle.reviews.iter().filter(|r| r.peer_places >= 2).count();
    let mixed = p.report.reviews.iter().filter(|r| r.mix > 0).count();
    let hub: i64 = p.report.reviews.iter().map(|r| r.hub_repeat).sum();
    let members: i64 = p.report.reviews.iter().flat_map(|r| &r.members).map(|m| m.total).sum();
    println!(
        "teams with a mix {mixed} of {could_mix} that could have one; Hub repeats {:.1}; members' scores {:.1}",
        hub as f64 / 1000.0,
        members as f64 / 1000.0
    );
}
