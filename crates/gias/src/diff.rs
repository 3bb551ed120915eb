//! What importing an extract would change: [`diff`].

use std::collections::{BTreeMap, HashMap};

use upward_domain::school::{SchoolData, SchoolStatus};

use crate::error::thousands;
use crate::layout::Field;

/// One field of one school that would change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    pub field: Field,
    /// The value held now, as text (`None` when blank).
    pub old: Option<String>,
    /// The value in the file, as text (`None` when blank).
    pub new: Option<String>,
}

/// An existing school that the file changes.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Update {
    pub urn: i64,
    /// The changed fields, in [`Field::ALL`] order.
    pub changes: Vec<FieldChange>,
    /// True when this change closes the school (see [`Changes::closed`]).
    pub closes: bool,
    /// The record to store: the existing record with the provided fields
    /// taken from the file (fields the file does not provide are kept).
    pub record: SchoolData,
}

/// What an import would change. Everything is ordered by URN.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Changes {
    /// Schools in the file but not held yet, to be inserted as they are.
    pub added: Vec<SchoolData>,
    /// Held schools whose provided fields differ from the file.
    pub updated: Vec<Update>,
    /// URNs of updated schools that the file closes: the status became
    /// "Closed", or a close date appeared on a school that is not "Open, but
    /// proposed to close" (for those GIAS gives the planned date, which is
    /// an ordinary change). A subset of `updated`.
    pub closed: Vec<i64>,
    /// Held schools that the file has with no differences.
    pub unchanged: usize,
    /// Held schools that are not in the file. They are left as they are, not
    /// closed: a file may be a partial download, and GIAS keeps closed
    /// establishments in the full extract with status "Closed".
    pub not_in_file: usize,
}

impl Changes {
    /// Nothing to add or change.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.updated.is_empty()
    }

    /// A one-paragraph summary for a person, e.g. "52,000 schools in the
    /// file: 120 new, 340 changed (12 of them closed), 51,540 unchanged."
    pub fn summary(&self) -> String {
        let in_file = self.added.len() + self.updated.len() + self.unchanged;
        let mut s = format!(
            "{} {} in the file: {} new, {} changed",
            thousands(in_file as u64),
            if in_file == 1 { "school" } else { "schools" },
            thousands(self.added.len() as u64),
            thousands(self.updated.len() as u64),
        );
        if !self.closed.is_empty() {
            s.push_str(&format!(" ({} of them closed)", thousands(self.closed.len() as u64)));
        }
        s.push_str(&format!(", {} unchanged.", thousands(self.unchanged as u64)));
        if self.not_in_file > 0 {
            s.push_str(&format!(
                " {} {} held {} not in the file and {} left as {}.",
                thousands(self.not_in_file as u64),
                if self.not_in_file == 1 { "school" } else { "schools" },
                if self.not_in_file == 1 { "is" } else { "are" },
                if self.not_in_file == 1 { "is" } else { "are" },
                if self.not_in_file == 1 { "it is" } else { "they are" },
            ));
        }
        s
    }
}

/// Compare the schools held (`existing`) with those in a file (`incoming`).
///
/// Only the `provided` fields are compared and taken from the file (use
/// [`Extract::changes`](crate::Extract::changes), which passes the fields
/// the file's columns provide). Existing schools absent from the file are
/// counted in [`Changes::not_in_file`] and never closed. Floating-point
/// fields are compared to within 1e-9 (FSM) and 1e-6 degrees (coordinates).
///
/// If a URN appears more than once in `incoming` (which
/// [`read_extract`](crate::read_extract) never produces), the first is used.
/// The result does not depend on the order of either slice.
pub fn diff(existing: &[SchoolData], incoming: &[SchoolData], provided: &[Field]) -> Changes {
    let held: HashMap<i64, &SchoolData> = existing.iter().map(|s| (s.urn, s)).collect();
    let mut file: BTreeMap<i64, &SchoolData> = BTreeMap::new();
    for s in incoming {
        file.entry(s.urn).or_insert(s);
    }

    let mut changes = Changes::default();
    for (&urn, &new) in &file {
        let Some(&old) = held.get(&urn) else {
            changes.added.push(new.clone());
            continue;
        };
        let mut record = old.clone();
        let mut list = Vec::new();
        for &field in Field::ALL {
            if provided.contains(&field) && !same(field, old, new) {
                list.push(FieldChange { field, old: show(field, old), new: show(field, new) });
                take(field, &mut record, new);
            }
        }
        if list.is_empty() {
            changes.unchanged += 1;
            continue;
        }
        let became_closed = record.status == SchoolStatus::Closed && old.status != SchoolStatus::Closed;
        let close_date_appeared =
            old.close_date.is_none() && record.close_date.is_some() && record.status != SchoolStatus::ProposedToClose;
        let closes = became_closed || close_date_appeared;
        if closes {
            changes.closed.push(urn);
        }
        changes.updated.push(Update { urn, changes: list, closes, record });
    }
    changes.not_in_file = held.keys().filter(|urn| !file.contains_key(urn)).count();
    changes
}

fn close(a: Option<f64>, b: Option<f64>, eps: f64) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => (x - y).abs() <= eps,
        (None, None) => true,
        _ => false,
    }
}

