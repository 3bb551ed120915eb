//! The demo partnership: real schools (from the public GIAS-derived records
//! in `demo/schools.csv`, built by scripts/build-demo-data.py), grouped into
//! Hubs, with invented people in every role, review cycles, Areas of
//! Excellence and events. Deterministic: the same data every time.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};
use upward_domain::reviews::{ReviewKind, ReviewStatus};
use upward_domain::roles::{Grant, Role, Scope};
use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, SchoolData, SchoolStatus, TypeGroup};
use upward_storage::audit::Change;
use upward_storage::people::{NewPerson, Safeguarding};
use upward_storage::programmes::NewReview;
use upward_storage::schools::{Membership, Performance};
use upward_storage::{Db, Tx, Who, hubs, people, programmes, schools};

/// The password of every demo account.
pub const PASSWORD: &str = "upward-demo";

/// One sign-in for each kind of user, printed at start.
pub const SIGN_INS: &[(&str, &str)] = &[
    ("Central team admin", "admin@upward.example.org"),
    ("Programme manager", "programmes@upward.example.org"),
    ("Senior Partner (a Hub)", "senior.partner@upward.example.org"),
    ("Hub Manager (a Hub)", "hub.manager@upward.example.org"),
    ("Headteacher (a school)", "head@upward.example.org"),
    ("Senior leader (a school)", "senior.leader@upward.example.org"),
    ("Trust executive (a trust)", "trust.exec@upward.example.org"),
    ("Lead Reviewer", "lead.reviewer@upward.example.org"),
    ("Peer reviewer", "reviewer@upward.example.org"),
    ("Facilitator", "facilitator@upward.example.org"),
    ("Applicant", "applicant@upward.example.org"),
    ("Shortlister", "shortlister@upward.example.org"),
];

const SCHOOLS_CSV: &str = include_str!("../demo/schools.csv");

const FIRST: &[&str] = &[
    "Aisha", "Alex", "Amir", "Amy", "Ben", "Bola", "Caroline", "Chen", "Chloe", "Daniel", "David", "Deborah",
    "Eleanor", "Emeka", "Emma", "Fatima", "Fiona", "Gareth", "Grace", "Hannah", "Harriet", "Ian", "Imran", "Isabel",
    "James", "Jane", "Joanne", "Jonathan", "Karen", "Kwame", "Laura", "Leon", "Lucy", "Mark", "Mary", "Matthew", "Mei",
    "Michael", "Nadia", "Natalie", "Neil", "Nia", "Oliver", "Olu", "Paul", "Priya", "Rachel", "Rebecca", "Richard",
    "Rohan", "Ruth", "Sam", "Sarah", "Simon", "Siobhan", "Sophie", "Stephen", "Tariq", "Tom", "Una", "Victoria", "Wei",
    "Yasmin", "Zoe",
];
const LAST: &[&str] = &[
    "Adams",
    "Ahmed",
    "Ali",
    "Allen",
    "Baker",
    "Barker",
    "Bennett",
    "Bhatt",
    "Brown",
    "Campbell",
    "Carter",
    "Chapman",
    "Clarke",
    "Cole",
    "Davies",
    "Edwards",
    "Evans",
    "Fisher",
    "Fletcher",
    "Green",
    "Griffiths",
    "Hall",
    "Harris",
    "Hughes",
    "Hussain",
    "Jackson",
    "James",
    "Jones",
    "Kaur",
    "Khan",
    "King",
    "Lee",
    "Lewis",
    "Martin",
    "Mensah",
    "Mitchell",
    "Moore",
    "Morgan",
    "Murphy",
    "Nguyen",
    "Okafor",
    "O'Brien",
    "Owen",
    "Palmer",
    "Parker",
    "Patel",
    "Phillips",
    "Price",
    "Roberts",
    "Robinson",
    "Shah",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Thompson",
    "Turner",
    "Walker",
    "Ward",
    "Watson",
    "White",
    "Williams",
    "Wilson",
    "Wright",
    "Young",
];

