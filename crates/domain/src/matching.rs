//! Matching's domain: the kinds of matching run and the workflow of a run
//! (proposed, then accepted or discarded, nothing else), optimistic
//! concurrency of hand edits, the options people set when they ask for a
//! proposal (checked once, here, for the pages and the API alike), the hand
//! changes they can make, and the scheduling rule of a group's visit days.
//!
//! No I/O: the storage layer parses `kind` and `status` into these enums when
//! it reads a run, and the service asks [`RunStatus::apply`] before any
//! change.

use crate::validate::FieldError;
use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a matching run proposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    /// Review teams for the reviews of a cycle.
    ReviewTeams,
    /// Growing the Top groups (trios and quads) of a cohort.
    Groups,
    /// A facilitator for each group of a cohort.
    Facilitators,
}

impl RunKind {
    pub const ALL: [RunKind; 3] = [RunKind::ReviewTeams, RunKind::Groups, RunKind::Facilitators];

    /// The code kept in `match_runs.kind`.
    pub fn code(self) -> &'static str {
        match self {
            RunKind::ReviewTeams => "review_teams",
            RunKind::Groups => "groups",
            RunKind::Facilitators => "facilitators",
        }
    }

    pub fn parse(code: &str) -> Option<RunKind> {
        RunKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// For people: "Review teams".
    pub fn label(self) -> &'static str {
        match self {
            RunKind::ReviewTeams => "Review teams",
            RunKind::Groups => "Growing the Top groups",
            RunKind::Facilitators => "Facilitators",
        }
    }

    /// What a run of this kind places: "teams", "groups", "facilitators".
    pub fn things(self) -> &'static str {
        match self {
            RunKind::ReviewTeams => "teams",
            RunKind::Groups => "groups",
            RunKind::Facilitators => "facilitators",
        }
    }
}

impl fmt::Display for RunKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a run is in its workflow: proposed, then accepted or discarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Being inspected and edited by hand.
    Proposed,
    /// Saved: teams, groups or facilitators set from it.
    Accepted,
    /// Put aside; nothing was saved from it.
    Discarded,
}

impl RunStatus {
    pub const ALL: [RunStatus; 3] = [RunStatus::Proposed, RunStatus::Accepted, RunStatus::Discarded];

    /// The code kept in `match_runs.status`.
    pub fn code(self) -> &'static str {
        match self {
            RunStatus::Proposed => "proposed",
            RunStatus::Accepted => "accepted",
            RunStatus::Discarded => "discarded",
        }
    }

    pub fn parse(code: &str) -> Option<RunStatus> {
        RunStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    /// For people: "Proposed, not yet accepted".
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Proposed => "Proposed, not yet accepted",
            RunStatus::Accepted => "Accepted",
            RunStatus::Discarded => "Discarded",
        }
    }

    /// Can it still be edited, accepted or discarded?
    pub fn is_open(self) -> bool {
        self == RunStatus::Proposed
    }

    /// The workflow: the status after `action`, or why it is refused.
    /// A proposed run can be edited (it stays proposed), accepted or
    /// discarded; an accepted or discarded run cannot change any more.
    pub fn apply(self, action: RunAction) -> Result<RunStatus, TransitionError> {
        match (self, action) {
            (RunStatus::Proposed, RunAction::Edit) => Ok(RunStatus::Proposed),
            (RunStatus::Proposed, RunAction::Accept) => Ok(RunStatus::Accepted),
            (RunStatus::Proposed, RunAction::Discard) => Ok(RunStatus::Discarded),
            (from @ (RunStatus::Accepted | RunStatus::Discarded), action) => Err(TransitionError { from, action }),
        }
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What someone does to a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum RunAction {
    /// A hand change (a team member, a school moved, a facilitator).
    Edit,
    Accept,
    Discard,
}

/// A change the workflow does not allow, with the message people see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionError {
    pub from: RunStatus,
    pub action: RunAction,
}

