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
//! * `exact`: the exact school solver on random cohorts of 12 to 24;
//! * `national [SCHOOLS THEMES]`: the national secondary run (3 seeds, both
//!   modes, `NATIONAL_SECONDS` per run, default 50) from the CSV files
//!   written by the `national_schools` example (default `/tmp/national-*.csv`).
//!
//! The MDGPLIB folder is `$MDGPLIB` or `../../../shared/data/mdgplib`
//! relative to this crate.

use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use upward_matching::groups::check::{check_mdgp, check_schools};
use upward_matching::groups::io::{read_schools, read_themes};
use upward_matching::groups::mdgp_ims::{ImsParams, solve_ims_with};
use upward_matching::groups::school_solver::{solve_exact, solve_heuristic};
use upward_matching::groups::{MdgpInstance, MdgpOptions, mdgp};
use upward_matching::groups::{Rules, SchoolInstance, SolveMode, SolveOptions, Weights, solve};
use upward_matching::themes::Taxonomy;

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

/// CPU time of the calling thread: the MDGP time limits are CPU seconds,
/// as in the literature, whatever else the (shared) machine is doing.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid, writable timespec; the call only writes it.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
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
    if let Some(v) = get("IMS_SWAPONLY") {
        p.swap_perturb = v > 0.0;
    }
    if let Some(v) = get("IMS_SIZESTART") {
        p.size_start = v > 0.0;
        p.all_size_start = v > 1.0;
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
    println!("| instance | CPU-time limit | peer best | peer mean | our best | our mean | our runs | upper bound |");
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (name, secs, pbest, pmean) in table {
        if !name.contains(&only) {
            continue;
        }
        let inst = load("RanReal", name);
        let mut vals = Vec::new();
        let mut ub = 0.0;
        for &seed in seeds {
            let opts = MdgpOptions {
                time_limit: Duration::from_secs(secs),
                seed,
                clock: Some(thread_cpu),
                ..Default::default()
            };
            let wall = Instant::now();
            let sol = solve_ims_with(&inst, &opts, &params());
            let wall = wall.elapsed();
            let v = check_mdgp(&inst, &sol.assignment).expect("checker");
            vals.push(v);
            eprintln!(
                "{name} seed {seed}: {v:.3} after {} maxima searches, {:.2} s CPU, {:.2} s wall",
                sol.iterations,
                sol.elapsed.as_secs_f64(),
                wall.as_secs_f64()
            );
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

fn load_schools(schools: &str, themes: &str, rules: Rules) -> SchoolInstance {
    let open = |p: &str| BufReader::new(File::open(p).unwrap_or_else(|e| panic!("{p}: {e}")));
    let mut list = read_schools(open(schools), schools).unwrap_or_else(|e| panic!("{e}"));
    read_themes(open(themes), themes, &mut list).unwrap_or_else(|e| panic!("{e}"));
    SchoolInstance::new(list, Taxonomy::default(), rules, Weights::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn pilot() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let s = dir.join("gtt-2018-schools.csv").display().to_string();
    let t = dir.join("gtt-2018-themes.csv").display().to_string();
    let inst = load_schools(&s, &t, Rules::default());
    println!("## Growing the Top pilot (21 schools, no coordinates)\n");
    println!("| mode | method | total | minimum group | proven | time (ms) |");
    println!("| --- | --- | --- | --- | --- | --- |");
    for mode in [SolveMode::Total, SolveMode::MaxMin] {
        let r = solve_exact(&inst, mode).expect("exact");
        assert!(check_schools(&inst, &r.grouping).broken.is_empty());
        println!(
            "| {mode:?} | exact | {:.3} | {:.3} | yes | {:.1} |",
            r.total,
            r.min_group,
            r.elapsed.as_secs_f64() * 1e3
        );
        let opts = SolveOptions { mode, time_limit: Duration::from_secs(1), seed: 1, ..Default::default() };
        let h = solve_heuristic(&inst, &opts).expect("heuristic");
        assert!(check_schools(&inst, &h.grouping).broken.is_empty());
        println!(
            "| {mode:?} | heuristic, 1 s | {:.3} | {:.3} | no | {:.1} |",
            h.total,
            h.min_group,
            h.elapsed.as_secs_f64() * 1e3
        );
    }
    println!();
}

fn national(schools: &str, themes: &str, seconds: u64, seeds: &[u64]) {
    let t0 = Instant::now();
    let inst = load_schools(schools, themes, Rules { min_km: 15.0, ..Default::default() });
    let load = t0.elapsed();
    let restricted = inst.schools.iter().filter(|s| s.single_sex || s.selective).count();
    println!("## National: {} state-funded mainstream secondary schools, trios, no two within 15 km\n", inst.len());
    println!("{restricted} single-sex or selective schools; loading and tagging took {:.2} s.\n", load.as_secs_f64());
    println!(
        "| mode | seed | time limit | total | minimum group | rules kept | upper bound on total | wall time (s) |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for mode in [SolveMode::Total, SolveMode::MaxMin] {
        for &seed in seeds {
            let opts = SolveOptions { mode, time_limit: Duration::from_secs(seconds), seed, ..Default::default() };
            let t = Instant::now();
            let r = solve(&inst, &opts).expect("solve");
            let wall = t.elapsed();
            let c = check_schools(&inst, &r.grouping);
            println!(
                "| {mode:?} | {seed} | {seconds} s | {:.3} | {:.3} | {} | {} | {:.2} |",
                c.total,
                c.min_group,
                if c.broken.is_empty() { "all".to_string() } else { format!("{} broken", c.broken.len()) },
                r.upper_bound.map(|b| format!("{b:.1}")).unwrap_or_else(|| "–".into()),
                wall.as_secs_f64()
            );
        }
    }
    println!();
}

fn exact_scaling() {
    println!("## Exact school solver on random cohorts (themes drawn from the pilot's)\n");
    println!("| schools | groups | states | time (ms) |");
    println!("| --- | --- | --- | --- |");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
    let s = dir.join("gtt-2018-schools.csv").display().to_string();
    let t = dir.join("gtt-2018-themes.csv").display().to_string();
    let base = load_schools(&s, &t, Rules::default());
    for n in [12, 15, 18, 21, 22, 24] {
        let mut list: Vec<_> = (0..n)
            .map(|i| {
                let mut x = base.schools[i % base.len()].clone();
                x.id = format!("S{i}");
                x.name = format!("School {i}");
                x
            })
            .collect();
        list.rotate_left(n % 5);
        let inst =
            SchoolInstance::new(list, Taxonomy::default(), Rules::default(), Weights::default()).expect("instance");
        let r = solve_exact(&inst, SolveMode::Total).expect("exact");
        println!("| {n} | {} | {} | {:.1} |", r.grouping.groups.len(), r.iterations, r.elapsed.as_secs_f64() * 1e3);
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
    if want("pilot") {
        pilot();
    }
    if want("exact") {
        exact_scaling();
    }
    if let Some(p) = args.iter().position(|a| a == "national") {
        let schools = args.get(p + 1).cloned().unwrap_or_else(|| "/tmp/national-schools.csv".into());
        let themes = args.get(p + 2).cloned().unwrap_or_else(|| "/tmp/national-themes.csv".into());
        let secs = std::env::var("NATIONAL_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
        national(&schools, &themes, secs, &[1, 2, 3]);
    }
    if let Some(p) = args.iter().position(|a| a == "tune") {
        let seeds: Vec<u64> = args[p + 1..].iter().filter_map(|s| s.parse().ok()).collect();
        large(if seeds.is_empty() { &[1] } else { &seeds });
    }
}
