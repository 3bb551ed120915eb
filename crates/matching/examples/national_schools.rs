//! Writes the national Growing the Top instance from the DfE 2018/19 KS4
//! table (`england_ks4final.csv`): the state-funded mainstream secondary
//! schools with coordinates, and themes derived from their results.
//!
//! ```text
//! cargo run --release -p upward-matching --example national_schools -- [KS4_CSV] [OUT_DIR]
//! ```
//!
//! Defaults: `../../../shared/data/eng-schools/england_ks4final.csv`
//! (relative to this crate) and `/tmp`. Writes `OUT_DIR/national-schools.csv`
//! (`id,name,phase,latitude,longitude,single_sex,selective`) and
//! `OUT_DIR/national-themes.csv` (`school,kind,theme`).
//!
//! **Filter.** `RECTYPE = 1` (mainstream; 2 is special), `SCHTYPE` not
//! `Independent school` (state-funded: academies, maintained schools,
//! colleges and the three special schools recorded as mainstream), and both
//! `LATITUDE` and `LONGITUDE` present. The counts of every step are printed
//! (5,516 rows → 4,313 → 3,391 → 3,389).
//!
//! **Derived themes.** These schools have no published themes. For each
//! measure the national figure is the mean over these schools (each school
//! counted once) and `z` is a school's distance from it in standard
//! deviations; `z ≥ +0.75` makes an excellence theme, `z ≤ −0.75` a
//! challenge theme (about a quarter of schools on each side):
//! * `P8MEA` (Progress 8) → "Teaching and pupil progress (Progress 8 …)";
//! * `PTL2BASICS_95` (English and maths at grade 5 or above) → "English and
//!   maths GCSE passes (…% at grade 5+)";
//! * `PTEBACC_E_PTQ_EE` (EBacc entry) → "EBacc entry: curriculum breadth in
//!   languages and humanities (…% entered)";
//! * `OFSTEDRATING`: Outstanding → excellence, Requires Improvement or
//!   Inadequate → challenge, "Leadership and quality assurance (Ofsted …)".
//!
//! The tagger turns these texts into taxonomy tags like any other theme.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let src = args.next().map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/eng-schools/england_ks4final.csv")
    });
    let out_dir = args.next().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
    let mut rdr = csv::Reader::from_path(&src)?;
    let headers = rdr.headers()?.clone();
    let col = |n: &str| {
        headers.iter().position(|h| h.trim_start_matches('\u{feff}') == n).ok_or(format!("missing column {n}"))
    };
    let (c_rt, c_urn, c_name, c_type, c_gram, c_gen, c_lat, c_lon) = (
        col("RECTYPE")?,
        col("URN")?,
        col("SCHNAME")?,
        col("SCHTYPE")?,
        col("GRAMMAR")?,
        col("GENDER")?,
        col("LATITUDE")?,
        col("LONGITUDE")?,
    );
    let (c_p8, c_em, c_eb, c_of) =
        (col("P8MEA")?, col("PTL2BASICS_95")?, col("PTEBACC_E_PTQ_EE")?, col("OFSTEDRATING")?);
    let rows: Vec<csv::StringRecord> = rdr.records().collect::<Result<_, _>>()?;
    let n_all = rows.len();
    let main: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[c_rt] == "1").collect();
    let state: Vec<&csv::StringRecord> = main.iter().copied().filter(|r| &r[c_type] != "Independent school").collect();
    let located: Vec<&csv::StringRecord> =
        state.iter().copied().filter(|r| !r[c_lat].trim().is_empty() && !r[c_lon].trim().is_empty()).collect();
    println!("rows: {n_all}");
    println!("RECTYPE = 1 (mainstream): {}", main.len());
    println!("and SCHTYPE not independent (state-funded): {}", state.len());
    println!("and with latitude and longitude: {}", located.len());

    let num = |s: &str| s.trim().trim_end_matches('%').parse::<f64>().ok();
    let stats = |c: usize| {
        let v: Vec<f64> = located.iter().filter_map(|r| num(&r[c])).collect();
        let m = v.iter().sum::<f64>() / v.len().max(1) as f64;
        let sd = (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / v.len().max(1) as f64).sqrt();
        (m, sd, v.len())
    };
    let measures = [
        (c_p8, "Teaching and pupil progress (Progress 8 {v})", "P8MEA"),
        (c_em, "English and maths GCSE passes ({v}% at grade 5+)", "PTL2BASICS_95"),
        (c_eb, "EBacc entry: curriculum breadth in languages and humanities ({v}% entered)", "PTEBACC_E_PTQ_EE"),
    ];
    let mut schools = String::from("id,name,phase,latitude,longitude,single_sex,selective\n");
    let mut themes = String::from("school,kind,theme\n");
    let field =
        |s: &str| if s.contains([',', '"']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let st: Vec<(f64, f64, usize)> = measures.iter().map(|m| stats(m.0)).collect();
    for (m, s) in measures.iter().zip(&st) {
        println!("{}: national mean {:.3}, sd {:.3} over {} schools", m.2, s.0, s.1, s.2);
    }
    for r in &located {
        let urn = &r[c_urn];
        let single = matches!(&r[c_gen], "Boys" | "Girls");
        let selective = &r[c_gram] == "Yes";
        let _ = writeln!(
            schools,
            "{urn},{},secondary,{},{},{single},{selective}",
            field(&r[c_name]),
            r[c_lat].trim(),
            r[c_lon].trim()
        );
        for ((c, text, _), (m, sd, _)) in measures.iter().zip(&st) {
            if let Some(v) = num(&r[*c]) {
                let z = (v - m) / sd;
                let shown = if *c == c_p8 { format!("{v:+.2}") } else { format!("{v:.0}") };
                let t = text.replace("{v}", &shown);
                if z >= 0.75 {
                    let _ = writeln!(themes, "{urn},excellence,{}", field(&t));
                    *counts.entry("excellence").or_default() += 1;
                } else if z <= -0.75 {
                    let _ = writeln!(themes, "{urn},challenge,{}", field(&t));
                    *counts.entry("challenge").or_default() += 1;
                }
            }
        }
        match &r[c_of] {
            "Outstanding" => {
                let _ = writeln!(themes, "{urn},excellence,Leadership and quality assurance (Ofsted outstanding)");
                *counts.entry("excellence").or_default() += 1;
            }
            g @ ("Requires Improvement" | "Inadequate") => {
                let _ =
                    writeln!(themes, "{urn},challenge,Leadership and quality assurance (Ofsted {})", g.to_lowercase());
                *counts.entry("challenge").or_default() += 1;
            }
            _ => {}
        }
    }
    let sp = out_dir.join("national-schools.csv");
    let tp = out_dir.join("national-themes.csv");
    std::fs::write(&sp, schools)?;
    std::fs::write(&tp, themes)?;
    println!(
        "themes: {} excellence, {} challenge",
        counts.get("excellence").unwrap_or(&0),
        counts.get("challenge").unwrap_or(&0)
    );
    println!("wrote {} and {}", sp.display(), tp.display());
    Ok(())
}
