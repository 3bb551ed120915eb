//! Growing the Top: schools in trios (quads where the numbers require it).
//!
//! **Hard rules** ([`Rules`]), all checked pair by pair except the last two:
//! * phase: schools of a group share a phase, unless the pair of phases is
//!   allowed by [`PhaseRules::cross`] (e.g. primary + secondary for Year 6→7
//!   transition);
//! * distance: no two schools of a group closer than `min_km` (great-circle,
//!   haversine); a school without coordinates is not subject to it;
//! * at most `max_restricted` (default one) single-sex or selective school
//!   per group;
//! * pairs kept apart by hand never share a group; pairs pinned together by
//!   hand always do;
//! * sizes: groups of `group_size` (3 or 4) and as few of the other size as
//!   the number of schools requires ([`Rules::size_plan`]), counted per
//!   phase cohort ([`SchoolInstance::phase_cohorts`]: schools whose phases
//!   can never meet are grouped separately).
//!
//! **Objective.** Themes are tagged with the shared taxonomy
//! ([`crate::themes`]). For a pair of schools `i, j` with excellence tags
//! `E` and challenge tags `C`, and tag weights `w`:
//!
//! `s(i,j) = complement · (w(E_i ∩ C_j) + w(E_j ∩ C_i)) + shared_challenge · w(C_i ∩ C_j) − travel_per_100km · km(i,j)/100`
//!
//! (the travel term only when both have coordinates). A group's score is the
//! sum over its pairs; a grouping reports its total and its minimum group
//! score. [`evaluate`] scores any grouping, explains every pair in one
//! sentence and lists every broken rule, for proposals and hand-edited
//! groupings alike.

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::error::GroupsError;
use crate::themes::{TagSet, Tagger, Taxonomy};

/// Phase of education.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    Primary,
    Middle,
    Secondary,
    AllThrough,
    Post16,
    Special,
    AlternativeProvision,
    Other,
}

impl Phase {
    /// Every phase.
    pub const ALL: [Phase; 8] = [
        Phase::Primary,
        Phase::Middle,
        Phase::Secondary,
        Phase::AllThrough,
        Phase::Post16,
        Phase::Special,
        Phase::AlternativeProvision,
        Phase::Other,
    ];

    /// Parses a phase from its code or a usual spelling (case-insensitive):
    /// `primary`, `middle`, `secondary`, `all_through`/`all-through`,
    /// `post16`/`16 plus`, `special`, `ap`/`alternative provision`, `other`.
    pub fn parse(s: &str) -> Option<Phase> {
        let k: String = s.trim().to_lowercase().chars().filter(|c| c.is_alphanumeric()).collect();
        Some(match k.as_str() {
            "primary" | "infant" | "junior" => Phase::Primary,
            "middle" | "middledeemedprimary" | "middledeemedsecondary" => Phase::Middle,
            "secondary" => Phase::Secondary,
            "allthrough" => Phase::AllThrough,
            "post16" | "16plus" | "sixteenplus" => Phase::Post16,
            "special" => Phase::Special,
            "ap" | "alternativeprovision" | "pru" => Phase::AlternativeProvision,
            "other" => Phase::Other,
            _ => return None,
        })
    }

    /// Plain-English label.
    pub fn label(self) -> &'static str {
        match self {
            Phase::Primary => "primary",
            Phase::Middle => "middle",
            Phase::Secondary => "secondary",
            Phase::AllThrough => "all-through",
            Phase::Post16 => "16 plus",
            Phase::Special => "special",
            Phase::AlternativeProvision => "alternative provision",
            Phase::Other => "other",
        }
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Which phases may share a group.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PhaseRules {
    /// Pairs of different phases allowed together (order does not matter),
    /// e.g. `(Primary, Secondary)` for a transition-themed cohort.
    pub cross: Vec<(Phase, Phase)>,
}

impl PhaseRules {
    /// True when schools of phases `a` and `b` may share a group.
    pub fn compatible(&self, a: Phase, b: Phase) -> bool {
        a == b || self.cross.iter().any(|&(x, y)| (x, y) == (a, b) || (x, y) == (b, a))
    }
}

/// The hard rules of a cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// Least distance in km between two schools of a group (0 = no rule).
    pub min_km: f64,
    /// Preferred group size: 3 (trios, quads only as needed) or 4.
    pub group_size: usize,
    /// Phase compatibility.
    pub phases: PhaseRules,
    /// Most single-sex or selective schools allowed in one group.
    pub max_restricted: usize,
    /// Pairs (school indices) that must share a group.
    pub together: Vec<(usize, usize)>,
    /// Pairs (school indices) that must not share a group.
    pub apart: Vec<(usize, usize)>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            min_km: 0.0,
            group_size: 3,
            phases: PhaseRules::default(),
            max_restricted: 1,
            together: Vec::new(),
            apart: Vec::new(),
        }
    }
}

