//! Reading real and generated GIAS extracts.

use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, SchoolData, SchoolStatus, TypeGroup};
use upward_gias::generate::{BadCell, GenerateOptions, generate};
use upward_gias::{
    COLUMNS_2025, Extract, Field, ImportError, MAX_PROBLEMS, NotCsv, Progress, TextEncoding, read_extract,
};

const SAMPLE: &[u8] = include_bytes!("data/gias_sample.csv");
const SAMPLE_CP1252: &[u8] = include_bytes!("data/gias_sample_cp1252.csv");
const UPDATE: &[u8] = include_bytes!("data/gias_update.csv");
const LAYOUT_2025: &[u8] = include_bytes!("data/establishments_2025.csv");
const LINKS_CP1252: &[u8] = include_bytes!("data/links_excerpt_cp1252.csv");

fn read(bytes: &[u8], name: &str) -> Result<Extract, ImportError> {
    read_extract(bytes, name, Some(bytes.len() as u64), &mut |_| {})
}

fn ok(bytes: &[u8], name: &str) -> Extract {
    match read(bytes, name) {
        Ok(e) => e,
        Err(e) => panic!("{name} was refused: {e}"),
    }
}

fn school(e: &Extract, urn: i64) -> &SchoolData {
    e.schools.iter().find(|s| s.urn == urn).unwrap_or_else(|| panic!("URN {urn} missing"))
}

fn generated(opts: &GenerateOptions) -> Vec<u8> {
    let mut out = Vec::new();
    generate(opts, &mut out).expect("generate");
    out
}

/// Replace the first occurrence of `from` with `to` in `bytes`.
fn replace(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = bytes.windows(from.len()).position(|w| w == from).expect("pattern present");
    [&bytes[..at], to, &bytes[at + from.len()..]].concat()
}

/// The sample's header line and its first `n` data lines (LF-separated).
fn sample_lines(n: usize) -> Vec<u8> {
    let text = std::str::from_utf8(SAMPLE).expect("utf-8");
    let mut out: Vec<u8> = Vec::new();
    for line in text.split_inclusive('\n').take(n + 1) {
        out.extend_from_slice(line.as_bytes());
    }
    out
}

