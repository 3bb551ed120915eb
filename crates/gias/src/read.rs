//! Reading and checking an extract: [`read_extract`].

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::io::{Cursor, Read};
use std::rc::Rc;

use csv::ByteRecord;
use encoding_rs::WINDOWS_1252;
use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, SchoolData, SchoolStatus, TypeGroup};

use crate::error::{ImportError, MAX_PROBLEMS, NotCsv, Problem};
use crate::grid;
use crate::layout::{Field, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, col};
use crate::values;

/// The progress callback is called after every this many rows (and once at
/// the end).
pub const PROGRESS_EVERY: u64 = 500;

/// How far reading has got, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Data rows read so far.
    pub rows: u64,
    /// Bytes of the file consumed so far.
    pub bytes: u64,
    /// The file's size, if the caller knew it.
    pub total_bytes: Option<u64>,
    /// True on the last call, when the whole file has been read.
    pub done: bool,
}

impl Progress {
    /// Fraction read, from 0 to 1, when the total size is known.
    pub fn fraction(&self) -> Option<f64> {
        match self.total_bytes {
            Some(0) => Some(1.0),
            Some(t) => Some((self.bytes as f64 / t as f64).min(1.0)),
            None => None,
        }
    }
}

/// The text encoding the file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextEncoding {
    /// Only ASCII bytes (so UTF-8 and Windows-1252 read the same).
    Ascii,
    /// UTF-8 (with or without a byte-order mark; see [`Layout::utf8_bom`]).
    Utf8,
    /// Windows-1252, the encoding of files as GIAS provides them.
    Windows1252,
}

/// What the file's header and bytes looked like.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Layout {
    /// Number of columns in the header (139 in 2021, 135 in 2025).
    pub columns: usize,
    pub encoding: TextEncoding,
    /// The file started with a UTF-8 byte-order mark.
    pub utf8_bom: bool,
    /// Optional columns the file has, in [`OPTIONAL_COLUMNS`] order.
    pub optional_found: Vec<&'static str>,
    /// Optional columns the file lacks.
    pub optional_missing: Vec<&'static str>,
    /// Columns present but not read (most of GIAS's).
    pub ignored_columns: usize,
    /// The `SchoolData` fields this file provides: those whose columns are
    /// all present. [`diff`](crate::diff) compares only these, so a file
    /// without, say, `OfstedRating (name)` does not wipe existing grades.
    pub fields: Vec<Field>,
}

/// A file that passed every check.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Extract {
    /// One record per data row, in file order; URNs are unique.
    pub schools: Vec<SchoolData>,
    /// Number of data rows (equal to `schools.len()`).
    pub rows: u64,
    pub layout: Layout,
    /// Oddities that do not stop an import (an unknown establishment type
    /// group, an unknown Ofsted grade, a low age above the high age); the
    /// first [`MAX_PROBLEMS`] are kept.
    pub warnings: Vec<Problem>,
    /// How many warnings there were in all.
    pub warnings_total: usize,
}

impl Extract {
    /// What importing this extract would change, given the schools already
    /// held. See [`diff`](crate::diff).
    pub fn changes(&self, existing: &[SchoolData]) -> crate::Changes {
        crate::diff(existing, &self.schools, &self.layout.fields)
    }
}

