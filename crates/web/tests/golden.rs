//! Golden files of the documents a matching run keeps (`match_runs`
//! input_json, proposal_json, current_json), one small run of each kind,
//! in `tests/golden/matching/`:
//!
//! - `<kind>.input.json`, `.proposal.json`, `.current.json`: today's format
//!   (1), indented; `format0/<kind>.*.json`: the same run as written before
//!   documents carried a format number.
//! - `<kind>.report.json`: what the product shows for the run (scores,
//!   broken rules in words).
//!
//! Two checks: every golden run, of every format, read with today's code
//! gives the same report; and today's code writes exactly the golden
//! files. A change to a stored type fails the second: bump
//! `runs::FORMAT`, keep the old files under `format<N>/`, and add a reader
//! for them to `runs::upgrade`. To write the files again (after such a
//! change, or a deliberate change of scoring): `UPWARD_BLESS_GOLDEN=1 cargo
//! test -p upward-web --test golden`.

use serde_json::{Value, json};
use std::path::PathBuf;
use upward_domain::matching::RunKind;
use upward_matching::facilitators::{self as fac, FacAssignment, FacWeights, Facilitator, Group, GroupSchool};
use upward_matching::reviews::{self, Cycle, LatLon, Person, Review, Rules, Team, Weights};
use upward_web::services::matching::facilitators::FacInput;
use upward_web::services::matching::groups::{self, GroupSchoolIn, GroupsInput, GroupsProposal};
use upward_web::services::matching::runs::{Docs, FacilitatorsRun, GroupsRun, TeamsRun};
use upward_web::services::matching::teams::{PersonInfo, ReviewInfo, TeamsInput};
use upward_web::services::matching::{ThemeIn, broken_rules, report_json};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/matching")
}

fn bless() -> bool {
    std::env::var("UPWARD_BLESS_GOLDEN").is_ok_and(|v| v == "1")
}

fn file(name: &str) -> String {
    let p = dir().join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e} (write it with UPWARD_BLESS_GOLDEN=1)", p.display()))
}

fn write(name: &str, text: &str) {
    let p = dir().join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, format!("{text}\n")).unwrap();
}

const PARTS: [&str; 3] = ["input", "proposal", "current"];

fn at(lat: f64, lon: f64) -> Option<LatLon> {
    Some(LatLon { lat, lon })
}

// ---------------------------------------------------------------------------
// The fixtures: a small run of each kind, built as the service would.

fn teams_input() -> TeamsInput {
    let review = |id: &str, school: &str, phase: &str, week: i32, loc: Option<LatLon>| Review {
        id: id.into(),
        school: school.into(),
        trust: None,
        hub: Some("1".into()),
        week,
        special: false,
        peer_places: 2,
        needs_lead: true,
        location: loc,
        phase: Some(phase.into()),
        focus: vec!["maths".into()],
    };
    let person = |id: &str, school: &str, lead: bool, phase: &str, loc: Option<LatLon>| Person {
        id: id.into(),
        school: school.into(),
        trust: None,
        hub: Some(if lead { "2" } else { "1" }.into()),
        can_lead: lead,
        special_expertise: false,
        eligible: true,
        min_load: 0,
        max_load: 2,
        conflicts: vec![],
        reviewed: vec![],
        location: loc,
        travel_limit_km: None,
        experience: if lead { 12 } else { 0 },
        phase: Some(phase.into()),
        themes: if phase == "primary" { vec!["maths".into()] } else { vec![] },
        school_hosts_review: false,
    };
    let cycle = Cycle {
        reviews: vec![
            review("101", "11", "primary", 202723, at(53.80, -1.55)),
            review("102", "12", "secondary", 202723, at(53.38, -1.47)),
        ],
        people: vec![
            person("201", "21", true, "primary", at(53.79, -1.75)),
            person("202", "22", true, "secondary", at(53.48, -2.24)),
            person("203", "23", false, "primary", at(53.70, -1.60)),
            person("204", "24", false, "secondary", at(53.40, -1.50)),
            person("205", "25", false, "primary", at(53.65, -1.78)),
            person("206", "11", false, "primary", at(53.80, -1.55)),
        ],
        weights: Weights::default(),
        rules: Rules { time_limit_secs: 1.0, ..Rules::default() },
    };
    let info = |id: &str, urn: i64, school: &str| ReviewInfo {
        id: id.into(),
        urn,
        school: school.into(),
        starts_on: "2027-06-07".into(),
        ends_on: "2027-06-09".into(),
        special: false,
    };
    let people = [
        ("201", "Ada Lovelace", "Oak Primary School", true),
        ("202", "Grace Hopper", "Elm Academy", true),
        ("203", "Alan Turing", "Ash Primary School", false),
        ("204", "Mary Somerville", "Birch High School", false),
        ("205", "Charles Babbage", "Yew Primary School", false),
        ("206", "Emmy Noether", "Leeds Road Primary", false),
    ];
    TeamsInput {
        cycle_id: 1,
        cycle_name: "2026-27".into(),
        from: "2027-06-07".into(),
        cycle,
        reviews: vec![info("101", 100001, "Leeds Road Primary"), info("102", 100002, "Sheffield Park Academy")],
        people: people
            .iter()
            .map(|(id, name, school, lead)| PersonInfo {
                id: (*id).into(),
                name: (*name).into(),
                school: Some((*school).into()),
                can_lead: *lead,
            })
            .collect(),
    }
}