/// How many groups of each size `n` schools make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizePlan {
    /// Groups of three.
    pub trios: usize,
    /// Groups of four.
    pub quads: usize,
}

impl SizePlan {
    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.trios + self.quads
    }
}

impl Rules {
    /// Group sizes allowed.
    pub fn allowed_sizes(&self) -> [usize; 2] {
        [3, 4]
    }

    /// The size plan for `n` schools: with `group_size` 3, `n mod 3` quads
    /// and trios for the rest; with 4, as many quads as possible and the
    /// fewest trios (`(4 − n mod 4) mod 4`).
    pub fn size_plan(&self, n: usize) -> Result<SizePlan, GroupsError> {
        let plan = if self.group_size == 4 {
            let trios = (4 - n % 4) % 4;
            if n < 3 * trios { None } else { Some(SizePlan { trios, quads: (n - 3 * trios) / 4 }) }
        } else {
            let quads = n % 3;
            if n < 4 * quads { None } else { Some(SizePlan { quads, trios: (n - 4 * quads) / 3 }) }
        };
        match plan {
            Some(p) if n >= 3 => Ok(p),
            _ => Err(GroupsError::Infeasible(format!("{n} schools cannot be split into groups of three and four"))),
        }
    }
}

/// Weights of the objective.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Per (weighted) tag where one school's excellence meets the other's challenge.
    pub complement: f64,
    /// Per (weighted) tag of challenge both schools share.
    pub shared_challenge: f64,
    /// Cost of 100 km between two schools.
    pub travel_per_100km: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { complement: 1.0, shared_challenge: 0.5, travel_per_100km: 0.25 }
    }
}

/// A school as the matching engine sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct School {
    /// Identifier (e.g. the URN).
    pub id: String,
    /// Name.
    pub name: String,
    /// Phase of education.
    pub phase: Phase,
    /// Latitude and longitude in degrees, when known.
    pub location: Option<(f64, f64)>,
    /// Boys' or girls' school.
    pub single_sex: bool,
    /// Selective (grammar) admissions.
    pub selective: bool,
    /// Areas of excellence, free text.
    pub excellence: Vec<String>,
    /// Systemic challenges, free text.
    pub challenge: Vec<String>,
}

impl School {
    /// A school with no themes, no location, mixed and non-selective.
    pub fn new(id: impl Into<String>, name: impl Into<String>, phase: Phase) -> Self {
        School {
            id: id.into(),
            name: name.into(),
            phase,
            location: None,
            single_sex: false,
            selective: false,
            excellence: Vec::new(),
            challenge: Vec::new(),
        }
    }

    fn restricted(&self) -> bool {
        self.single_sex || self.selective
    }
}

/// A grouping: each group a list of school indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grouping {
    /// The groups.
    pub groups: Vec<Vec<usize>>,
}

impl Grouping {
    /// Builds groups from an assignment (school → group label); groups are
    /// numbered in order of first appearance.
    pub fn from_assignment(assignment: &[usize]) -> Self {
        let mut index: HashMap<usize, usize> = HashMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, &g) in assignment.iter().enumerate() {
            let k = *index.entry(g).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[k].push(i);
        }
        Grouping { groups }
    }

    /// Group of each school (`None` where a school is in no group).
    pub fn assignment(&self, n: usize) -> Vec<Option<usize>> {
        let mut a = vec![None; n];
        for (g, members) in self.groups.iter().enumerate() {
            for &i in members {
                if i < n {
                    a[i] = Some(g);
                }
            }
        }
        a
    }
}

