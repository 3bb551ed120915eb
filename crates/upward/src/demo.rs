//! The demo partnership: real schools (from the public GIAS-derived records
//! in `demo/schools.csv`, built by scripts/build-demo-data.py), grouped into
//! Hubs, with invented people in every role, review cycles, Areas of
//! Excellence and events. Deterministic: the same data every time.

use anyhow::{Context, Result};
use std::collections::{BTreeMap, HashMap};
use upward_domain::ids::{CohortId, SchoolId};
use upward_domain::reviews::{ReviewKind, ReviewStatus, TeamRole};
use upward_domain::roles::{Grant, Role, Scope};
use upward_domain::school::{Admissions, Gender, OfstedGrade, Phase, SchoolData, SchoolStatus, TypeGroup};
use upward_domain::workflow::PersonStatus;
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
                status: PersonStatus::Active,
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

/// A member school, as the seeder needs it.
struct Member {
    id: i64,
    urn: i64,
    hub: i64,
    trust: Option<i64>,
    phase: Phase,
    special: bool,
    name: String,
    location: Option<(f64, f64)>,
    single_sex: bool,
    selective: bool,
}

/// A pool member as matching will read them (see
/// `upward_web::services::matching::teams_input`): their school (and so
/// trust), whether they lead and have special-school expertise, the fewest
/// and most reviews a year, and the schools they declared a conflict with.
struct Pooled {
    id: i64,
    member: usize,
    can_lead: bool,
    special: bool,
    min: u32,
    max: u32,
    conflicts: Vec<i64>,
}

/// A facilitator and the days they cannot do.
struct Facil {
    id: i64,
    member: usize,
    unavailable: Vec<String>,
}

/// A review as booked: its host (index in the members) and first day.
struct Booked {
    id: i64,
    member: usize,
    cycle: usize,
    from: chrono::NaiveDate,
    places: usize,
}

