//! CSV readers and writers for schools, themes and groupings.
//!
//! Readers take any [`BufRead`] and a `source` name used in errors, which
//! name the source, the line and the field. Writers return a `String`. The
//! library never opens a file.

use std::collections::HashMap;
use std::io::BufRead;

use super::error::ParseError;
use super::schools::{Grouping, Phase, School, SchoolInstance};

struct Table {
    headers: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn read_table(reader: impl BufRead, source: &str) -> Result<Table, ParseError> {
    let mut rdr = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(reader);
    let headers: Vec<String> = rdr
        .headers()
        .map_err(|e| ParseError::new(source, 1, "header", e.to_string()))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
            ParseError::new(source, line, "record", e.to_string())
        })?;
        let line = rec.position().map(|p| p.line() as usize).unwrap_or(0);
        if rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        rows.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(Table { headers, rows })
}

impl Table {
    fn col(&self, source: &str, name: &str) -> Result<usize, ParseError> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            ParseError::new(source, 1, name, format!("missing column `{name}` (columns: {})", self.headers.join(",")))
        })
    }
}

fn cell(row: &[String], c: usize) -> &str {
    row.get(c).map(String::as_str).unwrap_or("")
}

fn parse_flag(s: &str, yes: &[&str], no: &[&str]) -> Option<bool> {
    let k = s.trim().to_lowercase();
    if k.is_empty() || no.contains(&k.as_str()) || ["0", "false", "no", "n", "f"].contains(&k.as_str()) {
        Some(false)
    } else if yes.contains(&k.as_str()) || ["1", "true", "yes", "y", "t"].contains(&k.as_str()) {
        Some(true)
    } else {
        None
    }
}