/// A theme with its tags.
#[derive(Debug, Clone, PartialEq)]
struct TaggedTheme {
    text: String,
    tags: TagSet,
}

/// Theme texts with the indices of the tags each was given.
pub type ThemeTags<'a> = Vec<(&'a str, Vec<usize>)>;

/// A cohort ready to be grouped: schools, rules, weights and the derived
/// tags, locations and rule indices.
#[derive(Debug, Clone)]
pub struct SchoolInstance {
    /// The schools, by index.
    pub schools: Vec<School>,
    /// The hard rules.
    pub rules: Rules,
    /// The objective weights.
    pub weights: Weights,
    /// The taxonomy the themes were tagged with.
    pub taxonomy: Taxonomy,
    tag_weight: Vec<f64>,
    exc: Vec<TagSet>,
    chal: Vec<TagSet>,
    exc_themes: Vec<Vec<TaggedTheme>>,
    chal_themes: Vec<Vec<TaggedTheme>>,
    unit: Vec<Option<[f64; 3]>>,
    apart: HashSet<(usize, usize)>,
    pub(crate) together_of: Vec<Vec<usize>>,
}

const EARTH_KM: f64 = 6371.0088;

/// Great-circle distance in km between two (latitude, longitude) points.
pub fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
    let dp = p2 - p1;
    let dl = (b.1 - a.1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_KM * h.sqrt().clamp(0.0, 1.0).asin()
}

impl SchoolInstance {
    /// Tags every theme with `taxonomy` and validates the rules (indices in
    /// range, coordinates valid, sizes possible).
    pub fn new(schools: Vec<School>, taxonomy: Taxonomy, rules: Rules, weights: Weights) -> Result<Self, GroupsError> {
        let n = schools.len();
        if n == 0 {
            return Err(GroupsError::Infeasible("there are no schools to group".into()));
        }
        if rules.group_size != 3 && rules.group_size != 4 {
            return Err(GroupsError::Invalid(format!("group size {} (3 or 4 allowed)", rules.group_size)));
        }
        if !rules.min_km.is_finite() || rules.min_km < 0.0 {
            return Err(GroupsError::Invalid("the minimum distance must be a non-negative number".into()));
        }
        for w in [weights.complement, weights.shared_challenge, weights.travel_per_100km] {
            if !w.is_finite() {
                return Err(GroupsError::Invalid("weights must be finite".into()));
            }
        }
        for s in &schools {
            if let Some((lat, lon)) = s.location
                && !(lat.is_finite()
                    && lon.is_finite()
                    && (-90.0..=90.0).contains(&lat)
                    && (-180.0..=180.0).contains(&lon))
            {
                return Err(GroupsError::Invalid(format!("{}: coordinates ({lat}, {lon}) are not valid", s.name)));
            }
        }
        let mut apart = HashSet::new();
        for &(a, b) in &rules.apart {
            if a >= n || b >= n || a == b {
                return Err(GroupsError::Invalid(format!("kept-apart pair ({a}, {b}) is not two schools")));
            }
            apart.insert((a.min(b), a.max(b)));
        }
        let mut together_of = vec![Vec::new(); n];
        for &(a, b) in &rules.together {
            if a >= n || b >= n || a == b {
                return Err(GroupsError::Invalid(format!("pinned pair ({a}, {b}) is not two schools")));
            }
            if !rules.phases.compatible(schools[a].phase, schools[b].phase) {
                return Err(GroupsError::Infeasible(format!(
                    "{} and {} are pinned together but their phases may not share a group",
                    schools[a].name, schools[b].name
                )));
            }
            if apart.contains(&(a.min(b), a.max(b))) {
                return Err(GroupsError::Infeasible(format!(
                    "{} and {} are both pinned together and kept apart",
                    schools[a].name, schools[b].name
                )));
            }
            if !together_of[a].contains(&b) {
                together_of[a].push(b);
                together_of[b].push(a);
            }
        }
        let tagger = Tagger::new(&taxonomy);
        let tag_themes = |texts: &[String]| -> Vec<TaggedTheme> {
            texts
                .iter()
                .map(|t| {
                    let mut tags = TagSet::new();
                    for m in tagger.tag(t) {
                        tags.insert(m.tag);
                    }
                    TaggedTheme { text: t.clone(), tags }
                })
                .collect()
        };
        let exc_themes: Vec<Vec<TaggedTheme>> = schools.iter().map(|s| tag_themes(&s.excellence)).collect();
        let chal_themes: Vec<Vec<TaggedTheme>> = schools.iter().map(|s| tag_themes(&s.challenge)).collect();
        let union = |v: &Vec<TaggedTheme>| {
            let mut s = TagSet::new();
            for t in v {
                for x in t.tags.iter() {
                    s.insert(x);
                }
            }
            s
        };
        let exc = exc_themes.iter().map(union).collect();
        let chal = chal_themes.iter().map(union).collect();
        let unit = schools
            .iter()
            .map(|s| {
                s.location.map(|(lat, lon)| {
                    let (p, l) = (lat.to_radians(), lon.to_radians());
                    [p.cos() * l.cos(), p.cos() * l.sin(), p.sin()]
                })
            })
            .collect();
        let tag_weight = taxonomy.tags().iter().map(|t| t.weight).collect();
        Ok(SchoolInstance {
            schools,
            rules,
            weights,
            taxonomy,
            tag_weight,
            exc,
            chal,
            exc_themes,
            chal_themes,
            unit,
            apart,
            together_of,
        })
    }