/// The proposal as edited by hand: someone added to both reviews of one
/// week (a broken rule).
fn teams_current(proposal: &reviews::Proposal) -> reviews::Assignment {
    let mut a = proposal.assignment.clone();
    let on_101: Vec<String> = a.teams.iter().filter(|t| t.review == "101").flat_map(|t| t.peers.clone()).collect();
    let extra = on_101.first().cloned().unwrap_or_else(|| "203".into());
    match a.teams.iter_mut().find(|t| t.review == "102") {
        Some(t) => t.peers.push(extra),
        None => a.teams.push(Team { review: "102".into(), lead: None, peers: vec![extra] }),
    }
    a
}

fn taxonomy() -> Vec<ThemeIn> {
    let t = |id: &str, label: &str, kw: &[&str]| ThemeIn {
        id: id.into(),
        label: label.into(),
        weight: 1.0,
        keywords: kw.iter().map(|k| k.to_string()).collect(),
    };
    vec![
        t("maths", "maths", &["maths", "mathematics", "numeracy"]),
        t("reading", "reading", &["reading", "phonics"]),
        t("attendance", "attendance", &["attendance", "persistent absence"]),
    ]
}

fn groups_input() -> GroupsInput {
    let school = |id: &str, urn: i64, name: &str, loc: (f64, f64), exc: &str, ch: &str| GroupSchoolIn {
        id: id.into(),
        urn,
        name: name.into(),
        phase: "primary".into(),
        town: Some("Leeds".into()),
        location: Some(loc),
        single_sex: false,
        selective: false,
        excellence: vec![exc.into()],
        challenge: vec![ch.into()],
    };
    GroupsInput {
        cohort_id: 1,
        cohort_name: "Growing the Top 2026-27".into(),
        year: "2026-27".into(),
        min_km: 2.0,
        group_size: 3,
        max_min: false,
        seconds: 1.0,
        together: vec![],
        apart: vec![("31".into(), "32".into())],
        schools: vec![
            school("31", 200031, "Oak Primary School", (53.80, -1.55), "Maths mastery", "Reading at KS1"),
            school("32", 200032, "Ash Primary School", (53.85, -1.60), "Phonics and early reading", "Attendance"),
            school("33", 200033, "Elm Primary School", (53.75, -1.50), "Attendance and punctuality", "Numeracy"),
            school("34", 200034, "Yew Primary School", (53.90, -1.45), "Reading for pleasure", "Mathematics"),
            school("35", 200035, "Birch Primary School", (53.70, -1.65), "Numeracy across the curriculum", "Phonics"),
            school("36", 200036, "Holly Primary School", (53.95, -1.70), "Persistent absence", "Maths"),
        ],
        taxonomy: taxonomy(),
    }
}

