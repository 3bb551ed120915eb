//! Write a national-size GIAS extract in the 2025 layout.
//!
//! ```text
//! cargo run --release -p upward-gias --example generate -- \
//!     --rows 52000 --out /tmp/gias-52k.csv [--seed 2025] \
//!     [--bad-row 1234 --bad-field NumberOfPupils]
//! ```

use std::fs::File;
use std::io::BufWriter;
use std::process::ExitCode;
use std::time::Instant;

use upward_gias::generate::{BadCell, GenerateOptions, generate};

const USAGE: &str = "usage: generate --rows N --out FILE [--seed N] [--bad-row N --bad-field COLUMN]";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut opts = GenerateOptions::default();
    let mut out: Option<String> = None;
    let (mut bad_row, mut bad_field) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"));
        let number = |v: String| v.replace([',', '_'], "").parse::<u64>().map_err(|_| format!("{v} is not a number"));
        match flag.as_str() {
            "--rows" => opts.rows = number(value()?)?,
            "--seed" => opts.seed = number(value()?)?,
            "--out" => out = Some(value()?),
            "--bad-row" => bad_row = Some(number(value()?)?),
            "--bad-field" => bad_field = Some(value()?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other}\n{USAGE}")),
        }
    }
    let out = out.ok_or(USAGE)?;
    opts.bad = match (bad_row, bad_field) {
        (Some(row), Some(column)) => Some(BadCell { row, column }),
        (Some(row), None) => Some(BadCell { row, column: "NumberOfPupils".into() }),
        (None, Some(_)) => return Err("--bad-field needs --bad-row".into()),
        (None, None) => None,
    };

    let start = Instant::now();
    let file = File::create(&out).map_err(|e| format!("{out}: {e}"))?;
    let stats = generate(&opts, BufWriter::with_capacity(1 << 20, file)).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "wrote {out}: {} rows ({} open, {} closed), {:.1} MB, Windows-1252, CRLF, 2025 layout, seed {}, in {:.2} s",
        stats.rows,
        stats.open,
        stats.closed,
        stats.bytes as f64 / 1e6,
        opts.seed,
        start.elapsed().as_secs_f64()
    );
    if let Some(bad) = &opts.bad {
        println!("bad value in row {}, column {}", bad.row, bad.column);
    }
    Ok(())
}