fn date(y: i32, m: u32, d: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn iso(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The year the school year containing `today` began (September).
pub fn school_year_start(today: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    if today.month() >= 9 { today.year() } else { today.year() - 1 }
}

/// "2026-27".
pub fn year_name(start: i32) -> String {
    format!("{start}-{:02}", (start + 1).rem_euclid(100))
}

fn mix(a: i64, b: i64) -> u64 {
    let mut z = (a as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (b as u64).rotate_left(29);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 31)
}

/// Teams for these reviews that keep every hard rule of the matching
/// engine: a Lead Reviewer for each (with special-school expertise for a
/// special school), nobody from the host school or its trust, nobody with a
/// declared conflict or who reviewed the school last cycle, nobody on two
/// reviews in a week, at most their most reviews a year, at most one person
/// per school in a team. Loads are even (Lead Reviewers below their fewest
/// first); the named Lead Reviewer and reviewer take reviews coming up.
/// Returns (review, lead, peers).
fn choose_teams(
    todo: &[&Booked],
    members: &[Member],
    pooled: &[Pooled],
    history: &[(i64, i64)],
    named: [i64; 2],
    today: chrono::NaiveDate,
) -> Vec<(i64, Option<i64>, Vec<i64>)> {
    use chrono::Datelike;
    use std::collections::HashSet;
    let history: HashSet<(i64, i64)> = history.iter().copied().collect();
    let mut todo = todo.to_vec();
    todo.sort_by_key(|b| (!members[b.member].special, b.from, b.id));
    let mut load: HashMap<i64, u32> = HashMap::new();
    let mut busy: HashSet<(i64, i32, u32)> = HashSet::new();
    let mut named_soon = [0u32; 2];
    let mut out = Vec::with_capacity(todo.len());
    for b in todo {
        let host = &members[b.member];
        let w = b.from.iso_week();
        let week = (w.year(), w.week());
        let soon = b.from >= today;
        let allowed = |p: &Pooled, load: &HashMap<i64, u32>, busy: &HashSet<(i64, i32, u32)>| {
            let at = &members[p.member];
            let same_trust = at.trust.is_some() && at.trust == host.trust;
            let excluded = at.id == host.id
                || same_trust
                || p.conflicts.contains(&host.id)
                || history.contains(&(p.id, host.id))
                || busy.contains(&(p.id, week.0, week.1));
            !excluded && load.get(&p.id).copied().unwrap_or(0) < p.max
        };
        let lead = pooled
            .iter()
            .filter(|p| p.can_lead && (!host.special || p.special) && allowed(p, &load, &busy))
            .min_by_key(|p| {
                let first = soon && p.id == named[0] && named_soon[0] < 2;
                let l = load.get(&p.id).copied().unwrap_or(0) as i64;
                (!first, l - p.min as i64, mix(p.id, b.id))
            })
            .map(|p| (p.id, members[p.member].id));
        let mut schools = vec![host.id];
        if let Some((l, school)) = lead {
            *load.entry(l).or_default() += 1;
            busy.insert((l, week.0, week.1));
            schools.push(school);
            if l == named[0] && soon {
                named_soon[0] += 1;
            }
        }
        let mut peers = vec![];
        for _ in 0..b.places {
            let pick = pooled
                .iter()
                .filter(|p| !p.can_lead && allowed(p, &load, &busy) && !schools.contains(&members[p.member].id))
                .min_by_key(|p| {
                    let first = soon && p.id == named[1] && named_soon[1] < 2;
                    let l = load.get(&p.id).copied().unwrap_or(0);
                    (!first, l * 1000 / p.max.max(1), mix(p.id, b.id))
                })
                .map(|p| (p.id, members[p.member].id));
            let Some((p, school)) = pick else { break };
            *load.entry(p).or_default() += 1;
            busy.insert((p, week.0, week.1));
            schools.push(school);
            if p == named[1] && soon {
                named_soon[1] += 1;
            }
            peers.push(p);
        }
        out.push((b.id, lead.map(|l| l.0), peers));
    }
    out
}

/// Trios of these schools that keep Growing the Top's hard rules (at least
/// 25 km apart, at most one single-sex or selective school a group),
/// checked by the engine's own evaluation.
fn form_groups(schools: &[usize], members: &[Member], rng: &mut Rng) -> Result<Vec<Vec<usize>>> {
    use upward_matching::groups::{self, Grouping, PhaseRules, Rules, School, SchoolInstance, Weights};
    let n_groups = schools.len() / 3;
    let far = |a: usize, b: usize| match (members[a].location, members[b].location) {
        (Some((la, lo)), Some((lb, lob))) => {
            upward_matching::reviews::LatLon { lat: la, lon: lo }
                .distance_km(upward_matching::reviews::LatLon { lat: lb, lon: lob })
                >= 25.0
        }
        _ => true,
    };
    let restricted = |i: usize| members[i].single_sex || members[i].selective;
    let inst = SchoolInstance::new(
        schools
            .iter()
            .map(|&i| {
                let mut x = School::new(i.to_string(), members[i].name.clone(), groups::Phase::Secondary);
                x.location = members[i].location;
                x.single_sex = members[i].single_sex;
                x.selective = members[i].selective;
                x
            })
            .collect(),
        upward_matching::themes::Taxonomy::default(),
        Rules {
            min_km: 25.0,
            group_size: 3,
            phases: PhaseRules::default(),
            max_restricted: 1,
            together: vec![],
            apart: vec![],
        },
        Weights::default(),
    )
    .map_err(|e| anyhow::anyhow!("demo groups: {e}"))?;
    for _ in 0..500 {
        let mut order: Vec<usize> = schools.to_vec();
        for k in (1..order.len()).rev() {
            order.swap(k, rng.below(k + 1));
        }
        let mut groups: Vec<Vec<usize>> = vec![vec![]; n_groups];
        let mut placed = true;
        for &i in &order {
            let fits = |g: &Vec<usize>| {
                g.len() < 3 && g.iter().all(|&j| far(i, j)) && (!restricted(i) || !g.iter().any(|&j| restricted(j)))
            };
            match groups.iter_mut().filter(|g| fits(g)).min_by_key(|g| g.len()) {
                Some(g) => g.push(i),
                None => {
                    placed = false;
                    break;
                }
            }
        }
        if !placed {
            continue;
        }
        let positions = |g: &Vec<usize>| g.iter().filter_map(|i| schools.iter().position(|x| x == i)).collect();
        let grouping = Grouping { groups: groups.iter().map(positions).collect() };
        if groups::evaluate(&inst, &grouping).violations.is_empty() {
            return Ok(groups);
        }
    }
    Err(anyhow::anyhow!("the demo's past Growing the Top cohort could not be grouped within the rules"))
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
                location: d.data.latitude.zip(d.data.longitude),
                single_sex: matches!(d.data.gender, Gender::Boys | Gender::Girls),
                selective: d.data.admissions == Admissions::Selective,
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
    // Growing the Top: 21 strong secondary schools take the pilot's themes
    // (this year's cohort); the next 21 were last year's.
    let ranked: Vec<usize> = {
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
        v.into_iter().map(|x| x.0).collect()
    };
    let strong: Vec<usize> = ranked.iter().take(21).copied().collect();
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
    let this_year = school_year_start(db.clock().today());
    upward_storage::matching::create_cohort(
        &mut s.tx,
        &who,
        &format!("Growing the Top {}", year_name(this_year)),
        &year_name(this_year),
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

    // Pools: trained reviewers, Lead Reviewers, facilitators. What matching
    // reads about each pool member is kept here too (`Pooled`), so that the
    // teams seeded below keep the engine's own rules.
    let today = db.clock().today();
    let year = school_year_start(today);
    let mut pooled: Vec<Pooled> = Vec::new();
    let mut facilitators: Vec<Facil> = Vec::new();
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
        }
        let lead_min = if m.special { 3 } else { 6 };
        if roll < 5 {
            people::set_pool(
                &mut s.tx,
                &who,
                p,
                "lead_reviewer",
                "active",
                Some(&format!("{}-01-15", 2014 + s.rng.below(10))),
                Some(lead_min),
                Some(10),
            )
            .await?;
            s.grant(p, Role::LeadReviewer, Scope::Global).await?;
        }
        let mut unavailable = vec![];
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
            unavailable = (0..4)
                .map(|_| {
                    let d = date(year + 1, 1, 11) + chrono::Days::new(s.rng.below(180) as u64);
                    d.format("%Y-%m-%d").to_string()
                })
                .collect();
            upward_storage::matching::add_unavailable(&mut s.tx, &who, p, &unavailable).await?;
        }
        let mut special_expertise = false;
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
            special_expertise = sp.iter().any(|x| x.to_ascii_lowercase().starts_with("special"));
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
        if roll < 45 {
            let lead = roll < 5;
            pooled.push(Pooled {
                id: p,
                member: i,
                can_lead: lead,
                special: special_expertise,
                min: if lead { lead_min as u32 } else { 0 },
                max: if lead { 10 } else { 4 },
                conflicts: vec![],
            });
        }
        if (5..10).contains(&roll) {
            facilitators.push(Facil { id: p, member: i, unavailable });
        }
    }
    // Named pool members, at schools of the second Hub.
    let second: Vec<usize> =
        members.iter().enumerate().filter(|(_, m)| m.hub != first_hub).map(|(i, _)| i).take(3).collect();
    let mut named = [0i64; 3];
    for (k, (email, job, pool, role)) in [
        (SIGN_INS[7].1, "Executive Headteacher", "lead_reviewer", Role::LeadReviewer),
        (SIGN_INS[8].1, "Deputy Headteacher", "reviewer", Role::Reviewer),
        (SIGN_INS[9].1, "Headteacher", "facilitator", Role::Facilitator),
    ]
    .into_iter()
    .enumerate()
    {
        let mi = second[k.min(second.len() - 1)];
        let m = &members[mi];
        let (p, _) = s.person(Some(email), job, Some(m.id), m.trust).await?;
        named[k] = p;
        let (min, max) = match pool {
            "lead_reviewer" => (Some(6), Some(8)),
            "facilitator" => (None, Some(2)),
            _ => (None, Some(4)),
        };
        people::set_pool(&mut s.tx, &who, p, pool, "active", Some("2021-10-01"), min, max).await?;
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
                dbs_checked_on: Some((today - chrono::Days::new(460)).format("%Y-%m-%d").to_string()),
                dbs_certificate: Some("001234567890".into()),
                trained_on: Some("2021-10-01".into()),
            },
        )
        .await?;
        // Matching reads the largest minimum and maximum of a person's
        // reviewer and Lead Reviewer pools.
        let (min, max) = if pool == "lead_reviewer" { (6, 8) } else { (0, 4) };
        pooled.insert(
            0,
            Pooled {
                id: p,
                member: mi,
                can_lead: pool == "lead_reviewer",
                special: false,
                min,
                max,
                conflicts: vec![],
            },
        );
        if pool == "facilitator" {
            facilitators.insert(0, Facil { id: p, member: mi, unavailable: vec![] });
        }
    }
    // A few declared conflicts of interest (a spouse works there, a former school).
    let reviewers_only: Vec<usize> = (0..pooled.len()).filter(|&k| !pooled[k].can_lead).collect();
    for k in 0..reviewers_only.len() / 20 {
        let pk = reviewers_only[(k * 20 + 7) % reviewers_only.len()];
        let m = &members[s.rng.below(members.len())];
        upward_storage::matching::add_conflict(&mut s.tx, &who, pooled[pk].id, m.id, Some("declared by the reviewer"))
            .await?;
        pooled[pk].conflicts.push(m.id);
    }
    let (applicant, _) =
        s.person(Some(SIGN_INS[10].1), "Assistant Headteacher", Some(members[0].id), members[0].trust).await?;
    s.grant(applicant, Role::Applicant, Scope::Global).await?;
    let (shortlister, _) = s.person(Some(SIGN_INS[11].1), "Associate, central team", None, None).await?;
    s.grant(shortlister, Role::Shortlister, Scope::Global).await?;

    // Review cycles: last school year's reviews done, this year's booked,
    // both relative to today; teams for the reviews up to four weeks ahead
    // (the rest await matching).
    let (last_start, this_start) = (date(year - 1, 9, 1), date(year, 9, 1));
    let last =
        programmes::create_cycle(&mut s.tx, &who, &year_name(year - 1), &iso(last_start), &iso(date(year, 7, 31)))
            .await?;
    let this =
        programmes::create_cycle(&mut s.tx, &who, &year_name(year), &iso(this_start), &iso(date(year + 1, 7, 31)))
            .await?;
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
    let horizon = today + chrono::Days::new(28);
    let mut booked: Vec<Booked> = Vec::new();
    for (idx, m) in members.iter().enumerate() {
        for (cycle, (cycle_id, start, share)) in
            [(last, last_start, 70), (this, this_start, 85)].into_iter().enumerate()
        {
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
            let (fs, ts) = (iso(from), iso(to));
            let rid = programmes::create_review(
                &mut s.tx,
                &who,
                &NewReview {
                    cycle_id,
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
            booked.push(Booked { id: rid, member: idx, cycle, from, places: places as usize });
        }
    }
    let n_reviews = booked.len();
    // Teams, as matching would make them: every hard rule kept (see
    // `choose_teams`), loads even, the named Lead Reviewer and reviewer on
    // reviews coming up soon.
    let mut history: Vec<(i64, i64)> = Vec::new();
    for cycle in 0..2 {
        let todo: Vec<&Booked> = booked.iter().filter(|b| b.cycle == cycle && b.from <= horizon).collect();
        let teams = choose_teams(&todo, &members, &pooled, &history, [named[0], named[1]], today);
        for (b, lead, peers) in &teams {
            if let Some(l) = lead {
                programmes::add_team_member(&mut s.tx, &who, *b, *l, TeamRole::Lead).await?;
            }
            for p in peers {
                programmes::add_team_member(&mut s.tx, &who, *b, *p, TeamRole::Peer).await?;
            }
            let host = members[booked.iter().find(|x| x.id == *b).map(|x| x.member).unwrap_or(0)].id;
            history.extend(lead.iter().chain(peers.iter()).map(|p| (*p, host)));
        }
        if cycle == 0 {
            // A commitment is what the person did: a Lead Reviewer the past
            // year could not give their minimum to commits to what they did.
            let mut load: HashMap<i64, u32> = HashMap::new();
            for (_, lead, peers) in &teams {
                for p in lead.iter().chain(peers.iter()) {
                    *load.entry(*p).or_default() += 1;
                }
            }
            for p in pooled.iter_mut().filter(|p| p.can_lead) {
                let done = load.get(&p.id).copied().unwrap_or(0);
                if done < p.min {
                    p.min = done;
                    let max = if p.id == named[0] { 8 } else { 10 };
                    let since = format!("{}-01-15", year - 3);
                    people::set_pool(
                        &mut s.tx,
                        &who,
                        p.id,
                        "lead_reviewer",
                        "active",
                        Some(&since),
                        Some(done as i64),
                        Some(max),
                    )
                    .await?;
                }
            }
        }
    }

    // Growing the Top: last year's cohort, grouped in trios that keep the
    // engine's rules, with a visit day at each school and a facilitator.
    let mut past: Vec<usize> =
        ranked.iter().skip(21).copied().filter(|&i| members[i].location.is_some()).take(21).collect();
    past.truncate(past.len() / 3 * 3);
    let past_cohort = upward_storage::matching::create_cohort(
        &mut s.tx,
        &who,
        &format!("Growing the Top {}", year_name(year - 1)),
        &year_name(year - 1),
        3,
        Some(25.0),
        &past.iter().map(|&i| members[i].id).collect::<Vec<_>>(),
    )
    .await?;
    let groups = form_groups(&past, &members, &mut s.rng)?;
    let mondays: Vec<chrono::NaiveDate> = term_mondays(last_start)
        .into_iter()
        .filter(|d| chrono::Datelike::year(d) == year && chrono::Datelike::month(d) <= 6)
        .collect();
    // (schools, visits: (host, date))
    type Planned = (Vec<i64>, Vec<(i64, String)>);
    let mut planned: Vec<Planned> = Vec::new();
    for (g, group) in groups.iter().enumerate() {
        let visits = group
            .iter()
            .enumerate()
            .map(|(k, &i)| {
                let monday = mondays[(k * 7 + g * 2) % mondays.len()];
                (members[i].id, iso(monday + chrono::Days::new(1 + (g % 3) as u64)))
            })
            .collect();
        planned.push((group.iter().map(|&i| members[i].id).collect(), visits));
    }
    let fac_groups: Vec<upward_matching::facilitators::Group> = planned
        .iter()
        .enumerate()
        .map(|(g, (schools, visits))| upward_matching::facilitators::Group {
            id: g.to_string(),
            schools: schools
                .iter()
                .map(|id| upward_matching::facilitators::GroupSchool {
                    id: id.to_string(),
                    location: members
                        .iter()
                        .find(|m| m.id == *id)
                        .and_then(|m| m.location)
                        .map(|(lat, lon)| upward_matching::reviews::LatLon { lat, lon }),
                })
                .collect(),
            visit_dates: visits.iter().map(|v| v.1.clone()).collect(),
            phase: Some("secondary".into()),
            context: vec![],
        })
        .collect();
    let all_dates: Vec<String> = fac_groups.iter().flat_map(|g| g.visit_dates.clone()).collect();
    let fac_people: Vec<upward_matching::facilitators::Facilitator> = facilitators
        .iter()
        .map(|f| upward_matching::facilitators::Facilitator {
            id: f.id.to_string(),
            school: Some(members[f.member].id.to_string()),
            eligible: true,
            available: all_dates.iter().filter(|d| !f.unavailable.contains(d)).cloned().collect(),
            max_groups: 2,
            phase: Some(members[f.member].phase.code().to_string()),
            context: vec![],
            location: members[f.member].location.map(|(lat, lon)| upward_matching::reviews::LatLon { lat, lon }),
            travel_limit_km: None,
        })
        .collect();
    let chosen = upward_matching::facilitators::assign(
        &fac_groups,
        &fac_people,
        &upward_matching::facilitators::FacWeights::default(),
    )
    .map_err(|e| anyhow::anyhow!("demo facilitators: {e}"))?;
    for (g, (schools, visits)) in planned.iter().enumerate() {
        let facilitator = chosen
            .assignment
            .iter()
            .find(|a| a.group == g.to_string())
            .and_then(|a| a.facilitator.as_deref())
            .and_then(|f| f.parse::<i64>().ok());
        let group = upward_storage::matching::NewGroup {
            name: format!("Group {}", g + 1),
            schools: schools.iter().map(|&id| SchoolId(id)).collect(),
            visits: visits.iter().map(|(host, day)| (SchoolId(*host), day.clone())).collect(),
        };
        upward_storage::matching::add_group(&mut s.tx, &who, CohortId(past_cohort), &group, facilitator).await?;
    }

    // Events.
    // Times of day in England (GMT or BST as the date needs).
    let ts = |d: chrono::NaiveDate, h: u32| d.and_hms_opt(h, 0, 0).map(upward_domain::clock::from_london).unwrap_or(0);
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
    for p in pooled.iter().filter(|p| !p.can_lead).take(30) {
        programmes::register(&mut s.tx, &who, e1, p.id).await?;
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

/// Every hard rule of the matching engine that the partnership's reviews,
/// groups and visits as stored break, in words (empty when none). Run over
/// the seeded demo by the tests: the demo obeys its own rules.
///
/// Each cycle's reviews (whatever their status) and teams are re-checked by
/// the engine's checker (`reviews::rescore`), with the people built as
/// `services::matching::teams_input` builds them; the fewest reviews a year
/// counts only for a school year that has ended. Each cohort's groups are
/// evaluated by `groups::evaluate`, and their facilitators checked by
/// `facilitators::check` (eligible, available on every visit day, not from
/// a school of the group, at most two groups); every visit is on a weekday.
pub async fn broken_rules(db: &Db) -> Result<Vec<String>> {
    use chrono::{Datelike, NaiveDate};
    use upward_matching::reviews::{self, Assignment, Cycle, LatLon, Person, Review, Rule, Team};
    use upward_storage::matching as store;
    let today = db.clock().today();
    let dbs_ok = |d: &Option<String>| upward_web::services::matching::dbs_in_date(d.as_deref(), today);
    let week_of = |iso: &str| {
        NaiveDate::parse_from_str(iso, "%Y-%m-%d")
            .map(|d| d.iso_week().year() * 100 + d.iso_week().week() as i32)
            .unwrap_or(0)
    };
    let mut out = Vec::new();
    let cycles = store::cycles(db).await?;
    for (pos, c) in cycles.iter().enumerate() {
        let (cycle_id, name, ends_on) = (c.id, &c.name, &c.ends_on);
        let ended = ends_on.as_str() < iso(today).as_str();
        let seeded = programmes::cycle_reviews(db, cycle_id).await?;
        let candidates = store::candidates(db, Some(cycle_id)).await?;
        let index: HashMap<&str, usize> = cycles.iter().enumerate().map(|(i, c)| (c.name.as_str(), i)).collect();
        let people: Vec<Person> = candidates
            .iter()
            .filter(|c| c.reviewer || c.can_lead)
            .map(|c| Person {
                id: c.id.to_string(),
                school: c.school_id.map(|s| s.to_string()).unwrap_or_else(|| format!("none-{}", c.id)),
                trust: c.trust_id.map(|t| t.to_string()),
                hub: c.hub_id.map(|h| h.to_string()),
                can_lead: c.can_lead,
                special_expertise: c.specialisms.iter().any(|s| s.to_ascii_lowercase().starts_with("special")),
                eligible: dbs_ok(&c.dbs_checked_on) && c.trained_on.is_some(),
                min_load: if ended { c.min_per_year.unwrap_or(0).max(0) as u32 } else { 0 },
                max_load: c.max_per_year.unwrap_or(if c.can_lead { 10 } else { 4 }).max(0) as u32,
                conflicts: c.conflicts.iter().map(|s| s.to_string()).collect(),
                reviewed: c
                    .reviewed
                    .iter()
                    .filter_map(|(school, cycle)| {
                        index.get(cycle.as_str()).map(|&i| (school.to_string(), pos.saturating_sub(i) as u32))
                    })
                    .filter(|(_, ago)| *ago >= 1)
                    .collect(),
                location: c.latitude.zip(c.longitude).map(|(lat, lon)| LatLon { lat, lon }),
                phase: c.phase.clone(),
                ..Default::default()
            })
            .collect();
        let reviews: Vec<Review> = seeded
            .iter()
            .map(|r| Review {
                id: r.id.to_string(),
                school: r.school_id.to_string(),
                trust: r.trust_id.map(|t| t.to_string()),
                hub: r.hub_id.map(|h| h.to_string()),
                week: week_of(&r.starts_on),
                special: r.phase == "special",
                peer_places: r.peer_places.max(0) as u32,
                needs_lead: true,
                phase: Some(r.phase.clone()),
                ..Default::default()
            })
            .collect();
        let teams = seeded
            .iter()
            .filter(|r| !r.team.is_empty())
            .map(|r| Team {
                review: r.id.to_string(),
                lead: r.team.iter().find(|t| t.1 == "lead").map(|t| t.0.to_string()),
                peers: r.team.iter().filter(|t| t.1 != "lead").map(|t| t.0.to_string()).collect(),
            })
            .collect();
        let cycle = Cycle { reviews, people, weights: Default::default(), rules: Default::default() };
        let report = reviews::rescore(&cycle, &Assignment { teams });
        out.extend(report.warnings.iter().map(|w| format!("{name}: {} ({})", w.message, w.rule.describe())));
        // A staffed review has its Lead Reviewer.
        for r in seeded.iter().filter(|r| !r.team.is_empty() && !r.team.iter().any(|t| t.1 == "lead")) {
            out.push(format!(
                "{name}: review {} has a team but no Lead Reviewer ({})",
                r.id,
                Rule::NotALead.describe()
            ));
        }
    }

    // Growing the Top: groups, visits and facilitators.
    use upward_matching::facilitators::{self as fac, FacAssignment, FacWeights, Facilitator, Group, GroupSchool};
    use upward_matching::groups::{self, Grouping, PhaseRules, Rules, School, SchoolInstance, Weights};
    let facilitators = store::candidates(db, None).await?;
    for cohort in store::cohorts(db).await? {
        let stored = store::groups(db, CohortId(cohort.id)).await?;
        if stored.is_empty() {
            continue;
        }
        let schools = store::cohort_schools(db, CohortId(cohort.id)).await?;
        let inst = SchoolInstance::new(
            schools
                .iter()
                .map(|s| {
                    let phase = groups::Phase::parse(&s.phase).unwrap_or(groups::Phase::Secondary);
                    let mut x = School::new(s.id.to_string(), s.name.clone(), phase);
                    x.location = s.latitude.zip(s.longitude);
                    x.single_sex = s.gender == "boys" || s.gender == "girls";
                    x.selective = s.admissions == "selective";
                    x
                })
                .collect(),
            upward_matching::themes::Taxonomy::default(),
            Rules {
                min_km: cohort.min_km.unwrap_or(0.0),
                group_size: cohort.group_size.clamp(3, 4) as usize,
                phases: PhaseRules::default(),
                max_restricted: 1,
                together: vec![],
                apart: vec![],
            },
            Weights::default(),
        )
        .map_err(|e| anyhow::anyhow!("cohort {}: {e}", cohort.name))?;
        let grouping = Grouping {
            groups: stored
                .iter()
                .map(|g| g.schools.iter().filter_map(|(id, _, _)| schools.iter().position(|s| s.id == *id)).collect())
                .collect(),
        };
        out.extend(
            groups::evaluate(&inst, &grouping)
                .violations
                .into_iter()
                .map(|v| format!("{}: {}", cohort.name, v.message)),
        );
        let fac_groups: Vec<Group> = stored
            .iter()
            .map(|g| Group {
                id: g.id.to_string(),
                schools: g
                    .schools
                    .iter()
                    .map(|(id, _, _)| GroupSchool {
                        id: id.to_string(),
                        location: schools
                            .iter()
                            .find(|s| s.id == *id)
                            .and_then(|s| s.latitude.zip(s.longitude))
                            .map(|(lat, lon)| LatLon { lat, lon }),
                    })
                    .collect(),
                visit_dates: g.visits.iter().map(|v| v.1.clone()).collect(),
                phase: None,
                context: vec![],
            })
            .collect();
        let dates: Vec<String> = fac_groups.iter().flat_map(|g| g.visit_dates.clone()).collect();
        let people: Vec<Facilitator> = facilitators
            .iter()
            .filter(|p| p.facilitator)
            .map(|p| Facilitator {
                id: p.id.to_string(),
                school: p.school_id.map(|s| s.to_string()),
                eligible: dbs_ok(&p.dbs_checked_on) && p.trained_on.is_some(),
                available: dates.iter().filter(|d| !p.unavailable.contains(d)).cloned().collect(),
                max_groups: 2,
                ..Default::default()
            })
            .collect();
        let chosen: Vec<FacAssignment> = stored
            .iter()
            .map(|g| FacAssignment { group: g.id.to_string(), facilitator: g.facilitator_id.map(|f| f.to_string()) })
            .collect();
        let report = fac::check(&fac_groups, &people, &FacWeights::default(), &chosen);
        out.extend(report.warnings.iter().map(|w| format!("{}: {}", cohort.name, w.message)));
        for g in &stored {
            if g.visits.len() != g.schools.len() {
                out.push(format!(
                    "{}: {} has {} visits for {} schools",
                    cohort.name,
                    g.name,
                    g.visits.len(),
                    g.schools.len()
                ));
            }
            for (_, d) in &g.visits {
                let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| anyhow::anyhow!("visit date {d}"))?;
                if day.weekday().number_from_monday() > 5 || day.month() == 8 {
                    out.push(format!("{}: {} visits on {d}, not a school day", cohort.name, g.name));
                }
            }
        }
    }
    Ok(out)
}

/// Reviews each person is on per school year, most first (for the demo's
/// realism check: a Lead Reviewer leads about 6 to 10 a year).
pub async fn loads(db: &Db) -> Result<Vec<(String, i64, usize, usize)>> {
    let mut out = vec![];
    for c in upward_storage::matching::cycles(db).await? {
        let name = c.name;
        let mut led: HashMap<i64, usize> = HashMap::new();
        let mut all: HashMap<i64, usize> = HashMap::new();
        for r in programmes::cycle_reviews(db, c.id).await? {
            for (p, role) in &r.team {
                *all.entry(*p).or_default() += 1;
                if role == "lead" {
                    *led.entry(*p).or_default() += 1;
                }
            }
        }
        let mut v: Vec<(String, i64, usize, usize)> =
            all.into_iter().map(|(p, n)| (name.clone(), p, led.get(&p).copied().unwrap_or(0), n)).collect();
        v.sort_by_key(|x| (std::cmp::Reverse(x.3), x.1));
        out.extend(v);
    }
    Ok(out)
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