/// Read and check a GIAS all-establishments extract.
///
/// * `reader` is read once, row by row; the raw file is never held in memory.
/// * `file_name` is used only in messages.
/// * `total_bytes`, if known, is passed back in [`Progress`].
/// * `progress` is called every [`PROGRESS_EVERY`] rows and once at the end.
///
/// The file may be UTF-8 (with or without a byte-order mark) or
/// Windows-1252 (as GIAS provides it): a file whose non-ASCII bytes are
/// valid UTF-8 is read as UTF-8, otherwise as Windows-1252. Line endings may
/// be CRLF or LF. Columns are found by header name (see
/// [`REQUIRED_COLUMNS`] and [`OPTIONAL_COLUMNS`]); others are ignored.
///
/// Every row is checked (see the crate documentation for the list). All
/// problems are collected, not just the first; if there are any, the result
/// is [`ImportError::Invalid`] with the first [`MAX_PROBLEMS`] of them and the
/// total, and the caller must import nothing.
pub fn read_extract(
    mut reader: impl Read,
    file_name: &str,
    total_bytes: Option<u64>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Extract, ImportError> {
    let file = file_name.to_string();
    let io = |source| ImportError::Io { file: file.clone(), source };

    let prefix = read_prefix(&mut reader, 8192).map_err(io)?;
    let bom = sniff(&prefix).map_err(|kind| match kind {
        None => ImportError::Empty { file: file.clone() },
        Some(kind) => ImportError::NotCsv { file: file.clone(), kind },
    })?;
    let bom_len = if bom { 3 } else { 0 };
    let mut body = Cursor::new(prefix).chain(reader);
    if bom {
        let mut skip = [0u8; 3];
        body.read_exact(&mut skip).map_err(io)?;
    }

    let lines = LineStarts::default();
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(64 * 1024)
        .from_reader(LineCounter::new(body, lines.clone()));
    let csv_err = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(source) => ImportError::Io { file: file.clone(), source },
        other => ImportError::Io { file: file.clone(), source: std::io::Error::other(format!("{other:?}")) },
    };

    let mut record = ByteRecord::new();
    if !csv.read_byte_record(&mut record).map_err(csv_err)? {
        return Err(ImportError::Empty { file });
    }
    let mut text = TextState::new(bom);
    if text.check(record.as_slice()).is_err() {
        // A BOM promised UTF-8 but the header is not.
        text = TextState::Windows1252;
    }
    lines.line_at(0); // the header
    let header: Vec<String> = (0..record.len()).map(|i| text.decode(record.get(i)).trim().to_string()).collect();
    let columns = Columns::find(&file, &header)?;

    let mut parser = Parser {
        file: &file,
        header: &header,
        cols: &columns.cols,
        windows1252: false,
        seen: HashMap::new(),
        problems: Sink::default(),
        warnings: Sink::default(),
    };
    let mut schools = Vec::new();
    let mut rows: u64 = 0;
    let mut next_report = PROGRESS_EVERY;
    let report = |rows: u64, bytes: u64, done: bool, progress: &mut dyn FnMut(Progress)| {
        progress(Progress { rows, bytes: bytes + bom_len, total_bytes, done })
    };

    while csv.read_byte_record(&mut record).map_err(csv_err)? {
        rows += 1;
        let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
        if let Err(()) = text.check(record.as_slice()) {
            parser.problems.push(Problem {
                file: file.clone(),
                row: Some(rows),
                line,
                field: None,
                value: None,
                message: "is not valid UTF-8 although the rows before it were: the file mixes text \
                          encodings; save it again as \"CSV UTF-8\""
                    .into(),
            });
        } else {
            parser.windows1252 = text == TextState::Windows1252;
            match parser.row(&record, rows, line) {
                Some(school) if parser.problems.total == 0 => schools.push(school),
                _ => {}
            }
        }
        if parser.problems.total > 0 && !schools.is_empty() {
            // The file will be refused: stop keeping records.
            schools = Vec::new();
        }
        if rows == next_report {
            next_report += PROGRESS_EVERY;
            report(rows, csv.position().byte(), false, progress);
        }
    }
    report(rows, csv.position().byte(), true, progress);

    let (problems, warnings) = (parser.problems, parser.warnings);
    if problems.total > 0 {
        return Err(ImportError::Invalid { file, problems: problems.list, total: problems.total });
    }
    if rows == 0 {
        return Err(ImportError::NoRows { file });
    }
    let encoding = match text {
        TextState::Undecided => TextEncoding::Ascii,
        TextState::Utf8 => TextEncoding::Utf8,
        TextState::Windows1252 => TextEncoding::Windows1252,
    };
    Ok(Extract {
        schools,
        rows,
        layout: Layout {
            columns: header.len(),
            encoding,
            utf8_bom: bom,
            optional_found: columns.optional_found,
            optional_missing: columns.optional_missing,
            ignored_columns: columns.ignored,
            fields: columns.fields,
        },
        warnings: warnings.list,
        warnings_total: warnings.total,
    })
}