#[test]
fn sample_2021_reads_with_the_right_counts_and_values() {
    let e = ok(SAMPLE, "gias_sample.csv");
    assert_eq!(e.rows, 99);
    assert_eq!(e.schools.len(), 99);
    assert_eq!(e.layout.columns, 139);
    assert_eq!(e.layout.encoding, TextEncoding::Utf8); // "Ynys Môn"
    assert!(e.layout.optional_missing.is_empty());
    assert_eq!(e.layout.fields, Field::ALL.to_vec());

    let count = |f: &dyn Fn(&SchoolData) -> bool| e.schools.iter().filter(|s| f(s)).count();
    assert_eq!(count(&|s| s.status == SchoolStatus::Open), 88);
    assert_eq!(count(&|s| s.status == SchoolStatus::Closed), 9);
    assert_eq!(count(&|s| s.status == SchoolStatus::ProposedToClose), 1);
    assert_eq!(count(&|s| s.status == SchoolStatus::ProposedToOpen), 1);
    assert_eq!(count(&|s| s.region.as_deref() == Some("Wales (pseudo)")), 51);
    assert_eq!(count(&|s| s.region.as_deref() == Some("London")), 48);
    assert_eq!(count(&|s| s.phase == Phase::Primary), 41);
    assert_eq!(count(&|s| s.phase == Phase::AlternativeProvision), 2);
    assert_eq!(count(&|s| s.ofsted_grade == Some(OfstedGrade::Good)), 27);
    assert_eq!(count(&|s| s.ofsted_grade == Some(OfstedGrade::Outstanding)), 12);

    let s = school(&e, 100_000);
    assert_eq!(s.name, "The Aldgate School");
    assert_eq!(s.la_name.as_deref(), Some("City of London"));
    assert_eq!(s.type_name.as_deref(), Some("Voluntary aided school"));
    assert_eq!(s.type_group, TypeGroup::Maintained);
    assert_eq!(s.status, SchoolStatus::Open);
    assert_eq!(s.phase, Phase::Primary);
    assert_eq!((s.low_age, s.high_age), (Some(3), Some(11)));
    assert_eq!(s.gender, Gender::Mixed);
    assert_eq!(s.admissions, Admissions::NotApplicable);
    assert_eq!(s.religious_character.as_deref(), Some("Church of England"));
    assert_eq!(s.street.as_deref(), Some("St James's Passage"));
    assert_eq!(s.locality.as_deref(), Some("Duke's Place"));
    assert_eq!(s.town.as_deref(), Some("London"));
    assert_eq!(s.county, None);
    assert_eq!(s.postcode.as_deref(), Some("EC3A 5DE"));
    assert_eq!(s.region.as_deref(), Some("London"));
    assert_eq!(s.website.as_deref(), Some("www.sirjohncassprimary.org"));
    assert_eq!(s.telephone.as_deref(), Some("02072831147")); // leading 0 restored
    assert_eq!((s.pupils, s.capacity), (Some(276), Some(276)));
    assert_eq!(s.fsm_pct, Some(10.2));
    assert_eq!((s.trust_code.as_deref(), s.trust_name.as_deref()), (None, None));
    assert_eq!((s.easting, s.northing), (Some(533_498), Some(181_201)));
    // OSTN15 gives 51.5139703, -0.0775046 for this point (Aldgate).
    let (lat, lon) = (s.latitude.expect("lat"), s.longitude.expect("lon"));
    assert!((lat - 51.513_970).abs() < 5e-5 && (lon + 0.077_505).abs() < 8e-5, "{lat}, {lon}");
    assert_eq!(s.ofsted_grade, Some(OfstedGrade::Outstanding));
    assert_eq!(s.ofsted_date.as_deref(), Some("2013-04-19"));
    assert_eq!((s.open_date.as_deref(), s.close_date.as_deref()), (None, None));
    assert!(!s.sixth_form);

    let girls = school(&e, 100_001);
    assert_eq!(girls.gender, Gender::Girls);
    assert_eq!(girls.type_group, TypeGroup::Independent);
    assert!(girls.sixth_form);
    assert_eq!(girls.open_date.as_deref(), Some("1920-01-01"));
    assert_eq!(girls.religious_character.as_deref(), Some("None"));

    // Welsh establishments: blank gender and admissions are "not applicable".
    let welsh = e.schools.iter().find(|s| s.urn >= 400_000).expect("a Welsh row");
    assert_eq!(welsh.gender, Gender::NotApplicable);
    assert_eq!(welsh.admissions, Admissions::NotApplicable);
    assert_eq!(welsh.type_group, TypeGroup::Other);
    assert_eq!(e.warnings_total, 0, "{:?}", e.warnings);
}

#[test]
fn layout_2025_reads_without_ofsted_columns() {
    let e = ok(LAYOUT_2025, "Establishments-Integration-Test-Data.csv");
    assert_eq!(e.rows, 3);
    assert_eq!(e.layout.columns, 135);
    assert_eq!(e.layout.encoding, TextEncoding::Ascii);
    assert_eq!(e.layout.optional_missing, vec!["OfstedRating (name)", "OfstedLastInsp"]);
    assert!(!e.layout.fields.contains(&Field::OfstedGrade));
    assert!(!e.layout.fields.contains(&Field::OfstedDate));
    assert!(e.layout.fields.contains(&Field::FsmPct));

    let s = school(&e, 143_034);
    assert_eq!(s.name, "St Paul's Church of England Academy");
    assert_eq!(s.type_group, TypeGroup::Academy);
    assert_eq!(s.status, SchoolStatus::Open);
    assert_eq!(s.phase, Phase::Primary);
    assert_eq!(s.open_date.as_deref(), Some("2016-08-01")); // 01/08/2016
    assert_eq!(s.pupils, Some(661));
    assert_eq!(s.capacity, Some(664));
    assert_eq!(s.fsm_pct, Some(37.4));
    assert_eq!(s.trust_code.as_deref(), Some("5488"));
    assert_eq!(s.trust_name.as_deref(), Some("DIOCESE OF CHICHESTER ACADEMY TRUST"));
    assert_eq!(s.postcode.as_deref(), Some("TN37 6RT"));
    assert_eq!(s.region.as_deref(), Some("South East"));
    assert_eq!(s.telephone.as_deref(), Some("01424424530"));
    assert_eq!(s.ofsted_grade, None);
    // Horntye Road, St Leonards-on-Sea: about 50.863 N 0.565 E.
    let (lat, lon) = (s.latitude.expect("lat"), s.longitude.expect("lon"));
    assert!((lat - 50.863).abs() < 0.005 && (lon - 0.565).abs() < 0.005, "{lat}, {lon}");

    let closed = school(&e, 100_273);
    assert_eq!(closed.status, SchoolStatus::Closed);
    assert_eq!(closed.close_date.as_deref(), Some("2002-08-31"));
    assert_eq!((closed.pupils, closed.fsm_pct, closed.capacity), (None, None, None));
    assert_eq!(school(&e, 102_848).fsm_pct, Some(13.5));
}

