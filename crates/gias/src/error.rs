//! Errors and problems, worded for the person who chose the file.

use std::fmt;

/// How many problems (and warnings) are kept; beyond this only the count is.
pub const MAX_PROBLEMS: usize = 50;

/// One thing wrong with one row (or the header) of a file.
///
/// `row` is the *data row number*: the first row after the header is row 1.
/// `line` is the physical line of the file where that row starts (the header
/// is line 1, so for a file without line breaks inside quoted values,
/// `line == row + 1`). Both are 1-based and shown with thousands separators.
///
/// Displays as, for example:
/// `gias.csv, row 1,234 (line 1,235), field NumberOfPupils: "12x" is not a whole number`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The file name as given to the reader.
    pub file: String,
    /// Data row number, or `None` for a problem with the header.
    pub row: Option<u64>,
    /// Line of the file on which the row starts.
    pub line: u64,
    /// The column, when the problem is with one value.
    pub field: Option<String>,
    /// The offending value as it appears in the file (trimmed).
    pub value: Option<String>,
    /// What is wrong, following the quoted value if there is one
    /// (e.g. `is not a whole number`).
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, ", self.file)?;
        match self.row {
            Some(row) => write!(f, "row {} (line {})", thousands(row), thousands(self.line))?,
            None => write!(f, "header (line {})", thousands(self.line))?,
        }
        if let Some(field) = &self.field {
            write!(f, ", field {field}")?;
        }
        f.write_str(": ")?;
        if let Some(value) = &self.value {
            write!(f, "\"{}\" ", shorten(value))?;
        }
        f.write_str(&self.message)
    }
}

/// Why a file was refused. Nothing in a refused file should be imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{file} is empty: choose the GIAS all-establishments extract (edubasealldataYYYYMMDD.csv)")]
    Empty { file: String },

    #[error("{file} {kind}")]
    NotCsv { file: String, kind: NotCsv },

    #[error("{file} could not be read: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{file} has no column named {}: it may not be a GIAS all-establishments extract \
         (the \"Establishment fields\" CSV from GIAS downloads, edubasealldataYYYYMMDD.csv){hint}",
        quoted_list(.missing)
    )]
    MissingColumns { file: String, missing: Vec<String>, hint: String },

    #[error("{file}: the header has the column \"{column}\" twice (columns {first} and {second})")]
    DuplicateColumn { file: String, column: String, first: usize, second: usize },

    #[error("{file} has a header but no rows of data")]
    NoRows { file: String },

    /// Rows with problems. `problems` holds the first [`MAX_PROBLEMS`];
    /// `total` counts them all.
    #[error("{}", invalid_message(.file, .problems, *.total))]
    Invalid { file: String, problems: Vec<Problem>, total: usize },
}

/// What kind of non-CSV file was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotCsv {
    /// An Office Open XML workbook (`.xlsx`).
    ExcelWorkbook,
    /// An old-style binary Excel workbook (`.xls`) or other OLE document.
    OldExcelWorkbook,
    /// A zip archive that is not a workbook (GIAS downloads arrive zipped).
    Zip,
    /// UTF-16 text ("Unicode text" in Excel).
    Utf16,
    /// Some other binary file.
    Binary,
}

impl fmt::Display for NotCsv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotCsv::ExcelWorkbook => {
                "looks like an Excel workbook, not a CSV file: open it in Excel and save it \
                 as \"CSV UTF-8 (Comma delimited)\", or choose the CSV file that GIAS provides"
            }
            NotCsv::OldExcelWorkbook => {
                "looks like an old Excel workbook (.xls), not a CSV file: open it in Excel and \
                 save it as \"CSV UTF-8 (Comma delimited)\""
            }
            NotCsv::Zip => {
                "is a zip archive, not a CSV file: GIAS downloads arrive zipped (extract.zip); \
                 unzip it and choose the edubasealldataYYYYMMDD.csv file inside"
            }
            NotCsv::Utf16 => {
                "is saved as UTF-16 (\"Unicode text\"), which this importer does not read: \
                 save it as \"CSV UTF-8 (Comma delimited)\", or use the CSV file as GIAS provides it"
            }
            NotCsv::Binary => "is not a text file: choose the GIAS all-establishments CSV extract",
        })
    }
}

impl ImportError {
    /// The problems with rows, if the file was refused for them.
    pub fn problems(&self) -> &[Problem] {
        match self {
            ImportError::Invalid { problems, .. } => problems,
            _ => &[],
        }
    }
}

fn invalid_message(file: &str, problems: &[Problem], total: usize) -> String {
    let mut s = format!(
        "{file} has {} {}; nothing in it can be imported until {} fixed:",
        thousands(total as u64),
        if total == 1 { "problem" } else { "problems" },
        if total == 1 { "it is" } else { "they are" },
    );
    for p in problems {
        s.push('\n');
        s.push_str(&p.to_string());
    }
    let more = total.saturating_sub(problems.len());
    if more > 0 {
        s.push_str(&format!("\nand {} more", thousands(more as u64)));
    }
    s
}

fn quoted_list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// `1234567` → `"1,234,567"`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let first = match digits.len() % 3 {
        0 => 3.min(digits.len()),
        r => r,
    };
    let mut out = digits[..first].to_string();
    for group in digits.as_bytes()[first..].chunks(3) {
        out.push(',');
        out.extend(group.iter().map(|&b| b as char));
    }
    out
}

/// Long values are cut so that one bad row cannot flood a message.
fn shorten(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        let cut: String = value.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234), "1,234");
        assert_eq!(thousands(52_000), "52,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn problem_reads_as_a_sentence() {
        let p = Problem {
            file: "gias.csv".into(),
            row: Some(1234),
            line: 1235,
            field: Some("NumberOfPupils".into()),
            value: Some("12x".into()),
            message: "is not a whole number".into(),
        };
        assert_eq!(
            p.to_string(),
            "gias.csv, row 1,234 (line 1,235), field NumberOfPupils: \"12x\" is not a whole number"
        );
        let header = Problem { row: None, line: 1, field: None, value: None, message: "x".into(), ..p };
        assert_eq!(header.to_string(), "gias.csv, header (line 1): x");
    }

    #[test]
    fn missing_columns_are_listed() {
        let e = ImportError::MissingColumns {
            file: "a.csv".into(),
            missing: vec!["URN".into(), "Postcode".into()],
            hint: String::new(),
        };
        assert!(e.to_string().starts_with("a.csv has no column named \"URN\" or \"Postcode\": it may not be"));
    }
}