/// Areas of Excellence and challenges as schools write them (tagged with the
/// shared taxonomy when seeded).
const EXCELLENCE: &[&str] = &[
    "Maths mastery across key stages 3 and 4",
    "Reading for pleasure and whole-school literacy",
    "Oracy: every pupil speaks with confidence",
    "Inclusive practice for pupils with SEND",
    "Closing the gap for disadvantaged pupils",
    "Coaching culture and teacher professional development",
    "Middle leaders who lead their subjects well",
    "Sixth form outcomes and guidance",
    "Behaviour and attendance systems",
    "Curriculum design and sequencing",
    "Assessment and feedback that moves learning on",
    "Pastoral care and well-being",
    "Enrichment and the arts",
    "Science practical work",
    "Transition from Year 6 to Year 7",
    "Recruitment and retention of staff",
];
const CHALLENGE: &[&str] = &[
    "Progress of boys in key stage 4",
    "Consistency of marking and feedback",
    "Attendance of disadvantaged pupils",
    "Developing middle leaders",
    "Stretch and challenge for the most able",
    "Quality first teaching for pupils with SEND",
    "Sixth form retention",
    "Literacy across the curriculum",
    "Maths outcomes for lower attainers",
    "Behaviour at unstructured times",
    "Curriculum coherence at key stage 3",
    "Staff well-being and workload",
    "Recruiting specialist teachers",
    "Oracy in the early years",
];

/// The first Growing the Top cohort's published themes (schools named after
/// elements in the evaluation), given here to real demo schools.
const PILOT_THEMES: &str = include_str!("../../matching/data/gtt-2018-themes.csv");

const SPECIALISMS: &[&str] = &[
    "Primary",
    "Secondary",
    "Special (ASC)",
    "Special (SEMH)",
    "Special (PMLD)",
    "Ofsted experience",
    "Trust leadership",
    "Early years",
    "Sixth form",
    "Maths",
    "English",
    "SEND",
    "Disadvantaged pupils",
    "Curriculum",
    "Behaviour",
];

/// A small deterministic generator (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

struct DemoSchool {
    data: SchoolData,
    member: bool,
    hub: String,
    perf: Vec<(String, f64)>,
}

fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() { None } else { Some(t.to_string()) }
}

fn load() -> Result<Vec<DemoSchool>> {
    let mut rdr = csv::Reader::from_reader(SCHOOLS_CSV.as_bytes());
    let headers = rdr.headers()?.clone();
    let idx = |name: &str| headers.iter().position(|h| h == name);
    let mut out = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("demo/schools.csv row {}", i + 1))?;
        let get = |name: &str| idx(name).and_then(|j| rec.get(j)).unwrap_or("");
        let int = |name: &str| get(name).parse::<f64>().ok().map(|f| f as i64);
        let float = |name: &str| get(name).parse::<f64>().ok();
        let type_name = get("type_name");
        let data = SchoolData {
            urn: get("urn").parse().with_context(|| format!("demo/schools.csv row {}: URN", i + 1))?,
            name: get("name").to_string(),
            la_name: opt(get("la_name")),
            type_name: opt(type_name),
            type_group: TypeGroup::from_gias(get("type_group")),
            status: SchoolStatus::Open,
            phase: Phase::from_gias(get("phase_name"), type_name),
            low_age: int("low_age"),
            high_age: int("high_age"),
            gender: Gender::from_gias(get("gender")).unwrap_or(Gender::Mixed),
            admissions: Admissions::from_gias(get("admissions")).unwrap_or(Admissions::NotApplicable),
            religious_character: opt(get("religious_character")),
            street: opt(get("street")),
            locality: opt(get("locality")),
            town: opt(get("town")),
            county: opt(get("county")),
            postcode: opt(get("postcode")),
            region: opt(get("region")),
            website: opt(get("website")),
            telephone: opt(get("telephone")),
            pupils: int("pupils"),
            capacity: int("capacity"),
            fsm_pct: None,
            trust_code: opt(get("trust_code")),
            trust_name: opt(get("trust_name")),
            easting: int("easting"),
            northing: int("northing"),
            latitude: float("latitude"),
            longitude: float("longitude"),
            ofsted_grade: OfstedGrade::from_gias(get("ofsted")).flatten(),
            ofsted_date: opt(get("ofsted_date")),
            open_date: None,
            close_date: None,
            sixth_form: get("sixth_form") == "1",
        };
        let perf =
            ["ks4_p8", "ks4_att8", "ks4_basics_95", "ks4_ebacc_aps", "ks2_read_prog", "ks2_writ_prog", "ks2_mat_prog"]
                .iter()
                .filter_map(|m| float(m).map(|v| (m.to_string(), v)))
                .collect();
        out.push(DemoSchool { data, member: get("member") == "1", hub: get("hub").to_string(), perf });
    }
    Ok(out)
}

