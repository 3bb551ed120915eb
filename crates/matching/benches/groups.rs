//! Benchmarks of group formation (run in release, single-threaded):
//!
//! ```text
//! cargo bench -p upward-matching --bench groups -- [small] [large] [pilot] [national FILE_SCHOOLS FILE_THEMES]
//! ```
//!
//! * `small`: every n = 10 and n = 12 MDGPLIB instance solved exactly
//!   (proven optimum and time);
//! * `large`: the n = 120 and n = 240 instances of the reference table,
//!   3 seeds each at the reference CPU time, mean and best;
//! * `pilot`: the 21 schools of the Growing the Top pilot, exact, both modes;
//! * `national`: the national secondary run from CSV files written by the
//!   `national_schools` example.
//!
//! The MDGPLIB folder is `$MDGPLIB` or `../../../shared/data/mdgplib`
//! relative to this crate.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use upward_matching::groups::check::check_mdgp;
use upward_matching::groups::mdgp_ims::{ImsParams, solve_ims_with};
use upward_matching::groups::{MdgpInstance, MdgpOptions, mdgp};

fn mdgplib() -> PathBuf {
    std::env::var_os("MDGPLIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/mdgplib"))
}

fn load(family: &str, name: &str) -> MdgpInstance {
    let path = mdgplib().join(family).join(format!("{name}.txt"));
    let f = File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    MdgpInstance::parse(BufReader::new(f), &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"))
}

fn small() {
    println!("## n = 10 and n = 12, exact\n");
    println!("| instance | proven optimum | time (ms) |");
    println!("| --- | --- | --- |");
    let mut total_time = Duration::ZERO;
    let mut count = 0;
    for family in ["RanReal", "RanInt", "Geo"] {
        for n in [10, 12] {
            for kind in ["ss", "ds"] {
                for k in 1..=10 {
                    let name = format!("{family}_n{n:03}_{kind}_{k:02}");
                    let inst = load(family, &name);
                    let t = Instant::now();
                    let sol = mdgp::solve(&inst, &MdgpOptions::default());
                    let el = t.elapsed();
                    total_time += el;
                    count += 1;
                    let v = check_mdgp(&inst, &sol.assignment).expect("checker");
                    assert!(sol.proven_optimal);
                    assert!((v - sol.objective).abs() < 1e-6);
                    println!("| {name} | {:.3} | {:.1} |", sol.objective, el.as_secs_f64() * 1e3);
                }
            }
        }
    }
    println!("\n{count} instances proven optimal in {:.2} s in all.\n", total_time.as_secs_f64());
}

fn params() -> ImsParams {
    let mut p = ImsParams::default();
    let get = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<f64>().ok());
    if let Some(v) = get("IMS_DEPTH") {
        p.depth = v as u32;
    }
    if let Some(v) = get("IMS_WEAK") {
        p.weak_moves = v as usize;
    }
    if let Some(v) = get("IMS_SAMPLE") {
        p.weak_sample = v as usize;
    }
    if let Some(v) = get("IMS_STRONG") {
        p.strong_factor = v;
    }
    p
}

fn large(seeds: &[u64]) {
    let only = std::env::var("ONLY").unwrap_or_default();
    let table = [
        ("RanReal_n120_ss_01", 3, 47284.930, 47267.787),
        ("RanReal_n120_ds_01", 3, 50483.726, 50335.662),
        ("RanReal_n240_ss_01", 20, 155158.483, 155090.515),
        ("RanReal_n240_ds_01", 20, 160074.009, 160009.406),
    ];
    println!("## n = 120 and n = 240, iterated maxima search, {} seeds\n", seeds.len());
    println!("| instance | time limit | peer best | peer mean | our best | our mean | our runs | upper bound |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, secs, pbest, pmean) in table {
        if !name.contains(&only) {
            continue;
        }
        let inst = load("RanReal", name);
        let mut vals = Vec::new();
        let mut ub = 0.0;
        for &seed in seeds {
            let opts = MdgpOptions { time_limit: Duration::from_secs(secs), seed, ..Default::default() };
            let sol = solve_ims_with(&inst, &opts, &params());
            let v = check_mdgp(&inst, &sol.assignment).expect("checker");
            vals.push(v);
            eprintln!("{name} seed {seed}: {v:.3} after {} maxima searches", sol.iterations);
            ub = sol.upper_bound;
        }
        let best = vals.iter().copied().fold(f64::MIN, f64::max);
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        let runs: Vec<String> = vals.iter().map(|v| format!("{v:.3}")).collect();
        println!(
            "| {name} | {secs} s | {pbest:.3} | {pmean:.3} | {best:.3} | {mean:.3} {} | {} | {ub:.0} |",
            if mean >= pmean { "(≥ peer)" } else { "(< peer)" },
            runs.join(", ")
        );
    }
    println!();
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let all = args.is_empty();
    let want = |s: &str| all || args.iter().any(|a| a == s);
    if want("small") {
        small();
    }
    if want("large") {
        large(&[1, 2, 3]);
    }
    if let Some(p) = args.iter().position(|a| a == "tune") {
        let seeds: Vec<u64> = args[p + 1..].iter().filter_map(|s| s.parse().ok()).collect();
        large(if seeds.is_empty() { &[1] } else { &seeds });
    }
}