#[test]
fn gias_native_quoting_reads() {
    let e = ok(UPDATE, "gias_update.csv");
    assert_eq!(e.rows, 1);
    let s = &e.schools[0];
    assert_eq!((s.urn, s.name.as_str()), (100_000, "The Aldgate School 2"));
    assert_eq!(s.telephone.as_deref(), Some("02072831147"));
    assert_eq!(s.pupils, Some(276));
    assert_eq!(s.ofsted_date.as_deref(), Some("2013-04-19"));

    // Refreshing the sample's URN 100000 from it changes the name only.
    let before = ok(SAMPLE, "gias_sample.csv");
    let changes = e.changes(&before.schools);
    assert_eq!(changes.updated.len(), 1);
    assert_eq!(changes.not_in_file, 98);
    let u = &changes.updated[0];
    assert_eq!(u.changes.len(), 1, "{:?}", u.changes);
    assert_eq!(u.changes[0].field, Field::Name);
    assert_eq!(u.changes[0].old.as_deref(), Some("The Aldgate School"));
    assert_eq!(u.changes[0].new.as_deref(), Some("The Aldgate School 2"));
}

#[test]
fn windows_1252_copy_round_trips_non_ascii_characters() {
    let utf8 = ok(SAMPLE, "gias_sample.csv");
    let cp = ok(SAMPLE_CP1252, "gias_sample_cp1252.csv");
    assert_eq!(cp.layout.encoding, TextEncoding::Windows1252);
    assert_eq!(cp.rows, 99);
    assert_eq!(school(&cp, 100_002).name, "St Paul\u{2019}s Cathedral School");
    assert_eq!(school(&cp, 100_005).name, "Thomas Coram Centre \u{2013} Cr\u{e8}che");
    assert_eq!(school(&cp, 100_008).street.as_deref(), Some("Ch\u{e2}teau Terrace"));
    assert_eq!(school(&cp, 100_011).name, "Bront\u{eb} Primary School");
    // Everything else is identical to the UTF-8 original.
    for (a, b) in utf8.schools.iter().zip(&cp.schools) {
        if ![100_002, 100_005, 100_008, 100_011].contains(&a.urn) {
            assert_eq!(a, b);
        }
    }
}

#[test]
fn real_windows_1252_bytes_from_gias_decode() {
    // The real links extract has "St Thomas \xE0 Becket" (à in Windows-1252).
    let line = LINKS_CP1252.split(|&b| b == b'\n').find(|l| l.contains(&0xE0)).expect("line with 0xE0");
    let name = line.split(|&b| b == b'"').nth(1).expect("quoted LinkName");
    let bytes = replace(UPDATE, b"The Aldgate School 2", name);
    let e = ok(&bytes, "spliced.csv");
    assert_eq!(e.layout.encoding, TextEncoding::Windows1252);
    assert_eq!(e.schools[0].name, "St Thomas \u{e0} Becket Catholic Secondary School, A Voluntary Academy");
}

#[test]
fn a_file_that_is_not_an_establishments_extract_is_refused_by_name() {
    let err = read(LINKS_CP1252, "links_edubasealldata20250422.csv").expect_err("refused");
    let ImportError::MissingColumns { missing, .. } = &err else { panic!("{err}") };
    assert!(missing.contains(&"EstablishmentName".to_string()));
    assert!(!missing.contains(&"URN".to_string()));
    let msg = err.to_string();
    assert!(msg.starts_with("links_edubasealldata20250422.csv has no column named \"EstablishmentName\""), "{msg}");
    assert!(msg.contains("may not be a GIAS all-establishments extract"), "{msg}");
}