/// Whether `field` has the same value in both records.
fn same(field: Field, a: &SchoolData, b: &SchoolData) -> bool {
    match field {
        Field::Name => a.name == b.name,
        Field::LaName => a.la_name == b.la_name,
        Field::TypeName => a.type_name == b.type_name,
        Field::TypeGroup => a.type_group == b.type_group,
        Field::Status => a.status == b.status,
        Field::Phase => a.phase == b.phase,
        Field::LowAge => a.low_age == b.low_age,
        Field::HighAge => a.high_age == b.high_age,
        Field::Gender => a.gender == b.gender,
        Field::Admissions => a.admissions == b.admissions,
        Field::ReligiousCharacter => a.religious_character == b.religious_character,
        Field::Street => a.street == b.street,
        Field::Locality => a.locality == b.locality,
        Field::Town => a.town == b.town,
        Field::County => a.county == b.county,
        Field::Postcode => a.postcode == b.postcode,
        Field::Region => a.region == b.region,
        Field::Website => a.website == b.website,
        Field::Telephone => a.telephone == b.telephone,
        Field::Pupils => a.pupils == b.pupils,
        Field::Capacity => a.capacity == b.capacity,
        Field::FsmPct => close(a.fsm_pct, b.fsm_pct, 1e-9),
        Field::TrustCode => a.trust_code == b.trust_code,
        Field::TrustName => a.trust_name == b.trust_name,
        Field::Easting => a.easting == b.easting,
        Field::Northing => a.northing == b.northing,
        Field::Latitude => close(a.latitude, b.latitude, 1e-6),
        Field::Longitude => close(a.longitude, b.longitude, 1e-6),
        Field::OfstedGrade => a.ofsted_grade == b.ofsted_grade,
        Field::OfstedDate => a.ofsted_date == b.ofsted_date,
        Field::OpenDate => a.open_date == b.open_date,
        Field::CloseDate => a.close_date == b.close_date,
        Field::SixthForm => a.sixth_form == b.sixth_form,
    }
}

/// Copy `field` from `from` into `to`.
fn take(field: Field, to: &mut SchoolData, from: &SchoolData) {
    let f = from;
    match field {
        Field::Name => to.name = f.name.clone(),
        Field::LaName => to.la_name = f.la_name.clone(),
        Field::TypeName => to.type_name = f.type_name.clone(),
        Field::TypeGroup => to.type_group = f.type_group,
        Field::Status => to.status = f.status,
        Field::Phase => to.phase = f.phase,
        Field::LowAge => to.low_age = f.low_age,
        Field::HighAge => to.high_age = f.high_age,
        Field::Gender => to.gender = f.gender,
        Field::Admissions => to.admissions = f.admissions,
        Field::ReligiousCharacter => to.religious_character = f.religious_character.clone(),
        Field::Street => to.street = f.street.clone(),
        Field::Locality => to.locality = f.locality.clone(),
        Field::Town => to.town = f.town.clone(),
        Field::County => to.county = f.county.clone(),
        Field::Postcode => to.postcode = f.postcode.clone(),
        Field::Region => to.region = f.region.clone(),
        Field::Website => to.website = f.website.clone(),
        Field::Telephone => to.telephone = f.telephone.clone(),
        Field::Pupils => to.pupils = f.pupils,
        Field::Capacity => to.capacity = f.capacity,
        Field::FsmPct => to.fsm_pct = f.fsm_pct,
        Field::TrustCode => to.trust_code = f.trust_code.clone(),
        Field::TrustName => to.trust_name = f.trust_name.clone(),
        Field::Easting => to.easting = f.easting,
        Field::Northing => to.northing = f.northing,
        Field::Latitude => to.latitude = f.latitude,
        Field::Longitude => to.longitude = f.longitude,
        Field::OfstedGrade => to.ofsted_grade = f.ofsted_grade,
        Field::OfstedDate => to.ofsted_date = f.ofsted_date.clone(),
        Field::OpenDate => to.open_date = f.open_date.clone(),
        Field::CloseDate => to.close_date = f.close_date.clone(),
        Field::SixthForm => to.sixth_form = f.sixth_form,
    }
}

/// `field`'s value as text for an audit trail or report.
fn show(field: Field, s: &SchoolData) -> Option<String> {
    let num = |v: Option<i64>| v.map(|n| n.to_string());
    let deg = |v: Option<f64>| v.map(|x| format!("{x:.6}"));
    match field {
        Field::Name => Some(s.name.clone()),
        Field::LaName => s.la_name.clone(),
        Field::TypeName => s.type_name.clone(),
        Field::TypeGroup => Some(s.type_group.label().to_string()),
        Field::Status => Some(s.status.label().to_string()),
        Field::Phase => Some(s.phase.label().to_string()),
        Field::LowAge => num(s.low_age),
        Field::HighAge => num(s.high_age),
        Field::Gender => Some(s.gender.label().to_string()),
        Field::Admissions => Some(s.admissions.label().to_string()),
        Field::ReligiousCharacter => s.religious_character.clone(),
        Field::Street => s.street.clone(),
        Field::Locality => s.locality.clone(),
        Field::Town => s.town.clone(),
        Field::County => s.county.clone(),
        Field::Postcode => s.postcode.clone(),
        Field::Region => s.region.clone(),
        Field::Website => s.website.clone(),
        Field::Telephone => s.telephone.clone(),
        Field::Pupils => num(s.pupils),
        Field::Capacity => num(s.capacity),
        Field::FsmPct => s.fsm_pct.map(|x| x.to_string()),
        Field::TrustCode => s.trust_code.clone(),
        Field::TrustName => s.trust_name.clone(),
        Field::Easting => num(s.easting),
        Field::Northing => num(s.northing),
        Field::Latitude => deg(s.latitude),
        Field::Longitude => deg(s.longitude),
        Field::OfstedGrade => s.ofsted_grade.map(|g| g.label().to_string()),
        Field::OfstedDate => s.ofsted_date.clone(),
        Field::OpenDate => s.open_date.clone(),
        Field::CloseDate => s.close_date.clone(),
        Field::SixthForm => Some(if s.sixth_form { "yes" } else { "no" }.to_string()),
    }
}
