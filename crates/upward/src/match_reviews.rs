//! `upward match reviews`: the bench-format reviewer assignment from CSV
//! files, solved exactly by `upward_matching::reviews::bench`.
//!
//! ```text
//! upward match reviews --scores FILE --conflicts FILE --team-size K --max-load L
//!                      [--min-load M] --out FILE [--explain]
//! ```
//!
//! `scores` has lines `paper,reviewer,score` and `conflicts` lines
//! `paper,reviewer,-1`, both without header. The output is a CSV with header
//! `paper,reviewer`. Prints the total score, the worst team's score, whether
//! the result is proven optimal, and the time taken (reading included).

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::cell::RefCell;
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::PathBuf;
use std::rc::Rc;
use std::time::Instant;
use upward_matching::reviews::bench::{self, BenchParams, BenchStatus, csv::CsvScores};

/// Arguments of `upward match reviews`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReviewsArgs {
    /// Scores file: `paper,reviewer,score` lines, no header.
    #[arg(long, value_name = "FILE")]
    pub scores: PathBuf,
    /// Conflicts file: `paper,reviewer,-1` lines, no header.
    #[arg(long, value_name = "FILE")]
    pub conflicts: PathBuf,
    /// Reviewers per review.
    #[arg(long, value_name = "K")]
    pub team_size: u32,
    /// Most reviews per reviewer.
    #[arg(long, value_name = "L")]
    pub max_load: u32,
    /// Fewest reviews per reviewer.
    #[arg(long, value_name = "M", default_value_t = 0)]
    pub min_load: u32,
    /// Where to write the assignment (CSV `paper,reviewer`).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Print every review's team with each reviewer's score.
    #[arg(long)]
    pub explain: bool,
}

fn bar(len: u64, msg: String) -> ProgressBar {
    let pb = ProgressBar::new(len);
    pb.set_style(
        ProgressStyle::with_template(
            "{msg} [{bar:40}] {binary_bytes}/{binary_total_bytes} ({binary_bytes_per_sec}, {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_message(msg);
    pb
}

/// Runs `upward match reviews`.
pub fn run(args: &ReviewsArgs) -> Result<()> {
    let start = Instant::now();
    let prm =
        BenchParams { team_size: args.team_size, max_load: args.max_load, min_load: args.min_load, candidates: None };
    let current: Rc<RefCell<Option<ProgressBar>>> = Rc::new(RefCell::new(None));
    let path = args.scores.clone();
    let (bars, mut pass) = (current.clone(), 0);
    let mut src = CsvScores::new(move || {
        let f = File::open(&path)?;
        let len = f.metadata()?.len();
        pass += 1;
        let label = if pass == 1 { "reading scores".to_string() } else { format!("checking all pairs (pass {pass})") };
        let pb = bar(len, label);
        if let Some(old) = bars.borrow_mut().replace(pb.clone()) {
            old.finish_and_clear();
        }
        Ok(pb.wrap_read(f))
    });
    let cf = File::open(&args.conflicts).with_context(|| format!("cannot open {}", args.conflicts.display()))?;
    let conflicts =
        src.read_conflicts(BufReader::new(cf)).with_context(|| format!("in {}", args.conflicts.display()))?;
    let sol = bench::solve(&mut src, &conflicts, &prm).with_context(|| format!("in {}", args.scores.display()));
    if let Some(pb) = current.borrow_mut().take() {
        pb.finish_and_clear();
    }
    let sol = sol?;
    let mut w = csv::Writer::from_path(&args.out).with_context(|| format!("cannot write {}", args.out.display()))?;
    w.write_record(["paper", "reviewer"])?;
    for (p, r) in sol.pairs() {
        w.write_record([p, r])?;
    }
    w.flush().with_context(|| format!("cannot write {}", args.out.display()))?;
    let elapsed = start.elapsed();
    let mut out = std::io::stdout().lock();
    if args.explain {
        write!(out, "{}", sol.explain())?;
    }
    writeln!(out, "total score: {:.4}", sol.total())?;
    writeln!(out, "minimum team score: {:.4}", sol.min_team())?;
    writeln!(out, "optimal: {}", if sol.status == BenchStatus::OptimalCertified { "yes (certified)" } else { "no" })?;
    if src.scores_were_rounded() {
        writeln!(
            out,
            "note: scores with more than 6 decimals were rounded to 6; the optimum is for the rounded scores"
        )?;
    }
    writeln!(out, "time: {:.3} s", elapsed.as_secs_f64())?;
    if let BenchStatus::Infeasible(reasons) = &sol.status {
        bail!("no assignment meets the rules: {}", reasons.join("; "));
    }
    Ok(())
}
