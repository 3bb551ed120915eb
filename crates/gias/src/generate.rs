//! A generator of national-size test extracts in the real 2025 layout.
//!
//! The output imitates a GIAS download as closely as the public samples
//! allow: the 135 columns of [`COLUMNS_2025`] in order, Windows-1252 bytes,
//! CRLF line ends, and GIAS's quoting (every header and string quoted;
//! `URN`, `StatutoryLowAge`, `StatutoryHighAge`, `SchoolCapacity`, `UKPRN`,
//! `Easting` and `Northing` bare; dates `dd-mm-yyyy`). Values are varied and
//! plausible: every phase and establishment type, about 52% open, trusts,
//! positions around real English towns, names with Windows-1252 letters
//! such as "é", "â", "ë" and the curly apostrophe "’". Output depends only on
//! the options, so a seed reproduces a file byte for byte.
//!
//! The data are invented; URNs are sequential from 100000 and do not match
//! real schools.

use std::io::{self, Write};

use encoding_rs::WINDOWS_1252;

use crate::layout::{COLUMNS_2025, col};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Number of data rows.
    pub rows: u64,
    /// Seed for the pseudo-random values.
    pub seed: u64,
    /// Put a bad value in one cell, to test error reporting.
    pub bad: Option<BadCell>,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions { rows: 52_000, seed: 2025, bad: None }
    }
}

/// A deliberately bad cell: data row `row` (1 = first after the header),
/// column `column` (a header name; see [`bad_value`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCell {
    pub row: u64,
    pub column: String,
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Generated {
    pub rows: u64,
    /// Rows with status "Open" or "Open, but proposed to close".
    pub open: u64,
    pub closed: u64,
    pub bytes: u64,
}

/// The bad value [`generate`] writes into `column`, or `None` if the
/// importer does not check that column. The importer must refuse each of
/// these.
pub fn bad_value(column: &str) -> Option<&'static str> {
    Some(match column {
        col::URN | col::PUPILS | col::CAPACITY | col::LOW_AGE | col::HIGH_AGE | col::EASTING | col::NORTHING => "12x",
        col::FSM_PCT => "112.5",
        col::OPEN_DATE | col::CLOSE_DATE => "31-02-2024",
        col::STATUS | col::PHASE | col::GENDER | col::ADMISSIONS => "Unknown value",
        col::NAME => "",
        _ => return None,
    })
}

/// Columns GIAS writes without quotation marks.
const BARE: &[&str] = &[col::URN, col::LOW_AGE, col::HIGH_AGE, col::CAPACITY, "UKPRN", col::EASTING, col::NORTHING];

/// Write a generated extract to `out` (which is best buffered).
pub fn generate(opts: &GenerateOptions, out: impl Write) -> io::Result<Generated> {
    if let Some(bad) = &opts.bad {
        if !COLUMNS_2025.contains(&bad.column.as_str()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("\"{}\" is not a column of the 2025 layout", bad.column),
            ));
        }
        if bad_value(&bad.column).is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the importer does not check \"{}\", so a bad value there would not be noticed", bad.column),
            ));
        }
    }
    let mut out = CountingWriter { inner: out, bytes: 0 };
    let mut line = String::with_capacity(4096);
    for (i, name) in COLUMNS_2025.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_quoted(&mut line, name);
    }
    write_line(&mut out, &mut line)?;

    let mut rng = Rng::new(opts.seed);
    let trusts = Trusts::new(&mut rng);
    let mut stats = Generated::default();
    let mut urn: u64 = 100_000;
    for row in 1..=opts.rows {
        urn += 1 + rng.below(3);
        let s = School::new(&mut rng, urn, &trusts);
        match s.status {
            Status::Open | Status::ProposedToClose => stats.open += 1,
            Status::Closed => stats.closed += 1,
            Status::ProposedToOpen => {}
        }
        let bad = opts.bad.as_ref().filter(|b| b.row == row);
        for (i, &name) in COLUMNS_2025.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            let value = match bad {
                Some(b) if b.column == name => bad_value(name).unwrap_or_default().to_string(),
                _ => s.cell(name),
            };
            if BARE.contains(&name) {
                line.push_str(&value);
            } else {
                push_quoted(&mut line, &value);
            }
        }
        write_line(&mut out, &mut line)?;
        stats.rows += 1;
    }
    out.flush()?;
    stats.bytes = out.bytes;
    Ok(stats)
}

fn push_quoted(line: &mut String, value: &str) {
    line.push('"');
    for c in value.chars() {
        if c == '"' {
            line.push('"');
        }
        line.push(c);
    }
    line.push('"');
}

fn write_line(out: &mut impl Write, line: &mut String) -> io::Result<()> {
    line.push_str("\r\n");
    let (bytes, _, unmappable) = WINDOWS_1252.encode(line);
    if unmappable {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a generated value has a character outside Windows-1252: {line}"),
        ));
    }
    out.write_all(&bytes)?;
    line.clear();
    Ok(())
}

struct CountingWriter<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for CountingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// SplitMix64: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    /// Pick by weight from `(weight, item)` pairs.
    fn weighted<'a, T>(&mut self, items: &'a [(u32, T)]) -> &'a T {
        let total: u64 = items.iter().map(|(w, _)| *w as u64).sum();
        let mut x = self.below(total);
        for (w, item) in items {
            if x < *w as u64 {
                return item;
            }
            x -= *w as u64;
        }
        &items[items.len() - 1].1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Open,
    ProposedToClose,
    ProposedToOpen,
    Closed,
}

/// A town the generated schools cluster around.
struct Town {
    town: &'static str,
    county: &'static str,
    la: &'static str,
    la_code: u32,
    gor: (&'static str, &'static str),
    easting: i64,
    northing: i64,
    postcode_area: &'static str,
}

