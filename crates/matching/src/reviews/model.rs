//! Data types of the review-team model: a review cycle, the assignment the
//! solver proposes or a person edits, and the scoring weights.
//!
//! These types are shared by the solver ([`super::solve`]) and the
//! independent checker ([`super::check`]); nothing else is.

use serde::{Deserialize, Serialize};

/// A point on the Earth (degrees).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    /// Great-circle distance in km (haversine, Earth radius 6371 km).
    pub fn distance_km(self, other: LatLon) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * 6371.0 * a.sqrt().min(1.0).asin()
    }
}

/// One review (a QA Review of a host school) in the cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Review {
    pub id: String,
    /// Host school id (e.g. URN).
    pub school: String,
    pub trust: Option<String>,
    pub hub: Option<String>,
    /// The week the review runs in (any consistent numbering, e.g. ISO
    /// year·100 + week). A person joins at most one review per week.
    pub week: i32,
    /// The host is a special school: its Lead Reviewer needs special-school expertise.
    pub special: bool,
    /// Number of peer reviewer places (may differ per review).
    pub peer_places: u32,
    /// Whether the review needs a Lead Reviewer from the pool.
    pub needs_lead: bool,
    pub location: Option<LatLon>,
    /// Phase of the host school (primary, secondary, special, ...).
    pub phase: Option<String>,
    /// Themes the host wants the review to focus on.
    pub focus: Vec<String>,
}

/// A trained reviewer or Lead Reviewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Person {
    pub id: String,
    pub school: String,
    pub trust: Option<String>,
    pub hub: Option<String>,
    /// Can act as Lead Reviewer.
    pub can_lead: bool,
    /// Special-school expertise (ASC, SEMH, PMLD, ...).
    pub special_expertise: bool,
    /// Trained and with an enhanced DBS check in date.
    pub eligible: bool,
    /// Fewest reviews this cycle (a commitment); hard.
    pub min_load: u32,
    /// Most reviews this cycle; hard.
    pub max_load: u32,
    /// Schools the person declared a conflict with.
    pub conflicts: Vec<String>,
    /// Schools reviewed before, with how many cycles ago (1 = last cycle).
    pub reviewed: Vec<(String, u32)>,
    pub location: Option<LatLon>,
    /// Farthest the person will travel, in km.
    pub travel_limit_km: Option<f64>,
    /// Reviews done so far (0 = first-time reviewer).
    pub experience: u32,
    pub phase: Option<String>,
    /// Expertise themes.
    pub themes: Vec<String>,
    /// The person's school receives a review this cycle (reciprocity).
    pub school_hosts_review: bool,
}

/// Weights of the preferences, in points, set by the central team.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    /// Points when the person's phase is the host's phase.
    pub phase: f64,
    /// Points times the share of the host's focus themes the person has.
    pub themes: f64,
    /// Points lost per 100 km between the person and the host.
    pub travel_per_100km: f64,
    /// Points when the person's school receives a review this cycle.
    pub reciprocity: f64,
    /// Points per team whose peer reviewers include both an experienced and
    /// a first-time reviewer.
    pub mix: f64,
    /// Points lost per extra team member (lead included) from a Hub already
    /// in the team.
    pub hub_repeat: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights { phase: 3.0, themes: 4.0, travel_per_100km: 1.0, reciprocity: 1.0, mix: 2.0, hub_repeat: 1.0 }
    }
}

/// Switchable hard rules and solver limits.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// A person may not review a school of their own Hub.
    pub same_hub_is_conflict: bool,
    /// A person may not review a school they reviewed in the last N cycles.
    pub recent_cycles: u32,
    /// Time limit of the MIP stage, in seconds.
    pub time_limit_secs: f64,
    /// The MIP stage uses every eligible (person, review, role) triple up to
    /// this many; above it, a candidate subset (then only the flow bound proves).
    pub max_mip_triples: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { same_hub_is_conflict: false, recent_cycles: 2, time_limit_secs: 10.0, max_mip_triples: 6000 }
    }
}

/// A review cycle: what the solver reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Cycle {
    pub reviews: Vec<Review>,
    pub people: Vec<Person>,
    pub weights: Weights,
    pub rules: Rules,
}

/// The role of a team member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Lead,
    Peer,
}

/// The team of one review, by ids (what the UI edits).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Team {
    pub review: String,
    pub lead: Option<String>,
    pub peers: Vec<String>,
}

/// A whole assignment: one team per review (reviews missing from it have
/// an empty team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Assignment {
    pub teams: Vec<Team>,
}

/// A hard rule. Used both for warnings on an assignment and for the reasons
/// a candidate was excluded from a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Rule {
    /// Not trained or DBS check not in date.
    NotEligible,
    /// Works at the host school.
    OwnSchool,
    /// Same trust as the host.
    SameTrust,
    /// Same Hub as the host (when that rule is on).
    SameHub,
    /// Declared a conflict with the host school.
    DeclaredConflict,
    /// Reviewed the host school in the last N cycles.
    ReviewedRecently,
    /// Host is beyond the person's travel limit.
    TooFar,
    /// Not a Lead Reviewer (for the lead place).
    NotALead,
    /// Host is a special school and the lead lacks special-school expertise.
    NoSpecialExpertise,
    /// Already at their maximum load in this assignment.
    AtMaxLoad,
    /// Below their minimum load.
    BelowMinLoad,
    /// Already on another review that week.
    WeekClash,
    /// Someone from the same school is already in the team.
    SchoolAlreadyInTeam,
    /// A team has more people than places, or a person twice.
    TeamSize,
    /// An id in the assignment that the cycle does not know.
    UnknownId,
}

impl Rule {
    /// Plain-English description.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::NotEligible => "not trained or DBS check not in date",
            Rule::OwnSchool => "works at the host school",
            Rule::SameTrust => "same trust as the host school",
            Rule::SameHub => "same Hub as the host school",
            Rule::DeclaredConflict => "declared a conflict with the host school",
            Rule::ReviewedRecently => "reviewed this school recently",
            Rule::TooFar => "beyond their travel limit",
            Rule::NotALead => "not a Lead Reviewer",
            Rule::NoSpecialExpertise => "no special-school expertise (special school lead)",
            Rule::AtMaxLoad => "already at their maximum load",
            Rule::BelowMinLoad => "below their minimum load",
            Rule::WeekClash => "already reviewing that week",
            Rule::SchoolAlreadyInTeam => "a colleague from their school is already in the team",
            Rule::TeamSize => "team size",
            Rule::UnknownId => "unknown id",
        }
    }
}