/// Read up to `max` bytes (fewer only at end of file).
fn read_prefix(reader: &mut impl Read, max: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::with_capacity(max);
    reader.take(max as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Where lines with content start: `(byte offset, line number)`, queued by
/// [`LineCounter`] as bytes are read and taken off by the parser.
///
/// The csv crate's own line numbers lag by one after a CRLF and do not count
/// blank lines, so lines are counted here. A record starts at the first
/// content line at or after the byte offset the csv reader gives for it.
#[derive(Debug, Clone, Default)]
struct LineStarts(Rc<RefCell<VecDeque<(u64, u64)>>>);

impl LineStarts {
    /// The line of the record whose (csv) start offset is `byte`.
    fn line_at(&self, byte: u64) -> u64 {
        let mut q = self.0.borrow_mut();
        while let Some(&(offset, line)) = q.front() {
            if offset >= byte {
                q.pop_front();
                return line;
            }
            q.pop_front();
        }
        0
    }
}

/// A reader that notes where each non-blank line starts.
struct LineCounter<R> {
    inner: R,
    starts: LineStarts,
    offset: u64,
    line: u64,
    at_line_start: bool,
}

impl<R> LineCounter<R> {
    fn new(inner: R, starts: LineStarts) -> Self {
        LineCounter { inner, starts, offset: 0, line: 1, at_line_start: true }
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut q = self.starts.0.borrow_mut();
        for (i, &b) in buf[..n].iter().enumerate() {
            match b {
                b'\n' => {
                    self.line += 1;
                    self.at_line_start = true;
                }
                b'\r' => {}
                _ if self.at_line_start => {
                    q.push_back((self.offset + i as u64, self.line));
                    self.at_line_start = false;
                }
                _ => {}
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Look at the first bytes. `Ok(true)` if there is a UTF-8 byte-order mark,
/// `Err(None)` for an empty file, `Err(Some(kind))` for something that is
/// not CSV text.
fn sniff(prefix: &[u8]) -> Result<bool, Option<NotCsv>> {
    if prefix.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(None);
    }
    if prefix.starts_with(&[0xFF, 0xFE]) || prefix.starts_with(&[0xFE, 0xFF]) {
        return Err(Some(NotCsv::Utf16));
    }
    if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
        let workbook = [&b"[Content_Types].xml"[..], b"xl/", b"opendocument.spreadsheet"]
            .iter()
            .any(|needle| prefix.windows(needle.len()).any(|w| w == *needle));
        return Err(Some(if workbook { NotCsv::ExcelWorkbook } else { NotCsv::Zip }));
    }
    if prefix.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(Some(NotCsv::OldExcelWorkbook));
    }
    if prefix.starts_with(&[0x1F, 0x8B]) {
        return Err(Some(NotCsv::Binary)); // gzip
    }
    let nul_at = |parity: usize| prefix.iter().skip(parity).step_by(2).filter(|&&b| b == 0).count();
    let (even, odd) = (nul_at(0), nul_at(1));
    if even + odd > 0 {
        // Latin text in UTF-16 has a NUL in every other byte, all on one side.
        let half = prefix.len() / 2;
        let utf16 = (even.max(odd) * 5 >= half * 2) && even.min(odd) * 20 <= even.max(odd);
        return Err(Some(if utf16 { NotCsv::Utf16 } else { NotCsv::Binary }));
    }
    let controls = prefix.iter().filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C)).count();
    if controls * 100 > prefix.len() {
        return Err(Some(NotCsv::Binary));
    }
    Ok(prefix.starts_with(&[0xEF, 0xBB, 0xBF]))
}

/// The encoding decision, made at the first non-ASCII bytes: valid UTF-8
/// means UTF-8 from then on (and invalid UTF-8 later is an error), anything
/// else means Windows-1252.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TextState {
    Undecided,
    Utf8,
    Windows1252,
}

impl TextState {
    fn new(bom: bool) -> Self {
        if bom { TextState::Utf8 } else { TextState::Undecided }
    }

    /// Look at a record's bytes; `Err` if they contradict a UTF-8 decision.
    fn check(&mut self, bytes: &[u8]) -> Result<(), ()> {
        if bytes.is_ascii() {
            return Ok(());
        }
        let utf8 = std::str::from_utf8(bytes).is_ok();
        match self {
            TextState::Undecided => {
                *self = if utf8 { TextState::Utf8 } else { TextState::Windows1252 };
                Ok(())
            }
            TextState::Utf8 if !utf8 => Err(()),
            _ => Ok(()),
        }
    }

