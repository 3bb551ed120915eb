//! What an import would change.

use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, SchoolData, SchoolStatus, TypeGroup};
use upward_gias::{Field, diff};

fn school(urn: i64) -> SchoolData {
    SchoolData {
        urn,
        name: format!("School {urn}"),
        la_name: Some("Camden".into()),
        type_name: Some("Community school".into()),
        type_group: TypeGroup::Maintained,
        status: SchoolStatus::Open,
        phase: Phase::Primary,
        low_age: Some(4),
        high_age: Some(11),
        gender: Gender::Mixed,
        admissions: Admissions::NotApplicable,
        religious_character: Some("None".into()),
        street: Some("1 High Street".into()),
        locality: None,
        town: Some("London".into()),
        county: None,
        postcode: Some("NW1 1AA".into()),
        region: Some("London".into()),
        website: None,
        telephone: None,
        pupils: Some(400),
        capacity: Some(420),
        fsm_pct: Some(21.3),
        trust_code: None,
        trust_name: None,
        easting: Some(529_000),
        northing: Some(184_000),
        latitude: Some(51.5),
        longitude: Some(-0.14),
        ofsted_grade: Some(OfstedGrade::Good),
        ofsted_date: Some("2019-03-01".into()),
        open_date: None,
        close_date: None,
        sixth_form: false,
    }
}

/// The fields of a 2025-layout file: everything but the Ofsted columns.
fn fields_2025() -> Vec<Field> {
    Field::ALL.iter().copied().filter(|f| !matches!(f, Field::OfstedGrade | Field::OfstedDate)).collect()
}

#[test]
fn added_changed_unchanged_and_absent_are_counted_in_urn_order() {
    let existing = vec![school(5), school(1), school(3), school(9)];
    let mut changed = school(3);
    changed.pupils = Some(410);
    changed.name = "Renamed".into();
    // Incoming in no particular order; 9 is absent, 7 and 2 are new.
    let incoming = vec![school(7), changed, school(1), school(2), school(5)];
    let c = diff(&existing, &incoming, Field::ALL);

    assert_eq!(c.added.iter().map(|s| s.urn).collect::<Vec<_>>(), vec![2, 7]);
    assert_eq!(c.updated.len(), 1);
    assert_eq!(c.unchanged, 2);
    assert_eq!(c.not_in_file, 1);
    assert!(c.closed.is_empty());

    let u = &c.updated[0];
    assert_eq!(u.urn, 3);
    let fields: Vec<(Field, Option<&str>, Option<&str>)> =
        u.changes.iter().map(|f| (f.field, f.old.as_deref(), f.new.as_deref())).collect();
    assert_eq!(
        fields,
        vec![(Field::Name, Some("School 3"), Some("Renamed")), (Field::Pupils, Some("400"), Some("410"))]
    );
    assert_eq!(u.record.name, "Renamed");
    assert_eq!(u.record.pupils, Some(410));
    assert!(!u.closes);
    assert_eq!(
        c.summary(),
        "5 schools in the file: 2 new, 1 changed, 2 unchanged. 1 school held is not in the file and is left as it is."
    );
}

#[test]
fn absent_schools_are_not_closed() {
    let existing = vec![school(1), school(2)];
    let c = diff(&existing, &[school(1)], Field::ALL);
    assert!(c.updated.is_empty() && c.closed.is_empty());
    assert_eq!((c.unchanged, c.not_in_file), (1, 1));
    assert!(c.is_empty());
}