impl fmt::Display for TransitionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = match (self.from, self.action) {
            (RunStatus::Accepted, RunAction::Accept) => "This proposal has already been accepted.",
            (RunStatus::Accepted, RunAction::Discard) => {
                "This proposal has been accepted: it can no longer be discarded. Make a new proposal to change what it set."
            }
            (RunStatus::Accepted, RunAction::Edit) => {
                "This proposal has been accepted: it can no longer be changed. Make a new proposal to change what it set."
            }
            (RunStatus::Discarded, RunAction::Accept) => {
                "This proposal was discarded, so it cannot be accepted. Make a new proposal."
            }
            (RunStatus::Discarded, RunAction::Discard) => "This proposal has already been discarded.",
            (RunStatus::Discarded, RunAction::Edit) => {
                "This proposal was discarded, so it can no longer be changed. Make a new proposal."
            }
            (RunStatus::Proposed, _) => "This proposal can still be changed.",
        };
        f.write_str(m)
    }
}

impl std::error::Error for TransitionError {}

/// What people are told when the run changed after they loaded it.
pub const STALE_MESSAGE: &str =
    "Someone else changed this proposal while you were looking at it: reload to see their change";

/// Why a change of a run is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunRefusal {
    /// The workflow does not allow it.
    Transition(TransitionError),
    /// The run changed since the person saw it (their version is old).
    Stale,
}

impl fmt::Display for RunRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunRefusal::Transition(t) => t.fmt(f),
            RunRefusal::Stale => f.write_str(STALE_MESSAGE),
        }
    }
}

impl std::error::Error for RunRefusal {}

/// May `action` be done to a run now at `status` and `version`, by someone
/// who saw version `seen`? The new status, or why not. The workflow is
/// checked first (its message says more than "it changed").
pub fn check_change(status: RunStatus, version: i64, seen: i64, action: RunAction) -> Result<RunStatus, RunRefusal> {
    let next = status.apply(action).map_err(RunRefusal::Transition)?;
    if seen != version {
        return Err(RunRefusal::Stale);
    }
    Ok(next)
}

/// A run's version as sent back by a form or the API (`version`): a
/// positive whole number.
pub fn parse_version(raw: &str) -> Result<i64, FieldError> {
    raw.trim().parse::<i64>().ok().filter(|v| *v >= 1).ok_or_else(|| {
        FieldError::new(
            "version",
            "The version of the proposal you saw is missing or not a number: reload the proposal and try again",
        )
    })
}

// ---------------------------------------------------------------------------
// The options of a proposal, as people type them.

/// Read `raw` as a number from `min` to `max` (blank: None).
fn number(raw: &str, field: &str, label: &str, min: f64, max: f64, errors: &mut Vec<FieldError>) -> Option<f64> {
    let v = raw.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && (min..=max).contains(&x) => Some(x),
        _ => {
            errors.push(FieldError::new(
                field,
                format!("{label} must be a number from {} to {}, not \"{v}\"", thousands(min), thousands(max)),
            ));
            None
        }
    }
}

/// Read `raw` as a whole number from `min` to `max` (blank: None).
fn whole(raw: &str, field: &str, label: &str, min: i64, max: i64, errors: &mut Vec<FieldError>) -> Option<i64> {
    let v = raw.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i64>() {
        Ok(x) if (min..=max).contains(&x) => Some(x),
        _ => {
            errors.push(FieldError::new(
                field,
                format!(
                    "{label} must be a whole number from {} to {}, not \"{v}\"",
                    thousands(min as f64),
                    thousands(max as f64)
                ),
            ));
            None
        }
    }
}

fn thousands(x: f64) -> String {
    if x.fract() != 0.0 || x.abs() < 1000.0 {
        return format!("{x}");
    }
    let s = format!("{}", x.abs() as i64);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

fn ticked(v: &str) -> bool {
    matches!(v.trim(), "on" | "1" | "true" | "yes")
}

/// The review-teams form as typed (every field text; blank: the default).
/// The web form posts these names; the API's JSON is turned into this.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TeamsForm {
    /// Match reviews starting on or after this date (YYYY-MM-DD).
    pub from: String,
    pub w_phase: String,
    pub w_themes: String,
    pub w_travel: String,
    pub w_reciprocity: String,
    pub w_mix: String,
    pub w_hub: String,
    /// Not the same school within this many cycles (0 to 10).
    pub recent_cycles: String,
    /// Time limit in seconds (1 to 120).
    pub seconds: String,
    /// Ticked: nobody reviews a school of their own Hub.
    pub same_hub: String,
    /// A tuning limit of the solver (the API only).
    pub max_mip_triples: String,
}