#[test]
fn missing_required_column_names_file_and_column() {
    let bytes = replace(SAMPLE, b",Postcode,", b",PostCode2,");
    let err = read(&bytes, "gias.csv").expect_err("refused");
    assert_eq!(
        err.to_string(),
        "gias.csv has no column named \"Postcode\": it may not be a GIAS all-establishments extract \
         (the \"Establishment fields\" CSV from GIAS downloads, edubasealldataYYYYMMDD.csv)"
    );
}

#[test]
fn semicolon_separated_file_gets_a_hint() {
    let text = std::str::from_utf8(&sample_lines(2)).expect("utf-8").replace(',', ";");
    let err = read(text.as_bytes(), "gias.csv").expect_err("refused");
    assert!(
        err.to_string().ends_with("(its header is separated by semicolons: save it as \"CSV (Comma delimited)\")"),
        "{err}"
    );
}

#[test]
fn missing_optional_column_is_not_provided() {
    let bytes = replace(SAMPLE, b",NumberOfPupils,", b",NumberOfPupilsX,");
    let e = ok(&bytes, "gias.csv");
    assert!(!e.layout.fields.contains(&Field::Pupils));
    assert!(e.layout.optional_missing.contains(&"NumberOfPupils"));
    assert_eq!(school(&e, 100_000).pupils, None);
    assert_eq!(e.layout.ignored_columns, 139 - 9 - 22);
}

#[test]
fn duplicate_column_is_refused() {
    let bytes = replace(SAMPLE, b",Postcode,", b",Town,");
    let err = read(&bytes, "gias.csv").expect_err("refused");
    assert!(matches!(err, ImportError::DuplicateColumn { first: 63, second: 65, .. }), "{err:?}");
    assert_eq!(err.to_string(), "gias.csv: the header has the column \"Town\" twice (columns 63 and 65)");
}

#[test]
fn utf16_is_refused() {
    let text = std::str::from_utf8(&sample_lines(3)).expect("utf-8").to_string();
    let le: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    for bytes in [[&[0xFF, 0xFE][..], &le].concat(), le.clone()] {
        let err = read(&bytes, "unicode.txt").expect_err("refused");
        assert!(matches!(err, ImportError::NotCsv { kind: NotCsv::Utf16, .. }), "{err:?}");
        assert!(err.to_string().starts_with("unicode.txt is saved as UTF-16"), "{err}");
    }
    let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    assert!(matches!(read(&be, "be.csv"), Err(ImportError::NotCsv { kind: NotCsv::Utf16, .. })));
}

#[test]
fn excel_workbook_and_zip_are_refused() {
    // The start of every .xlsx: a zip local file header for [Content_Types].xml.
    let mut xlsx = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\x8a\x9b\x5c\x0f\x6d\x01\x00\x00".to_vec();
    xlsx.extend_from_slice(b"\x13\x00\x08\x02[Content_Types].xml \xa2\x04\x02(\xa0\x00\x02\x00\x00");
    let err = read(&xlsx, "gias.xlsx").expect_err("refused");
    assert!(matches!(err, ImportError::NotCsv { kind: NotCsv::ExcelWorkbook, .. }));
    assert!(
        err.to_string()
            .starts_with("gias.xlsx looks like an Excel workbook, not a CSV file: open it in Excel and save it")
    );

    let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00edubasealldata20250422.csv".to_vec();
    let err = read(&zip, "extract.zip").expect_err("refused");
    assert!(matches!(err, ImportError::NotCsv { kind: NotCsv::Zip, .. }));
    assert!(err.to_string().contains("unzip it"));
}

#[test]
fn empty_and_header_only_files_are_refused() {
    assert!(matches!(read(b"", "a.csv"), Err(ImportError::Empty { .. })));
    assert!(matches!(read(b"\r\n\r\n", "a.csv"), Err(ImportError::Empty { .. })));
    assert!(matches!(read(b"\xEF\xBB\xBF", "a.csv"), Err(ImportError::Empty { .. })));
    let err = read(&sample_lines(0), "a.csv").expect_err("refused");
    assert_eq!(err.to_string(), "a.csv has a header but no rows of data");
    assert_eq!(
        read(b"", "x.csv").expect_err("refused").to_string(),
        "x.csv is empty: choose the GIAS all-establishments extract (edubasealldataYYYYMMDD.csv)"
    );
}