#[test]
fn closures_are_detected() {
    let existing = vec![school(1), school(2), school(3), school(4)];

    let mut status_closed = school(1);
    status_closed.status = SchoolStatus::Closed;
    status_closed.close_date = Some("2025-08-31".into());

    let mut date_appeared = school(2);
    date_appeared.close_date = Some("2024-12-31".into());

    // A school proposed to close gets its planned date: not closed yet.
    let mut proposed = school(3);
    proposed.status = SchoolStatus::ProposedToClose;
    proposed.close_date = Some("2026-08-31".into());

    let c = diff(&existing, &[status_closed, date_appeared, proposed, school(4)], Field::ALL);
    assert_eq!(c.closed, vec![1, 2]);
    assert_eq!(c.updated.iter().map(|u| (u.urn, u.closes)).collect::<Vec<_>>(), vec![(1, true), (2, true), (3, false)]);
    let status = &c.updated[0].changes[0];
    assert_eq!(
        (status.field, status.old.as_deref(), status.new.as_deref()),
        (Field::Status, Some("Open"), Some("Closed"))
    );
    assert!(c.summary().contains("3 changed (2 of them closed)"), "{}", c.summary());

    // Already closed: a later refresh does not close it again.
    let mut was_closed = school(1);
    was_closed.status = SchoolStatus::Closed;
    was_closed.close_date = Some("2025-08-31".into());
    let mut renamed = was_closed.clone();
    renamed.name = "Old name".into();
    let c = diff(&[was_closed], &[renamed], Field::ALL);
    assert!(c.closed.is_empty());
    assert_eq!(c.updated.len(), 1);
}

#[test]
fn fields_the_file_does_not_provide_are_kept() {
    // A 2025 file has no Ofsted grade: an existing grade must survive.
    let existing = vec![school(1), school(2)];
    let mut incoming1 = school(1);
    incoming1.ofsted_grade = None;
    incoming1.ofsted_date = None;
    let mut incoming2 = incoming1.clone();
    incoming2.urn = 2;
    incoming2.name = school(2).name;
    incoming2.fsm_pct = Some(25.0);

    let c = diff(&existing, &[incoming1, incoming2], &fields_2025());
    assert_eq!(c.unchanged, 1);
    assert_eq!(c.updated.len(), 1);
    let u = &c.updated[0];
    assert_eq!(u.changes.iter().map(|f| f.field).collect::<Vec<_>>(), vec![Field::FsmPct]);
    assert_eq!(u.record.ofsted_grade, Some(OfstedGrade::Good));
    assert_eq!(u.record.ofsted_date.as_deref(), Some("2019-03-01"));
    assert_eq!(u.record.fsm_pct, Some(25.0));

    // With every field provided, the blank grade is a change.
    let mut blank = school(1);
    blank.ofsted_grade = None;
    let c = diff(&[school(1)], &[blank], Field::ALL);
    let f = &c.updated[0].changes[0];
    assert_eq!((f.field, f.old.as_deref(), f.new.as_deref()), (Field::OfstedGrade, Some("Good"), None));
}

#[test]
fn float_noise_is_not_a_change() {
    let mut nearly = school(1);
    nearly.latitude = Some(51.5 + 4e-7);
    nearly.fsm_pct = Some(21.3 + 1e-12);
    let c = diff(&[school(1)], &[nearly.clone()], Field::ALL);
    assert_eq!(c.unchanged, 1);

    nearly.latitude = Some(51.5 + 2e-6);
    let c = diff(&[school(1)], &[nearly], Field::ALL);
    let f = &c.updated[0].changes[0];
    assert_eq!((f.field, f.old.as_deref(), f.new.as_deref()), (Field::Latitude, Some("51.500000"), Some("51.500002")));
}

#[test]
fn repeated_urns_in_incoming_use_the_first() {
    let mut second = school(1);
    second.name = "Second".into();
    let c = diff(&[], &[school(1), second], Field::ALL);
    assert_eq!(c.added.len(), 1);
    assert_eq!(c.added[0].name, "School 1");
}

#[test]
fn diff_is_deterministic_whatever_the_input_order() {
    let existing: Vec<SchoolData> = (1..=50).map(school).collect();
    let mut incoming: Vec<SchoolData> = (25..=75)
        .map(|u| {
            let mut s = school(u);
            if u % 3 == 0 {
                s.pupils = Some(u * 10);
            }
            s
        })
        .collect();
    let a = diff(&existing, &incoming, Field::ALL);
    incoming.reverse();
    let mut existing_rev = existing.clone();
    existing_rev.reverse();
    let b = diff(&existing_rev, &incoming, Field::ALL);
    assert_eq!(a, b);
    assert_eq!(a.added.len(), 25);
    assert_eq!(a.updated.len(), 8); // 27, 30, ..., 48: pupils differ
    assert_eq!(a.unchanged, 18);
    assert_eq!(a.not_in_file, 24);
}