const NE: (&str, &str) = ("A", "North East");
const NW: (&str, &str) = ("B", "North West");
const YH: (&str, &str) = ("D", "Yorkshire and the Humber");
const EM: (&str, &str) = ("E", "East Midlands");
const WM: (&str, &str) = ("F", "West Midlands");
const EE: (&str, &str) = ("G", "East of England");
const LO: (&str, &str) = ("H", "London");
const SE: (&str, &str) = ("J", "South East");
const SW: (&str, &str) = ("K", "South West");

macro_rules! towns {
    ($(($t:literal, $c:literal, $la:literal, $code:literal, $g:ident, $e:literal, $n:literal, $pc:literal)),+ $(,)?) => {
        &[$(Town { town: $t, county: $c, la: $la, la_code: $code, gor: $g, easting: $e, northing: $n, postcode_area: $pc }),+]
    };
}

/// English towns with approximate National Grid positions of their centres.
const TOWNS: &[Town] = towns![
    ("London", "", "Camden", 202, LO, 529_000, 184_000, "NW"),
    ("London", "", "Hackney", 204, LO, 534_500, 185_000, "E"),
    ("London", "", "Lambeth", 208, LO, 531_000, 176_000, "SW"),
    ("London", "", "Newham", 316, LO, 541_000, 183_000, "E"),
    ("Croydon", "Surrey", "Croydon", 306, LO, 532_500, 165_500, "CR"),
    ("London", "", "Barnet", 302, LO, 524_500, 193_000, "N"),
    ("London", "", "Ealing", 307, LO, 517_500, 180_500, "W"),
    ("Ilford", "Essex", "Redbridge", 317, LO, 544_000, 187_500, "IG"),
    ("Newcastle upon Tyne", "Tyne and Wear", "Newcastle upon Tyne", 391, NE, 425_000, 564_000, "NE"),
    ("Sunderland", "Tyne and Wear", "Sunderland", 394, NE, 439_500, 557_000, "SR"),
    ("Middlesbrough", "North Yorkshire", "Middlesbrough", 806, NE, 449_500, 520_000, "TS"),
    ("Durham", "County Durham", "County Durham", 840, NE, 427_000, 542_500, "DH"),
    ("Manchester", "Greater Manchester", "Manchester", 352, NW, 384_000, 398_000, "M"),
    ("Liverpool", "Merseyside", "Liverpool", 341, NW, 335_000, 390_000, "L"),
    ("Preston", "Lancashire", "Lancashire", 888, NW, 354_000, 429_000, "PR"),
    ("Carlisle", "Cumbria", "Cumberland", 942, NW, 340_000, 556_000, "CA"),
    ("Bolton", "Greater Manchester", "Bolton", 350, NW, 371_500, 409_000, "BL"),
    ("Blackpool", "Lancashire", "Blackpool", 890, NW, 331_000, 436_000, "FY"),
    ("Leeds", "West Yorkshire", "Leeds", 383, YH, 430_000, 433_500, "LS"),
    ("Sheffield", "South Yorkshire", "Sheffield", 373, YH, 435_000, 387_000, "S"),
    ("Bradford", "West Yorkshire", "Bradford", 380, YH, 416_500, 433_000, "BD"),
    ("Hull", "East Riding of Yorkshire", "Kingston upon Hull, City of", 810, YH, 509_000, 429_000, "HU"),
    ("York", "North Yorkshire", "York", 816, YH, 460_300, 451_800, "YO"),
    ("Nottingham", "Nottinghamshire", "Nottingham", 892, EM, 457_000, 340_000, "NG"),
    ("Leicester", "Leicestershire", "Leicester", 856, EM, 458_500, 304_500, "LE"),
    ("Derby", "Derbyshire", "Derby", 831, EM, 435_200, 336_300, "DE"),
    ("Lincoln", "Lincolnshire", "Lincolnshire", 925, EM, 497_500, 371_500, "LN"),
    ("Northampton", "Northamptonshire", "West Northamptonshire", 941, EM, 475_500, 260_500, "NN"),
    ("Birmingham", "West Midlands", "Birmingham", 330, WM, 406_900, 286_800, "B"),
    ("Coventry", "West Midlands", "Coventry", 331, WM, 433_500, 279_000, "CV"),
    ("Stoke-on-Trent", "Staffordshire", "Stoke-on-Trent", 861, WM, 388_000, 347_000, "ST"),
    ("Wolverhampton", "West Midlands", "Wolverhampton", 336, WM, 391_500, 298_500, "WV"),
    ("Hereford", "Herefordshire", "Herefordshire, County of", 884, WM, 351_000, 240_000, "HR"),
    ("Shrewsbury", "Shropshire", "Shropshire", 893, WM, 349_000, 312_500, "SY"),
    ("Norwich", "Norfolk", "Norfolk", 926, EE, 623_000, 308_500, "NR"),
    ("Cambridge", "Cambridgeshire", "Cambridgeshire", 873, EE, 545_000, 258_500, "CB"),
    ("Ipswich", "Suffolk", "Suffolk", 935, EE, 616_500, 244_500, "IP"),
    ("Colchester", "Essex", "Essex", 881, EE, 599_500, 225_000, "CO"),
    ("Peterborough", "Cambridgeshire", "Peterborough", 874, EE, 519_000, 298_500, "PE"),
    ("Luton", "Bedfordshire", "Luton", 821, EE, 509_000, 221_500, "LU"),
    ("Oxford", "Oxfordshire", "Oxfordshire", 931, SE, 451_300, 206_300, "OX"),
    ("Reading", "Berkshire", "Reading", 870, SE, 471_500, 173_500, "RG"),
    ("Southampton", "Hampshire", "Southampton", 852, SE, 442_000, 112_000, "SO"),
    ("Brighton", "East Sussex", "Brighton and Hove", 846, SE, 531_000, 104_500, "BN"),
    ("Canterbury", "Kent", "Kent", 886, SE, 615_000, 157_800, "CT"),
    ("Milton Keynes", "Buckinghamshire", "Milton Keynes", 826, SE, 485_500, 238_500, "MK"),
    ("St Leonards-on-Sea", "East Sussex", "East Sussex", 845, SE, 580_500, 110_000, "TN"),
    ("Bristol", "", "Bristol, City of", 801, SW, 359_000, 173_000, "BS"),
    ("Plymouth", "Devon", "Plymouth", 879, SW, 248_000, 54_500, "PL"),
    ("Exeter", "Devon", "Devon", 878, SW, 292_000, 92_500, "EX"),
    ("Truro", "Cornwall", "Cornwall", 908, SW, 182_500, 44_800, "TR"),
    ("Gloucester", "Gloucestershire", "Gloucestershire", 916, SW, 383_200, 218_500, "GL"),
    ("Bournemouth", "Dorset", "Bournemouth, Christchurch and Poole", 839, SW, 408_500, 91_500, "BH"),
    ("Swindon", "Wiltshire", "Swindon", 866, SW, 415_000, 185_000, "SN"),
];

