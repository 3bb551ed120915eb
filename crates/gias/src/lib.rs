//! Reads and checks the DfE "Get Information About Schools" (GIAS)
//! all-establishments extract (`edubasealldataYYYYMMDD.csv`), works out what
//! importing it would change, and generates national-size test files.
//!
//! No database: [`read_extract`] turns a file into
//! [`SchoolData`](upward_domain::school::SchoolData) records or refuses it
//! with every problem found; [`diff`] (or [`Extract::changes`]) compares them
//! with the schools already held; the storage layer applies the result in
//! one transaction.
//!
//! ```
//! use upward_gias::read_extract;
//!
//! // The smallest file accepted: the required columns only.
//! let csv = "URN,EstablishmentName,TypeOfEstablishment (name),EstablishmentTypeGroup (name),\
//!            EstablishmentStatus (name),PhaseOfEducation (name),Gender (name),\
//!            AdmissionsPolicy (name),Postcode\r\n\
//!            100000,The Aldgate School,Voluntary aided school,Local authority maintained schools,\
//!            Open,Primary,Mixed,Not applicable,EC3A 5DE\r\n";
//! let extract = read_extract(csv.as_bytes(), "gias.csv", None, &mut |_progress| {})?;
//! assert_eq!(extract.schools[0].name, "The Aldgate School");
//!
//! // Nothing held yet: everything is new.
//! let changes = extract.changes(&[]);
//! assert_eq!(changes.added.len(), 1);
//! assert_eq!(changes.summary(), "1 school in the file: 1 new, 0 changed, 0 unchanged.");
//! # Ok::<(), upward_gias::ImportError>(())
//! ```
//!
//! # What is checked
//!
//! * **The bytes.** UTF-8 (with or without byte-order mark) or Windows-1252,
//!   the encoding GIAS uses; CRLF or LF. Refused with a plain message: an
//!   empty file, UTF-16 ("Unicode text"), an Excel workbook (`.xlsx`,
//!   `.xls`), a zip archive (GIAS's `extract.zip`) or other binary file, and
//!   a UTF-8 file with non-UTF-8 rows later on (mixed encodings).
//! * **The header.** Columns are found by name, never by position, so the
//!   2021 (139-column) and 2025 (135-column) layouts both read. The
//!   [`REQUIRED_COLUMNS`] must be present (otherwise the message names the
//!   file and the missing columns and suggests it may not be a GIAS
//!   extract); [`OPTIONAL_COLUMNS`] are read when present; other columns are
//!   ignored. A column named twice is refused.
//! * **Every row.** The number of fields matches the header; `URN` is a
//!   positive whole number, unique in the file; `EstablishmentName` is not
//!   blank; `EstablishmentStatus (name)`, `PhaseOfEducation (name)`,
//!   `Gender (name)` and `AdmissionsPolicy (name)` hold values GIAS uses
//!   (blank allowed for phase, gender and admissions, as for Welsh
//!   establishments); `NumberOfPupils`, `SchoolCapacity`, `StatutoryLowAge`,
//!   `StatutoryHighAge` are whole numbers of 0 or more; `Easting` and
//!   `Northing` are whole metres within the National Grid; `PercentageFSM` is
//!   a number from 0 to 100; `OpenDate`, `CloseDate` and `OfstedLastInsp` are
//!   real dates written `dd-mm-yyyy`, `dd/mm/yyyy` or `yyyy-mm-dd` (stored as
//!   ISO `yyyy-mm-dd`). Blank optional values become `None`.
//! * **Warnings, not errors** (the DfE's own data should not block an
//!   import): an unknown `EstablishmentTypeGroup (name)` (read as "Other"),
//!   an unknown `OfstedRating (name)` or `OfficialSixthForm (name)`, a low
//!   age above the high age.
//!
//! Problems name the file, the data row (the first row after the header is
//! row 1), the file line, the column and the value, for example
//! `gias.csv, row 1,234 (line 1,235), field NumberOfPupils: "12x" is not a whole number`.
//! All rows are checked; the first [`MAX_PROBLEMS`] problems are returned with
//! the total count, and a file with any problem is refused as a whole.
//!
//! # What is derived
//!
//! * `phase` from `PhaseOfEducation (name)` and `TypeOfEstablishment (name)`
//!   (special and alternative provision come from the type), `type_group`,
//!   `status`, `gender`, `admissions`, `ofsted_grade` with the domain's
//!   `from_gias` parsers.
//! * `latitude`/`longitude` (WGS84, 6 decimal places) from `Easting`/`Northing`
//!   (OSGB36) by the Ordnance Survey's projection formulas and Helmert
//!   transformation, good to about 5 m ([`grid`]). An easting and northing of
//!   0 and 0 mean "no position".
//! * `sixth_form` is true for "Has a sixth form".
//! * Postcodes are upper-cased with single spaces; a 10-digit telephone
//!   number that lost its leading 0 to Excel gets it back;
//!   `ReligiousCharacter (name)` "Does not apply" and `GOR (name)` "Not
//!   applicable" become `None`.
//!
//! # Memory and speed
//!
//! The file is streamed row by row; only the resulting records are kept. See
//! `docs/bench-gias.md` for figures for a 52,000-row file.

mod diff;
mod error;
pub mod generate;
pub mod grid;
mod layout;
mod read;
mod values;

pub use diff::{Changes, FieldChange, Update, diff};
pub use error::{ImportError, MAX_PROBLEMS, NotCsv, Problem, thousands};
pub use layout::{COLUMNS_2021, COLUMNS_2025, Field, OPTIONAL_COLUMNS, REQUIRED_COLUMNS, col};
pub use read::{Extract, Layout, PROGRESS_EVERY, Progress, TextEncoding, read_extract};