    fn decode<'a>(&self, bytes: Option<&'a [u8]>) -> Cow<'a, str> {
        decode(bytes.unwrap_or_default(), *self == TextState::Windows1252)
    }
}

fn decode(bytes: &[u8], windows1252: bool) -> Cow<'_, str> {
    if windows1252 { WINDOWS_1252.decode_without_bom_handling(bytes).0 } else { String::from_utf8_lossy(bytes) }
}

fn trim(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(b) => Cow::Borrowed(b.trim()),
        Cow::Owned(o) if o.trim().len() == o.len() => Cow::Owned(o),
        Cow::Owned(o) => Cow::Owned(o.trim().to_string()),
    }
}

/// Column positions of the columns read.
#[derive(Debug, Default)]
struct Cols {
    urn: usize,
    name: usize,
    type_name: usize,
    type_group: usize,
    status: usize,
    phase: usize,
    gender: usize,
    admissions: usize,
    postcode: usize,
    la: Option<usize>,
    open_date: Option<usize>,
    close_date: Option<usize>,
    low_age: Option<usize>,
    high_age: Option<usize>,
    sixth_form: Option<usize>,
    religious_character: Option<usize>,
    capacity: Option<usize>,
    pupils: Option<usize>,
    fsm_pct: Option<usize>,
    trust_code: Option<usize>,
    trust_name: Option<usize>,
    street: Option<usize>,
    locality: Option<usize>,
    town: Option<usize>,
    county: Option<usize>,
    website: Option<usize>,
    telephone: Option<usize>,
    region: Option<usize>,
    easting: Option<usize>,
    northing: Option<usize>,
    ofsted_rating: Option<usize>,
    ofsted_date: Option<usize>,
}

struct Columns {
    cols: Cols,
    optional_found: Vec<&'static str>,
    optional_missing: Vec<&'static str>,
    ignored: usize,
    fields: Vec<Field>,
}

impl Columns {
    fn find(file: &str, header: &[String]) -> Result<Columns, ImportError> {
        let mut index: HashMap<&str, usize> = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            if name.is_empty() {
                continue;
            }
            if let Some(&first) = index.get(name.as_str()) {
                return Err(ImportError::DuplicateColumn {
                    file: file.to_string(),
                    column: name.clone(),
                    first: first + 1,
                    second: i + 1,
                });
            }
            index.insert(name, i);
        }

        let missing: Vec<String> =
            REQUIRED_COLUMNS.iter().filter(|c| !index.contains_key(*c)).map(|c| c.to_string()).collect();
        if !missing.is_empty() {
            let joined = header.join(",");
            let hint = if header.len() <= 2 && joined.contains(';') {
                " (its header is separated by semicolons: save it as \"CSV (Comma delimited)\")"
            } else if header.len() <= 2 && joined.contains('\t') {
                " (its header is separated by tabs: save it as \"CSV (Comma delimited)\")"
            } else {
                ""
            };
            return Err(ImportError::MissingColumns { file: file.to_string(), missing, hint: hint.to_string() });
        }

