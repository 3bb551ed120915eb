//! The directory's searches as the address gives them (schools, trusts,
//! people), read once for the pages and the API alike.

use crate::error::FieldError;
use serde::Deserialize;
use upward_domain::roles::Role;
use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, REGIONS, TypeGroup};
use upward_storage::people::{self, PersonQuery};
use upward_storage::schools::{SchoolQuery, SchoolSort, StatusFilter};

/// The longest text a search box takes.
pub const SEARCH_MAX: usize = 200;

/// A directory search as the address gives it (the page and the API).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SchoolParams {
    pub q: String,
    pub phase: String,
    #[serde(rename = "type")]
    pub type_group: String,
    pub gender: String,
    pub admissions: String,
    pub ofsted: String,
    pub hub: String,
    pub trust: String,
    pub region: String,
    pub status: String,
    pub scope: String,
    pub sort: String,
    pub dir: String,
    pub page: String,
    pub per_page: String,
    pub format: String,
}

impl SchoolParams {
    /// The search again without the named fields (and never page or
    /// format unless kept), for sort, filter and page links.
    pub fn link_query(&self, without: &[&str]) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("phase", &self.phase),
            ("type", &self.type_group),
            ("gender", &self.gender),
            ("admissions", &self.admissions),
            ("ofsted", &self.ofsted),
            ("hub", &self.hub),
            ("trust", &self.trust),
            ("region", &self.region),
            ("status", &self.status),
            ("scope", &self.scope),
            ("sort", &self.sort),
            ("dir", &self.dir),
        ] {
            if !without.contains(&k) && !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        s.finish()
    }
}

/// Read a directory search, with a message for each value that makes no
/// sense.
pub fn school_query(q: &SchoolParams) -> (SchoolQuery, Vec<FieldError>) {
    let mut errors = Vec::new();
    let text = q.q.trim();
    if text.chars().count() > SEARCH_MAX {
        errors.push(FieldError::new("q", format!("Search for at most {SEARCH_MAX} characters")));
    }
    let mut bad = |field: &str, v: &str, what: &str| {
        errors.push(FieldError { field: field.into(), message: format!("\"{v}\" is not {what}") });
    };
    let mut out = SchoolQuery {
        q: if text.is_empty() || text.chars().count() > SEARCH_MAX { None } else { Some(text.to_string()) },
        members_only: q.scope.trim() != "all",
        ..Default::default()
    };
    macro_rules! vocab {
        ($field:literal, $value:expr, $ty:ty, $slot:ident, $what:literal) => {
            let v = $value.trim();
            if !v.is_empty() {
                match <$ty>::from_code(v) {
                    Some(x) => out.$slot = Some(x),
                    None => bad($field, v, $what),
                }
            }
        };
    }
    vocab!("phase", q.phase, Phase, phase, "a phase");
    vocab!("type", q.type_group, TypeGroup, type_group, "a type of school");
    vocab!("gender", q.gender, Gender, gender, "a gender of entry");
    vocab!("admissions", q.admissions, Admissions, admissions, "an admissions policy");
    vocab!("ofsted", q.ofsted, OfstedGrade, ofsted, "an Ofsted grade");
    for (field, v, slot) in [("hub", &q.hub, &mut out.hub_id), ("trust", &q.trust, &mut out.trust_id)] {
        let v = v.trim();
        if !v.is_empty() {
            match v.parse::<i64>() {
                Ok(n) => *slot = Some(n),
                Err(_) => bad(field, v, "a number"),
            }
        }
    }
    let region = q.region.trim();
    if !region.is_empty() {
        if REGIONS.contains(&region) {
            out.region = Some(region.to_string());
        } else {
            bad("region", region, "a region of England");
        }
    }
    out.status = match q.status.trim() {
        "" | "open" => StatusFilter::Open,
        "closed" => StatusFilter::Closed,
        "any" => StatusFilter::Any,
        v => {
            bad("status", v, "open, closed or any");
            StatusFilter::Open
        }
    };
    let sort = q.sort.trim();
    if !sort.is_empty() {
        match SchoolSort::from_code(sort) {
            Some(s) => out.sort = s,
            None => bad("sort", sort, "a column to sort by"),
        }
    }
    out.desc = q.dir.trim() == "desc";
    (out, errors)
}

/// A search of trusts (the page and the API).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TrustParams {
    pub q: String,
    /// "all" for every trust, else those with member schools.
    pub scope: String,
}

impl TrustParams {
    /// The words to look for (at most the first 200 characters).
    pub fn text(&self) -> Option<&str> {
        let t = self.q.trim();
        let t = t.char_indices().nth(SEARCH_MAX).map(|(i, _)| &t[..i]).unwrap_or(t);
        if t.is_empty() { None } else { Some(t) }
    }
    pub fn all(&self) -> bool {
        self.scope.trim() == "all"
    }
}

/// A people search as the address gives it (the page and the API).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PeopleParams {
    pub q: String,
    pub role: String,
    pub pool: String,
    pub specialism: String,
    pub hub: String,
    pub school: String,
    pub trust: String,
    pub page: String,
    pub per_page: String,
    pub format: String,
}

impl PeopleParams {
    /// The search again, without the page and format (for page links).
    pub fn link_query(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("role", &self.role),
            ("pool", &self.pool),
            ("specialism", &self.specialism),
            ("hub", &self.hub),
            ("school", &self.school),
            ("trust", &self.trust),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        s.finish()
    }
}

fn opt_text(v: &str) -> Option<String> {
    let t = v.trim();
    if t.is_empty() { None } else { Some(t.to_string()) }
}

/// A number from the address, or a message naming the field.
pub fn int_param(field: &str, label: &str, v: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
    let t = v.trim();
    if t.is_empty() {
        return None;
    }
    match t.replace(',', "").parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.push(FieldError::new(field, format!("{label} must be a whole number, not \"{t}\"")));
            None
        }
    }
}

/// Read a people search.
pub fn people_query(q: &PeopleParams) -> (PersonQuery, Vec<FieldError>) {
    let mut errors = vec![];
    for (field, v) in [("q", &q.q), ("pool", &q.pool), ("specialism", &q.specialism)] {
        if v.trim().chars().count() > SEARCH_MAX {
            errors.push(FieldError::new(field, format!("Search for at most {SEARCH_MAX} characters")));
        }
    }
    let mut out = PersonQuery {
        q: opt_text(&q.q),
        pool: opt_text(&q.pool),
        specialism: opt_text(&q.specialism),
        ..Default::default()
    };
    if let Some(r) = opt_text(&q.role) {
        match r.parse::<Role>() {
            Ok(r) => out.role = Some(r),
            Err(e) => errors.push(FieldError { field: "role".into(), message: e.to_string() }),
        }
    }
    if let Some(p) = &out.pool
        && !people::POOLS.iter().any(|(c, _)| c == p)
    {
        errors.push(FieldError { field: "pool".into(), message: format!("\"{p}\" is not a pool") });
        out.pool = None;
    }
    out.hub_id = int_param("hub", "Hub", &q.hub, &mut errors);
    out.school_id = int_param("school", "School", &q.school, &mut errors);
    out.trust_id = int_param("trust", "Trust", &q.trust, &mut errors);
    (out, errors)
}