/// Reads schools: header `id,name,phase,latitude,longitude,single_sex,selective`
/// (any order; other columns ignored). Coordinates may both be empty;
/// `single_sex` accepts true/false/yes/no/1/0 and boys/girls/mixed,
/// `selective` also selective/non-selective; empty means false.
pub fn read_schools(reader: impl BufRead, source: &str) -> Result<Vec<School>, ParseError> {
    let t = read_table(reader, source)?;
    let c_id = t.col(source, "id")?;
    let c_name = t.col(source, "name")?;
    let c_phase = t.col(source, "phase")?;
    let c_lat = t.col(source, "latitude")?;
    let c_lon = t.col(source, "longitude")?;
    let c_ss = t.col(source, "single_sex")?;
    let c_sel = t.col(source, "selective")?;
    let mut out: Vec<School> = Vec::with_capacity(t.rows.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (line, row) in &t.rows {
        let line = *line;
        let id = cell(row, c_id);
        if id.is_empty() {
            return Err(ParseError::new(source, line, "id", "empty"));
        }
        if let Some(prev) = seen.insert(id.to_string(), line) {
            return Err(ParseError::new(source, line, "id", format!("`{id}` already used on line {prev}")));
        }
        let name = cell(row, c_name);
        let name = if name.is_empty() { id } else { name };
        let ph = cell(row, c_phase);
        let phase =
            Phase::parse(ph).ok_or_else(|| ParseError::new(source, line, "phase", format!("`{ph}` is not a phase")))?;
        let (la, lo) = (cell(row, c_lat), cell(row, c_lon));
        let location = match (la.is_empty(), lo.is_empty()) {
            (true, true) => None,
            (false, true) => return Err(ParseError::new(source, line, "longitude", "empty while latitude is given")),
            (true, false) => return Err(ParseError::new(source, line, "latitude", "empty while longitude is given")),
            (false, false) => {
                let lat: f64 =
                    la.parse().ok().filter(|v: &f64| (-90.0..=90.0).contains(v)).ok_or_else(|| {
                        ParseError::new(source, line, "latitude", format!("`{la}` is not a latitude"))
                    })?;
                let lon: f64 =
                    lo.parse().ok().filter(|v: &f64| (-180.0..=180.0).contains(v)).ok_or_else(|| {
                        ParseError::new(source, line, "longitude", format!("`{lo}` is not a longitude"))
                    })?;
                Some((lat, lon))
            }
        };
        let ss = cell(row, c_ss);
        let single_sex = parse_flag(ss, &["boys", "girls", "single sex", "single-sex"], &["mixed"])
            .ok_or_else(|| ParseError::new(source, line, "single_sex", format!("`{ss}` is not yes/no")))?;
        let se = cell(row, c_sel);
        let selective = parse_flag(
            se,
            &["selective", "grammar"],
            &["non-selective", "non selective", "nonselective", "comprehensive"],
        )
        .ok_or_else(|| ParseError::new(source, line, "selective", format!("`{se}` is not yes/no")))?;
        let mut s = School::new(id, name, phase);
        s.location = location;
        s.single_sex = single_sex;
        s.selective = selective;
        out.push(s);
    }
    Ok(out)
}

/// Adds themes to schools from CSV `school,kind,theme`: `school` is an id
/// or a name, `kind` is `excellence` or `challenge`.
pub fn read_themes(reader: impl BufRead, source: &str, schools: &mut [School]) -> Result<usize, ParseError> {
    let t = read_table(reader, source)?;
    let c_school = t.col(source, "school")?;
    let c_kind = t.col(source, "kind")?;
    let c_theme = t.col(source, "theme")?;
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (i, s) in schools.iter().enumerate().rev() {
        by_key.insert(s.name.to_lowercase(), i);
    }
    for (i, s) in schools.iter().enumerate().rev() {
        by_key.insert(s.id.to_lowercase(), i);
    }
    let mut count = 0;
    for (line, row) in &t.rows {
        let key = cell(row, c_school);
        let &i = by_key
            .get(&key.to_lowercase())
            .ok_or_else(|| ParseError::new(source, *line, "school", format!("`{key}` matches no school id or name")))?;
        let theme = cell(row, c_theme);
        if theme.is_empty() {
            return Err(ParseError::new(source, *line, "theme", "empty"));
        }
        match cell(row, c_kind).to_lowercase().as_str() {
            "excellence" | "area of excellence" | "aoe" | "strength" => schools[i].excellence.push(theme.to_string()),
            "challenge" | "systemic challenge" => schools[i].challenge.push(theme.to_string()),
            other => {
                return Err(ParseError::new(
                    source,
                    *line,
                    "kind",
                    format!("`{other}` is neither `excellence` nor `challenge`"),
                ));
            }
        }
        count += 1;
    }
    Ok(count)
}

/// Reads a grouping `id,group` (a school by id or name; any group label).
/// Groups are numbered in order of first appearance of their label.
pub fn read_grouping(reader: impl BufRead, source: &str, inst: &SchoolInstance) -> Result<Grouping, ParseError> {
    let t = read_table(reader, source)?;
    let c_id = t.col(source, "id")?;
    let c_group = t.col(source, "group")?;
    let mut labels: HashMap<String, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (line, row) in &t.rows {
        let id = cell(row, c_id);
        let i = inst
            .index_of(id)
            .ok_or_else(|| ParseError::new(source, *line, "id", format!("`{id}` matches no school")))?;
        let label = cell(row, c_group);
        if label.is_empty() {
            return Err(ParseError::new(source, *line, "group", "empty"));
        }
        let g = *labels.entry(label.to_string()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    Ok(Grouping { groups })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

/// Writes `id,group` (groups numbered from 1), one school a line.
pub fn write_grouping(inst: &SchoolInstance, grouping: &Grouping) -> String {
    let mut out = String::from("id,group\n");
    for (g, members) in grouping.groups.iter().enumerate() {
        for &i in members {
            if let Some(s) = inst.schools.get(i) {
                out.push_str(&format!("{},{}\n", csv_field(&s.id), g + 1));
            }
        }
    }
    out
}

/// Writes `element,group` for an MDGP assignment (both from 0).
pub fn write_assignment(assignment: &[usize]) -> String {
    let mut out = String::from("element,group\n");
    for (i, g) in assignment.iter().enumerate() {
        out.push_str(&format!("{i},{g}\n"));
    }
    out
}