    /// The phase cohorts: schools whose phases are linked (the same phase,
    /// or chained through allowed cross-phase pairs). Schools of different
    /// cohorts can never share a group, so each cohort is grouped on its own
    /// with its own size plan.
    pub fn phase_cohorts(&self) -> Vec<Vec<usize>> {
        phase_cohorts(&self.schools, &self.rules.phases)
    }

    /// Checks that every phase cohort can be split into groups of three and
    /// four (solvers call it; evaluation does not need it).
    pub fn check_size_plans(&self) -> Result<(), GroupsError> {
        for cohort in self.phase_cohorts() {
            self.rules.size_plan(cohort.len()).map_err(|_| {
                let phases: std::collections::BTreeSet<&str> =
                    cohort.iter().map(|&i| self.schools[i].phase.label()).collect();
                GroupsError::Infeasible(format!(
                    "{} {} schools cannot be split into groups of three and four",
                    cohort.len(),
                    phases.into_iter().collect::<Vec<_>>().join("/")
                ))
            })?;
        }
        Ok(())
    }

    /// The instance restricted to `members` (school indices, in that order),
    /// with pinned and kept-apart pairs inside it re-indexed.
    pub fn sub_instance(&self, members: &[usize]) -> Result<SchoolInstance, GroupsError> {
        let pos: HashMap<usize, usize> = members.iter().enumerate().map(|(k, &i)| (i, k)).collect();
        let remap = |v: &[(usize, usize)]| -> Vec<(usize, usize)> {
            v.iter().filter_map(|&(a, b)| Some((*pos.get(&a)?, *pos.get(&b)?))).collect()
        };
        let rules =
            Rules { together: remap(&self.rules.together), apart: remap(&self.rules.apart), ..self.rules.clone() };
        let schools = members.iter().filter_map(|&i| self.schools.get(i).cloned()).collect();
        SchoolInstance::new(schools, self.taxonomy.clone(), rules, self.weights)
    }

    /// Number of schools.
    pub fn len(&self) -> usize {
        self.schools.len()
    }

    /// True when there are no schools.
    pub fn is_empty(&self) -> bool {
        self.schools.is_empty()
    }

    /// Index of the school whose id, or else name, is `key` (exact, then
    /// case-insensitive).
    pub fn index_of(&self, key: &str) -> Option<usize> {
        let key = key.trim();
        self.schools
            .iter()
            .position(|s| s.id == key)
            .or_else(|| self.schools.iter().position(|s| s.name == key))
            .or_else(|| {
                self.schools.iter().position(|s| s.id.eq_ignore_ascii_case(key) || s.name.eq_ignore_ascii_case(key))
            })
    }

