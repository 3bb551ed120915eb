//! Matching, the service: everything the product does with the matching
//! engine, for the pages and the JSON API alike. Handlers read the request,
//! ask the policy, call a function here and render what it returns.
//!
//! - [`teams`]: review teams for a cycle's reviews.
//! - [`groups`]: Growing the Top groups of a cohort.
//! - [`facilitators`]: a facilitator for each group.
//! - [`runs`]: the documents a run keeps, their format version and readers
//!   for older formats (checked by golden files).
//!
//! A run's workflow (proposed, then accepted or discarded) and its
//! optimistic concurrency are the domain's
//! (`upward_domain::matching::check_change`); every change here asks it
//! first, and storage refuses a change made from an old version.

pub mod facilitators;
pub mod groups;
pub mod runs;
pub mod teams;

pub use runs::{Docs, LoadedRun};

use crate::AppState;
use crate::error::Failure;
use crate::services::home::HomeItem;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use upward_domain::ids::RunId;
use upward_domain::matching::{RunAction, RunRefusal, check_change};
use upward_domain::policy::{Action, Actor, authorize};
use upward_storage::Who;
use upward_storage::matching as store;

/// One theme of the taxonomy, as stored with a run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ThemeIn {
    pub id: String,
    pub label: String,
    pub weight: f64,
    pub keywords: Vec<String>,
}

/// The partnership's taxonomy (the `themes` table), as the engine's data.
pub fn taxonomy_of(themes: &[upward_storage::schools::Theme]) -> Vec<ThemeIn> {
    themes
        .iter()
        .map(|t| ThemeIn {
            id: t.code.clone(),
            label: t.label.clone(),
            weight: t.weight,
            keywords: t.keywords.split(';').map(|k| k.trim().to_string()).filter(|k| !k.is_empty()).collect(),
        })
        .collect()
}

/// The engine's taxonomy from stored themes (the shipped one when none).
pub fn engine_taxonomy(themes: &[ThemeIn]) -> upward_matching::themes::Taxonomy {
    if themes.is_empty() {
        return upward_matching::themes::Taxonomy::default();
    }
    let tags = themes
        .iter()
        .map(|t| upward_matching::themes::Tag {
            id: t.id.clone(),
            label: t.label.clone(),
            weight: t.weight,
            keywords: t.keywords.clone(),
        })
        .collect();
    upward_matching::themes::Taxonomy::new(tags).unwrap_or_default()
}

/// Is a DBS check made on `checked_on` (ISO date, as stored) in date on
/// `today`? The rule is the domain's (`upward_domain::safeguarding`), the
/// same the home page reminds people by.
pub fn dbs_in_date(checked_on: Option<&str>, today: NaiveDate) -> bool {
    checked_on
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .is_some_and(|d| upward_domain::safeguarding::dbs_in_date(d, today))
}

/// Points from thousandths ("12.3", "−0.5").
pub fn pts(milli: i64) -> String {
    let v = milli as f64 / 1000.0;
    if v < 0.0 { format!("−{:.1}", -v) } else { format!("{v:.1}") }
}