/// Preference weights, in points; None: the engine's default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TeamsWeights {
    pub phase: Option<f64>,
    pub themes: Option<f64>,
    pub travel_per_100km: Option<f64>,
    pub reciprocity: Option<f64>,
    pub mix: Option<f64>,
    pub hub_repeat: Option<f64>,
}

/// The options of a review-teams proposal, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamsOptions {
    pub from: NaiveDate,
    pub weights: TeamsWeights,
    pub same_hub_is_conflict: bool,
    pub recent_cycles: Option<u32>,
    pub time_limit_secs: Option<f64>,
    pub max_mip_triples: Option<usize>,
}

/// Weights are from 0 to this many points.
pub const MAX_WEIGHT: f64 = 100.0;
/// The longest a person may ask the solver to take, in seconds.
pub const MAX_SECONDS: f64 = 120.0;

impl TeamsOptions {
    /// Check the form once; every problem is named by its field.
    /// `default_from`: the date used when `from` is blank.
    pub fn parse(raw: &TeamsForm, default_from: NaiveDate) -> Result<TeamsOptions, Vec<FieldError>> {
        let mut e = vec![];
        let from = match raw.from.trim() {
            "" => default_from,
            v => match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
                Ok(d) => d,
                Err(_) => {
                    e.push(FieldError::new("from", format!("\"{v}\" is not a date like 2027-01-11")));
                    default_from
                }
            },
        };
        let weights = TeamsWeights {
            phase: number(&raw.w_phase, "w_phase", "Same phase", 0.0, MAX_WEIGHT, &mut e),
            themes: number(&raw.w_themes, "w_themes", "Expertise in the host's challenges", 0.0, MAX_WEIGHT, &mut e),
            travel_per_100km: number(&raw.w_travel, "w_travel", "Travel", 0.0, MAX_WEIGHT, &mut e),
            reciprocity: number(&raw.w_reciprocity, "w_reciprocity", "Reciprocity", 0.0, MAX_WEIGHT, &mut e),
            mix: number(&raw.w_mix, "w_mix", "Experienced and first-time reviewers", 0.0, MAX_WEIGHT, &mut e),
            hub_repeat: number(&raw.w_hub, "w_hub", "Hub diversity", 0.0, MAX_WEIGHT, &mut e),
        };
        let recent_cycles = whole(&raw.recent_cycles, "recent_cycles", "Cycles", 0, 10, &mut e).map(|n| n as u32);
        let time_limit_secs = number(&raw.seconds, "seconds", "The time limit", 1.0, MAX_SECONDS, &mut e);
        let max_mip_triples =
            whole(&raw.max_mip_triples, "max_mip_triples", "The solver's triple limit", 1, 1_000_000, &mut e)
                .map(|n| n as usize);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(TeamsOptions {
            from,
            weights,
            same_hub_is_conflict: ticked(&raw.same_hub),
            recent_cycles,
            time_limit_secs,
            max_mip_triples,
        })
    }
}

/// The groups form as typed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct GroupsForm {
    /// No two schools of a group within this many km (0 to 1,000).
    pub min_km: String,
    /// 3 or 4.
    pub group_size: String,
    /// Time limit in seconds (1 to 120).
    pub seconds: String,
    /// Ticked: protect the weakest group first.
    pub max_min: String,
}

/// The options of a groups proposal, checked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroupsOptions {
    pub min_km: f64,
    pub group_size: usize,
    pub seconds: f64,
    pub max_min: bool,
}

/// The time limit of a groups proposal when none is given.
pub const DEFAULT_GROUP_SECONDS: f64 = 5.0;