/// Welsh establishments (GIAS lists some, in the pseudo-region "Wales").
const WALES: &[Town] = &[
    Town {
        town: "Cardiff",
        county: "South Glamorgan",
        la: "Cardiff",
        la_code: 681,
        gor: ("W", "Wales (pseudo)"),
        easting: 318_000,
        northing: 176_500,
        postcode_area: "CF",
    },
    Town {
        town: "Llangefni",
        county: "Gwynedd",
        la: "Isle of Anglesey",
        la_code: 660,
        gor: ("W", "Wales (pseudo)"),
        easting: 246_000,
        northing: 375_500,
        postcode_area: "LL",
    },
];

/// Establishment types: (weight, (type code, type name, group code, group name, kind)).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mainstream,
    Academy,
    FreeSchool,
    Nursery,
    Special,
    Ap,
    Independent,
    Post16,
    Welsh,
    Other,
}

type TypeRow = (u32, &'static str, u32, &'static str, Kind);

const TYPES: &[(u32, TypeRow)] = &[
    (140, (1, "Community school", 4, "Local authority maintained schools", Kind::Mainstream)),
    (60, (2, "Voluntary aided school", 4, "Local authority maintained schools", Kind::Mainstream)),
    (40, (3, "Voluntary controlled school", 4, "Local authority maintained schools", Kind::Mainstream)),
    (20, (5, "Foundation school", 4, "Local authority maintained schools", Kind::Mainstream)),
    (10, (14, "Pupil referral unit", 4, "Local authority maintained schools", Kind::Ap)),
    (15, (15, "Local authority nursery school", 4, "Local authority maintained schools", Kind::Nursery)),
    (140, (34, "Academy converter", 10, "Academies", Kind::Academy)),
    (50, (28, "Academy sponsor led", 10, "Academies", Kind::Academy)),
    (8, (44, "Academy special converter", 10, "Academies", Kind::Special)),
    (3, (33, "Academy special sponsor led", 10, "Academies", Kind::Special)),
    (2, (42, "Academy alternative provision converter", 10, "Academies", Kind::Ap)),
    (2, (43, "Academy alternative provision sponsor led", 10, "Academies", Kind::Ap)),
    (2, (45, "Academy 16-19 converter", 10, "Academies", Kind::Post16)),
    (1, (46, "Academy 16 to 19 sponsor led", 10, "Academies", Kind::Post16)),
    (13, (35, "Free schools", 11, "Free Schools", Kind::FreeSchool)),
    (3, (36, "Free schools special", 11, "Free Schools", Kind::Special)),
    (1, (38, "Free schools alternative provision", 11, "Free Schools", Kind::Ap)),
    (1, (39, "Free schools 16 to 19", 11, "Free Schools", Kind::Post16)),
    (1, (40, "University technical college", 11, "Free Schools", Kind::Post16)),
    (1, (41, "Studio schools", 11, "Free Schools", Kind::FreeSchool)),
    (25, (7, "Community special school", 5, "Special schools", Kind::Special)),
    (3, (12, "Foundation special school", 5, "Special schools", Kind::Special)),
    (2, (8, "Non-maintained special school", 5, "Special schools", Kind::Special)),
    (20, (10, "Other independent special school", 5, "Special schools", Kind::Special)),
    (70, (11, "Other independent school", 3, "Independent schools", Kind::Independent)),
    (1, (6, "City technology college", 3, "Independent schools", Kind::Independent)),
    (15, (18, "Further education", 1, "Colleges", Kind::Post16)),
    (3, (31, "Sixth form centres", 1, "Colleges", Kind::Post16)),
    (3, (29, "Higher education institutions", 2, "Universities", Kind::Post16)),
    (15, (30, "Welsh establishment", 6, "Welsh schools", Kind::Welsh)),
    (1, (24, "Secure units", 9, "Other types", Kind::Other)),
    (1, (25, "Offshore schools", 9, "Other types", Kind::Other)),
    (1, (26, "Service children's education", 9, "Other types", Kind::Other)),
    (5, (27, "Miscellaneous", 9, "Other types", Kind::Other)),
    (3, (32, "Special post 16 institution", 9, "Other types", Kind::Other)),
    (4, (37, "British schools overseas", 9, "Other types", Kind::Other)),
    (1, (56, "Institution funded by other government department", 9, "Other types", Kind::Other)),
    (1, (49, "Online provider", 13, "Online provider", Kind::Other)),
];

