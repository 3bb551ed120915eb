//! Words as people read them: counts with the right plural, and names that
//! GIAS keeps in capitals shown in title case.

/// "1 message", "2 messages", "0 messages"; the count with thousands
/// separators ("1,250 schools").
pub fn count(n: i64, singular: &str, plural: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { singular } else { plural })
}

/// The word alone: `singular` for one, `plural` otherwise.
pub fn plural<'a>(n: i64, singular: &'a str, plural: &'a str) -> &'a str {
    if n == 1 { singular } else { plural }
}

/// "12,345".
pub fn thousands(n: i64) -> String {
    let s = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// Words kept in capitals (acronyms common in school and trust names).
const ACRONYMS: &[&str] = &[
    "CE", "C.E.", "RC", "R.C.", "MAT", "UTC", "PRU", "ASD", "SEN", "SEND", "SEMH", "ASC", "PMLD", "SLD", "MLD", "VA",
    "VC", "UK", "NHS", "ICT", "STEM", "CIC", "CTC", "AP", "II", "III", "IV", "VI", "GB", "JFS", "FCJ", "HCAT", "KS1",
    "KS2", "KS3", "KS4", "LEA", "BCE", "ACE",
];

/// Short words written in lower case inside a name ("Church of England").
const SMALL: &[&str] =
    &["of", "and", "the", "in", "at", "for", "on", "by", "with", "to", "upon", "de", "la", "le", "a", "an", "&"];

/// A name for display. GIAS writes many trust names (and some school names)
/// in capitals: "CIRRUS PRIMARY ACADEMY TRUST" becomes "Cirrus Primary
/// Academy Trust". Acronyms stay ("ST MARY'S CE PRIMARY" → "St Mary's CE
/// Primary"), "COFE" becomes "CofE", small words are lower case inside the
/// name ("Church of England"), and the parts of "STOKE-ON-TRENT" each
/// follow the same rules. A name already in mixed case is left as it is.
pub fn display_name(name: &str) -> String {
    let letters: Vec<char> = name.chars().filter(|c| c.is_alphabetic()).collect();
    let has_lower = letters.iter().any(|c| c.is_lowercase());
    // Mixed case, or too short to be sure (an acronym like "JFS"): as it is.
    if has_lower || letters.len() <= 4 {
        return name.to_string();
    }
    let mut out = String::with_capacity(name.len());
    let mut first = true;
    for (i, token) in name.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if token.is_empty() {
            continue;
        }
        out.push_str(&word(token, first));
        first = false;
    }
    out
}

/// One space-separated word: hyphenated parts and brackets handled.
fn word(token: &str, first: bool) -> String {
    if token.contains('-') && token.len() > 1 {
        return token
            .split('-')
            .enumerate()
            .map(|(i, p)| if p.is_empty() { String::new() } else { word(p, first && i == 0) })
            .collect::<Vec<_>>()
            .join("-");
    }
    // Keep leading and trailing punctuation: "(VA)", "SCHOOL,".
    let start = token.find(|c: char| c.is_alphanumeric()).unwrap_or(token.len());
    let end = token
        .rfind(|c: char| c.is_alphanumeric())
        .map(|i| i + token[i..].chars().next().map_or(1, char::len_utf8))
        .unwrap_or(start);
    if start >= end {
        return token.to_string();
    }
    let (pre, core, post) = (&token[..start], &token[start..end], &token[end..]);
    let first = first && pre.is_empty();
    format!("{pre}{}{post}", core_word(core, first))
}