fn groups_proposal(input: &GroupsInput) -> GroupsProposal {
    let inst = groups::instance(input).unwrap();
    let opts =
        upward_matching::groups::SolveOptions { time_limit: std::time::Duration::from_secs(1), ..Default::default() };
    let r = upward_matching::groups::solve(&inst, &opts).unwrap();
    GroupsProposal {
        groups: r.grouping.groups.iter().map(|g| g.iter().map(|&i| input.schools[i].id.clone()).collect()).collect(),
        total: r.total,
        min_group: r.min_group,
        proven_optimal: r.proven_optimal,
        upper_bound: r.upper_bound,
        method: r.method.to_string(),
        // A fixed time, so the file does not change with the machine.
        seconds: 0.25,
    }
}

/// Moved by hand: a school into the other group (sizes 2 and 4: broken).
fn groups_current(p: &GroupsProposal) -> Vec<Vec<String>> {
    let mut g = p.groups.clone();
    let s = g[0].remove(0);
    g[1].push(s);
    g
}

fn fac_input() -> FacInput {
    let group = |id: &str, schools: &[&str], dates: &[&str]| Group {
        id: id.into(),
        schools: schools.iter().map(|s| GroupSchool { id: (*s).into(), location: at(53.8, -1.55) }).collect(),
        visit_dates: dates.iter().map(|d| (*d).into()).collect(),
        phase: Some("primary".into()),
        context: vec!["maths".into()],
    };
    let facilitator = |id: &str, school: &str, eligible: bool, available: &[&str]| Facilitator {
        id: id.into(),
        school: Some(school.into()),
        eligible,
        available: available.iter().map(|d| (*d).into()).collect(),
        max_groups: 2,
        phase: Some("primary".into()),
        context: vec!["maths".into()],
        location: at(53.7, -1.6),
        travel_limit_km: None,
    };
    let days1 = ["2027-01-12", "2027-03-09", "2027-05-04"];
    let days2 = ["2027-01-13", "2027-03-10", "2027-05-05"];
    let all = ["2027-01-12", "2027-03-09", "2027-05-04", "2027-01-13", "2027-03-10", "2027-05-05"];
    let s = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    FacInput {
        cohort_id: 1,
        cohort_name: "Growing the Top 2026-27".into(),
        groups: vec![group("41", &["31", "33", "35"], &days1), group("42", &["32", "34", "36"], &days2)],
        facilitators: vec![
            facilitator("51", "31", true, &all),
            facilitator("52", "60", true, &all),
            facilitator("53", "61", false, &all),
        ],
        names: s(&[
            ("51", "Ada Lovelace (Oak Primary School)"),
            ("52", "Grace Hopper (Elm Academy)"),
            ("53", "Alan Turing"),
        ]),
        group_names: s(&[("41", "Group 1"), ("42", "Group 2")]),
        school_names: s(&[
            ("31", "Oak Primary School"),
            ("32", "Ash Primary School"),
            ("33", "Elm Primary School"),
            ("34", "Yew Primary School"),
            ("35", "Birch Primary School"),
            ("36", "Holly Primary School"),
        ]),
    }
}

/// Changed by hand: the second group given someone not eligible.
fn fac_current(p: &fac::FacProposal) -> Vec<FacAssignment> {
    let mut a = p.assignment.clone();
    match a.iter_mut().find(|x| x.group == "42") {
        Some(x) => x.facilitator = Some("53".into()),
        None => a.push(FacAssignment { group: "42".into(), facilitator: Some("53".into()) }),
    }
    a
}

/// The fixtures as run documents (proposals made by the engine when
/// blessing; read from the golden files otherwise).
fn fixture(kind: RunKind) -> Docs {
    match kind {
        RunKind::ReviewTeams => {
            let input = teams_input();
            let proposal = if bless() {
                reviews::propose(&input.cycle).unwrap()
            } else {
                let Docs::Teams(g) = golden(kind, "") else { unreachable!() };
                g.proposal
            };
            Docs::Teams(TeamsRun { current: teams_current(&proposal), input, proposal })
        }
        RunKind::Groups => {
            let input = groups_input();
            let proposal = if bless() {
                groups_proposal(&input)
            } else {
                let Docs::Groups(g) = golden(kind, "") else { unreachable!() };
                g.proposal
            };
            Docs::Groups(GroupsRun { current: groups_current(&proposal), input, proposal })
        }
        RunKind::Facilitators => {
            let input = fac_input();
            let proposal = if bless() {
                fac::assign(&input.groups, &input.facilitators, &FacWeights::default()).unwrap()
            } else {
                let Docs::Facilitators(g) = golden(kind, "") else { unreachable!() };
                g.proposal
            };
            Docs::Facilitators(FacilitatorsRun { current: fac_current(&proposal), input, proposal })
        }
    }
}

