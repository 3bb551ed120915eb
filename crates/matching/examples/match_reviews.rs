//! End-to-end bench-format solver, the same as `upward match reviews`:
//!
//! ```text
//! cargo run --release -p upward-matching --example match_reviews -- \
//!     --scores DIR/scores.csv --conflicts DIR/constraints.csv \
//!     --team-size 4 --max-load 3 [--min-load 0] --out OUT.csv [--explain] [--candidates T]
//! ```
//!
//! Prints the total score, the worst team's score, whether it is optimal and
//! the time taken (reading included).

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::process::ExitCode;
use std::time::Instant;
use upward_matching::reviews::bench::{self, BenchParams, BenchStatus, csv::CsvScores, csv::write_assignment};

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(2),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<bool, String> {
    let start = Instant::now();
    let mut args = std::env::args().skip(1);
    let (mut scores, mut conflicts, mut out) = (None, None, None);
    let mut prm = BenchParams::new(0, 0);
    let mut explain = false;
    let num = |v: Option<String>, name: &str| -> Result<u32, String> {
        v.ok_or(format!("{name} needs a value"))?.parse().map_err(|e| format!("{name}: {e}"))
    };
    while let Some(a) = args.next() {
        match a.as_str() {
            "--scores" => scores = args.next(),
            "--conflicts" => conflicts = args.next(),
            "--out" => out = args.next(),
            "--team-size" => prm.team_size = num(args.next(), "--team-size")?,
            "--max-load" => prm.max_load = num(args.next(), "--max-load")?,
            "--min-load" => prm.min_load = num(args.next(), "--min-load")?,
            "--candidates" => prm.candidates = Some(num(args.next(), "--candidates")?),
            "--explain" => explain = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let scores = scores.ok_or("--scores is required")?;
    let out = out.ok_or("--out is required")?;
    let path = scores.clone();
    let mut src = CsvScores::new(move || File::open(&path));
    let cs = match conflicts {
        Some(c) => {
            let f = File::open(&c).map_err(|e| format!("{c}: {e}"))?;
            src.read_conflicts(BufReader::new(f)).map_err(|e| e.to_string())?
        }
        None => Default::default(),
    };
    let sol = bench::solve(&mut src, &cs, &prm).map_err(|e| e.to_string())?;
    let f = File::create(&out).map_err(|e| format!("{out}: {e}"))?;
    write_assignment(BufWriter::new(f), &sol).map_err(|e| format!("{out}: {e}"))?;
    let elapsed = start.elapsed();
    if explain {
        print!("{}", sol.explain());
    }
    println!("total score: {:.4}", sol.total());
    println!("minimum team score: {:.4}", sol.min_team());
    println!("status: {}", sol.status);
    println!(
        "stats: {} pass(es) over the scores, {} solve(s), {} candidate pairs, {} added after pass 1",
        sol.stats.passes, sol.stats.solves, sol.stats.pair_arcs, sol.stats.pairs_added
    );
    if src.scores_were_rounded() {
        println!("note: scores with more than 6 decimals were rounded to 6; optimal for the rounded scores");
    }
    println!("time: {:.3} s", elapsed.as_secs_f64());
    Ok(sol.status == BenchStatus::OptimalCertified)
}