/// "32 already at their maximum load; 12 same trust as the host school",
/// most common reason first.
pub fn counts_text<K: Copy>(
    counts: impl IntoIterator<Item = (K, usize)>,
    describe: impl Fn(K) -> &'static str,
) -> String {
    let mut v: Vec<(usize, &'static str)> = counts.into_iter().map(|(k, n)| (n, describe(k))).collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.0));
    v.iter().map(|(n, d)| format!("{n} {d}")).collect::<Vec<_>>().join("; ")
}

/// Default start of the matching window: reviews from four weeks ahead
/// (nearer ones are already being planned with their teams).
pub fn default_from(today: NaiveDate) -> NaiveDate {
    today + chrono::Days::new(29)
}

/// A refused change of a run: 409 with the domain's message.
pub(crate) fn refused(r: RunRefusal) -> Failure {
    Failure::Conflict(r.to_string())
}

/// A hand change made: what to tell the person, and whether it broke more
/// rules than before.
#[derive(Debug, Clone)]
pub struct Edited {
    pub message: String,
    pub worse: bool,
}

/// A run with its documents.
pub async fn load(state: &AppState, id: RunId) -> Result<LoadedRun, Failure> {
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    let docs =
        Docs::of(&run).map_err(|e| Failure::internal(format!("stored matching run {id} could not be read: {e}")))?;
    Ok(LoadedRun { run, docs })
}

/// The broken hard rules of a run's current assignment, one line each, as
/// its page shows them.
pub fn broken_rules(docs: &Docs) -> Result<Vec<String>, Failure> {
    match docs {
        Docs::Teams(r) => Ok(teams::broken(r)),
        Docs::Groups(r) => groups::broken(r),
        Docs::Facilitators(r) => Ok(facilitators::broken(r)),
    }
}

/// Scores, broken down, and every broken rule of the current assignment,
/// as JSON (the API).
pub fn report_json(docs: &Docs) -> Result<serde_json::Value, Failure> {
    match docs {
        Docs::Teams(r) => {
            Ok(serde_json::to_value(upward_matching::reviews::rescore(&r.input.cycle, &r.current)).unwrap_or_default())
        }
        Docs::Groups(r) => groups::report_json(&r.input, &r.current),
        Docs::Facilitators(r) => Ok(serde_json::to_value(facilitators::check(r)).unwrap_or_default()),
    }
}

/// Re-score an assignment sent in the run's own form, without saving it.
pub fn rescore_json(docs: &Docs, assignment: serde_json::Value) -> Result<serde_json::Value, Failure> {
    let not_one = |e: serde_json::Error| {
        Failure::Invalid(vec![crate::error::FieldError::new(
            "body",
            format!("This is not an assignment of a {} run: {e}", docs.kind().code()),
        )])
    };
    let mut trial = docs.clone();
    match &mut trial {
        Docs::Teams(r) => r.current = serde_json::from_value(assignment).map_err(not_one)?,
        Docs::Groups(r) => r.current = serde_json::from_value(assignment).map_err(not_one)?,
        Docs::Facilitators(r) => r.current = serde_json::from_value(assignment).map_err(not_one)?,
    }
    report_json(&trial)
}

/// What accepting a run did.
#[derive(Debug, Clone)]
pub enum Accepted {
    /// Saved; the message to show.
    Done(String),
    /// Nothing saved: the run breaks these rules and the person did not say
    /// they accept them.
    BrokenRules(Vec<String>),
}

/// What a person is told when they accept a run that breaks rules without
/// saying they mean to. `how`: how to say one means it (the page's box or
/// the API's parameter).
pub fn broken_message(broken: &[String], how: &str) -> String {
    let n = broken.len();
    let first: Vec<&str> = broken.iter().take(3).map(String::as_str).collect();
    format!(
        "Nothing was accepted: this proposal breaks {n} hard rule{} ({}{}). Put it right, or {how} to accept it knowingly (the broken rules are kept on the audit trail).",
        if n == 1 { "" } else { "s" },
        first.join("; "),
        if n > 3 { format!("; and {} more", n - 3) } else { String::new() }
    )
}

/// Accept a run seen at version `seen`: save its teams, groups or
/// facilitators and tell everyone placed (e-mail recorded in the same
/// transaction). A run that breaks hard rules is accepted only with
/// `accept_broken` (the person has seen the rules and means it); the broken
/// rules then go on the audit trail.
pub async fn accept(
    state: &AppState,
    who: &Who,
    id: RunId,
    seen: i64,
    accept_broken: bool,
) -> Result<Accepted, Failure> {
    let LoadedRun { run, docs } = load(state, id).await?;
    check_change(run.status, run.version, seen, RunAction::Accept).map_err(refused)?;
    let broken = broken_rules(&docs)?;
    if !broken.is_empty() && !accept_broken {
        return Ok(Accepted::BrokenRules(broken));
    }
    let mut tx = state.db.begin().await?;
    let message = match &docs {
        Docs::Teams(r) => teams::accept(state, &mut tx, who, &run, seen, r, &broken).await?,
        Docs::Groups(r) => groups::accept(state, &mut tx, who, &run, seen, r, &broken).await?,
        Docs::Facilitators(r) => facilitators::accept(state, &mut tx, who, &run, seen, r, &broken).await?,
    };
    tx.commit().await?;
    Ok(Accepted::Done(message))
}

/// Discard a run seen at version `seen`. Nothing else changes; nobody is told.
pub async fn discard(state: &AppState, who: &Who, id: RunId, seen: i64) -> Result<(), Failure> {
    let run = store::get_run(&state.db, id).await?.ok_or(Failure::NotFound("matching run".into()))?;
    check_change(run.status, run.version, seen, RunAction::Discard).map_err(refused)?;
    let mut tx = state.db.begin().await?;
    store::discard_run(&mut tx, who, id, seen).await?;
    tx.commit().await?;
    Ok(())
}

/// What accepting or discarding a whole run would do, for the confirmation
/// page: "Accept these 12 teams? 41 people will be told by e-mail."
#[derive(Debug, Clone)]
pub struct Confirmation {
    /// "these 12 teams", "these 7 groups", "facilitators for 7 groups".
    pub what: String,
    /// People who would be told by e-mail on acceptance.
    pub told: usize,
    /// Who they are, in a few words ("people placed on a team").
    pub told_who: &'static str,
    /// The broken hard rules (accepting needs a tick when there are any).
    pub broken: Vec<String>,
}

pub async fn confirmation(state: &AppState, docs: &Docs) -> Result<Confirmation, Failure> {
    let broken = broken_rules(docs)?;
    Ok(match docs {
        Docs::Teams(r) => Confirmation {
            what: format!("these {} teams", r.input.cycle.reviews.len()),
            told: teams::placed(r).len(),
            told_who: "placed on a team",
            broken,
        },
        Docs::Groups(r) => {
            let mut leaders: Vec<_> =
                store::school_leaders(&state.db, &groups::schools(r)).await?.into_iter().map(|(_, p)| p.id).collect();
            leaders.sort();
            leaders.dedup();
            Confirmation {
                what: format!("these {} groups", r.current.len()),
                told: leaders.len(),
                told_who: "leading a school of a group",
                broken,
            }
        }
        Docs::Facilitators(r) => Confirmation {
            what: format!("facilitators for {} groups", r.input.groups.len()),
            told: facilitators::placed(r).len(),
            told_who: "chosen as a facilitator",
            broken,
        },
    })
}

/// Reviews this close without a team are the central team's to do.
pub const TEAMLESS_WINDOW_DAYS: u64 = 56;

/// The central team's matching to-dos for their home page: reviews in the
/// next eight weeks with no team (due when the first of them starts), and
/// each proposal awaiting acceptance. Nothing for anyone else.
pub async fn home_items(state: &AppState, actor: &Actor, today: NaiveDate) -> Result<Vec<HomeItem>, Failure> {
    if !authorize(Some(actor), &Action::RunMatching).allowed() {
        return Ok(vec![]);
    }
    let mut items = vec![];
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let until = today + chrono::Days::new(TEAMLESS_WINDOW_DAYS);
    let (n, first) = store::reviews_without_team(&state.db, &iso(today), &iso(until)).await?;
    if n > 0 {
        let first = first.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        let href = match first {
            Some(d) => format!("/matching?from={}", iso(d)),
            None => "/matching".to_string(),
        };
        items.push(
            HomeItem::to_do(
                format!(
                    "{n} review{} in the next 8 weeks {} no team",
                    if n == 1 { "" } else { "s" },
                    if n == 1 { "has" } else { "have" }
                ),
                href,
                first,
            )
            .detail("Propose teams for them on the matching page."),
        );
    }
    for r in store::proposed_runs(&state.db).await? {
        let what = r.kind.label();
        items.push(
            HomeItem::to_do(
                format!("Proposal #{} awaiting acceptance", r.id),
                format!("/matching/runs/{}", r.id),
                None,
            )
            .detail(format!("{what}: {}", r.summary)),
        );
    }
    Ok(items)
}