        let req = |name: &str| index.get(name).copied().unwrap_or_default();
        let opt = |name: &str| index.get(name).copied();
        let cols = Cols {
            urn: req(col::URN),
            name: req(col::NAME),
            type_name: req(col::TYPE),
            type_group: req(col::TYPE_GROUP),
            status: req(col::STATUS),
            phase: req(col::PHASE),
            gender: req(col::GENDER),
            admissions: req(col::ADMISSIONS),
            postcode: req(col::POSTCODE),
            la: opt(col::LA),
            open_date: opt(col::OPEN_DATE),
            close_date: opt(col::CLOSE_DATE),
            low_age: opt(col::LOW_AGE),
            high_age: opt(col::HIGH_AGE),
            sixth_form: opt(col::SIXTH_FORM),
            religious_character: opt(col::RELIGIOUS_CHARACTER),
            capacity: opt(col::CAPACITY),
            pupils: opt(col::PUPILS),
            fsm_pct: opt(col::FSM_PCT),
            trust_code: opt(col::TRUST_CODE),
            trust_name: opt(col::TRUST_NAME),
            street: opt(col::STREET),
            locality: opt(col::LOCALITY),
            town: opt(col::TOWN),
            county: opt(col::COUNTY),
            website: opt(col::WEBSITE),
            telephone: opt(col::TELEPHONE),
            region: opt(col::REGION),
            easting: opt(col::EASTING),
            northing: opt(col::NORTHING),
            ofsted_rating: opt(col::OFSTED_RATING),
            ofsted_date: opt(col::OFSTED_DATE),
        };
        let (optional_found, optional_missing): (Vec<&'static str>, Vec<&'static str>) =
            OPTIONAL_COLUMNS.iter().partition(|c| index.contains_key(*c));
        let read = REQUIRED_COLUMNS.len() + optional_found.len();
        let fields = Field::ALL.iter().copied().filter(|f| f.columns().iter().all(|c| index.contains_key(c))).collect();
        Ok(Columns { cols, optional_found, optional_missing, ignored: header.len() - read, fields })
    }
}

/// Problems (or warnings), the first [`MAX_PROBLEMS`] kept.
#[derive(Debug, Default)]
struct Sink {
    list: Vec<Problem>,
    total: usize,
}

impl Sink {
    fn push(&mut self, p: Problem) {
        self.total += 1;
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(p);
        }
    }
}

struct Parser<'a> {
    file: &'a str,
    header: &'a [String],
    cols: &'a Cols,
    windows1252: bool,
    /// URN → (row, line) where first seen.
    seen: HashMap<i64, (u64, u64)>,
    problems: Sink,
    warnings: Sink,
}

/// One row being read.
struct Row<'r> {
    rec: &'r ByteRecord,
    row: u64,
    line: u64,
    windows1252: bool,
    /// Problems found in this row.
    bad: usize,
}

impl<'r> Row<'r> {
    fn get(&self, idx: usize) -> Cow<'r, str> {
        trim(decode(self.rec.get(idx).unwrap_or_default(), self.windows1252))
    }

    fn opt(&self, idx: Option<usize>) -> Cow<'r, str> {
        idx.map(|i| self.get(i)).unwrap_or(Cow::Borrowed(""))
    }
}

