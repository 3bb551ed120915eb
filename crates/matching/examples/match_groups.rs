//! End-to-end stand-in for `upward match groups` (the binary is wired
//! elsewhere): the same options, the same output files and report.
//!
//! ```text
//! cargo run --release -p upward-matching --example match_groups -- --mdgp FILE [--seconds S] [--seed N] --out FILE
//! cargo run --release -p upward-matching --example match_groups -- --schools FILE --themes FILE \
//!     [--min-km D] [--group-size 3|4] [--max-min] [--seconds S] [--seed N] [--explain] \
//!     [--cross-phase primary:secondary] [--together ID,ID] [--apart ID,ID] (--out FILE | --evaluate GROUPS_FILE)
//! ```

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;
use std::time::Duration;

use upward_matching::groups::io::{read_grouping, read_schools, read_themes, write_assignment, write_grouping};
use upward_matching::groups::report::school_report;
use upward_matching::groups::schools::{Phase, Rules};
use upward_matching::groups::{
    MdgpInstance, MdgpOptions, SchoolInstance, SolveMode, SolveOptions, Weights, evaluate, mdgp, solve,
};
use upward_matching::themes::Taxonomy;

#[derive(Default)]
struct Args {
    mdgp: Option<String>,
    schools: Option<String>,
    themes: Option<String>,
    taxonomy: Option<String>,
    evaluate: Option<String>,
    out: Option<String>,
    min_km: f64,
    group_size: usize,
    max_min: bool,
    explain: bool,
    seconds: Option<f64>,
    seed: u64,
    candidates: Option<usize>,
    cross: Vec<String>,
    together: Vec<String>,
    apart: Vec<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args { group_size: 3, seed: 1, ..Default::default() };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().ok_or_else(|| format!("{k} needs a value"));
        match k.as_str() {
            "--mdgp" => a.mdgp = Some(val()?),
            "--schools" => a.schools = Some(val()?),
            "--themes" => a.themes = Some(val()?),
            "--taxonomy" => a.taxonomy = Some(val()?),
            "--evaluate" => a.evaluate = Some(val()?),
            "--out" => a.out = Some(val()?),
            "--min-km" => a.min_km = val()?.parse().map_err(|_| "--min-km needs a number")?,
            "--group-size" => a.group_size = val()?.parse().map_err(|_| "--group-size needs 3 or 4")?,
            "--seconds" => a.seconds = Some(val()?.parse().map_err(|_| "--seconds needs a number")?),
            "--seed" => a.seed = val()?.parse().map_err(|_| "--seed needs a whole number")?,
            "--candidates" => a.candidates = Some(val()?.parse().map_err(|_| "--candidates needs a whole number")?),
            "--cross-phase" => a.cross.push(val()?),
            "--together" => a.together.push(val()?),
            "--apart" => a.apart.push(val()?),
            "--max-min" => a.max_min = true,
            "--explain" => a.explain = true,
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(a)
}

fn open(path: &str) -> Result<BufReader<File>, String> {
    File::open(path).map(BufReader::new).map_err(|e| format!("{path}: {e}"))
}

fn run(a: Args) -> Result<(), String> {
    if let Some(path) = &a.mdgp {
        let inst = MdgpInstance::parse(open(path)?, path).map_err(|e| e.to_string())?;
        let opts = MdgpOptions {
            time_limit: Duration::from_secs_f64(a.seconds.unwrap_or(3.0)),
            seed: a.seed,
            ..Default::default()
        };
        let sol = mdgp::solve(&inst, &opts);
        println!("objective: {:.3}", sol.objective);
        println!("optimal: {}", if sol.proven_optimal { "yes (proven)" } else { "not proven" });
        if !sol.proven_optimal {
            println!("upper bound: {:.3}", sol.upper_bound);
        }
        println!("method: {}", sol.method);
        println!("time: {:.3} s", sol.elapsed.as_secs_f64());
        let out = a.out.as_deref().ok_or("--out FILE is required")?;
        std::fs::write(out, write_assignment(&sol.assignment)).map_err(|e| format!("{out}: {e}"))?;
        return Ok(());
    }
    let spath = a.schools.as_deref().ok_or("give --mdgp FILE or --schools FILE --themes FILE")?;
    let tpath = a.themes.as_deref().ok_or("--themes FILE is required with --schools")?;
    let mut schools = read_schools(open(spath)?, spath).map_err(|e| e.to_string())?;
    read_themes(open(tpath)?, tpath, &mut schools).map_err(|e| e.to_string())?;
    let taxonomy = match &a.taxonomy {
        Some(p) => Taxonomy::parse(open(p)?, p).map_err(|e| e.to_string())?,
        None => Taxonomy::default(),
    };
    let index = |key: &str| -> Result<usize, String> {
        schools.iter().position(|s| s.id == key || s.name == key).ok_or_else(|| format!("no school `{key}`"))
    };
    let pair = |s: &str| -> Result<(usize, usize), String> {
        let (x, y) = s.split_once(',').ok_or_else(|| format!("`{s}`: expected ID,ID"))?;
        Ok((index(x.trim())?, index(y.trim())?))
    };
    let mut rules = Rules { min_km: a.min_km, group_size: a.group_size, ..Default::default() };
    for c in &a.cross {
        let (x, y) = c.split_once(':').ok_or_else(|| format!("`{c}`: expected PHASE:PHASE"))?;
        let px = Phase::parse(x).ok_or_else(|| format!("`{x}` is not a phase"))?;
        let py = Phase::parse(y).ok_or_else(|| format!("`{y}` is not a phase"))?;
        rules.phases.cross.push((px, py));
    }
    for t in &a.together {
        rules.together.push(pair(t)?);
    }
    for t in &a.apart {
        rules.apart.push(pair(t)?);
    }
    let inst = SchoolInstance::new(schools, taxonomy, rules, Weights::default()).map_err(|e| e.to_string())?;
    if let Some(gpath) = &a.evaluate {
        let grouping = read_grouping(open(gpath)?, gpath, &inst).map_err(|e| e.to_string())?;
        let ev = evaluate(&inst, &grouping);
        print!("{}", school_report(&inst, &ev, None, a.explain));
        return Ok(());
    }
    let out = a.out.as_deref().ok_or("--out FILE is required")?;
    let opts = SolveOptions {
        mode: if a.max_min { SolveMode::MaxMin } else { SolveMode::Total },
        time_limit: Duration::from_secs_f64(a.seconds.unwrap_or(10.0)),
        seed: a.seed,
        candidates: a.candidates.unwrap_or(SolveOptions::default().candidates),
        ..Default::default()
    };
    let res = solve(&inst, &opts).map_err(|e| e.to_string())?;
    let ev = evaluate(&inst, &res.grouping);
    print!("{}", school_report(&inst, &ev, Some(&res), a.explain));
    std::fs::write(out, write_grouping(&inst, &res.grouping)).map_err(|e| format!("{out}: {e}"))?;
    Ok(())
}

fn main() -> ExitCode {
    match parse_args().and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
