//! What matching knows about a person, as the central team edits it: pools,
//! specialisms, the safeguarding record (enhanced DBS check, training),
//! dates they cannot do, and declared conflicts of interest.
//!
//! Each edit arrives as the text people typed (a web form or the JSON API
//! turned into the same `...Input`), and is checked once here: the result is
//! either a value ready to store or every problem, by field, in plain
//! English. No I/O; `today` is passed in.

use crate::validate::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The pools people belong to: (code, label).
pub const POOLS: &[(&str, &str)] = &[
    ("reviewer", "Trained peer reviewer"),
    ("lead_reviewer", "QA Review Lead Reviewer"),
    ("trust_lead_reviewer", "Trust Peer Review Lead Reviewer"),
    ("facilitator", "Growing the Top facilitator"),
];

/// A pool membership's status: (code, label).
pub const POOL_STATUSES: &[(&str, &str)] =
    &[("active", "Active"), ("paused", "Paused (not matched for now)"), ("left", "Left the pool")];

/// The label of a pool code (the code itself when unknown).
pub fn pool_label(code: &str) -> &str {
    POOLS.iter().find(|p| p.0 == code).map(|p| p.1).unwrap_or(code)
}

/// Most reviews (or groups) a year anyone may be asked for.
pub const MAX_PER_YEAR: u32 = 40;
/// Most specialisms on one person.
pub const MAX_SPECIALISMS: usize = 30;
/// Longest specialism.
pub const MAX_SPECIALISM_LEN: usize = 60;
/// Most days marked unavailable in one go (a range).
pub const MAX_UNAVAILABLE_RANGE_DAYS: i64 = 366;
/// Longest reason for a conflict of interest.
pub const MAX_REASON_LEN: usize = 300;
/// The highest fee (pence) a pool membership may carry: £100,000.
pub const MAX_FEE_PENCE: i64 = 10_000_000;

fn err(errors: &mut Vec<FieldError>, field: &str, message: impl Into<String>) {
    errors.push(FieldError::new(field, message));
}

/// An ISO date ("2026-03-02"), or a UK one ("2/3/2026"); None when blank.
fn date(errors: &mut Vec<FieldError>, field: &str, label: &str, input: &str) -> Option<NaiveDate> {
    let t = input.trim();
    if t.is_empty() {
        return None;
    }
    let parsed = NaiveDate::parse_from_str(t, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(t, "%d/%m/%Y"));
    match parsed {
        Ok(d) if (1990..=2100).contains(&chrono::Datelike::year(&d)) => Some(d),
        _ => {
            err(errors, field, format!("{label} must be a date like 2026-03-02 (or 2/3/2026), not \"{}\"", short(t)));
            None
        }
    }
}

/// Quote at most 40 characters of what someone typed.
fn short(s: &str) -> String {
    if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s.to_string() }
}

fn whole(errors: &mut Vec<FieldError>, field: &str, label: &str, input: &str, max: u32) -> Option<u32> {
    let t = input.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<u32>() {
        Ok(n) if n <= max => Some(n),
        _ => {
            err(errors, field, format!("{label} must be a whole number from 0 to {max}, not \"{}\"", short(t)));
            None
        }
    }
}

fn single_line(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

// ---------------------------------------------------------------------------
// Pools

/// A pool membership as typed (a form or the API).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct PoolInput {
    pub pool: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub since: String,
    #[serde(default)]
    pub min_per_year: String,
    #[serde(default)]
    pub max_per_year: String,
    /// In pounds ("250" or "£250.50"); blank for none.
    #[serde(default)]
    pub fee: String,
}

/// A checked pool membership.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PoolMembership {
    pub pool: String,
    pub status: String,
    pub since: Option<NaiveDate>,
    pub min_per_year: Option<u32>,
    pub max_per_year: Option<u32>,
    pub fee_pence: Option<i64>,
}

/// Pounds as typed ("250", "£1,250.50") in pence.
pub fn parse_fee(input: &str) -> Result<Option<i64>, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || format!("The fee must be an amount in pounds like 250 or 250.50, not \"{}\"", short(t));
    let s: String = t.trim_start_matches('£').chars().filter(|c| *c != ',').collect();
    let (pounds, pence) = match s.split_once('.') {
        Some((p, d)) if d.len() == 2 || d.len() == 1 => (p, format!("{d:0<2}")),
        Some(_) => return Err(bad()),
        None => (s.as_str(), "00".to_string()),
    };
    if pounds.is_empty() || !pounds.bytes().all(|b| b.is_ascii_digit()) || !pence.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let total = pounds
        .parse::<i64>()
        .ok()
        .and_then(|p| p.checked_mul(100))
        .and_then(|p| p.checked_add(pence.parse::<i64>().ok()?))
        .ok_or_else(bad)?;
    if total > MAX_FEE_PENCE {
        return Err("The fee is more than £100,000: check the amount".into());
    }
    Ok(Some(total))
}