const NATIONAL: &[(&str, f64)] = &[
    ("ks4_p8", -0.03),
    ("ks4_att8", 46.7),
    ("ks4_basics_95", 43.2),
    ("ks4_ebacc_aps", 4.07),
    ("ks2_read_prog", 0.0),
    ("ks2_writ_prog", 0.0),
    ("ks2_mat_prog", 0.0),
];

struct Seeder<'a> {
    tx: Tx,
    who: Who,
    rng: Rng,
    hash: &'a str,
    used_emails: HashMap<String, u32>,
}

impl Seeder<'_> {
    fn name(&mut self) -> (String, String) {
        let f = *self.rng.pick(FIRST);
        let l = *self.rng.pick(LAST);
        (f.to_string(), l.to_string())
    }

    fn email_for(&mut self, first: &str, last: &str) -> String {
        let base = format!("{}.{}", first.to_lowercase(), last.to_lowercase().replace('\'', ""));
        let n = self.used_emails.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 { format!("{base}@schools.example.org") } else { format!("{base}{n}@schools.example.org") }
    }

    async fn person(
        &mut self,
        email: Option<&str>,
        job: &str,
        school: Option<i64>,
        trust: Option<i64>,
    ) -> Result<(i64, String)> {
        let (f, l) = self.name();
        let email = match email {
            Some(e) => e.to_string(),
            None => self.email_for(&f, &l),
        };
        let full = format!("{f} {l}");
        let id = people::create(
            &mut self.tx,
            &self.who,
            &NewPerson {
                email,
                full_name: full.clone(),
                job_title: Some(job.to_string()),
                school_id: school,
                trust_id: trust,
                phone: None,
                status: "active".into(),
                password_hash: Some(self.hash.to_string()),
            },
        )
        .await?;
        Ok((id, full))
    }

    async fn grant(&mut self, person: i64, role: Role, scope: Scope) -> Result<()> {
        let g = Grant::new(role, scope).map_err(|e| anyhow::anyhow!(e))?;
        people::add_grant(&mut self.tx, &self.who, person, g).await?;
        Ok(())
    }
}

/// The Mondays of term-time weeks in the school year starting `start`
/// (September): no half terms, no Christmas or Easter holidays, no August.
pub fn term_mondays(start: chrono::NaiveDate) -> Vec<chrono::NaiveDate> {
    use chrono::Datelike;
    let y = start.year();
    let d = |y: i32, m: u32, day: u32| chrono::NaiveDate::from_ymd_opt(y, m, day).unwrap_or(start);
    let terms = [
        (d(y, 9, 7), d(y, 10, 23)),
        (d(y, 11, 2), d(y, 12, 18)),
        (d(y + 1, 1, 4), d(y + 1, 2, 12)),
        (d(y + 1, 2, 22), d(y + 1, 3, 26)),
        (d(y + 1, 4, 12), d(y + 1, 5, 28)),
        (d(y + 1, 6, 7), d(y + 1, 7, 16)),
    ];
    let mut out = Vec::new();
    for (from, to) in terms {
        let mut day = from;
        while day <= to {
            if day.weekday() == chrono::Weekday::Mon && day + chrono::Days::new(4) <= to {
                out.push(day);
            }
            day = day + chrono::Days::new(1);
        }
    }
    out
}

