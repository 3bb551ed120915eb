//! `upward match groups`: group formation from the command line.
//!
//! * `--mdgp FILE [--seconds S] [--seed N] --out FILE`: an MDGPLIB
//!   instance; prints the objective and whether it is proven optimal;
//!   writes `element,group` (both from 0).
//! * `--schools FILE --themes FILE [--min-km D] [--group-size 3|4]
//!   [--max-min] [--seconds S] [--seed N] [--explain] --out FILE`: Growing
//!   the Top groups; prints the total, the minimum group score, whether
//!   proven optimal and the time (with `--explain`, every pair's reason);
//!   writes `id,group`.
//! * `... --evaluate GROUPS_FILE` scores a grouping in that `id,group`
//!   format instead of solving, and lists every broken rule.
//!
//! Bad input gives an error naming the file, the line and the field.
//! All the work is done by `upward_matching::groups`; this module only
//! opens files and prints.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use upward_matching::groups::io::{read_grouping, read_schools, read_themes, write_assignment, write_grouping};
use upward_matching::groups::report::school_report;
use upward_matching::groups::schools::{Phase, Rules};
use upward_matching::groups::{
    MdgpInstance, MdgpOptions, SchoolInstance, SolveMode, SolveOptions, Weights, evaluate, mdgp, solve,
};
use upward_matching::themes::Taxonomy;