/// Pence as pounds for a form ("250.50").
pub fn fee_text(pence: Option<i64>) -> String {
    pence.map(|p| format!("{}.{:02}", p / 100, p % 100)).unwrap_or_default()
}

impl PoolInput {
    pub fn check(&self, today: NaiveDate) -> Result<PoolMembership, Vec<FieldError>> {
        let mut e = vec![];
        let pool = self.pool.trim();
        if !POOLS.iter().any(|(c, _)| *c == pool) {
            err(&mut e, "pool", format!("\"{}\" is not a pool: choose one of the list", short(pool)));
        }
        let status = match self.status.trim() {
            "" => "active",
            s if POOL_STATUSES.iter().any(|(c, _)| *c == s) => s,
            s => {
                err(&mut e, "status", format!("\"{}\" is not a status: active, paused or left", short(s)));
                "active"
            }
        };
        let since = date(&mut e, "since", "The date they joined", &self.since);
        if since.is_some_and(|d| d > today) {
            err(&mut e, "since", "The date they joined cannot be in the future");
        }
        let min = whole(&mut e, "min_per_year", "The fewest a year", &self.min_per_year, MAX_PER_YEAR);
        let max = whole(&mut e, "max_per_year", "The most a year", &self.max_per_year, MAX_PER_YEAR);
        if let (Some(a), Some(b)) = (min, max)
            && a > b
        {
            err(&mut e, "min_per_year", format!("The fewest a year ({a}) is more than the most a year ({b})"));
        }
        let fee = parse_fee(&self.fee).map_err(|m| err(&mut e, "fee", m)).ok().flatten();
        if !e.is_empty() {
            return Err(e);
        }
        Ok(PoolMembership {
            pool: pool.to_string(),
            status: status.to_string(),
            since,
            min_per_year: min,
            max_per_year: max,
            fee_pence: fee,
        })
    }
}

// ---------------------------------------------------------------------------
// Specialisms

/// Specialisms as chosen: ticked from the list in use, plus new ones typed
/// (separated by commas or semicolons).
pub fn specialisms(chosen: &[String], new: &str) -> Result<Vec<String>, Vec<FieldError>> {
    let mut e = vec![];
    let mut out: Vec<String> = vec![];
    let typed = new.split([',', ';', '\n']).map(str::to_string);
    for s in chosen.iter().cloned().chain(typed) {
        let t = s.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.is_empty() {
            continue;
        }
        if t.chars().count() > MAX_SPECIALISM_LEN || !single_line(&t) {
            err(
                &mut e,
                "new_specialisms",
                format!("\"{}\" is too long for a specialism (at most {MAX_SPECIALISM_LEN} characters)", short(&t)),
            );
            continue;
        }
        if !out.iter().any(|x| x.eq_ignore_ascii_case(&t)) {
            out.push(t);
        }
    }
    if out.len() > MAX_SPECIALISMS {
        err(&mut e, "new_specialisms", format!("At most {MAX_SPECIALISMS} specialisms, not {}", out.len()));
    }
    if !e.is_empty() {
        return Err(e);
    }
    out.sort_by_key(|s| s.to_lowercase());
    Ok(out)
}

// ---------------------------------------------------------------------------
// Safeguarding

/// The safeguarding record as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct SafeguardingInput {
    #[serde(default)]
    pub dbs_checked_on: String,
    #[serde(default)]
    pub dbs_certificate: String,
    #[serde(default)]
    pub trained_on: String,
}

/// A checked safeguarding record (blank fields clear).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SafeguardingRecord {
    pub dbs_checked_on: Option<NaiveDate>,
    /// Twelve digits.
    pub dbs_certificate: Option<String>,
    pub trained_on: Option<NaiveDate>,
}