    /// The themes of school `i` with the tags each was given:
    /// `(excellence, challenge)`, each a list of (text, tag indices).
    pub fn tagged_themes(&self, i: usize) -> (ThemeTags<'_>, ThemeTags<'_>) {
        fn list(v: &[TaggedTheme]) -> ThemeTags<'_> {
            v.iter().map(|t| (t.text.as_str(), t.tags.iter().collect())).collect()
        }
        (list(&self.exc_themes[i]), list(&self.chal_themes[i]))
    }

    /// Distance in km between schools `i` and `j`, when both are located.
    #[inline]
    pub fn km(&self, i: usize, j: usize) -> Option<f64> {
        match (self.unit[i], self.unit[j]) {
            (Some(a), Some(b)) => {
                let c = ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
                Some(2.0 * EARTH_KM * (c / 2.0).clamp(0.0, 1.0).asin())
            }
            _ => None,
        }
    }

    /// The score of the pair `(i, j)` (see the module documentation).
    #[inline]
    pub fn pair_score(&self, i: usize, j: usize) -> f64 {
        let w = &self.weights;
        let tw = &self.tag_weight;
        let mut s = w.complement
            * (self.exc[i].weighted_overlap(&self.chal[j], tw) + self.exc[j].weighted_overlap(&self.chal[i], tw))
            + w.shared_challenge * self.chal[i].weighted_overlap(&self.chal[j], tw);
        if w.travel_per_100km != 0.0
            && let Some(km) = self.km(i, j)
        {
            s -= w.travel_per_100km * km / 100.0;
        }
        s
    }

    /// Whether the pair may share a group under the pairwise hard rules
    /// (phase, distance, restricted schools when at most one is allowed,
    /// kept apart).
    #[inline]
    pub fn pair_allowed(&self, i: usize, j: usize) -> bool {
        let (a, b) = (&self.schools[i], &self.schools[j]);
        if !self.rules.phases.compatible(a.phase, b.phase) {
            return false;
        }
        if self.rules.max_restricted <= 1 && a.restricted() && b.restricted() {
            return false;
        }
        if self.rules.min_km > 0.0
            && let Some(km) = self.km(i, j)
            && km < self.rules.min_km
        {
            return false;
        }
        if !self.apart.is_empty() && self.apart.contains(&(i.min(j), i.max(j))) {
            return false;
        }
        true
    }

    pub(crate) fn restricted(&self, i: usize) -> bool {
        self.schools[i].restricted()
    }

    /// Sum of the pair scores of a group.
    pub fn group_score(&self, members: &[usize]) -> f64 {
        let mut s = 0.0;
        for (a, &i) in members.iter().enumerate() {
            for &j in &members[a + 1..] {
                s += self.pair_score(i, j);
            }
        }
        s
    }

    /// Count of hard-rule breaches inside a group (pairwise breaches,
    /// restricted schools beyond the allowance, pinned partners outside).
    pub(crate) fn group_breaches(&self, members: &[usize]) -> usize {
        let mut v = 0usize;
        let mut restricted = 0usize;
        for (a, &i) in members.iter().enumerate() {
            if self.restricted(i) {
                restricted += 1;
            }
            for &j in &members[a + 1..] {
                let (x, y) = (&self.schools[i], &self.schools[j]);
                if !self.rules.phases.compatible(x.phase, y.phase) {
                    v += 1;
                }
                if self.rules.min_km > 0.0 && self.km(i, j).is_some_and(|k| k < self.rules.min_km) {
                    v += 1;
                }
                if self.apart.contains(&(i.min(j), i.max(j))) {
                    v += 1;
                }
            }
            v += self.together_of[i].iter().filter(|p| !members.contains(p)).count();
        }
        v + restricted.saturating_sub(self.rules.max_restricted)
    }

    /// The parts of a pair's score.
    pub fn pair_detail(&self, i: usize, j: usize) -> PairDetail {
        let tw = &self.tag_weight;
        let w = &self.weights;
        PairDetail {
            a: i,
            b: j,
            a_helps_b: self.exc[i].intersection(&self.chal[j]),
            b_helps_a: self.exc[j].intersection(&self.chal[i]),
            shared_challenges: self.chal[i].intersection(&self.chal[j]),
            km: self.km(i, j),
            complement: w.complement
                * (self.exc[i].weighted_overlap(&self.chal[j], tw) + self.exc[j].weighted_overlap(&self.chal[i], tw)),
            shared: w.shared_challenge * self.chal[i].weighted_overlap(&self.chal[j], tw),
            travel: self.km(i, j).map(|k| w.travel_per_100km * k / 100.0).unwrap_or(0.0),
            score: self.pair_score(i, j),
            sentence: self.explain_pair(i, j),
        }
    }

    fn labels(&self, tags: &[usize]) -> String {
        join_and(&tags.iter().filter_map(|&t| self.taxonomy.tag(t).map(|x| x.label.clone())).collect::<Vec<_>>())
    }

    /// Challenge themes of `j` (as written, first letter lowered) that
    /// carry any of `tags`.
    fn challenge_texts(&self, j: usize, tags: &[usize]) -> String {
        let texts: Vec<String> = self.chal_themes[j]
            .iter()
            .filter(|t| tags.iter().any(|&x| t.tags.contains(x)))
            .map(|t| lower_first(&t.text))
            .collect();
        join_and(&texts)
    }

    /// One plain-English sentence on why `i` and `j` were (or would be)
    /// grouped, e.g. "Cobalt school's excellence in sixth form / post-16
    /// meets Iridium school's challenge in sixth form progress and retention
    /// of students; both are working on middle leadership."
    pub fn explain_pair(&self, i: usize, j: usize) -> String {
        let (a, b) = (&self.schools[i].name, &self.schools[j].name);
        let ab = self.exc[i].intersection(&self.chal[j]);
        let ba = self.exc[j].intersection(&self.chal[i]);
        let shared = self.chal[i].intersection(&self.chal[j]);
        let mut parts = Vec::new();
        if !ab.is_empty() {
            parts.push(format!(
                "{a}'s excellence in {} meets {b}'s challenge in {}",
                self.labels(&ab),
                self.challenge_texts(j, &ab)
            ));
        }
        if !ba.is_empty() {
            parts.push(format!(
                "{b}'s excellence in {} meets {a}'s challenge in {}",
                self.labels(&ba),
                self.challenge_texts(i, &ba)
            ));
        }
        if !shared.is_empty() {
            if parts.is_empty() {
                parts.push(format!("{a} and {b} are both working on {}", self.labels(&shared)));
            } else {
                parts.push(format!("both are working on {}", self.labels(&shared)));
            }
        }
        if parts.is_empty() {
            parts.push(format!("{a} and {b} have no theme in common"));
        }
        if let Some(km) = self.km(i, j) {
            parts.push(format!("they are {km:.0} km apart"));
        }
        let mut s = parts.join("; ");
        s.push('.');
        s
    }
}