/// A golden run read with today's code (`format`: "" for today's, or
/// "format0/").
fn golden(kind: RunKind, format: &str) -> Docs {
    let [i, p, c] = PARTS.map(|part| file(&format!("{format}{}.{part}.json", kind.code())));
    Docs::read(kind, &i, &p, &c).unwrap_or_else(|e| panic!("{format}{}: {e}", kind.code()))
}

/// What the product shows for a run: the scores and the broken rules.
fn report(docs: &Docs) -> Value {
    json!({
        "edited": docs.edited(),
        "broken_rules": broken_rules(docs).unwrap(),
        "report": report_json(docs).unwrap(),
    })
}

/// A document as rows written before format numbers held it: no `format`,
/// bare lists for the groups and facilitators assignments, and no
/// `school_names` in a facilitators input.
fn as_format0(kind: RunKind, part: &str, text: &str) -> String {
    let mut v: Value = serde_json::from_str(text).unwrap();
    let m = v.as_object_mut().unwrap();
    m.remove("format");
    let v = match kind {
        RunKind::ReviewTeams => v,
        RunKind::Groups if part == "current" => m.remove("groups").unwrap(),
        RunKind::Groups => v,
        RunKind::Facilitators if part == "current" => m.remove("assignment").unwrap(),
        RunKind::Facilitators => {
            if part == "input" {
                m.remove("school_names");
            }
            v
        }
    };
    serde_json::to_string(&v).unwrap()
}

/// Write every golden file again (once, whichever test asks first).
fn bless_all() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(bless_now);
}

fn bless_now() {
    for kind in RunKind::ALL {
        let docs = fixture(kind);
        let texts = docs.texts(true);
        for (part, text) in PARTS.iter().zip(&texts) {
            write(&format!("{}.{part}.json", kind.code()), text);
            write(&format!("format0/{}.{part}.json", kind.code()), &as_format0(kind, part, text));
        }
        write(&format!("{}.report.json", kind.code()), &serde_json::to_string_pretty(&report(&docs)).unwrap());
    }
}

#[test]
fn todays_code_writes_exactly_the_golden_files() {
    if bless() {
        bless_all();
    }
    for kind in RunKind::ALL {
        let texts = fixture(kind).texts(true);
        for (part, text) in PARTS.iter().zip(&texts) {
            let name = format!("{}.{part}.json", kind.code());
            assert_eq!(
                text,
                file(&name).trim_end(),
                "{name}: today's code writes something else. A stored format changed: bump runs::FORMAT, keep \
                 the old files under format<N>/ with a reader in runs::upgrade, then bless the new files."
            );
        }
        // And what the database holds is the same document, unindented.
        let stored = fixture(kind).texts(false);
        for (text, pretty) in stored.iter().zip(&texts) {
            assert!(text.starts_with("{\"format\":1,"), "{text}");
            assert_eq!(serde_json::from_str::<Value>(text).unwrap(), serde_json::from_str::<Value>(pretty).unwrap());
        }
    }
}

#[test]
fn stored_runs_of_every_format_give_the_same_report() {
    if bless() {
        bless_all();
    }
    for kind in RunKind::ALL {
        let want: Value = serde_json::from_str(&file(&format!("{}.report.json", kind.code()))).unwrap();
        for format in ["", "format0/"] {
            let docs = golden(kind, format);
            assert_eq!(report(&docs), want, "{format}{}", kind.code());
        }
        // The fixtures were made to show something: an edit, a broken rule.
        assert_eq!(want["edited"], true, "{}", kind.code());
        assert!(!want["broken_rules"].as_array().unwrap().is_empty(), "{}: {want}", kind.code());
    }
}