impl SafeguardingInput {
    pub fn check(&self, today: NaiveDate) -> Result<SafeguardingRecord, Vec<FieldError>> {
        let mut e = vec![];
        let dbs = date(&mut e, "dbs_checked_on", "The date of the DBS check", &self.dbs_checked_on);
        if dbs.is_some_and(|d| d > today) {
            err(&mut e, "dbs_checked_on", "The date of the DBS check cannot be in the future");
        }
        let trained = date(&mut e, "trained_on", "The training date", &self.trained_on);
        if trained.is_some_and(|d| d > today) {
            err(&mut e, "trained_on", "The training date cannot be in the future");
        }
        let cert: String = self.dbs_certificate.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
        let cert = if cert.is_empty() {
            None
        } else if cert.len() == 12 && cert.bytes().all(|b| b.is_ascii_digit()) {
            Some(cert)
        } else {
            err(
                &mut e,
                "dbs_certificate",
                "A DBS certificate number is 12 digits, as printed on the certificate (e.g. 001234567890)",
            );
            None
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(SafeguardingRecord { dbs_checked_on: dbs, dbs_certificate: cert, trained_on: trained })
    }
}

// ---------------------------------------------------------------------------
// Availability

/// Dates someone cannot do: one date, or every date from `from` to `to`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct UnavailableInput {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

impl UnavailableInput {
    /// The dates (ISO), each once, in order.
    pub fn check(&self, today: NaiveDate) -> Result<Vec<NaiveDate>, Vec<FieldError>> {
        let mut e = vec![];
        let from = date(&mut e, "from", "The first date", &self.from);
        let to = date(&mut e, "to", "The last date", &self.to);
        if from.is_none() && e.is_empty() {
            err(&mut e, "from", "Enter the date they cannot do (and a last date for several days)");
        }
        if let Some(f) = from
            && f < today - chrono::Days::new(366)
        {
            err(&mut e, "from", "That date is more than a year ago: matching only looks ahead");
        }
        let mut out = vec![];
        if let (Some(f), true) = (from, e.is_empty()) {
            let t = to.unwrap_or(f);
            if t < f {
                err(&mut e, "to", "The last date is before the first date");
            } else if (t - f).num_days() >= MAX_UNAVAILABLE_RANGE_DAYS {
                err(&mut e, "to", format!("At most {MAX_UNAVAILABLE_RANGE_DAYS} days at a time"));
            } else {
                let mut d = f;
                while d <= t {
                    out.push(d);
                    d = d + chrono::Days::new(1);
                }
            }
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// Conflicts of interest

/// A declared conflict: the school (by URN) and why.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct ConflictInput {
    #[serde(default)]
    pub school_urn: String,
    #[serde(default)]
    pub reason: String,
}

/// A checked conflict (the URN still to be found in the directory).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub urn: i64,
    pub reason: String,
}

impl ConflictInput {
    pub fn check(&self) -> Result<Conflict, Vec<FieldError>> {
        let mut e = vec![];
        let u = self.school_urn.trim();
        let urn = if u.is_empty() {
            err(&mut e, "school_urn", "Enter the URN of the school they must not review (six digits)");
            None
        } else {
            match u.parse::<i64>() {
                Ok(n) if (100_000..=999_999).contains(&n) => Some(n),
                _ => {
                    err(&mut e, "school_urn", format!("\"{}\" is not a URN (a six-digit number)", short(u)));
                    None
                }
            }
        };
        let reason = self.reason.split_whitespace().collect::<Vec<_>>().join(" ");
        if reason.is_empty() {
            err(&mut e, "reason", "Say why (for example: their partner works there)");
        } else if reason.chars().count() > MAX_REASON_LEN {
            err(&mut e, "reason", format!("The reason is too long (at most {MAX_REASON_LEN} characters)"));
        }
        match (urn, e.is_empty()) {
            (Some(urn), true) => Ok(Conflict { urn, reason }),
            _ => Err(e),
        }
    }
}

/// The version a form or request was made from: the edit is refused when the
/// person changed since (someone else saved first).
pub fn version(input: &str) -> Result<i64, Vec<FieldError>> {
    input.trim().parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
        vec![FieldError::new("version", "The form is missing its version: reload the page and make the change again")]
    })
}