/// Schools grouped by linked phases (see [`SchoolInstance::phase_cohorts`]),
/// in order of their first school.
fn phase_cohorts(schools: &[School], rules: &PhaseRules) -> Vec<Vec<usize>> {
    let idx = |p: Phase| Phase::ALL.iter().position(|&x| x == p).unwrap_or(0);
    let mut parent: Vec<usize> = (0..Phase::ALL.len()).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for &(a, b) in &rules.cross {
        let (ra, rb) = (root(&mut parent, idx(a)), root(&mut parent, idx(b)));
        parent[ra] = rb;
    }
    let mut order: Vec<usize> = Vec::new();
    let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, s) in schools.iter().enumerate() {
        let r = root(&mut parent, idx(s.phase));
        by_root.entry(r).or_insert_with(|| {
            order.push(r);
            Vec::new()
        });
        if let Some(v) = by_root.get_mut(&r) {
            v.push(i);
        }
    }
    order.into_iter().filter_map(|r| by_root.remove(&r)).collect()
}

/// Lowers the first letter of a theme so it reads inside a sentence,
/// unless its first word is an acronym or a proper noun.
fn lower_first(s: &str) -> String {
    const KEEP: [&str; 12] =
        ["English", "French", "German", "Spanish", "Latin", "Ofsted", "EBacc", "Black", "Year", "Key", "British", "I"];
    // a theme is quoted inside a sentence that uses semicolons itself
    let s = s.replace(';', ",");
    let mut words = s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty());
    let first = words.next().unwrap_or("");
    let title_case = words.next().is_some_and(|w| w.chars().next().is_some_and(char::is_uppercase));
    let acronym = first.chars().take(2).filter(|c| c.is_uppercase()).count() == 2;
    let mut c = s.chars();
    match c.next() {
        Some(f) if !acronym && !title_case && !KEEP.contains(&first) => f.to_lowercase().chain(c).collect(),
        _ => s.clone(),
    }
}