fn core_word(core: &str, first: bool) -> String {
    let upper = core.to_uppercase();
    if upper == "COFE" {
        return "CofE".into();
    }
    if upper == "ST." || upper == "ST" {
        return "St".into();
    }
    if ACRONYMS.contains(&upper.as_str()) {
        return upper;
    }
    let lower = core.to_lowercase();
    if !first && SMALL.contains(&lower.as_str()) {
        return lower;
    }
    // Letters and digits without a vowel are an acronym ("GLF", "NSB"),
    // unless a known word ("LTD").
    if lower == "ltd" {
        return "Ltd".into();
    }
    let has_vowel = lower.chars().any(|c| "aeiouy".contains(c));
    if !has_vowel && lower.chars().filter(|c| c.is_alphabetic()).count() >= 2 {
        return upper;
    }
    // Mc/Mac names and apostrophes: "MCAULEY" → "McAuley", "MARY'S" →
    // "Mary's", "O'BRIEN" → "O'Brien".
    let mut s = String::with_capacity(core.len());
    let mut cap = true;
    let mut prev_apostrophe = false;
    let chars: Vec<char> = lower.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let rest = chars.len() - i;
        if cap && c.is_alphabetic() {
            // "'s" and "'t" stay lower case.
            if prev_apostrophe && rest == 1 {
                s.push(c);
            } else {
                s.extend(c.to_uppercase());
            }
            cap = false;
        } else {
            s.push(c);
        }
        prev_apostrophe = c == '\'' || c == '’';
        if prev_apostrophe || c == '.' {
            cap = true;
        }
    }
    if s.len() > 3 && s.starts_with("Mc") {
        let mut v: Vec<char> = s.chars().collect();
        v[2] = v[2].to_ascii_uppercase();
        s = v.into_iter().collect();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_thing_or_many() {
        assert_eq!(count(1, "message", "messages"), "1 message");
        assert_eq!(count(0, "message", "messages"), "0 messages");
        assert_eq!(count(2, "person", "people"), "2 people");
        assert_eq!(count(24_950, "school", "schools"), "24,950 schools");
        assert_eq!(plural(1, "is", "are"), "is");
        assert_eq!(plural(3, "is", "are"), "are");
        assert_eq!(thousands(-1_234_567), "-1,234,567");
    }

    #[test]
    fn gias_capitals_in_title_case() {
        for (gias, shown) in [
            ("CIRRUS PRIMARY ACADEMY TRUST", "Cirrus Primary Academy Trust"),
            ("ST MARY'S CE PRIMARY SCHOOL", "St Mary's CE Primary School"),
            ("ST. BEDE'S CATHOLIC COLLEGE", "St. Bede's Catholic College"),
            ("THE DIOCESE OF ELY MULTI-ACADEMY TRUST", "The Diocese of Ely Multi-Academy Trust"),
            ("STOKE-ON-TRENT COFE ACADEMY TRUST", "Stoke-on-Trent CofE Academy Trust"),
            ("ALL SAINTS RC MAT", "All Saints RC MAT"),
            ("THE PRU AND ASD BASE (VA)", "The PRU and ASD Base (VA)"),
            ("GLF SCHOOLS", "GLF Schools"),
            ("O'BRIEN LEARNING LTD", "O'Brien Learning Ltd"),
            ("MCAULEY CATHOLIC HIGH SCHOOL", "McAuley Catholic High School"),
            ("THE UTC OXFORDSHIRE", "The UTC Oxfordshire"),
            ("A NEW HORIZON TRUST", "A New Horizon Trust"),
            ("SEN AND SEMH PARTNERSHIP", "SEN and SEMH Partnership"),
            ("KING EDWARD VI ACADEMY TRUST", "King Edward VI Academy Trust"),
        ] {
            assert_eq!(display_name(gias), shown, "{gias}");
        }
    }

    #[test]
    fn names_in_mixed_case_or_short_acronyms_are_kept() {
        assert_eq!(display_name("Gospel Oak Primary School"), "Gospel Oak Primary School");
        assert_eq!(display_name("JFS"), "JFS");
        assert_eq!(display_name("J.A.M.E.S."), "J.A.M.E.S.");
        assert_eq!(display_name("St Mary's CofE"), "St Mary's CofE");
        assert_eq!(display_name(""), "");
    }
}