/// What a stale edit is told.
pub const STALE: &str = "Someone else changed this person's details after you opened the page, so nothing was saved. \
     Reload the page to see their changes, then make yours again.";

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    const TODAY: &str = "2026-12-05";

    fn fields(e: &[FieldError]) -> Vec<&str> {
        e.iter().map(|x| x.field.as_str()).collect()
    }

    #[test]
    fn pools_are_checked_field_by_field() {
        let ok = PoolInput {
            pool: "lead_reviewer".into(),
            status: "paused".into(),
            since: "2021-10-01".into(),
            min_per_year: "6".into(),
            max_per_year: " 10 ".into(),
            fee: "£1,250.5".into(),
        }
        .check(d(TODAY))
        .unwrap();
        assert_eq!(ok.status, "paused");
        assert_eq!(ok.since, Some(d("2021-10-01")));
        assert_eq!((ok.min_per_year, ok.max_per_year), (Some(6), Some(10)));
        assert_eq!(ok.fee_pence, Some(125_050));
        let blank = PoolInput { pool: "reviewer".into(), ..Default::default() }.check(d(TODAY)).unwrap();
        assert_eq!((blank.status.as_str(), blank.since, blank.fee_pence), ("active", None, None));
        let bad = PoolInput {
            pool: "astronaut".into(),
            status: "asleep".into(),
            since: "2030-01-01".into(),
            min_per_year: "-1".into(),
            max_per_year: "500".into(),
            fee: "lots".into(),
        }
        .check(d(TODAY))
        .unwrap_err();
        assert_eq!(fields(&bad), vec!["pool", "status", "since", "min_per_year", "max_per_year", "fee"]);
        assert!(bad[2].message.contains("future"));
        let crossed = PoolInput {
            pool: "reviewer".into(),
            min_per_year: "8".into(),
            max_per_year: "4".into(),
            ..Default::default()
        }
        .check(d(TODAY))
        .unwrap_err();
        assert_eq!(crossed[0].message, "The fewest a year (8) is more than the most a year (4)");
    }

    #[test]
    fn fees_in_pounds() {
        assert_eq!(parse_fee(""), Ok(None));
        assert_eq!(parse_fee("250"), Ok(Some(25_000)));
        assert_eq!(parse_fee("250.5"), Ok(Some(25_050)));
        assert_eq!(parse_fee("£0.99"), Ok(Some(99)));
        assert!(parse_fee("1.234").is_err());
        assert!(parse_fee("-5").is_err());
        assert!(parse_fee("999999999").unwrap_err().contains("£100,000"));
        assert_eq!(fee_text(Some(25_050)), "250.50");
    }

    #[test]
    fn specialisms_from_the_list_and_new_ones() {
        let s = specialisms(&["Maths".into(), " SEND ".into()], "Early  years; maths, Oracy").unwrap();
        assert_eq!(s, vec!["Early years", "Maths", "Oracy", "SEND"]);
        assert_eq!(specialisms(&[], "").unwrap(), Vec::<String>::new());
        let long = "x".repeat(61);
        assert_eq!(specialisms(&[], &long).unwrap_err()[0].field, "new_specialisms");
        let many: Vec<String> = (0..31).map(|i| format!("s{i}")).collect();
        assert!(specialisms(&many, "").unwrap_err()[0].message.contains("At most 30"));
    }

    #[test]
    fn safeguarding_dates_and_certificate() {
        let r = SafeguardingInput {
            dbs_checked_on: "1/9/2025".into(),
            dbs_certificate: "0012 3456 7890".into(),
            trained_on: "".into(),
        }
        .check(d(TODAY))
        .unwrap();
        assert_eq!(r.dbs_checked_on, Some(d("2025-09-01")));
        assert_eq!(r.dbs_certificate.as_deref(), Some("001234567890"));
        assert_eq!(r.trained_on, None);
        let bad = SafeguardingInput {
            dbs_checked_on: "2027-01-01".into(),
            dbs_certificate: "12345".into(),
            trained_on: "yesterday".into(),
        }
        .check(d(TODAY))
        .unwrap_err();
        assert_eq!(fields(&bad), vec!["dbs_checked_on", "trained_on", "dbs_certificate"]);
    }

    #[test]
    fn unavailable_dates_one_or_a_range() {
        let one = UnavailableInput { from: "2027-01-12".into(), to: "".into() }.check(d(TODAY)).unwrap();
        assert_eq!(one, vec![d("2027-01-12")]);
        let three = UnavailableInput { from: "2027-01-12".into(), to: "2027-01-14".into() }.check(d(TODAY)).unwrap();
        assert_eq!(three.len(), 3);
        let back = UnavailableInput { from: "2027-01-12".into(), to: "2027-01-11".into() }.check(d(TODAY)).unwrap_err();
        assert_eq!(back[0].field, "to");
        let long = UnavailableInput { from: "2027-01-01".into(), to: "2029-01-01".into() }.check(d(TODAY)).unwrap_err();
        assert!(long[0].message.contains("366"));
        assert_eq!(UnavailableInput::default().check(d(TODAY)).unwrap_err()[0].field, "from");
        let old = UnavailableInput { from: "2020-01-01".into(), to: "".into() }.check(d(TODAY)).unwrap_err();
        assert!(old[0].message.contains("more than a year ago"));
    }

    #[test]
    fn conflicts_need_a_urn_and_a_reason() {
        let c =
            ConflictInput { school_urn: " 100025 ".into(), reason: " Partner   works there ".into() }.check().unwrap();
        assert_eq!(c, Conflict { urn: 100025, reason: "Partner works there".into() });
        let bad = ConflictInput { school_urn: "12".into(), reason: "".into() }.check().unwrap_err();
        assert_eq!(fields(&bad), vec!["school_urn", "reason"]);
        let long = ConflictInput { school_urn: "100025".into(), reason: "x".repeat(301) }.check().unwrap_err();
        assert_eq!(long[0].field, "reason");
    }

    #[test]
    fn versions() {
        assert_eq!(version("3"), Ok(3));
        assert!(version("").is_err());
        assert!(version("-1").is_err());
    }
}