const PLACES: &[&str] = &[
    "Oakfield",
    "Meadowbank",
    "Hillside",
    "Riverside",
    "Greenway",
    "Beechwood",
    "Fairfield",
    "Highfield",
    "Westfield",
    "Brookside",
    "Elmhurst",
    "Woodlands",
    "Parkside",
    "Ashgrove",
    "Kingsmead",
    "Northgate",
    "Southfield",
    "Millbrook",
    "Castle Hill",
    "Abbey",
    "Harbour",
    "Moorside",
    "Foxhill",
    "Larkrise",
    "Willowbrook",
    "Redhill",
    "Thornbury",
    "Hollybank",
    "Stonebridge",
    "Heathfield",
    "Lindley",
    "Marlborough",
    "Orchard",
    "Rosedale",
    "Sandfield",
    "Valley",
    "Whitegate",
    "Yew Tree",
    "Bramley",
    "Chestnut Grove",
    "Deneside",
    "Eastbrook",
    "Grange",
    "Hawthorn",
    "Ivy Lane",
    "Juniper Green",
    "Kirkstall",
    "Longmoor",
    "Manor",
    "Newlands",
    "Oldfield",
    "Priory",
    "Queensbury",
    "Ravenscliffe",
    "Springwell",
    "Tollgate",
    "Upton",
    "Victoria Park",
    "Wharfedale",
    "Beaulieu",
    "Brontë",
    "Bellevue",
    "Rivière",
    "Mont Clair",
];

const SAINTS: &[&str] = &[
    "St Mary’s",
    "St Paul's",
    "St John’s",
    "St Anne's",
    "Holy Trinity",
    "Christ Church",
    "All Saints",
    "St Michael’s",
    "St Peter's",
    "St Chad's",
    "St Aidan’s",
    "St Andrew's",
    "St Bartholomew’s",
];

const CATHOLIC_SAINTS: &[&str] = &[
    "St Mary’s",
    "St Joseph's",
    "St Thérèse of Lisieux",
    "Our Lady of Lourdes",
    "Sacred Heart",
    "St Bernadette’s",
    "St Margaret Clitherow",
    "Notre Dame",
    "English Martyrs",
    "St Teresa’s",
    "Corpus Christi",
    "St Thomas More",
];

const FOREIGN_NAMES: &[&str] = &[
    "École Française Jacqueline de Romilly",
    "Lycée Français Charles de Gaulle",
    "Collège Sainte-Anne",
    "École Maternelle Les Pâquerettes",
    "Instituto Español Vicente Cañada Blanch",
    "Deutsche Schule Jürgen Habermas",
];

/// Welsh names: a kind of school and a place. GIAS has no characters
/// outside Windows-1252, so "ŵ" and "ŷ" arrive as "?" (as in the real
/// "T? Dan Y Coed").
const WELSH_KINDS: &[&str] = &["Ysgol", "Ysgol Gynradd", "Ysgol Gynradd Gymraeg", "Ysgol Gyfun", "Ysgol Feithrin"];
const WELSH_PLACES: &[&str] = &[
    "Pen-y-Garth",
    "Bro Dinefwr",
    "y Graig",
    "G?yr",
    "Pont Siôn Norton",
    "Bryn Coch",
    "Glan Conwy",
    "Llanfair",
    "y Foryd",
    "Cae Top",
    "T? Dan Y Coed",
    "Maes-y-Coed",
    "Bro Teifi",
    "Treganna",
];

const FIRST_NAMES: &[&str] = &[
    "Sarah", "David", "Helen", "James", "Amina", "Rajesh", "Zoë", "José", "Renée", "Siân", "Chloé", "Mark", "Claire",
    "Nadia", "Owen", "Priya", "Thomas", "Joanne", "Andrés", "Aoife", "Gareth", "Fatima",
];

const LAST_NAMES: &[&str] = &[
    "Smith",
    "Jones",
    "Patel",
    "Williams",
    "Brown",
    "O’Connor",
    "Khan",
    "Taylor",
    "Davies",
    "Évans",
    "Wilson",
    "Nowak",
    "Müller",
    "Thompson",
    "Ahmed",
    "Roberts",
    "Lefèvre",
    "Walker",
    "Okafor",
    "Hughes",
];

const STREETS: &[&str] = &["Road", "Street", "Lane", "Avenue", "Close", "Way", "Drive", "Grove", "Crescent", "Terrace"];

const RELIGIONS: &[(u32, (&str, &str))] = &[
    (65, ("00", "None")),
    (20, ("02", "Church of England")),
    (10, ("03", "Roman Catholic")),
    (1, ("04", "Methodist")),
    (1, ("06", "Jewish")),
    (1, ("07", "Muslim")),
    (1, ("08", "Christian")),
    (1, ("09", "Church of England/Methodist")),
];

const CLOSE_REASONS: &[&str] = &[
    "Academy Converter",
    "Result of Amalgamation/Merger",
    "For Other Reasons",
    "Academy Sponsor Led",
    "Change in status/policy",
    "Closure",
];

/// Trusts that academies and free schools belong to.
struct Trusts {
    list: Vec<(u32, String)>,
}

impl Trusts {
    fn new(rng: &mut Rng) -> Self {
        const A: &[&str] = &[
            "UNITED",
            "BRIGHTER FUTURES",
            "HORIZON",
            "NORTHERN STAR",
            "ASPIRE",
            "PARTNERSHIP",
            "CORNERSTONE",
            "LEARNING ACADEMIES",
            "DIOCESE OF CHICHESTER",
            "OUR LADY OF LOURDES CATHOLIC",
            "ST JOHN’S",
            "LA FRATERNITÉ",
            "PENNINE",
            "THAMES VALLEY",
            "COASTAL",
            "WOLDS",
            "SEVERN",
            "CHILTERN",
            "PEAK",
            "MERCIA",
        ];
        const B: &[&str] = &[
            "ACADEMY TRUST",
            "MULTI ACADEMY TRUST",
            "LEARNING TRUST",
            "EDUCATION TRUST",
            "SCHOOLS TRUST",
            "CATHOLIC ACADEMY TRUST",
            "EDUCATION PARTNERSHIP TRUST",
        ];
        let mut list = Vec::with_capacity(1_300);
        // Unique names: every (A, B) pair, then the pairs again with a
        // place name in front.
        let pairs = A.len() * B.len();
        for i in 0..1_300usize {
            let (a, b) = (A[i % A.len()], B[(i / A.len()) % B.len()]);
            let name = if i < pairs {
                format!("{a} {b}")
            } else {
                format!("{} {a} {b}", PLACES[(i / pairs) % PLACES.len()].to_uppercase())
            };
            list.push((2_000 + i as u32 * 11 + rng.below(11) as u32, name));
        }
        Trusts { list }
    }
}