fn join_and(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        _ => format!("{} and {}", items[..items.len() - 1].join(", "), items[items.len() - 1]),
    }
}

/// The parts of one pair's score, for display.
#[derive(Debug, Clone, PartialEq)]
pub struct PairDetail {
    /// First school (index).
    pub a: usize,
    /// Second school (index).
    pub b: usize,
    /// Tags where `a`'s excellence meets `b`'s challenge.
    pub a_helps_b: Vec<usize>,
    /// Tags where `b`'s excellence meets `a`'s challenge.
    pub b_helps_a: Vec<usize>,
    /// Challenge tags both share.
    pub shared_challenges: Vec<usize>,
    /// Distance, when both are located.
    pub km: Option<f64>,
    /// Complementarity part of the score.
    pub complement: f64,
    /// Shared-challenge part of the score.
    pub shared: f64,
    /// Travel cost (subtracted).
    pub travel: f64,
    /// The pair's score: `complement + shared − travel`.
    pub score: f64,
    /// The one-sentence explanation.
    pub sentence: String,
}

/// Which rule a [`Violation`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuleKind {
    /// Schools closer than the minimum distance.
    TooClose,
    /// Phases that may not share a group.
    Phase,
    /// More single-sex or selective schools than allowed.
    SingleSexOrSelective,
    /// A pair kept apart by hand shares a group.
    KeptApart,
    /// A pair pinned together by hand is split.
    PinnedTogether,
    /// A group of a size outside the plan.
    GroupSize,
    /// A school in no group, in several, or unknown.
    Membership,
}

/// A broken hard rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The rule.
    pub kind: RuleKind,
    /// The group concerned (index into the grouping), when there is one.
    pub group: Option<usize>,
    /// The schools concerned (indices).
    pub schools: Vec<usize>,
    /// Plain-English description.
    pub message: String,
}

/// One group's score and its explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupEvaluation {
    /// School indices.
    pub members: Vec<usize>,
    /// Sum of the pair scores.
    pub score: f64,
    /// Every pair, with its parts and sentence.
    pub pairs: Vec<PairDetail>,
}

/// The scores, explanations and broken rules of a grouping.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Sum of group scores.
    pub total: f64,
    /// Lowest group score (0 for no group).
    pub min_group: f64,
    /// Per group.
    pub groups: Vec<GroupEvaluation>,
    /// Every broken hard rule (empty when the grouping is valid).
    pub violations: Vec<Violation>,
}

