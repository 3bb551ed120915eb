//! Parsers for single values. Each returns `Ok(None)` for a blank value and
//! `Err(message)` with the words that follow the quoted value in a
//! [`Problem`](crate::Problem) (e.g. `is not a whole number`).

use chrono::NaiveDate;

pub(crate) type Parsed<T> = Result<Option<T>, String>;

/// A whole number of 0 or more (pupil numbers, ages, capacity, grid
/// references).
pub(crate) fn whole(s: &str) -> Parsed<i64> {
    if s.is_empty() {
        return Ok(None);
    }
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.parse::<i64>() {
            Ok(_) => Err("is negative; expected a whole number of 0 or more".into()),
            Err(_) => Err("is not a whole number".into()),
        };
    }
    s.parse::<i64>().map(Some).map_err(|_| "is too large".into())
}

/// A URN: a positive whole number. Blank is an error here.
pub(crate) fn urn(s: &str) -> Result<i64, String> {
    match whole(s) {
        Ok(Some(n)) if n > 0 => Ok(n),
        Ok(None) => Err("is blank; every row needs a URN".into()),
        _ => Err("is not a URN (a positive whole number)".into()),
    }
}

/// A percentage from 0 to 100, e.g. `10.2`.
pub(crate) fn percentage(s: &str) -> Parsed<f64> {
    if s.is_empty() {
        return Ok(None);
    }
    let plain = s.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+');
    match s.parse::<f64>() {
        Ok(v) if plain && v.is_finite() && (0.0..=100.0).contains(&v) => Ok(Some(v)),
        Ok(v) if plain && v.is_finite() => Err("is not a percentage from 0 to 100".into()),
        _ => Err("is not a number".into()),
    }
}

/// A date as `dd-mm-yyyy` (GIAS), `dd/mm/yyyy` (re-saved by Excel in a UK
/// locale) or `yyyy-mm-dd`; day and month may have one digit. Returned as
/// ISO `yyyy-mm-dd`.
pub(crate) fn date(s: &str) -> Parsed<String> {
    if s.is_empty() {
        return Ok(None);
    }
    const EXPECTED: &str = "is not a date (expected dd-mm-yyyy, dd/mm/yyyy or yyyy-mm-dd)";
    let sep = if s.contains('-') { '-' } else { '/' };
    let parts: Vec<&str> = s.split(sep).collect();
    let [a, b, c] = parts.as_slice() else {
        return Err(EXPECTED.into());
    };
    let digits = |p: &str, lens: &[usize]| lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    let (y, m, d) = if sep == '-' && digits(a, &[4]) && digits(b, &[1, 2]) && digits(c, &[1, 2]) {
        (*a, *b, *c)
    } else if digits(a, &[1, 2]) && digits(b, &[1, 2]) && digits(c, &[4]) {
        (*c, *b, *a)
    } else {
        return Err(EXPECTED.into());
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) else {
        return Err(EXPECTED.into());
    };
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => Ok(Some(date.format("%Y-%m-%d").to_string())),
        None => Err("is not a real date".into()),
    }
}

/// Trimmed text, blank as `None`.
pub(crate) fn text(s: &str) -> Option<String> {
    if s.is_empty() { None } else { Some(s.to_string()) }
}

/// Postcodes upper-cased with single inner spaces (`ec3a  5de` → `EC3A 5DE`).
pub(crate) fn postcode(s: &str) -> Option<String> {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    text(&joined)
}

/// Telephone numbers as text. A file re-saved by Excel loses the leading 0 of
/// a UK number (`2072831147`); a 10-digit number not starting with 0 gets it
/// back.
pub(crate) fn telephone(s: &str) -> Option<String> {
    if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) && !s.starts_with('0') {
        Some(format!("0{s}"))
    } else {
        text(s)
    }
}

/// `ReligiousCharacter (name)`: "Does not apply" and "Not applicable" mean
/// there is nothing to say and become `None`; "None" (no religious
/// character) is kept, as it is an answer.
pub(crate) fn religious_character(s: &str) -> Option<String> {
    let l = s.to_ascii_lowercase();
    if l == "does not apply" || l == "not applicable" { None } else { text(s) }
}

/// `GOR (name)`: "Not applicable" becomes `None`.
pub(crate) fn region(s: &str) -> Option<String> {
    if s.eq_ignore_ascii_case("not applicable") { None } else { text(s) }
}