/// One generated establishment.
struct School {
    urn: u64,
    name: String,
    la: &'static Town,
    estab_number: u32,
    type_row: TypeRow,
    status: Status,
    open_date: Option<String>,
    open_reason: (&'static str, &'static str),
    close_date: Option<String>,
    close_reason: (&'static str, &'static str),
    phase: (&'static str, &'static str),
    ages: Option<(i64, i64)>,
    gender: (&'static str, &'static str),
    sixth_form: (&'static str, &'static str),
    religion: (&'static str, &'static str),
    admissions: (&'static str, &'static str),
    capacity: Option<i64>,
    pupils: Option<i64>,
    boys: Option<i64>,
    fsm_pct: Option<f64>,
    trust: Option<(&'static str, &'static str, u32, String)>,
    ukprn: Option<u64>,
    street: String,
    locality: String,
    postcode: String,
    website: String,
    telephone: String,
    head: (&'static str, &'static str, &'static str),
    position: Option<(i64, i64)>,
    last_changed: String,
}

fn gias_date(d: u32, m: u32, y: i32) -> String {
    format!("{d:02}-{m:02}-{y:04}")
}

impl School {
    fn new(rng: &mut Rng, urn: u64, trusts: &Trusts) -> School {
        let type_row = *rng.weighted(TYPES);
        let kind = type_row.4;
        let la = if kind == Kind::Welsh { rng.pick(WALES) } else { rng.pick(TOWNS) };

        let p_open = match kind {
            Kind::Academy | Kind::FreeSchool => 0.92,
            Kind::Welsh => 0.02,
            Kind::Mainstream => 0.37,
            Kind::Independent => 0.45,
            _ => 0.4,
        };
        let status = if rng.chance(p_open) {
            match rng.below(200) {
                0..=1 => Status::ProposedToClose,
                2..=4 => Status::ProposedToOpen,
                _ => Status::Open,
            }
        } else {
            Status::Closed
        };

        let phase: (&str, &str) = match kind {
            Kind::Mainstream | Kind::Academy => *rng.weighted(&[
                (700, ("2", "Primary")),
                (190, ("4", "Secondary")),
                (10, ("3", "Middle deemed primary")),
                (10, ("5", "Middle deemed secondary")),
                (20, ("7", "All-through")),
                (10, ("1", "Nursery")),
            ]),
            Kind::FreeSchool => {
                *rng.weighted(&[(45, ("2", "Primary")), (42, ("4", "Secondary")), (13, ("7", "All-through"))])
            }
            Kind::Nursery => ("1", "Nursery"),
            Kind::Post16 => ("6", "16 plus"),
            Kind::Special | Kind::Ap | Kind::Independent | Kind::Welsh | Kind::Other => ("0", "Not applicable"),
        };
        let ages = match phase.1 {
            "Nursery" => Some((2, 5)),
            "Primary" => Some((*rng.pick(&[3, 4, 4, 5, 7]), *rng.pick(&[7, 11, 11, 11]))),
            "Middle deemed primary" => Some((8, 12)),
            "Middle deemed secondary" => Some((9, 13)),
            "Secondary" => Some((11, *rng.pick(&[16, 18, 18]))),
            "All-through" => Some((*rng.pick(&[3, 4]), *rng.pick(&[16, 18]))),
            "16 plus" => Some((16, *rng.pick(&[18, 19, 99]))),
            _ => match kind {
                Kind::Special => Some((*rng.pick(&[2, 3, 5, 11]), *rng.pick(&[11, 16, 19]))),
                Kind::Ap => Some((*rng.pick(&[5, 11]), 16)),
                Kind::Independent => Some((*rng.pick(&[2, 3, 4, 7, 11]), *rng.pick(&[11, 13, 16, 18]))),
                Kind::Welsh => None,
                _ => rng.chance(0.5).then_some((11, 18)),
            },
        };
        let secondaryish = matches!(phase.1, "Secondary" | "All-through" | "Middle deemed secondary");

        let gender = match kind {
            Kind::Welsh => ("", ""),
            Kind::Post16 | Kind::Other => ("9", "Not applicable"),
            Kind::Independent => *rng.weighted(&[(85, ("3", "Mixed")), (7, ("1", "Boys")), (8, ("2", "Girls"))]),
            _ if secondaryish => *rng.weighted(&[(88, ("3", "Mixed")), (6, ("1", "Boys")), (6, ("2", "Girls"))]),
            _ => *rng.weighted(&[(995, ("3", "Mixed")), (3, ("1", "Boys")), (2, ("2", "Girls"))]),
        };
        let admissions = match kind {
            Kind::Welsh => ("", ""),
            Kind::Mainstream | Kind::Academy | Kind::FreeSchool if secondaryish => *rng.weighted(&[
                (93, ("2", "Non-selective")),
                (3, ("3", "Selective")),
                (3, ("0", "Not applicable")),
                (1, ("9", "Not collected")),
            ]),
            _ => ("0", "Not applicable"),
        };
        let sixth_form = match phase.1 {
            "Secondary" | "All-through" if rng.chance(0.6) => ("1", "Has a sixth form"),
            "16 plus" => ("1", "Has a sixth form"),
            "Not applicable" => ("0", "Not applicable"),
            _ => ("2", "Does not have a sixth form"),
        };
        let religion = match (kind, type_row.1) {
            (Kind::Welsh, _) => ("", ""),
            (_, "Voluntary aided school") => {
                *rng.pick(&[("02", "Church of England"), ("03", "Roman Catholic"), ("06", "Jewish")])
            }
            (_, "Voluntary controlled school") => ("02", "Church of England"),
            (Kind::Post16 | Kind::Other, _) => ("99", "Does not apply"),
            _ => *rng.weighted(RELIGIONS),
        };

        let year = rng.range(1960, 2024) as i32;
        let open_date = match status {
            Status::ProposedToOpen => Some(gias_date(1, 9, 2026)),
            _ if matches!(kind, Kind::Academy | Kind::FreeSchool) => {
                Some(gias_date(1, *rng.pick(&[4, 9, 9]), rng.range(2003, 2025) as i32))
            }
            _ if rng.chance(0.4) => Some(gias_date(rng.range(1, 28) as u32, rng.range(1, 12) as u32, year)),
            _ => None,
        };
        let open_reason = match (&open_date, kind) {
            (None, _) => ("00", "Not applicable"),
            (Some(_), Kind::Academy) => ("10", "Academy Converter"),
            (Some(_), Kind::FreeSchool) => ("11", "Academy Free School"),
            _ => ("08", "New Provision"),
        };
        let close_date = match status {
            Status::Closed => {
                Some(gias_date(*rng.pick(&[31, 31, 30]), *rng.pick(&[8, 3, 12]) as u32, rng.range(1995, 2025) as i32))
            }
            Status::ProposedToClose => Some(gias_date(31, 8, 2026)),
            _ => None,
        };
        let close_reason = if close_date.is_some() {
            let r = *rng.pick(CLOSE_REASONS);
            ("10", r)
        } else {
            ("00", "Not applicable")
        };

        let open = matches!(status, Status::Open | Status::ProposedToClose);
        let size = match (kind, phase.1) {
            (_, "Nursery") => rng.range(30, 160),
            (_, "Primary") | (_, "Middle deemed primary") => rng.range(40, 700),
            (_, "Secondary") | (_, "Middle deemed secondary") | (_, "All-through") => rng.range(300, 2_000),
            (Kind::Post16, _) => rng.range(150, 12_000),
            (Kind::Special, _) | (Kind::Ap, _) => rng.range(10, 300),
            (Kind::Independent, _) => rng.range(8, 1_500),
            _ => rng.range(5, 400),
        };
        let counted = kind != Kind::Welsh && (open || rng.chance(0.5));
        let pupils = counted.then_some(size);
        let capacity = (counted && kind != Kind::Independent).then(|| size + size * rng.range(-5, 25) / 100);
        let boys = pupils.map(|p| match gender.1 {
            "Boys" => p,
            "Girls" => 0,
            _ => p / 2 + rng.range(-(p / 10), p / 10),
        });
        let state_funded = matches!(
            kind,
            Kind::Mainstream | Kind::Academy | Kind::FreeSchool | Kind::Nursery | Kind::Special | Kind::Ap
        );
        let fsm_pct = match (pupils, kind) {
            (Some(_), Kind::Independent) => Some(0.0),
            (Some(_), _) if state_funded => Some(rng.range(0, 700) as f64 / 10.0),
            _ => None,
        };

        let trust = if matches!(type_row.2, 10 | 11) && status != Status::Closed {
            let (code, name) = rng.pick(&trusts.list);
            if rng.chance(0.8) {
                Some(("3", "Supported by a multi-academy trust", *code, name.clone()))
            } else {
                Some(("5", "Supported by a single-academy trust", *code, name.clone()))
            }
        } else if type_row.1 == "Foundation school" && rng.chance(0.3) {
            let (code, name) = rng.pick(&trusts.list);
            Some(("1", "Supported by a trust", *code, name.clone()))
        } else {
            None
        };

        let place = *rng.pick(PLACES);
        let town_name = la.town;
        let name = match kind {
            Kind::Welsh => format!("{} {}", rng.pick(WELSH_KINDS), rng.pick(WELSH_PLACES)),
            _ if rng.chance(0.004) => rng.pick(FOREIGN_NAMES).to_string(),
            Kind::Nursery => format!(
                "{place} {}",
                rng.pick(&["Nursery School", "Children’s Centre", "Nursery School and Children's Centre"])
            ),
            Kind::Special => format!("{place} {}", rng.pick(&["School", "Special School", "Academy", "Centre"])),
            Kind::Ap => format!(
                "{} {}",
                rng.pick(&[place, town_name]),
                rng.pick(&["Pupil Referral Unit", "Learning Centre", "Tuition Service"])
            ),
            Kind::Independent => format!(
                "{place} {}",
                rng.pick(&["House School", "Preparatory School", "College", "School", "Montessori School"])
            ),
            Kind::Post16 => format!(
                "{town_name} {}",
                rng.pick(&[
                    "College",
                    "Sixth Form College",
                    "University Technical College",
                    "College of Further Education"
                ])
            ),
            Kind::Other => format!(
                "{place} {}",
                rng.pick(&["Secure Centre", "Learning Trust", "Online School", "Hospital School", "School"])
            ),
            _ => {
                let religious = religion.1 != "None";
                let saint = if religion.1 == "Roman Catholic" { *rng.pick(CATHOLIC_SAINTS) } else { *rng.pick(SAINTS) };
                let who = if religious && rng.chance(0.7) { saint } else { place };
                let faith = match religion.1 {
                    "Church of England" => " Church of England",
                    "Roman Catholic" => " Catholic",
                    _ => "",
                };
                let end = match phase.1 {
                    "Nursery" => "Nursery School",
                    "Primary" if kind == Kind::Academy => *rng.pick(&["Primary Academy", "Primary School", "Academy"]),
                    "Primary" => *rng.pick(&[
                        "Primary School",
                        "Primary School",
                        "Infant School",
                        "Junior School",
                        "Community Primary School",
                    ]),
                    "Middle deemed primary" | "Middle deemed secondary" => "Middle School",
                    "All-through" => *rng.pick(&["School", "Academy", "All-Through School"]),
                    _ if admissions.1 == "Selective" => "Grammar School",
                    _ if gender.1 == "Girls" => "Girls’ School",
                    _ if gender.1 == "Boys" => "Boys' School",
                    _ if kind == Kind::Academy || kind == Kind::FreeSchool => {
                        *rng.pick(&["Academy", "High School", "School", "Free School"])
                    }
                    _ => *rng.pick(&["High School", "School", "Community College", "Secondary School"]),
                };
                format!("{who}{faith} {end}")
            }
        };

        let district = rng.range(1, 30);
        const UNIT: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
        let postcode = format!(
            "{}{} {}{}{}",
            la.postcode_area,
            district,
            rng.range(1, 9),
            UNIT[rng.below(UNIT.len() as u64) as usize] as char,
            UNIT[rng.below(UNIT.len() as u64) as usize] as char
        );
        let street = if rng.chance(0.4) {
            format!("{} {} {}", rng.range(1, 250), rng.pick(PLACES), rng.pick(STREETS))
        } else {
            format!("{} {}", rng.pick(PLACES), rng.pick(STREETS))
        };
        let locality = if rng.chance(0.3) { rng.pick(PLACES).to_string() } else { String::new() };
        let slug: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        let website = if open {
            format!("www.{}.{}", slug, rng.pick(&["sch.uk", "org.uk", "co.uk", "org"]))
        } else {
            String::new()
        };
        let telephone =
            if open { format!("0{}{:06}", rng.range(1100, 2099), rng.below(1_000_000)) } else { String::new() };
        let head = (*rng.pick(&["Mrs", "Mr", "Miss", "Ms", "Dr"]), *rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES));
        let position = match type_row.1 {
            "Offshore schools" | "British schools overseas" | "Online provider" => None,
            _ => Some((
                (la.easting + rng.range(-7_000, 7_000)).max(1_000),
                (la.northing + rng.range(-7_000, 7_000)).max(1_000),
            )),
        };
        let ukprn = (open || rng.chance(0.3)).then(|| 10_000_000 + rng.below(90_000));
        let last_changed = gias_date(rng.range(1, 28) as u32, rng.range(1, 12) as u32, rng.range(2015, 2025) as i32);

