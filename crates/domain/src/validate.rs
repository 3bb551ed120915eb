//! Validation of what people type, with messages that say what is wrong.

use serde::Serialize;

/// A problem with one field of a form or request: which field, and what is
/// wrong with it in plain English. The web pages and the API show the same.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError { field: field.into(), message: message.into() }
    }
}

/// A normalised e-mail address (trimmed, lower-case).
pub fn email(input: &str) -> Result<String, String> {
    let e = input.trim().to_lowercase();
    if e.is_empty() {
        return Err("Enter an e-mail address".into());
    }
    if e.len() > 254 {
        return Err("The e-mail address is too long (at most 254 characters)".into());
    }
    let Some((local, domain)) = e.split_once('@') else {
        return Err(format!("'{}' is not an e-mail address: it has no @", shorten(input.trim(), 60)));
    };
    let ok_domain = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || !ok_domain || e.chars().any(char::is_whitespace) || domain.contains('@') {
        return Err(format!("'{}' is not an e-mail address like name@school.org.uk", shorten(input.trim(), 60)));
    }
    Ok(e)
}

/// Minimum password length (NCSC guidance: length, not complexity rules).
pub const MIN_PASSWORD_LEN: usize = 10;

pub fn password(pw: &str, confirm: &str) -> Result<(), String> {
    if pw.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!("Choose a password of at least {MIN_PASSWORD_LEN} characters"));
    }
    if pw.len() > 1024 {
        return Err("The password is too long (at most 1,024 characters)".into());
    }
    if pw != confirm {
        return Err("The two passwords do not match".into());
    }
    Ok(())
}

/// A required, trimmed, single-line text of at most `max` characters.
pub fn required_text(field: &str, input: &str, max: usize) -> Result<String, String> {
    let t = input.trim();
    if t.is_empty() {
        return Err(format!("Enter {field}"));
    }
    if t.chars().count() > max {
        return Err(format!("{} is too long (at most {max} characters)", capitalise(field)));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("{} must be one line of text", capitalise(field)));
    }
    Ok(t.to_string())
}

/// An optional, trimmed, single-line text of at most `max` characters
/// (blank is None).
pub fn optional_text(field: &str, input: &str, max: usize) -> Result<Option<String>, String> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > max {
        return Err(format!("{} is too long (at most {max} characters)", capitalise(field)));
    }
    if t.chars().any(char::is_control) {
        return Err(format!("{} must be one line of text", capitalise(field)));
    }
    Ok(Some(t.to_string()))
}

/// A school's URN: a whole number of up to eight digits (GIAS's are six).
pub fn urn(input: &str) -> Result<i64, String> {
    let t = input.trim();
    match t.parse::<i64>() {
        Ok(n) if n > 0 && t.len() <= 8 && t.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(format!("\"{}\" is not a URN (a six-digit number)", shorten(t, 20))),
    }
}

/// A record's id chosen from a list (a positive whole number).
pub fn chosen_id(input: &str) -> Option<i64> {
    let t = input.trim();
    if t.is_empty() || t.len() > 18 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<i64>().ok().filter(|n| *n > 0)
}

/// At most `max` characters of a text, for quoting it back in a message.
pub fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max { s.to_string() } else { format!("{}…", s.chars().take(max).collect::<String>()) }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Normalise a UK postcode to upper case with one space before the inward code.
pub fn postcode(input: &str) -> Option<String> {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if compact.len() < 5 || compact.len() > 7 || !compact.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (out, inw) = compact.split_at(compact.len() - 3);
    Some(format!("{out} {inw}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(email("  Head@School.ORG.uk ").unwrap(), "head@school.org.uk");
        assert!(email("").unwrap_err().contains("Enter"));
        assert!(email("head.school.org").unwrap_err().contains("no @"));
        assert!(email("head@school").is_err());
        assert!(email("he ad@school.org").is_err());
        assert!(email("a@b@c.org").is_err());
    }

    #[test]
    fn passwords() {
        assert!(password("short", "short").unwrap_err().contains("at least 10"));
        assert!(password("long enough pw", "long enough pX").unwrap_err().contains("do not match"));
        assert!(password("long enough pw", "long enough pw").is_ok());
    }

    #[test]
    fn texts_urns_and_ids() {
        assert_eq!(optional_text("a job title", "  ", 5).unwrap(), None);
        assert_eq!(optional_text("a job title", " Head ", 5).unwrap().as_deref(), Some("Head"));
        assert!(optional_text("a job title", "abcdef", 5).unwrap_err().contains("at most 5"));
        assert!(optional_text("a job title", "a\nb", 5).unwrap_err().contains("one line"));
        assert!(required_text("a name", "a\u{0}b", 5).unwrap_err().contains("one line"));
        assert_eq!(urn(" 100000 ").unwrap(), 100000);
        assert!(urn("12x").unwrap_err().contains("is not a URN"));
        assert!(urn("-5").is_err());
        assert!(urn("0").is_err());
        assert!(urn("123456789").is_err());
        assert!(urn(&"9".repeat(100_000)).unwrap_err().len() < 80, "a long input is not quoted whole");
        assert_eq!(chosen_id("7"), Some(7));
        assert_eq!(chosen_id("-5"), None);
        assert_eq!(chosen_id("0"), None);
        assert_eq!(chosen_id("+5"), None);
        assert_eq!(chosen_id(""), None);
        assert_eq!(chosen_id("99999999999999999999"), None);
    }

    #[test]
    fn postcodes() {
        assert_eq!(postcode("n43ey").as_deref(), Some("N4 3EY"));
        assert_eq!(postcode("SW1A 1AA").as_deref(), Some("SW1A 1AA"));
        assert_eq!(postcode("nonsense!"), None);
    }

    #[test]
    fn required_texts() {
        assert_eq!(required_text("a name", "  Ada ", 10).unwrap(), "Ada");
        assert_eq!(required_text("a name", " ", 10).unwrap_err(), "Enter a name");
        assert_eq!(
            required_text("a name", "abcdefghijk", 10).unwrap_err(),
            "A name is too long (at most 10 characters)"
        );
    }
}