impl Evaluation {
    /// True when no hard rule is broken.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Scores a grouping, explains every pair and lists every broken rule. Any
/// grouping is accepted (unknown indices and missing schools are reported
/// as violations), so the web UI can call it after every hand edit.
pub fn evaluate(inst: &SchoolInstance, grouping: &Grouping) -> Evaluation {
    let n = inst.len();
    let mut violations = Vec::new();
    let mut count = vec![0usize; n];
    let mut groups = Vec::with_capacity(grouping.groups.len());
    let name = |i: usize| inst.schools[i].name.as_str();
    for (g, members) in grouping.groups.iter().enumerate() {
        let mut valid: Vec<usize> = Vec::with_capacity(members.len());
        for &i in members {
            if i >= n {
                violations.push(Violation {
                    kind: RuleKind::Membership,
                    group: Some(g),
                    schools: vec![],
                    message: format!("group {} names school #{i}, which does not exist", g + 1),
                });
            } else {
                count[i] += 1;
                valid.push(i);
            }
        }
        if !inst.rules.allowed_sizes().contains(&members.len()) {
            violations.push(Violation {
                kind: RuleKind::GroupSize,
                group: Some(g),
                schools: valid.clone(),
                message: format!("group {} has {} schools; groups have three or four", g + 1, members.len()),
            });
        }
        let mut pairs = Vec::new();
        let mut restricted = Vec::new();
        for (a, &i) in valid.iter().enumerate() {
            if inst.restricted(i) {
                restricted.push(i);
            }
            for &j in &valid[a + 1..] {
                if i == j {
                    continue;
                }
                let (si, sj) = (&inst.schools[i], &inst.schools[j]);
                if !inst.rules.phases.compatible(si.phase, sj.phase) {
                    violations.push(Violation {
                        kind: RuleKind::Phase,
                        group: Some(g),
                        schools: vec![i, j],
                        message: format!(
                            "{} ({}) and {} ({}) are of phases that may not share a group",
                            si.name, si.phase, sj.name, sj.phase
                        ),
                    });
                }
                if let Some(km) = inst.km(i, j)
                    && inst.rules.min_km > 0.0
                    && km < inst.rules.min_km
                {
                    violations.push(Violation {
                        kind: RuleKind::TooClose,
                        group: Some(g),
                        schools: vec![i, j],
                        message: format!(
                            "{} and {} are {km:.1} km apart, closer than {} km",
                            si.name, sj.name, inst.rules.min_km
                        ),
                    });
                }
                if inst.apart.contains(&(i.min(j), i.max(j))) {
                    violations.push(Violation {
                        kind: RuleKind::KeptApart,
                        group: Some(g),
                        schools: vec![i, j],
                        message: format!("{} and {} are to be kept apart", si.name, sj.name),
                    });
                }
                pairs.push(inst.pair_detail(i, j));
            }
        }
        if restricted.len() > inst.rules.max_restricted {
            violations.push(Violation {
                kind: RuleKind::SingleSexOrSelective,
                group: Some(g),
                message: format!(
                    "group {} has {} single-sex or selective schools ({}); at most {} allowed",
                    g + 1,
                    restricted.len(),
                    join_and(&restricted.iter().map(|&i| name(i).to_string()).collect::<Vec<_>>()),
                    inst.rules.max_restricted
                ),
                schools: restricted,
            });
        }
        let score = pairs.iter().map(|p| p.score).sum::<f64>() + 0.0;
        groups.push(GroupEvaluation { members: valid, score, pairs });
    }
    let assignment = grouping.assignment(n);
    for (i, &c) in count.iter().enumerate() {
        if c != 1 {
            violations.push(Violation {
                kind: RuleKind::Membership,
                group: None,
                schools: vec![i],
                message: if c == 0 {
                    format!("{} is in no group", name(i))
                } else {
                    format!("{} is in {c} groups", name(i))
                },
            });
        }
    }
    for &(a, b) in &inst.rules.together {
        if assignment[a].is_none() || assignment[a] != assignment[b] {
            violations.push(Violation {
                kind: RuleKind::PinnedTogether,
                group: assignment[a],
                schools: vec![a, b],
                message: format!("{} and {} are to be in the same group", name(a), name(b)),
            });
        }
    }
    let cohorts = inst.phase_cohorts();
    let mut cohort_of = vec![0usize; n];
    for (c, members) in cohorts.iter().enumerate() {
        for &i in members {
            cohort_of[i] = c;
        }
    }
    if grouping.groups.iter().all(|g| g.len() == 3 || g.len() == 4) {
        let odd_size = if inst.rules.group_size == 4 { 3 } else { 4 };
        for (c, members) in cohorts.iter().enumerate() {
            let Ok(plan) = inst.rules.size_plan(members.len()) else { continue };
            let odd_needed = if odd_size == 4 { plan.quads } else { plan.trios };
            let odd = grouping
                .groups
                .iter()
                .filter(|g| g.len() == odd_size && g.first().is_some_and(|&i| i < n && cohort_of[i] == c))
                .count();
            if odd > odd_needed {
                violations.push(Violation {
                    kind: RuleKind::GroupSize,
                    group: None,
                    schools: vec![],
                    message: format!("{odd} groups of {odd_size} where {} schools need {odd_needed}", members.len()),
                });
            }
        }
    }
    let total = groups.iter().map(|g| g.score).sum::<f64>() + 0.0;
    let min_group = groups.iter().map(|g| g.score).fold(f64::INFINITY, f64::min);
    Evaluation { total, min_group: if groups.is_empty() { 0.0 } else { min_group }, groups, violations }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