        School {
            urn,
            name,
            la,
            estab_number: rng.range(1000, 7999) as u32,
            type_row,
            status,
            open_date,
            open_reason,
            close_date,
            close_reason,
            phase,
            ages,
            gender,
            sixth_form,
            religion,
            admissions,
            capacity,
            pupils,
            boys,
            fsm_pct,
            trust,
            ukprn,
            street,
            locality,
            postcode,
            website,
            telephone,
            head,
            position,
            last_changed,
        }
    }

    /// The value of one column, unquoted.
    fn cell(&self, column: &str) -> String {
        let s = |v: &str| v.to_string();
        let opt = |v: Option<i64>| v.map(|n| n.to_string()).unwrap_or_default();
        let open = matches!(self.status, Status::Open | Status::ProposedToClose);
        let na = "Not applicable";
        match column {
            "URN" => self.urn.to_string(),
            "LA (code)" => self.la.la_code.to_string(),
            "LA (name)" => s(self.la.la),
            "EstablishmentNumber" => self.estab_number.to_string(),
            "EstablishmentName" => self.name.clone(),
            "TypeOfEstablishment (code)" => format!("{:02}", self.type_row.0),
            "TypeOfEstablishment (name)" => s(self.type_row.1),
            "EstablishmentTypeGroup (code)" => self.type_row.2.to_string(),
            "EstablishmentTypeGroup (name)" => s(self.type_row.3),
            "EstablishmentStatus (code)" => s(match self.status {
                Status::Open => "1",
                Status::Closed => "2",
                Status::ProposedToClose => "3",
                Status::ProposedToOpen => "4",
            }),
            "EstablishmentStatus (name)" => s(match self.status {
                Status::Open => "Open",
                Status::Closed => "Closed",
                Status::ProposedToClose => "Open, but proposed to close",
                Status::ProposedToOpen => "Proposed to open",
            }),
            "ReasonEstablishmentOpened (code)" => s(self.open_reason.0),
            "ReasonEstablishmentOpened (name)" => s(self.open_reason.1),
            "OpenDate" => self.open_date.clone().unwrap_or_default(),
            "ReasonEstablishmentClosed (code)" => s(self.close_reason.0),
            "ReasonEstablishmentClosed (name)" => s(self.close_reason.1),
            "CloseDate" => self.close_date.clone().unwrap_or_default(),
            "PhaseOfEducation (code)" => s(self.phase.0),
            "PhaseOfEducation (name)" => s(self.phase.1),
            "StatutoryLowAge" => opt(self.ages.map(|a| a.0)),
            "StatutoryHighAge" => opt(self.ages.map(|a| a.1)),
            "Boarders (code)" => s("1"),
            "Boarders (name)" => s("No boarders"),
            "NurseryProvision (name)" => s(if matches!(self.phase.1, "Primary" | "Nursery") {
                "Has Nursery Classes"
            } else {
                "No Nursery Classes"
            }),
            "OfficialSixthForm (code)" => s(self.sixth_form.0),
            "OfficialSixthForm (name)" => s(self.sixth_form.1),
            "Gender (code)" => s(self.gender.0),
            "Gender (name)" => s(self.gender.1),
            "ReligiousCharacter (code)" => s(self.religion.0),
            "ReligiousCharacter (name)" => s(self.religion.1),
            "ReligiousEthos (name)" => s(if self.religion.1 == "None" { "Does not apply" } else { self.religion.1 }),
            "Diocese (code)" => s(if self.religion.1 == "Church of England" { "CE23" } else { "0000" }),
            "Diocese (name)" => s(if self.religion.1 == "Church of England" { "Diocese of London" } else { na }),
            "AdmissionsPolicy (code)" => s(self.admissions.0),
            "AdmissionsPolicy (name)" => s(self.admissions.1),
            "SchoolCapacity" => opt(self.capacity),
            "SpecialClasses (code)" => s("2"),
            "SpecialClasses (name)" => s("No Special Classes"),
            "CensusDate" => {
                if self.pupils.is_some() {
                    gias_date(16, 1, 2025)
                } else {
                    String::new()
                }
            }
            "NumberOfPupils" => opt(self.pupils),
            "NumberOfBoys" => opt(self.boys),
            "NumberOfGirls" => opt(self.pupils.zip(self.boys).map(|(p, b)| p - b)),
            "PercentageFSM" => self.fsm_pct.map(|f| format!("{f:.1}")).unwrap_or_default(),
            "FSM" => self
                .pupils
                .zip(self.fsm_pct)
                .map(|(p, f)| ((p as f64) * f / 100.0).round().to_string())
                .unwrap_or_default(),
            "TrustSchoolFlag (code)" => s(self.trust.as_ref().map_or("0", |t| t.0)),
            "TrustSchoolFlag (name)" => s(self.trust.as_ref().map_or(na, |t| t.1)),
            "Trusts (code)" => self.trust.as_ref().map(|t| t.2.to_string()).unwrap_or_default(),
            "Trusts (name)" => self.trust.as_ref().map(|t| t.3.clone()).unwrap_or_default(),
            "SchoolSponsorFlag (name)" => s(na),
            "FederationFlag (name)" => s("Not under a federation"),
            "UKPRN" => self.ukprn.map(|u| u.to_string()).unwrap_or_default(),
            "FurtherEducationType (name)" => {
                s(if self.type_row.1 == "Further education" { "General Further Education College" } else { na })
            }
            "LastChangedDate" => self.last_changed.clone(),
            "Street" => self.street.clone(),
            "Locality" => self.locality.clone(),
            "Town" => s(self.la.town),
            "County (name)" => s(self.la.county),
            "Postcode" => self.postcode.clone(),
            "SchoolWebsite" => self.website.clone(),
            "TelephoneNum" => self.telephone.clone(),
            "HeadTitle (name)" => s(if open { self.head.0 } else { "" }),
            "HeadFirstName" => s(if open { self.head.1 } else { "" }),
            "HeadLastName" => s(if open { self.head.2 } else { "" }),
            "HeadPreferredJobTitle" => s(if open { "Headteacher" } else { "" }),
            "BSOInspectorateName (name)"
            | "TeenMoth (name)"
            | "CCF (name)"
            | "SENPRU (name)"
            | "EBD (name)"
            | "FTProv (name)"
            | "EdByOther (name)"
            | "QABName (name)"
            | "EstablishmentAccredited (name)" => s(na),
            "Section41Approved (name)" => s(if self.type_row.4 == Kind::Independent { "Not approved" } else { na }),
            "QABName (code)" | "EstablishmentAccredited (code)" => s("0"),
            "GOR (code)" => s(self.la.gor.0),
            "GOR (name)" => s(self.la.gor.1),
            "DistrictAdministrative (code)" => format!("E0{}", 6_000_000 + self.la.la_code),
            "DistrictAdministrative (name)" => s(self.la.la),
            "AdministrativeWard (code)" => format!("E05{:06}", (self.urn * 7) % 1_000_000),
            "AdministrativeWard (name)" => s(PLACES[(self.urn as usize) % PLACES.len()]),
            "ParliamentaryConstituency (code)" => format!("E14{:06}", 1_000 + self.la.la_code),
            "ParliamentaryConstituency (name)" => format!("{} Central", self.la.town),
            "UrbanRural (code)" => s("A1"),
            "UrbanRural (name)" => s("(England/Wales) Urban major conurbation"),
            "GSSLACode (name)" => format!("E0{}", 9_000_000 + self.la.la_code),
            "Easting" => self.position.map(|p| p.0.to_string()).unwrap_or_default(),
            "Northing" => self.position.map(|p| p.1.to_string()).unwrap_or_default(),
            "MSOA (name)" => format!("{} {:03}", self.la.la, self.urn % 40),
            "LSOA (name)" => format!("{} {:03}{}", self.la.la, self.urn % 40, (b'A' + (self.urn % 6) as u8) as char),
            "MSOA (code)" => format!("E02{:06}", self.urn % 7_000),
            "LSOA (code)" => format!("E01{:06}", self.urn % 35_000),
            "InspectorateName (name)" => s(if self.type_row.4 == Kind::Independent { "ISI" } else { "" }),
            "PreviousLA (code)" => s("999"),
            "Country (name)" => s(if self.type_row.1 == "British schools overseas" { "Spain" } else { "" }),
            "UPRN" => format!("{}", 100_000_000_000 + self.urn * 13),
            _ => String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes() {
        let opts = GenerateOptions { rows: 300, seed: 7, bad: None };
        let mut a = Vec::new();
        let mut b = Vec::new();
        generate(&opts, &mut a).expect("generate");
        generate(&opts, &mut b).expect("generate");
        assert_eq!(a, b);
        let mut c = Vec::new();
        generate(&GenerateOptions { seed: 8, ..opts }, &mut c).expect("generate");
        assert_ne!(a, c);
    }

    #[test]
    fn unchecked_bad_column_is_refused() {
        let opts = GenerateOptions { rows: 3, seed: 1, bad: Some(BadCell { row: 2, column: "SiteName".into() }) };
        assert!(generate(&opts, Vec::new()).is_err());
        let opts = GenerateOptions { rows: 3, seed: 1, bad: Some(BadCell { row: 2, column: "Nope".into() }) };
        assert!(generate(&opts, Vec::new()).is_err());
    }
}