#[test]
fn bom_crlf_and_lf_read_the_same() {
    // The sample has CRLF line ends.
    let crlf_text = std::str::from_utf8(SAMPLE).expect("utf-8");
    assert_eq!(crlf_text.matches("\r\n").count(), 99);
    let crlf = ok(SAMPLE, "crlf.csv");
    let lf_text = crlf_text.replace("\r\n", "\n");
    let lf = ok(lf_text.as_bytes(), "lf.csv");
    let bom = ok(&[b"\xEF\xBB\xBF", crlf_text.as_bytes()].concat(), "bom.csv");
    assert_eq!(lf.schools, crlf.schools);
    assert_eq!(lf.schools, bom.schools);
    assert!(bom.layout.utf8_bom);
    assert_eq!(bom.layout.encoding, TextEncoding::Utf8);
}

#[test]
fn duplicate_urn_names_both_rows() {
    let mut bytes = sample_lines(3);
    bytes = replace(&bytes, b"\n100001,", b"\n100000,");
    let err = read(&bytes, "gias.csv").expect_err("refused");
    let p = err.problems();
    assert_eq!(p.len(), 1);
    assert_eq!(
        p[0].to_string(),
        "gias.csv, row 2 (line 3), field URN: \"100000\" is a duplicate: row 1 (line 2) has the same URN"
    );
}

#[test]
fn bad_values_are_each_reported() {
    let mut bytes = sample_lines(5);
    bytes = replace(&bytes, b",276,2,No Special Classes,", b",27 6,2,No Special Classes,"); // capacity, row 1
    bytes = replace(&bytes, b"\n100001,", b"\nX100001,"); // URN, row 2
    bytes = replace(&bytes, b",Girls,", b",Unicorns,"); // gender, row 2
    bytes = replace(&bytes, b"01-01-1939", b"31-02-1939"); // open date, row 3
    bytes = replace(&bytes, b",10.2,", b",110.2,"); // FSM, row 1
    let err = read(&bytes, "gias.csv").expect_err("refused");
    let got: Vec<String> = err.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(
        got,
        vec![
            "gias.csv, row 1 (line 2), field SchoolCapacity: \"27 6\" is not a whole number",
            "gias.csv, row 1 (line 2), field PercentageFSM: \"110.2\" is not a percentage from 0 to 100",
            "gias.csv, row 2 (line 3), field URN: \"X100001\" is not a URN (a positive whole number)",
            "gias.csv, row 2 (line 3), field Gender (name): \"Unicorns\" is not one of \"Mixed\", \"Boys\", \"Girls\", \"Not applicable\"",
            "gias.csv, row 3 (line 4), field OpenDate: \"31-02-1939\" is not a real date",
        ]
    );
    let msg = err.to_string();
    assert!(msg.starts_with("gias.csv has 5 problems; nothing in it can be imported until they are fixed:\n"), "{msg}");
}

#[test]
fn wrong_field_count_and_multi_line_rows_give_the_file_line() {
    // Row 1 gains a line break inside a quoted value, so row 2 starts on line 4.
    let mut bytes = sample_lines(3);
    bytes = replace(&bytes, b",St James's Passage,", b",\"St James's\nPassage\",");
    bytes = replace(&bytes, b"\n100001,201,", b"\n100001,201,extra,");
    let err = read(&bytes, "gias.csv").expect_err("refused");
    assert_eq!(
        err.problems()[0].to_string(),
        "gias.csv, row 2 (line 4): has 140 fields but the header has 139: a comma or quotation mark may be missing or extra"
    );
}

#[test]
fn mixed_encodings_are_refused() {
    // Row 1 is UTF-8 (é as two bytes), row 2 has a lone Windows-1252 byte.
    let mut bytes = sample_lines(3);
    bytes = replace(&bytes, b"The Aldgate School", "The Aldgate Caf\u{e9}".as_bytes());
    bytes = replace(&bytes, b"City of London School for Girls", b"City of London \xC9cole");
    let err = read(&bytes, "gias.csv").expect_err("refused");
    assert!(err.problems()[0].to_string().starts_with("gias.csv, row 2 (line 3): is not valid UTF-8"), "{err}");
}