/// `PhaseOfEducation (name)` values GIAS uses. The domain maps them (with
/// the establishment type) to a `Phase`; a value outside this list is
/// refused rather than silently becoming "Other".
pub(crate) const PHASES: &[&str] = &[
    "Not applicable",
    "Nursery",
    "Primary",
    "Middle deemed primary",
    "Secondary",
    "Middle deemed secondary",
    "16 plus",
    "All-through",
];

pub(crate) fn known_phase(s: &str) -> bool {
    s.is_empty() || s == "All through" || PHASES.iter().any(|p| p.eq_ignore_ascii_case(s))
}

/// `EstablishmentTypeGroup (name)` values GIAS uses (2021–2025). Others map
/// to "Other" with a warning.
pub(crate) const TYPE_GROUPS: &[&str] = &[
    "Colleges",
    "Universities",
    "Independent schools",
    "Local authority maintained schools",
    "Special schools",
    "Welsh schools",
    "Other types",
    "Academies",
    "Free Schools",
    "Online provider",
];

pub(crate) fn known_type_group(s: &str) -> bool {
    TYPE_GROUPS.iter().any(|g| g.eq_ignore_ascii_case(s))
}

/// `OfficialSixthForm (name)`: `Some(true)` for "Has a sixth form",
/// `Some(false)` for the other known values, `None` if unknown.
pub(crate) fn sixth_form(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "has a sixth form" => Some(true),
        "does not have a sixth form" | "not applicable" | "" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_numbers() {
        assert_eq!(whole(""), Ok(None));
        assert_eq!(whole("276"), Ok(Some(276)));
        assert_eq!(whole("0"), Ok(Some(0)));
        assert_eq!(whole("12x"), Err("is not a whole number".to_string()));
        assert_eq!(whole("12.5"), Err("is not a whole number".to_string()));
        assert!(whole("-3").unwrap_err().starts_with("is negative"));
        assert_eq!(whole("99999999999999999999"), Err("is too large".to_string()));
    }

    #[test]
    fn urns() {
        assert_eq!(urn("100000"), Ok(100_000));
        assert!(urn("0").is_err());
        assert!(urn("").unwrap_err().contains("blank"));
        assert!(urn("1e5").is_err());
    }

    #[test]
    fn percentages() {
        assert_eq!(percentage("10.2"), Ok(Some(10.2)));
        assert_eq!(percentage("0"), Ok(Some(0.0)));
        assert_eq!(percentage("100"), Ok(Some(100.0)));
        assert_eq!(percentage("100.1"), Err("is not a percentage from 0 to 100".to_string()));
        assert_eq!(percentage("-1"), Err("is not a percentage from 0 to 100".to_string()));
        assert_eq!(percentage("NaN"), Err("is not a number".to_string()));
        assert_eq!(percentage("inf"), Err("is not a number".to_string()));
        assert_eq!(percentage("SUPP"), Err("is not a number".to_string()));
    }

    #[test]
    fn dates_in_all_three_forms() {
        assert_eq!(date("16-01-2020"), Ok(Some("2020-01-16".into())));
        assert_eq!(date("16/01/2025"), Ok(Some("2025-01-16".into())));
        assert_eq!(date("1/8/2016"), Ok(Some("2016-08-01".into())));
        assert_eq!(date("2025-01-16"), Ok(Some("2025-01-16".into())));
        assert_eq!(date(""), Ok(None));
        assert_eq!(date("31-02-2020"), Err("is not a real date".to_string()));
        assert_eq!(date("29-02-2024"), Ok(Some("2024-02-29".into())));
        assert!(date("2020-16-01").is_err());
        assert!(date("16.01.2020").is_err());
        assert!(date("16-01-20").is_err());
        assert!(date("yesterday").is_err());
    }

    #[test]
    fn text_clean_up() {
        assert_eq!(postcode(" ec3a  5de "), Some("EC3A 5DE".into()));
        assert_eq!(postcode(""), None);
        assert_eq!(telephone("2072831147"), Some("02072831147".into()));
        assert_eq!(telephone("02072831147"), Some("02072831147".into()));
        assert_eq!(telephone("01234 567890"), Some("01234 567890".into()));
        assert_eq!(religious_character("Does not apply"), None);
        assert_eq!(religious_character("None"), Some("None".into()));
        assert_eq!(region("Not Applicable"), None);
        assert!(known_phase("middle deemed primary"));
        assert!(!known_phase("Tertiary"));
        assert_eq!(sixth_form("Has a sixth form"), Some(true));
        assert_eq!(sixth_form("Maybe"), None);
    }
}
