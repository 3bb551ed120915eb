//! Read and check a GIAS extract, as an import would, and report.
//!
//! ```text
//! cargo run --release -p upward-gias --example parse -- /tmp/gias-52k.csv [--diff-with OTHER.csv]
//! ```
//!
//! Prints progress on stderr, then the outcome: counts, layout, timings and
//! peak memory (VmHWM) on stdout, or every problem and exit status 1. With
//! `--diff-with`, also reads OTHER.csv as the schools already held and
//! reports what importing the first file would change.

use std::fs::File;
use std::io::{BufReader, Write};
use std::process::ExitCode;
use std::time::Instant;

use upward_domain::school::SchoolStatus;
use upward_gias::{Extract, Progress, read_extract};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, held) = match args.as_slice() {
        [path] => (path.clone(), None),
        [path, flag, other] if flag == "--diff-with" => (path.clone(), Some(other.clone())),
        _ => {
            eprintln!("usage: parse FILE [--diff-with HELD.csv]");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    let extract = match read(&path) {
        Ok(e) => e,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    let read_time = start.elapsed();
    let open = extract
        .schools
        .iter()
        .filter(|s| matches!(s.status, SchoolStatus::Open | SchoolStatus::ProposedToClose))
        .count();
    println!(
        "{path}: {} rows, {} open; {} columns, {:?}; {} optional columns missing {:?}; {} warnings",
        extract.rows,
        open,
        extract.layout.columns,
        extract.layout.encoding,
        extract.layout.optional_missing.len(),
        extract.layout.optional_missing,
        extract.warnings_total,
    );
    for w in &extract.warnings {
        println!("warning: {w}");
    }
    println!(
        "read and checked in {:.3} s; {} records of {} bytes each (plus their text)",
        read_time.as_secs_f64(),
        extract.schools.len(),
        std::mem::size_of::<upward_domain::school::SchoolData>()
    );

    if let Some(held_path) = held {
        let held = match read(&held_path) {
            Ok(e) => e,
            Err(message) => {
                eprintln!("{message}");
                return ExitCode::FAILURE;
            }
        };
        let start = Instant::now();
        let changes = extract.changes(&held.schools);
        println!("diff in {:.3} s: {}", start.elapsed().as_secs_f64(), changes.summary());
    }
    if let Some(peak) = peak_memory_kb() {
        println!("peak memory (VmHWM): {:.1} MB", peak as f64 / 1024.0);
    }
    ExitCode::SUCCESS
}

fn read(path: &str) -> Result<Extract, String> {
    let file = File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let total = file.metadata().ok().map(|m| m.len());
    let name = std::path::Path::new(path).file_name().map_or(path.into(), |n| n.to_string_lossy().into_owned());
    let mut stderr = std::io::stderr();
    let mut progress = |p: Progress| {
        let pct = p.fraction().map_or(String::new(), |f| format!(" ({:.0}%)", f * 100.0));
        let _ = write!(stderr, "\r{name}: {} rows{pct}{}", p.rows, if p.done { "\n" } else { "" });
    };
    read_extract(BufReader::with_capacity(1 << 16, file), &name, total, &mut progress).map_err(|e| e.to_string())
}

/// Peak resident memory of this process, from /proc (Linux only).
fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