impl GroupsOptions {
    /// Check the form once. Blanks take the cohort's settings
    /// (`cohort_min_km`, `cohort_group_size`).
    pub fn parse(
        raw: &GroupsForm,
        cohort_min_km: Option<f64>,
        cohort_group_size: i64,
    ) -> Result<GroupsOptions, Vec<FieldError>> {
        let mut e = vec![];
        let min_km = number(&raw.min_km, "min_km", "The least distance (km)", 0.0, 1000.0, &mut e)
            .unwrap_or(cohort_min_km.unwrap_or(0.0));
        let group_size = match raw.group_size.trim() {
            "" => cohort_group_size.clamp(3, 4) as usize,
            "3" => 3,
            "4" => 4,
            v => {
                e.push(FieldError::new("group_size", format!("Groups are of 3 or 4 schools, not \"{v}\"")));
                3
            }
        };
        let seconds = number(&raw.seconds, "seconds", "The time limit", 1.0, MAX_SECONDS, &mut e)
            .unwrap_or(DEFAULT_GROUP_SECONDS);
        if !e.is_empty() {
            return Err(e);
        }
        Ok(GroupsOptions { min_km, group_size, seconds, max_min: ticked(&raw.max_min) })
    }
}

// ---------------------------------------------------------------------------
// Hand changes.

/// A change to one review's team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamChange {
    /// Make the person the Lead Reviewer (the old lead leaves the team).
    Lead,
    /// Add the person as a peer reviewer.
    Peer,
    /// Take the person off the team.
    Remove,
}

impl TeamChange {
    pub fn parse(raw: &str) -> Result<TeamChange, FieldError> {
        match raw.trim() {
            "lead" => Ok(TeamChange::Lead),
            "peer" => Ok(TeamChange::Peer),
            "remove" => Ok(TeamChange::Remove),
            other => Err(FieldError::new("action", format!("\"{other}\" is not a change (lead, peer or remove)"))),
        }
    }
}

/// A rule about two schools of a cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairRule {
    Together,
    Apart,
    /// Neither: the rule is removed.
    None,
}

impl PairRule {
    pub fn parse(raw: &str) -> Result<PairRule, FieldError> {
        match raw.trim() {
            "together" => Ok(PairRule::Together),
            "apart" => Ok(PairRule::Apart),
            "none" => Ok(PairRule::None),
            _ => Err(FieldError::new("kind", "Choose pinned together, kept apart, or no rule")),
        }
    }

    /// The code kept in `cohort_pairs.kind` (None keeps no row).
    pub fn code(self) -> Option<&'static str> {
        match self {
            PairRule::Together => Some("together"),
            PairRule::Apart => Some("apart"),
            PairRule::None => None,
        }
    }

    pub fn from_code(code: &str) -> Option<PairRule> {
        match code {
            "together" => Some(PairRule::Together),
            "apart" => Some(PairRule::Apart),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PairRule::Together => "pinned together",
            PairRule::Apart => "kept apart",
            PairRule::None => "no rule",
        }
    }
}

// ---------------------------------------------------------------------------
// Scheduling.