#[test]
fn problems_are_capped_with_a_count_of_the_rest() {
    let bytes = generated(&GenerateOptions { rows: 120, seed: 3, bad: None });
    // Make every row's status unknown.
    let text = encoding_rs::WINDOWS_1252.decode(&bytes).0.into_owned();
    let text = text
        .replace("\"Open\",", "\"Opn\",")
        .replace("\"Closed\",", "\"Opn\",")
        .replace("\"Open, but proposed to close\",", "\"Opn\",")
        .replace("\"Proposed to open\",", "\"Opn\",");
    let err = read(text.as_bytes(), "gias.csv").expect_err("refused");
    let ImportError::Invalid { problems, total, .. } = &err else { panic!("{err}") };
    assert_eq!(*total, 120);
    assert_eq!(problems.len(), MAX_PROBLEMS);
    assert!(err.to_string().ends_with("\nand 70 more"), "{err}");
}

#[test]
fn generated_national_layout_reads() {
    let bytes = generated(&GenerateOptions { rows: 3_000, seed: 11, bad: None });
    assert!(bytes.windows(2).filter(|w| w == b"\r\n").count() == 3_001);
    let header_line = bytes.split(|&b| b == b'\r').next().expect("header");
    let real_header = LAYOUT_2025.split(|&b| b == b'\n').next().expect("header");
    let quoted: Vec<String> = COLUMNS_2025.iter().map(|c| format!("\"{c}\"")).collect();
    assert_eq!(header_line, quoted.join(",").as_bytes());
    assert_eq!(real_header, COLUMNS_2025.join(",").as_bytes());

    let e = ok(&bytes, "generated.csv");
    assert_eq!(e.rows, 3_000);
    assert_eq!(e.layout.columns, 135);
    assert_eq!(e.layout.encoding, TextEncoding::Windows1252);
    let open =
        e.schools.iter().filter(|s| matches!(s.status, SchoolStatus::Open | SchoolStatus::ProposedToClose)).count();
    assert!((1_350..1_800).contains(&open), "{open} open of 3,000");
    for phase in Phase::ALL {
        assert!(e.schools.iter().any(|s| s.phase == *phase), "no {phase:?}");
    }
    for group in TypeGroup::ALL {
        assert!(e.schools.iter().any(|s| s.type_group == *group), "no {group:?}");
    }
    for c in ['é', 'â', '’', 'ë'] {
        assert!(e.schools.iter().any(|s| s.name.contains(c)), "no name with {c}");
    }
    assert!(e.schools.iter().all(|s| !s.name.contains('\u{fffd}')));
    assert!(e.schools.iter().filter(|s| s.trust_code.is_some()).count() > 500);
    assert!(e.schools.iter().any(|s| s.admissions == Admissions::Selective));
    assert!(e.schools.iter().any(|s| s.gender == Gender::Boys));
    for s in &e.schools {
        if let (Some(lat), Some(lon)) = (s.latitude, s.longitude) {
            assert!((49.8..55.9).contains(&lat) && (-6.5..2.0).contains(&lon), "{}: {lat}, {lon}", s.urn);
        }
    }
    assert_eq!(e.warnings_total, 0, "{:?}", e.warnings.first());
}

#[test]
fn generated_bad_value_at_row_1234_gives_the_exact_message() {
    let opts =
        GenerateOptions { rows: 2_000, seed: 2025, bad: Some(BadCell { row: 1_234, column: "NumberOfPupils".into() }) };
    let err = read(&generated(&opts), "gias-52k.csv").expect_err("refused");
    let ImportError::Invalid { problems, total, .. } = &err else { panic!("{err}") };
    assert_eq!(*total, 1);
    assert_eq!(
        problems[0].to_string(),
        "gias-52k.csv, row 1,234 (line 1,235), field NumberOfPupils: \"12x\" is not a whole number"
    );
    assert_eq!(problems[0].row, Some(1_234));
    assert_eq!(problems[0].line, 1_235);
    assert_eq!(problems[0].value.as_deref(), Some("12x"));
}

#[test]
fn every_bad_value_the_generator_offers_is_refused() {
    for column in COLUMNS_2025 {
        if upward_gias::generate::bad_value(column).is_none() {
            continue;
        }
        let opts = GenerateOptions { rows: 40, seed: 5, bad: Some(BadCell { row: 17, column: column.to_string() }) };
        let err = read(&generated(&opts), "g.csv").expect_err(column);
        let p = &err.problems()[0];
        assert_eq!((p.row, p.field.as_deref()), (Some(17), Some(column)), "{err}");
    }
}