/// Fill an empty database with the demo partnership.
pub async fn seed(db: &Db) -> Result<()> {
    let started = std::time::Instant::now();
    let list = load()?;
    let hash = upward_web::security::hash_password(PASSWORD).map_err(|m| anyhow::anyhow!(m))?;
    let who = Who::system("demo seeder");
    let mut s = Seeder {
        tx: db.begin().await?,
        who: who.clone(),
        rng: Rng(20_261_124),
        hash: &hash,
        used_emails: HashMap::new(),
    };

    // Hubs, by region.
    let mut hub_region: BTreeMap<String, String> = BTreeMap::new();
    for d in list.iter().filter(|d| d.member) {
        hub_region.entry(d.hub.clone()).or_insert_with(|| d.data.region.clone().unwrap_or_default());
    }
    let mut hub_ids: BTreeMap<String, i64> = BTreeMap::new();
    for (name, region) in &hub_region {
        let desc = format!(
            "The partnership's schools around {}, working together through peer review, visits and shared Areas of Excellence.",
            name.trim_end_matches(" Hub")
        );
        let id = hubs::create(&mut s.tx, &who, name, Some(region), Some(&desc)).await?;
        hub_ids.insert(name.clone(), id);
    }

    // Schools (real records), then the partnership's own facts about members.
    let records: Vec<&SchoolData> = list.iter().map(|d| &d.data).collect();
    let adds: Vec<Change> = list
        .iter()
        .map(|d| {
            Change::new(
                "school.added",
                "school",
                d.data.urn,
                format!("Added {} (URN {}) from the demo data", d.data.name, d.data.urn),
            )
        })
        .collect();
    schools::upsert_records(&mut s.tx, &who, &records, adds).await?;
    let ids: HashMap<i64, (i64, Option<i64>)> = schools::ids_by_urn(&mut s.tx).await?;
    struct Member {
        id: i64,
        urn: i64,
        hub: i64,
        trust: Option<i64>,
        phase: Phase,
        special: bool,
        name: String,
    }
    let mut members: Vec<Member> = Vec::new();
    for d in &list {
        let Some(&(id, trust)) = ids.get(&d.data.urn) else { continue };
        for (m, v) in &d.perf {
            let national = NATIONAL.iter().find(|(n, _)| n == m).map(|(_, v)| *v);
            schools::set_performance(
                &mut s.tx,
                id,
                &Performance {
                    year: "2018/19".into(),
                    measure: m.clone(),
                    pupil_group: "all".into(),
                    value: Some(*v),
                    national,
                },
            )
            .await?;
        }
        if d.member {
            let hub = hub_ids[&d.hub];
            let since = 2011 + s.rng.below(14);
            let m = Membership {
                hub_id: Some(hub),
                membership: "member".into(),
                member_since: Some(format!("{since}-09-01")),
                member_until: None,
                teaching_school: s.rng.chance(8),
            };
            schools::set_membership(&mut s.tx, &who, id, &m).await?;
            members.push(Member {
                id,
                urn: d.data.urn,
                hub,
                trust,
                phase: d.data.phase,
                special: d.data.phase == Phase::Special,
                name: d.data.name.clone(),
            });
        }
    }

    // The shared theme taxonomy (the matching engine's), and Areas of
    // Excellence and challenges, each tagged with it.
    let taxonomy = upward_matching::themes::Taxonomy::default();
    let tagger = upward_matching::themes::Tagger::new(&taxonomy);
    let mut theme_id: HashMap<usize, i64> = HashMap::new();
    for (i, t) in taxonomy.tags().iter().enumerate() {
        theme_id.insert(
            i,
            schools::add_taxonomy_theme(&mut s.tx, &who, &t.id, &t.label, &t.keywords.join("; "), t.weight).await?,
        );
    }
    let tag_of = |text: &str| tagger.tag(text).first().and_then(|m| theme_id.get(&m.tag).copied());
    // Growing the Top: 21 strong secondary schools take the pilot's themes.
    let strong: Vec<usize> = {
        let perf: HashMap<i64, f64> = list
            .iter()
            .filter_map(|d| d.perf.iter().find(|(m, _)| m == "ks4_p8").map(|(_, v)| (d.data.urn, *v)))
            .collect();
        let mut v: Vec<(usize, f64)> = members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.phase == Phase::Secondary)
            .filter_map(|(i, m)| perf.get(&m.urn).map(|p| (i, *p)))
            .filter(|(_, p)| *p > 0.0)
            .collect();
        v.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)));
        v.into_iter().take(21).map(|x| x.0).collect()
    };
    let mut pilot: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut rdr = csv::Reader::from_reader(PILOT_THEMES.as_bytes());
    for rec in rdr.records() {
        let rec = rec?;
        let (school, kind, theme) = (rec[0].to_string(), rec[1].to_string(), rec[2].to_string());
        match pilot.iter_mut().find(|p| p.0 == school) {
            Some(p) => p.1.push((kind, theme)),
            None => pilot.push((school, vec![(kind, theme)])),
        }
    }
    let mut cohort_schools = Vec::new();
    for (k, &mi) in strong.iter().enumerate() {
        let Some((_, themes)) = pilot.get(k) else { break };
        let m = &members[mi];
        for (kind, theme) in themes {
            let year = if kind == "excellence" { Some(2018) } else { None };
            schools::add_theme(&mut s.tx, &who, m.id, kind, tag_of(theme), theme, year).await?;
        }
        cohort_schools.push(m.id);
    }
    for (i, m) in members.iter().enumerate() {
        if strong.contains(&i) {
            continue;
        }
        if s.rng.chance(45) {
            for _ in 0..1 + s.rng.below(2) {
                let text = *s.rng.pick(EXCELLENCE);
                let year = 2019 + s.rng.below(7) as i64;
                schools::add_theme(&mut s.tx, &who, m.id, "excellence", tag_of(text), text, Some(year)).await?;
            }
        }
        if s.rng.chance(70) {
            let text = *s.rng.pick(CHALLENGE);
            schools::add_theme(&mut s.tx, &who, m.id, "challenge", tag_of(text), text, None).await?;
        }
    }
    upward_storage::matching::create_cohort(
        &mut s.tx,
        &who,
        "Growing the Top 2026-27",
        "2026-27",
        3,
        Some(25.0),
        &cohort_schools,
    )
    .await?;

    // The central team and the named demo sign-ins.
    let (admin, _) = s.person(Some(SIGN_INS[0].1), "Director of Programmes", None, None).await?;
    s.grant(admin, Role::Admin, Scope::Global).await?;
    let (pm, _) = s.person(Some(SIGN_INS[1].1), "Programme Manager, QA Review", None, None).await?;
    s.grant(pm, Role::ProgrammeManager, Scope::Global).await?;
    for _ in 0..3 {
        let (p, _) = s.person(None, "Programme Manager", None, None).await?;
        s.grant(p, Role::ProgrammeManager, Scope::Global).await?;
    }

    // Leaders of every member school; Hub leaders are headteachers of one
    // of their Hub's schools.
    let first_hub = *hub_ids.values().next().context("no Hubs in the demo data")?;
    let mut heads: HashMap<i64, i64> = HashMap::new();
    let mut staff: Vec<(i64, usize)> = Vec::new(); // (person, member index)
    let named_head_school = members.iter().position(|m| m.hub == first_hub).unwrap_or(0);
    for (i, m) in members.iter().enumerate() {
        let (head_email, sl_email) =
            if i == named_head_school { (Some(SIGN_INS[4].1), Some(SIGN_INS[5].1)) } else { (None, None) };
        let (head, _) = s
            .person(
                head_email,
                if m.special { "Headteacher (special school)" } else { "Headteacher" },
                Some(m.id),
                m.trust,
            )
            .await?;
        s.grant(head, Role::SchoolLeader, Scope::School(m.id)).await?;
        heads.insert(m.id, head);
        staff.push((head, i));
        let job = *s.rng.pick(&[
            "Deputy Headteacher",
            "Assistant Headteacher",
            "Head of Maths",
            "SENCO",
            "Director of Sixth Form",
        ]);
        let (sl, _) = s.person(sl_email, job, Some(m.id), m.trust).await?;
        s.grant(sl, Role::SchoolLeader, Scope::School(m.id)).await?;
        staff.push((sl, i));
    }
    for (name, &hub) in &hub_ids {
        let in_hub: Vec<&Member> = members.iter().filter(|m| m.hub == hub).collect();
        // The Senior Partner leads the last school of the Hub (the named
        // headteacher sign-in leads the first, and is only a headteacher).
        let Some(lead) = in_hub.last() else { continue };
        let sp = heads[&lead.id];
        s.grant(sp, Role::SeniorPartner, Scope::Hub(hub)).await?;
        let email = if hub == first_hub { Some(SIGN_INS[3].1) } else { None };
        let (hm, _) = s.person(email, &format!("Hub Manager, {name}"), Some(lead.id), lead.trust).await?;
        s.grant(hm, Role::HubManager, Scope::Hub(hub)).await?;
    }
    // The named Senior Partner: a second SP of the first Hub.
    let first_school = &members[named_head_school];
    let (sp, _) =
        s.person(Some(SIGN_INS[2].1), "Executive Headteacher", Some(first_school.id), first_school.trust).await?;
    s.grant(sp, Role::SeniorPartner, Scope::Hub(first_hub)).await?;

    // Trust executives for trusts with member schools.
    let mut trusts: BTreeMap<i64, usize> = BTreeMap::new();
    for m in &members {
        if let Some(t) = m.trust {
            *trusts.entry(t).or_default() += 1;
        }
    }
    let mut named_exec = false;
    for (&t, &n) in &trusts {
        if n < 2 && named_exec {
            continue;
        }
        let email = if !named_exec && n >= 2 { Some(SIGN_INS[6].1) } else { None };
        if email.is_none() && n < 2 {
            continue;
        }
        named_exec |= email.is_some();
        let (p, _) = s.person(email, "Chief Executive Officer", None, Some(t)).await?;
        s.grant(p, Role::TrustExecutive, Scope::Trust(t)).await?;
    }

    // Pools: trained reviewers, Lead Reviewers, facilitators.
    let today = db.clock().today();
    let mut reviewers: Vec<(i64, usize)> = Vec::new();
    let mut leads: Vec<(i64, usize, bool)> = Vec::new();
    for &(p, i) in &staff {
        let m = &members[i];
        let roll = s.rng.below(100);
        let phase_spec = if m.special {
            "Special (ASC)"
        } else if m.phase == Phase::Primary {
            "Primary"
        } else {
            "Secondary"
        };
        if roll < 45 {
            people::set_pool(
                &mut s.tx,
                &who,
                p,
                "reviewer",
                "active",
                Some(&format!("{}-10-01", 2016 + s.rng.below(9))),
                None,
                Some(4),
            )
            .await?;
            s.grant(p, Role::Reviewer, Scope::Global).await?;
            reviewers.push((p, i));
        }
        if roll < 5 {
            let min = if m.special { 3 } else { 6 };
            people::set_pool(
                &mut s.tx,
                &who,
                p,
                "lead_reviewer",
                "active",
                Some(&format!("{}-01-15", 2014 + s.rng.below(10))),
                Some(min),
                Some(10),
            )
            .await?;
            s.grant(p, Role::LeadReviewer, Scope::Global).await?;
            leads.push((p, i, m.special));
        }
        if (5..10).contains(&roll) {
            people::set_pool(
                &mut s.tx,
                &who,
                p,
                "facilitator",
                "active",
                Some(&format!("{}-09-01", 2018 + s.rng.below(7))),
                None,
                Some(2),
            )
            .await?;
            s.grant(p, Role::Facilitator, Scope::Global).await?;
            // Some days they cannot do (for facilitator matching).
            let days: Vec<String> = (0..4)
                .map(|_| {
                    let d = chrono::NaiveDate::from_ymd_opt(2027, 1, 11).unwrap_or_default()
                        + chrono::Days::new(s.rng.below(180) as u64);
                    d.format("%Y-%m-%d").to_string()
                })
                .collect();
            upward_storage::matching::add_unavailable(&mut s.tx, &who, p, &days).await?;
        }
        if roll < 50 {
            let mut sp: Vec<String> = vec![phase_spec.to_string()];
            if m.special {
                sp.push((*s.rng.pick(&["Special (SEMH)", "Special (PMLD)", "SEND"])).to_string());
            }
            sp.push((*s.rng.pick(SPECIALISMS)).to_string());
            if roll < 5 {
                sp.push("Ofsted experience".into());
            }
            sp.sort();
            sp.dedup();
            people::set_specialisms(&mut s.tx, &who, p, &sp).await?;
            let region = upward_domain::school::REGIONS[s.rng.below(upward_domain::school::REGIONS.len())].to_string();
            people::set_regions(&mut s.tx, &who, p, &[region]).await?;
            let checked = today - chrono::Days::new(30 + s.rng.below(1000) as u64);
            people::set_safeguarding(
                &mut s.tx,
                &who,
                p,
                &Safeguarding {
                    dbs_checked_on: Some(checked.format("%Y-%m-%d").to_string()),
                    dbs_certificate: Some(format!("00{:010}", s.rng.next() % 10_000_000_000)),
                    trained_on: Some(format!("{}-10-01", 2016 + s.rng.below(9))),
                },
            )
            .await?;
        }
    }
    // Named pool members, at schools of the second Hub.
    let second: Vec<usize> =
        members.iter().enumerate().filter(|(_, m)| m.hub != first_hub).map(|(i, _)| i).take(3).collect();
    for (k, (email, job, pool, role)) in [
        (SIGN_INS[7].1, "Executive Headteacher", "lead_reviewer", Role::LeadReviewer),
        (SIGN_INS[8].1, "Deputy Headteacher", "reviewer", Role::Reviewer),
        (SIGN_INS[9].1, "Headteacher", "facilitator", Role::Facilitator),
    ]
    .into_iter()
    .enumerate()
    {
        let m = &members[second[k.min(second.len() - 1)]];
        let (p, _) = s.person(Some(email), job, Some(m.id), m.trust).await?;
        people::set_pool(
            &mut s.tx,
            &who,
            p,
            pool,
            "active",
            Some("2021-10-01"),
            if pool == "lead_reviewer" { Some(6) } else { None },
            Some(8),
        )
        .await?;
        if pool != "reviewer" {
            people::set_pool(&mut s.tx, &who, p, "reviewer", "active", Some("2019-10-01"), None, Some(4)).await?;
            s.grant(p, Role::Reviewer, Scope::Global).await?;
        }
        s.grant(p, role, Scope::Global).await?;
        people::set_specialisms(&mut s.tx, &who, p, &["Ofsted experience".to_string(), "Secondary".to_string()])
            .await?;
        people::set_safeguarding(
            &mut s.tx,
            &who,
            p,
            &Safeguarding {
                dbs_checked_on: Some("2025-09-01".into()),
                dbs_certificate: Some("001234567890".into()),
                trained_on: Some("2021-10-01".into()),
            },
        )
        .await?;
        match pool {
            "lead_reviewer" => leads.insert(0, (p, second[k.min(second.len() - 1)], false)),
            _ => reviewers.insert(0, (p, second[k.min(second.len() - 1)])),
        }
    }
    // A few declared conflicts of interest (a spouse works there, a former school).
    for k in 0..reviewers.len() / 20 {
        let (p, _) = reviewers[(k * 20 + 7) % reviewers.len()];
        let m = &members[s.rng.below(members.len())];
        upward_storage::matching::add_conflict(&mut s.tx, &who, p, m.id, Some("declared by the reviewer")).await?;
    }
    let (applicant, _) =
        s.person(Some(SIGN_INS[10].1), "Assistant Headteacher", Some(members[0].id), members[0].trust).await?;
    s.grant(applicant, Role::Applicant, Scope::Global).await?;
    let (shortlister, _) = s.person(Some(SIGN_INS[11].1), "Associate, central team", None, None).await?;
    s.grant(shortlister, Role::Shortlister, Scope::Global).await?;

    // Review cycles: last year's reviews done, this year's booked; teams for
    // the reviews up to four weeks ahead (the rest await matching).
    let last = programmes::create_cycle(&mut s.tx, &who, "2025-26", "2025-09-01", "2026-07-31").await?;
    let this = programmes::create_cycle(&mut s.tx, &who, "2026-27", "2026-09-01", "2027-07-31").await?;
    // Reviews run Monday–Wednesday or Wednesday–Friday in term time.
    let week_of = |rng: &mut Rng, cycle_start: chrono::NaiveDate| -> (chrono::NaiveDate, chrono::NaiveDate) {
        let mondays = term_mondays(cycle_start);
        let monday = mondays[rng.below(mondays.len())];
        if rng.chance(50) {
            (monday, monday + chrono::Days::new(2))
        } else {
            (monday + chrono::Days::new(2), monday + chrono::Days::new(4))
        }
    };
    let start_last = chrono::NaiveDate::from_ymd_opt(2025, 9, 1).context("date")?;
    let start_this = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).context("date")?;
    let horizon = today + chrono::Days::new(28);
    let named_lead = leads.first().map(|l| l.0);
    let named_reviewer = reviewers.first().map(|r| r.0);
    let mut n_reviews = 0;
    for (idx, m) in members.iter().enumerate() {
        for (cycle, start, share) in [(last, start_last, 70), (this, start_this, 85)] {
            if !s.rng.chance(share) {
                continue;
            }
            let (from, to) = week_of(&mut s.rng, start);
            let status = if to < today {
                ReviewStatus::Released
            } else if from <= today {
                ReviewStatus::InProgress
            } else {
                ReviewStatus::Booked
            };
            let places = if m.special { 2 } else { 2 + s.rng.below(2) as i64 };
            let focus = if s.rng.chance(30) { Some("Engagement and Inclusion") } else { None };
            let fs = from.format("%Y-%m-%d").to_string();
            let ts = to.format("%Y-%m-%d").to_string();
            let rid = programmes::create_review(
                &mut s.tx,
                &who,
                &NewReview {
                    cycle_id: cycle,
                    kind: ReviewKind::Qa,
                    school_id: m.id,
                    starts_on: &fs,
                    ends_on: &ts,
                    status,
                    peer_places: places,
                    focus,
                },
            )
            .await?;
            n_reviews += 1;
            if from > horizon {
                continue;
            }
            // A team: a Lead Reviewer (special-school expertise for special
            // schools) and peers from other schools.
            let lead = leads
                .iter()
                .filter(|(_, i, sp)| members[*i].id != m.id && (!m.special || *sp))
                .nth(s.rng.below(5))
                .or_else(|| leads.iter().find(|(_, i, _)| members[*i].id != m.id))
                .map(|l| l.0);
            let Some(lead) = lead else { continue };
            let lead = if idx % 40 == 0 { named_lead.unwrap_or(lead) } else { lead };
            programmes::add_team_member(&mut s.tx, &who, rid, lead, "lead").await?;
            let mut used = vec![lead];
            let mut tries = 0;
            while (used.len() as i64) <= places && tries < 50 {
                tries += 1;
                let (p, i) = reviewers[s.rng.below(reviewers.len())];
                let p = if idx % 40 == 1 && used.len() == 1 { named_reviewer.unwrap_or(p) } else { p };
                if used.contains(&p) || members[i].id == m.id {
                    continue;
                }
                programmes::add_team_member(&mut s.tx, &who, rid, p, "peer").await?;
                used.push(p);
            }
        }
        let _ = m.urn;
        let _ = &m.name;
    }

    // Events.
    let ts = |d: chrono::NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).map(|t| t.and_utc().timestamp()).unwrap_or(0);
    let d1 = today + chrono::Days::new(16);
    let d2 = today + chrono::Days::new(45);
    let e1 = programmes::create_event(
        &mut s.tx,
        &who,
        "Peer reviewer training (new reviewers)",
        "training",
        ts(d1, 9),
        ts(d1, 16),
        Some("London"),
        Some("A day's training for senior leaders new to QA Review."),
        Some(40),
    )
    .await?;
    let e2 = programmes::create_event(
        &mut s.tx,
        &who,
        "Growing the Top: cohort launch",
        "cohort",
        ts(d2, 10),
        ts(d2, 15),
        Some("Birmingham"),
        Some("Meet your trio and your facilitator."),
        Some(80),
    )
    .await?;
    for &(p, _) in reviewers.iter().take(30) {
        programmes::register(&mut s.tx, &who, e1, p).await?;
    }
    for &(p, _) in staff.iter().step_by(9).take(40) {
        programmes::register(&mut s.tx, &who, e2, p).await?;
    }

    s.tx.commit().await?;
    eprintln!(
        "Demo partnership ready: {} establishments, {} member schools in {} Hubs, {} reviews, in {:.1} s.",
        list.len(),
        members.len(),
        hub_ids.len(),
        n_reviews,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Datelike;

    #[test]
    fn reviews_fall_in_term_time() {
        let start = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
        let m = term_mondays(start);
        assert!(m.len() > 30, "about 35 teaching weeks, got {}", m.len());
        assert!(m.iter().all(|d| d.weekday() == chrono::Weekday::Mon));
        assert!(!m.iter().any(|d| d.month() == 8), "no August");
        assert!(
            !m.iter().any(|d| (d.month() == 12 && d.day() > 18) || (d.month() == 1 && d.day() < 4)),
            "no Christmas"
        );
        assert!(m.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn the_demo_data_loads() {
        let list = load().unwrap();
        assert!(list.len() > 2000);
        assert_eq!(list.iter().filter(|d| d.member).count(), 480);
        let hubs: std::collections::BTreeSet<&str> = list.iter().filter(|d| d.member).map(|d| d.hub.as_str()).collect();
        assert!((25..=35).contains(&hubs.len()));
        assert!(list.iter().filter(|d| d.member).all(|d| !d.hub.is_empty()));
    }
}