impl Parser<'_> {
    fn problem(&self, r: &Row, idx: usize, value: Option<&str>, message: String) -> Problem {
        Problem {
            file: self.file.to_string(),
            row: Some(r.row),
            line: r.line,
            field: self.header.get(idx).cloned(),
            value: value.map(str::to_string),
            message,
        }
    }

    fn bad(&mut self, r: &mut Row, idx: usize, value: Option<&str>, message: String) {
        r.bad += 1;
        let p = self.problem(r, idx, value, message);
        self.problems.push(p);
    }

    fn warn(&mut self, r: &Row, idx: usize, value: Option<&str>, message: String) {
        let p = self.problem(r, idx, value, message);
        self.warnings.push(p);
    }

    /// Parse an optional column with `parse`, recording a problem on error.
    fn parse<T>(&mut self, r: &mut Row, idx: Option<usize>, parse: impl Fn(&str) -> values::Parsed<T>) -> Option<T> {
        let i = idx?;
        let v = r.get(i);
        match parse(&v) {
            Ok(x) => x,
            Err(message) => {
                self.bad(r, i, Some(&v), message);
                None
            }
        }
    }

    /// Check one data row; `Some` if it has no problems.
    fn row(&mut self, rec: &ByteRecord, row: u64, line: u64) -> Option<SchoolData> {
        let c = self.cols;
        let mut r = Row { rec, row, line, windows1252: self.windows1252, bad: 0 };

        if rec.len() != self.header.len() {
            self.problems.push(Problem {
                file: self.file.to_string(),
                row: Some(row),
                line,
                field: None,
                value: None,
                message: format!(
                    "has {} fields but the header has {}: a comma or quotation mark may be missing or extra",
                    rec.len(),
                    self.header.len()
                ),
            });
            return None;
        }

        // URN: positive and unique.
        let urn_text = r.get(c.urn);
        let urn = match values::urn(&urn_text) {
            Ok(u) => Some(u),
            Err(m) => {
                let v = (!urn_text.is_empty()).then_some(&*urn_text);
                self.bad(&mut r, c.urn, v, m);
                None
            }
        };
        if let Some(u) = urn {
            if let Some(&(first_row, first_line)) = self.seen.get(&u) {
                let m = format!(
                    "is a duplicate: row {} (line {}) has the same URN",
                    crate::error::thousands(first_row),
                    crate::error::thousands(first_line)
                );
                self.bad(&mut r, c.urn, Some(&urn_text), m);
            } else {
                self.seen.insert(u, (row, line));
            }
        }

        let name = r.get(c.name);
        if name.is_empty() {
            self.bad(&mut r, c.name, None, "is blank; every establishment needs a name".into());
        }

        let status_text = r.get(c.status);
        let status = SchoolStatus::from_gias(&status_text);
        if status.is_none() {
            let m = one_of(&["Open", "Open, but proposed to close", "Proposed to open", "Closed"]);
            self.vocab_problem(&mut r, c.status, &status_text, m);
        }

        let phase_text = r.get(c.phase);
        let type_text = r.get(c.type_name);
        if !values::known_phase(&phase_text) {
            self.vocab_problem(&mut r, c.phase, &phase_text, one_of(values::PHASES));
        }
        let phase = Phase::from_gias(&phase_text, &type_text);

        let gender_text = r.get(c.gender);
        let gender = Gender::from_gias(&gender_text);
        if gender.is_none() {
            self.vocab_problem(&mut r, c.gender, &gender_text, one_of(&["Mixed", "Boys", "Girls", "Not applicable"]));
        }

        let admissions_text = r.get(c.admissions);
        let admissions = Admissions::from_gias(&admissions_text);
        if admissions.is_none() {
            let m = one_of(&["Non-selective", "Selective", "Not applicable", "Not collected"]);
            self.vocab_problem(&mut r, c.admissions, &admissions_text, m);
        }

        let group_text = r.get(c.type_group);
        if !values::known_type_group(&group_text) {
            self.warn(
                &r,
                c.type_group,
                Some(&group_text),
                "is not a type group GIAS is known to use; it is read as \"Other\"".into(),
            );
        }
        let type_group = TypeGroup::from_gias(&group_text);

        let low_age = self.parse(&mut r, c.low_age, values::whole);
        let high_age = self.parse(&mut r, c.high_age, values::whole);
        match (low_age, high_age, c.low_age) {
            (Some(lo), Some(hi), Some(i)) if lo > hi => {
                self.warn(&r, i, Some(&lo.to_string()), format!("is above StatutoryHighAge ({hi})"));
            }
            _ => {}
        }
        let pupils = self.parse(&mut r, c.pupils, values::whole);
        let capacity = self.parse(&mut r, c.capacity, values::whole);
        let fsm_pct = self.parse(&mut r, c.fsm_pct, values::percentage);
        let easting = self.parse(&mut r, c.easting, |s| grid_ref(s, 700_000));
        let northing = self.parse(&mut r, c.northing, |s| grid_ref(s, 1_300_000));
        let (easting, northing) = match (easting, northing) {
            (Some(0), Some(0)) => (None, None),
            other => other,
        };
        let (latitude, longitude) = match (easting, northing) {
            (Some(e), Some(n)) => {
                let p = grid::to_wgs84(e as f64, n as f64);
                (Some(round6(p.latitude)), Some(round6(p.longitude)))
            }
            _ => (None, None),
        };

        let open_date = self.parse(&mut r, c.open_date, values::date);
        let close_date = self.parse(&mut r, c.close_date, values::date);
        let ofsted_date = self.parse(&mut r, c.ofsted_date, values::date);

        let ofsted_grade = match c.ofsted_rating {
            Some(i) => {
                let v = r.get(i);
                match OfstedGrade::from_gias(&v) {
                    Some(g) => g,
                    None => {
                        self.warn(&r, i, Some(&v), "is not a known Ofsted grade; it is left blank".into());
                        None
                    }
                }
            }
            None => None,
        };

        let sixth_form = match c.sixth_form {
            Some(i) => {
                let v = r.get(i);
                values::sixth_form(&v).unwrap_or_else(|| {
                    self.warn(&r, i, Some(&v), "is not a known sixth-form value; read as no sixth form".into());
                    false
                })
            }
            None => false,
        };

        if r.bad > 0 {
            return None;
        }
        let (Some(urn), Some(status), Some(gender), Some(admissions)) = (urn, status, gender, admissions) else {
            return None;
        };
        Some(SchoolData {
            urn,
            name: name.into_owned(),
            la_name: values::text(&r.opt(c.la)),
            type_name: values::text(&type_text),
            type_group,
            status,
            phase,
            low_age,
            high_age,
            gender,
            admissions,
            religious_character: values::religious_character(&r.opt(c.religious_character)),
            street: values::text(&r.opt(c.street)),
            locality: values::text(&r.opt(c.locality)),
            town: values::text(&r.opt(c.town)),
            county: values::text(&r.opt(c.county)),
            postcode: values::postcode(&r.get(c.postcode)),
            region: values::region(&r.opt(c.region)),
            website: values::text(&r.opt(c.website)),
            telephone: values::telephone(&r.opt(c.telephone)),
            pupils,
            capacity,
            fsm_pct,
            trust_code: values::text(&r.opt(c.trust_code)),
            trust_name: values::text(&r.opt(c.trust_name)),
            easting,
            northing,
            latitude,
            longitude,
            ofsted_grade,
            ofsted_date,
            open_date,
            close_date,
            sixth_form,
        })
    }

    fn vocab_problem(&mut self, r: &mut Row, idx: usize, value: &str, expected: String) {
        if value.is_empty() {
            self.bad(r, idx, None, format!("is blank; expected {expected}"));
        } else {
            self.bad(r, idx, Some(value), format!("is not {expected}"));
        }
    }
}