#[test]
fn progress_is_reported_every_500_rows_and_at_the_end() {
    let bytes = generated(&GenerateOptions { rows: 1_750, seed: 1, bad: None });
    let mut calls: Vec<Progress> = Vec::new();
    read_extract(&bytes[..], "g.csv", Some(bytes.len() as u64), &mut |p| calls.push(p)).expect("reads");
    let rows: Vec<u64> = calls.iter().map(|p| p.rows).collect();
    assert_eq!(rows, vec![500, 1_000, 1_500, 1_750]);
    assert!(calls.windows(2).all(|w| w[0].bytes < w[1].bytes));
    let last = calls.last().expect("a call");
    assert!(last.done && calls[..3].iter().all(|p| !p.done));
    assert_eq!(last.bytes, bytes.len() as u64);
    assert_eq!(last.fraction(), Some(1.0));
}

#[test]
fn dates_in_any_accepted_form_are_stored_as_iso() {
    let bytes = replace(&sample_lines(3), b"01-01-1920", b"1920-01-01");
    let bytes = replace(&bytes, b"01-01-1939", b"1/1/1939");
    let e = ok(&bytes, "gias.csv");
    assert_eq!(school(&e, 100_001).open_date.as_deref(), Some("1920-01-01"));
    assert_eq!(school(&e, 100_002).open_date.as_deref(), Some("1939-01-01"));
}

#[test]
fn blank_lines_are_skipped_but_counted() {
    let text = std::str::from_utf8(&sample_lines(3)).expect("utf-8").replace("\r\n", "\n");
    let text = text.replacen("\n100001,", "\n\n\n100001,", 1).replace('\n', "\r\n");
    let text = text.replacen(",Girls,", ",Unicorns,", 1);
    let err = read(text.as_bytes(), "gias.csv").expect_err("refused");
    assert!(err.problems()[0].to_string().starts_with("gias.csv, row 2 (line 5), field Gender (name)"), "{err}");
}

/// Split one CSV line into (was it quoted, value) pairs.
fn fields_with_quoting(line: &str) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let quoted = chars.peek() == Some(&'"');
        let mut value = String::new();
        if quoted {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '"' if chars.peek() == Some(&'"') => {
                        chars.next();
                        value.push('"');
                    }
                    '"' => break,
                    _ => value.push(c),
                }
            }
        }
        let mut more = false;
        for c in chars.by_ref() {
            if c == ',' {
                more = true;
                break;
            }
            value.push(c);
        }
        out.push((quoted, value));
        if !more {
            return out;
        }
    }
}

#[test]
fn generated_rows_quote_like_gias() {
    // gias_update.csv is in GIAS's own quoting: strings quoted, a few
    // numeric columns bare. Generated rows must quote the same columns.
    let update = std::str::from_utf8(UPDATE).expect("ascii");
    let mut lines = update.split("\r\n");
    let names: Vec<String> = fields_with_quoting(lines.next().expect("header")).into_iter().map(|f| f.1).collect();
    let gias: Vec<(bool, String)> = fields_with_quoting(lines.next().expect("row"));
    assert_eq!((names.len(), gias.len()), (139, 139));
    assert_eq!(gias[0], (false, "100000".to_string()));
    assert_eq!(gias[4], (true, "The Aldgate School 2".to_string()));
    let bytes = generated(&GenerateOptions { rows: 50, seed: 4, bad: None });
    let text = encoding_rs::WINDOWS_1252.decode(&bytes).0.into_owned();
    let mut compared = 0;
    for line in text.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
        let row = fields_with_quoting(line);
        assert_eq!(row.len(), 135);
        for (name, (quoted, value)) in COLUMNS_2025.iter().zip(&row) {
            let Some(i) = names.iter().position(|n| n == name) else {
                continue;
            };
            if !value.is_empty() && !gias[i].1.is_empty() {
                assert_eq!(*quoted, gias[i].0, "column {name}: generated {value:?}, GIAS {:?}", gias[i].1);
                compared += 1;
            }
        }
    }
    assert!(compared > 2_000, "{compared}");
}