/// Visit days of an accepted group: one per school, spread over the spring
/// and summer terms of the cohort's year ("2026-27": from January 2027),
/// on Tuesdays to Thursdays: eight weeks apart for a trio, seven for a quad
/// (so a quad's last visit is before the summer term ends). Groups are
/// staggered over the days and weeks so that a facilitator of two groups is
/// not asked to be in two places on one day.
pub fn visit_dates(year: &str, group_index: usize, members: usize) -> Vec<NaiveDate> {
    let start_year: i32 = year.get(..4).and_then(|y| y.parse().ok()).unwrap_or(2026) + 1;
    let Some(jan12) = NaiveDate::from_ymd_opt(start_year, 1, 12) else { return vec![] };
    // The first Tuesday on or after 12 January.
    let to_tuesday = (7 + Weekday::Tue.num_days_from_monday() - jan12.weekday().num_days_from_monday()) % 7;
    let base = jan12 + chrono::Days::new(to_tuesday as u64);
    let g = group_index as u64;
    let apart = if members >= 4 { 49 } else { 56 };
    (0..members as u64).map(|k| base + chrono::Days::new(k * apart + g % 3 + 7 * (g / 3 % 4))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_read_their_codes_only() {
        for k in RunKind::ALL {
            assert_eq!(RunKind::parse(k.code()), Some(k));
        }
        for s in RunStatus::ALL {
            assert_eq!(RunStatus::parse(s.code()), Some(s));
        }
        assert_eq!(RunKind::parse("Groups"), None);
        assert_eq!(RunStatus::parse("done"), None);
        assert_eq!(serde_json::to_string(&RunKind::ReviewTeams).unwrap(), "\"review_teams\"");
        assert_eq!(serde_json::to_string(&RunStatus::Discarded).unwrap(), "\"discarded\"");
    }

    #[test]
    fn a_proposed_run_is_edited_accepted_or_discarded_and_nothing_else() {
        use RunAction::*;
        use RunStatus::*;
        assert_eq!(Proposed.apply(Edit), Ok(Proposed));
        assert_eq!(Proposed.apply(Accept), Ok(Accepted));
        assert_eq!(Proposed.apply(Discard), Ok(Discarded));
        for from in [Accepted, Discarded] {
            for action in [Edit, Accept, Discard] {
                assert_eq!(from.apply(action), Err(TransitionError { from, action }), "{from:?} {action:?}");
            }
        }
        assert_eq!(
            Discarded.apply(Accept).unwrap_err().to_string(),
            "This proposal was discarded, so it cannot be accepted. Make a new proposal."
        );
        assert_eq!(Accepted.apply(Accept).unwrap_err().to_string(), "This proposal has already been accepted.");
        assert!(Proposed.is_open() && !Accepted.is_open() && !Discarded.is_open());
    }

    #[test]
    fn a_change_from_an_old_version_is_refused() {
        use RunAction::*;
        use RunStatus::*;
        assert_eq!(check_change(Proposed, 3, 3, Edit), Ok(Proposed));
        assert_eq!(check_change(Proposed, 3, 3, Accept), Ok(Accepted));
        assert_eq!(check_change(Proposed, 4, 3, Edit), Err(RunRefusal::Stale));
        assert_eq!(check_change(Proposed, 4, 3, Discard).unwrap_err().to_string(), STALE_MESSAGE);
        // The workflow speaks first: "discarded" says more than "changed".
        assert_eq!(
            check_change(Discarded, 4, 3, Accept),
            Err(RunRefusal::Transition(TransitionError { from: Discarded, action: Accept }))
        );
        assert_eq!(parse_version(" 7 "), Ok(7));
        for bad in ["", "0", "-1", "x", "1.5"] {
            assert_eq!(parse_version(bad).unwrap_err().field, "version", "{bad}");
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn teams_options_blank_means_default() {
        let o = TeamsOptions::parse(&TeamsForm::default(), d("2027-01-11")).unwrap();
        assert_eq!(o.from, d("2027-01-11"));
        assert_eq!(o.weights, TeamsWeights::default());
        assert_eq!((o.recent_cycles, o.time_limit_secs, o.max_mip_triples), (None, None, None));
        assert!(!o.same_hub_is_conflict);
        let raw = TeamsForm {
            from: "2027-06-07".into(),
            w_phase: " 0 ".into(),
            w_hub: "100".into(),
            recent_cycles: "10".into(),
            seconds: "120".into(),
            same_hub: "on".into(),
            max_mip_triples: "2000".into(),
            ..TeamsForm::default()
        };
        let o = TeamsOptions::parse(&raw, d("2027-01-11")).unwrap();
        assert_eq!(o.from, d("2027-06-07"));
        assert_eq!((o.weights.phase, o.weights.hub_repeat, o.weights.themes), (Some(0.0), Some(100.0), None));
        assert_eq!((o.recent_cycles, o.time_limit_secs, o.max_mip_triples), (Some(10), Some(120.0), Some(2000)));
        assert!(o.same_hub_is_conflict);
    }

    #[test]
    fn teams_options_name_every_bad_field() {
        let raw = TeamsForm {
            from: "next week".into(),
            w_phase: "-5".into(),
            w_themes: "NaN".into(),
            w_travel: "101".into(),
            w_reciprocity: "lots".into(),
            recent_cycles: "11".into(),
            seconds: "500".into(),
            max_mip_triples: "0".into(),
            ..TeamsForm::default()
        };
        let e = TeamsOptions::parse(&raw, d("2027-01-11")).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["from", "w_phase", "w_themes", "w_travel", "w_reciprocity", "recent_cycles", "seconds", "max_mip_triples"]
        );
        assert_eq!(e[1].message, "Same phase must be a number from 0 to 100, not \"-5\"");
        assert_eq!(e[6].message, "The time limit must be a number from 1 to 120, not \"500\"");
        assert_eq!(e[5].message, "Cycles must be a whole number from 0 to 10, not \"11\"");
        assert!(e[7].message.contains("1 to 1,000,000"), "{}", e[7].message);
    }

    #[test]
    fn groups_options() {
        let o = GroupsOptions::parse(&GroupsForm::default(), Some(25.0), 4).unwrap();
        assert_eq!(o, GroupsOptions { min_km: 25.0, group_size: 4, seconds: 5.0, max_min: false });
        let raw = GroupsForm { min_km: "0".into(), group_size: "3".into(), seconds: "1".into(), max_min: "on".into() };
        assert_eq!(
            GroupsOptions::parse(&raw, None, 3).unwrap(),
            GroupsOptions { min_km: 0.0, group_size: 3, seconds: 1.0, max_min: true }
        );
        let raw =
            GroupsForm { min_km: "1001".into(), group_size: "5".into(), seconds: "0.5".into(), max_min: "".into() };
        let e = GroupsOptions::parse(&raw, None, 3).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["min_km", "group_size", "seconds"]);
        assert_eq!(e[0].message, "The least distance (km) must be a number from 0 to 1,000, not \"1001\"");
        assert_eq!(e[1].message, "Groups are of 3 or 4 schools, not \"5\"");
    }

    #[test]
    fn hand_changes_and_pair_rules_read_their_words() {
        assert_eq!(TeamChange::parse("lead"), Ok(TeamChange::Lead));
        assert_eq!(TeamChange::parse("peer"), Ok(TeamChange::Peer));
        assert_eq!(TeamChange::parse("remove"), Ok(TeamChange::Remove));
        assert_eq!(TeamChange::parse("boss").unwrap_err().message, "\"boss\" is not a change (lead, peer or remove)");
        assert_eq!(PairRule::parse("apart"), Ok(PairRule::Apart));
        assert_eq!(PairRule::parse("none").unwrap().code(), None);
        assert_eq!(PairRule::from_code("together"), Some(PairRule::Together));
        assert_eq!(PairRule::parse("x").unwrap_err().field, "kind");
    }

    #[test]
    fn visit_days_fall_on_tuesdays_to_thursdays_weeks_apart_within_the_terms() {
        // The demo's year: 12 January 2027 is a Tuesday.
        assert_eq!(visit_dates("2026-27", 0, 3), vec![d("2027-01-12"), d("2027-03-09"), d("2027-05-04")]);
        assert_eq!(visit_dates("2026-27", 1, 1), vec![d("2027-01-13")]);
        assert_eq!(visit_dates("2026-27", 3, 1), vec![d("2027-01-19")]);
        for (year, members) in ["2025-26", "2026-27", "2027-28", "2028-29", "2029-30", "2030-31", "2031-32"]
            .into_iter()
            .flat_map(|y| [(y, 3), (y, 4)])
        {
            for g in 0..12 {
                let days = visit_dates(year, g, members);
                assert_eq!(days.len(), members);
                for (i, day) in days.iter().enumerate() {
                    assert!(
                        matches!(day.weekday(), Weekday::Tue | Weekday::Wed | Weekday::Thu),
                        "{year} group {g}: {day} is a {:?}",
                        day.weekday()
                    );
                    if i > 0 {
                        assert_eq!((*day - days[i - 1]).num_days(), if members == 4 { 49 } else { 56 });
                    }
                }
                let last = days[members - 1];
                assert!(last < NaiveDate::from_ymd_opt(days[0].year(), 7, 15).unwrap(), "{year} group {g}: {last}");
            }
            // Two groups of the first twelve never share a first day.
            let firsts: std::collections::HashSet<NaiveDate> = (0..12).map(|g| visit_dates(year, g, 1)[0]).collect();
            assert_eq!(firsts.len(), 12);
        }
        assert!(visit_dates("2026-27", 0, 0).is_empty());
    }
}