fn one_of(values: &[&str]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
    format!("one of {}", quoted.join(", "))
}

/// An easting or northing: a whole number of metres within the grid.
fn grid_ref(s: &str, max: i64) -> values::Parsed<i64> {
    match values::whole(s)? {
        Some(v) if v > max => {
            Err(format!("is outside the National Grid (0 to {} metres)", crate::error::thousands(max as u64)))
        }
        v => Ok(v),
    }
}

/// Round to 6 decimal places (about 0.1 m), so that values are stable when
/// stored and compared.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert_eq!(sniff(b""), Err(None));
        assert_eq!(sniff(b" \r\n"), Err(None));
        assert_eq!(sniff(b"URN,Name\r\n"), Ok(false));
        assert_eq!(sniff(b"\xEF\xBB\xBFURN,Name\r\n"), Ok(true));
        assert_eq!(sniff(b"\xFF\xFEU\0R\0N\0"), Err(Some(NotCsv::Utf16)));
        assert_eq!(sniff(b"U\0R\0N\0,\0"), Err(Some(NotCsv::Utf16)));
        assert_eq!(sniff(b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0[Content_Types].xml"), Err(Some(NotCsv::ExcelWorkbook)));
        assert_eq!(sniff(b"PK\x03\x04\x14\0\x06\0\x08\0\0\0!\0edubasealldata.csv"), Err(Some(NotCsv::Zip)));
        assert_eq!(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0]), Err(Some(NotCsv::OldExcelWorkbook)));
        assert_eq!(sniff(&[0x1F, 0x8B, 8, 0]), Err(Some(NotCsv::Binary)));
    }

    #[test]
    fn encoding_decision() {
        let mut t = TextState::new(false);
        assert_eq!(t.check(b"plain"), Ok(()));
        assert_eq!(t, TextState::Undecided);
        assert_eq!(t.check("Ynys Môn".as_bytes()), Ok(()));
        assert_eq!(t, TextState::Utf8);
        assert_eq!(t.check(b"Ynys M\xF4n"), Err(()));

        let mut t = TextState::new(false);
        assert_eq!(t.check(b"Ynys M\xF4n"), Ok(()));
        assert_eq!(t, TextState::Windows1252);
        assert_eq!(t.decode(Some(b"St Mary\x92s \xE9cole")), "St Mary\u{2019}s \u{e9}cole");
    }
}