/// Arguments of `upward match groups`.
#[derive(Debug, Clone, clap::Args)]
pub struct GroupsArgs {
    /// An MDGPLIB instance (`n G ss|ds a_1 b_1 …` then `i j d_ij` lines).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["schools", "themes", "evaluate"])]
    pub mdgp: Option<PathBuf>,
    /// Schools CSV: `id,name,phase,latitude,longitude,single_sex,selective`.
    #[arg(long, value_name = "FILE", requires = "themes")]
    pub schools: Option<PathBuf>,
    /// Themes CSV: `school,kind,theme` (school by id or name; kind
    /// `excellence` or `challenge`).
    #[arg(long, value_name = "FILE", requires = "schools")]
    pub themes: Option<PathBuf>,
    /// A theme taxonomy CSV (`id,label,weight,keywords`) instead of the default.
    #[arg(long, value_name = "FILE")]
    pub taxonomy: Option<PathBuf>,
    /// Least distance in km between two schools of a group.
    #[arg(long, value_name = "D", default_value_t = 0.0)]
    pub min_km: f64,
    /// Preferred group size (the other size only where numbers require it).
    #[arg(long, value_name = "3|4", default_value_t = 3, value_parser = clap::value_parser!(u8).range(3..=4))]
    pub group_size: u8,
    /// Maximise the minimum group score first, then the total.
    #[arg(long)]
    pub max_min: bool,
    /// Phases allowed together, e.g. `primary:secondary` (repeatable).
    #[arg(long, value_name = "PHASE:PHASE")]
    pub cross_phase: Vec<String>,
    /// Two schools (id or name) that must share a group: `ID,ID` (repeatable).
    #[arg(long, value_name = "ID,ID")]
    pub together: Vec<String>,
    /// Two schools (id or name) that must not share a group: `ID,ID` (repeatable).
    #[arg(long, value_name = "ID,ID")]
    pub apart: Vec<String>,
    /// Time budget of the heuristic in seconds (3 for --mdgp, 10 for schools).
    #[arg(long, value_name = "S")]
    pub seconds: Option<f64>,
    /// Seed of the heuristic.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Print every group with the one-sentence reason for each pair.
    #[arg(long)]
    pub explain: bool,
    /// Score this grouping (`id,group`) instead of solving.
    #[arg(long, value_name = "GROUPS_FILE", requires = "schools")]
    pub evaluate: Option<PathBuf>,
    /// Output CSV of the grouping.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

fn open(path: &Path) -> Result<BufReader<File>> {
    File::open(path).map(BufReader::new).with_context(|| format!("cannot open {}", path.display()))
}

fn seconds(s: Option<f64>, default: f64) -> Result<Duration> {
    let s = s.unwrap_or(default);
    if !(s.is_finite() && s >= 0.0) {
        bail!("--seconds must be a non-negative number");
    }
    Ok(Duration::from_secs_f64(s))
}

/// Runs `upward match groups`.
pub fn run(args: &GroupsArgs) -> Result<()> {
    if let Some(path) = &args.mdgp {
        return run_mdgp(args, path);
    }
    let (Some(spath), Some(tpath)) = (&args.schools, &args.themes) else {
        bail!("give --mdgp FILE, or --schools FILE --themes FILE");
    };
    let mut schools = read_schools(open(spath)?, &spath.display().to_string())?;
    read_themes(open(tpath)?, &tpath.display().to_string(), &mut schools)?;
    let taxonomy = match &args.taxonomy {
        Some(p) => Taxonomy::parse(open(p)?, &p.display().to_string())?,
        None => Taxonomy::default(),
    };
    let index = |key: &str| -> Result<usize> {
        schools
            .iter()
            .position(|s| s.id == key || s.name == key)
            .ok_or_else(|| anyhow!("no school with id or name `{key}`"))
    };
    let pair = |s: &str| -> Result<(usize, usize)> {
        let (x, y) = s.split_once(',').ok_or_else(|| anyhow!("`{s}`: expected ID,ID"))?;
        Ok((index(x.trim())?, index(y.trim())?))
    };
    let mut rules = Rules { min_km: args.min_km, group_size: usize::from(args.group_size), ..Default::default() };
    for c in &args.cross_phase {
        let (x, y) = c.split_once(':').ok_or_else(|| anyhow!("`{c}`: expected PHASE:PHASE"))?;
        let px = Phase::parse(x).ok_or_else(|| anyhow!("`{x}` is not a phase"))?;
        let py = Phase::parse(y).ok_or_else(|| anyhow!("`{y}` is not a phase"))?;
        rules.phases.cross.push((px, py));
    }
    for t in &args.together {
        rules.together.push(pair(t)?);
    }
    for t in &args.apart {
        rules.apart.push(pair(t)?);
    }
    let inst = SchoolInstance::new(schools, taxonomy, rules, Weights::default())?;
    if let Some(gpath) = &args.evaluate {
        let grouping = read_grouping(open(gpath)?, &gpath.display().to_string(), &inst)?;
        let ev = evaluate(&inst, &grouping);
        print!("{}", school_report(&inst, &ev, None, args.explain));
        return Ok(());
    }
    let out = args.out.as_ref().ok_or_else(|| anyhow!("--out FILE is required"))?;
    let opts = SolveOptions {
        mode: if args.max_min { SolveMode::MaxMin } else { SolveMode::Total },
        time_limit: seconds(args.seconds, 10.0)?,
        seed: args.seed,
        ..Default::default()
    };
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.set_message(format!("grouping {} schools", inst.len()));
    spinner.enable_steady_tick(Duration::from_millis(200));
    let res = solve(&inst, &opts);
    spinner.finish_and_clear();
    let res = res?;
    let ev = evaluate(&inst, &res.grouping);
    print!("{}", school_report(&inst, &ev, Some(&res), args.explain));
    std::fs::write(out, write_grouping(&inst, &res.grouping))
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}

fn run_mdgp(args: &GroupsArgs, path: &Path) -> Result<()> {
    let out = args.out.as_ref().ok_or_else(|| anyhow!("--out FILE is required"))?;
    let inst = MdgpInstance::parse(open(path)?, &path.display().to_string())?;
    let opts = MdgpOptions { time_limit: seconds(args.seconds, 3.0)?, seed: args.seed, ..Default::default() };
    let sol = mdgp::solve(&inst, &opts);
    println!("objective: {:.3}", sol.objective);
    println!("optimal: {}", if sol.proven_optimal { "yes (proven)" } else { "not proven" });
    if !sol.proven_optimal {
        println!("upper bound: {:.3}", sol.upper_bound);
    }
    println!("method: {}", sol.method);
    println!("time: {:.3} s", sol.elapsed.as_secs_f64());
    std::fs::write(out, write_assignment(&sol.assignment))
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(())
}
