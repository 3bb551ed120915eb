//! What matching uses about a person, as the central team edits it: pools,
//! specialisms, the safeguarding record, dates they cannot do and declared
//! conflicts of interest. One path for the profile's forms and the JSON
//! API: the same permission (asked of the policy), the same checks (the
//! domain's, returning every problem by field), the same transaction (the
//! person's version moved on first, so an edit made from a stale page
//! changes nothing, then the change and its audit record).

use crate::AppState;
use crate::ctx::Ctx;
use crate::error::{Failure, FieldError};
use upward_domain::ids::{PersonId, SchoolId, Urn};
use upward_domain::people::{self as rules, ConflictInput, PoolInput, SafeguardingInput, UnavailableInput};
use upward_domain::policy::Action;
use upward_storage::people::{self, DeclaredConflict, Person, Safeguarding};
use upward_storage::schools;

/// One change to what matching uses about a person.
#[derive(Debug, Clone)]
pub enum Edit {
    /// Join a pool or change a membership (status, since, loads, fee).
    Pool(PoolInput),
    /// The specialisms, whole: those ticked plus new ones typed.
    Specialisms { chosen: Vec<String>, new: String },
    /// The safeguarding record (confidential).
    Safeguarding(SafeguardingInput),
    /// Dates they cannot do.
    Unavailable(UnavailableInput),
    /// A date they can do after all (ISO).
    Available(String),
    /// Declare a conflict of interest with a school.
    Conflict(ConflictInput),
    /// Withdraw the conflict with this school.
    Withdraw(Urn),
}

impl Edit {
    /// The policy's action for this edit on `p`.
    fn action(&self, p: &Person) -> Action {
        match self {
            Edit::Safeguarding(_) => Action::EditPersonConfidential(p.reference()),
            Edit::Pool(_)
            | Edit::Specialisms { .. }
            | Edit::Unavailable(_)
            | Edit::Available(_)
            | Edit::Conflict(_)
            | Edit::Withdraw(_) => Action::EditPersonForMatching(p.reference()),
        }
    }

    /// The heading (its id) of the profile's section this edit belongs to.
    pub fn section(&self) -> &'static str {
        match self {
            Edit::Pool(_) => "pools-h",
            Edit::Specialisms { .. } => "specialisms-h",
            Edit::Safeguarding(_) => "safe-h",
            Edit::Unavailable(_) | Edit::Available(_) => "unavailable-h",
            Edit::Conflict(_) | Edit::Withdraw(_) => "conflicts-h",
        }
    }
}

/// Everything matching uses about a person, for the page and the API.
pub struct MatchingFacts {
    pub person: Person,
    /// Present when the viewer may see it (central team, the person).
    pub safeguarding: Option<Safeguarding>,
    pub can_confidential: bool,
    pub unavailable: Vec<String>,
    pub conflicts: Vec<DeclaredConflict>,
}

pub async fn person(state: &AppState, id: PersonId) -> Result<Person, Failure> {
    people::get(&state.db, id).await?.ok_or_else(|| Failure::NotFound("person".into()))
}

/// What matching uses about `id`, for someone who may change it.
pub async fn facts(state: &AppState, ctx: &Ctx, id: PersonId) -> Result<MatchingFacts, Failure> {
    let p = person(state, id).await?;
    ctx.require(Action::EditPersonForMatching(p.reference()))?;
    let can_confidential = ctx.can(&Action::ViewPersonConfidential(p.reference()));
    let safeguarding = if can_confidential { people::safeguarding(&state.db, id).await? } else { None };
    Ok(MatchingFacts {
        unavailable: people::unavailable(&state.db, id).await?,
        conflicts: people::conflicts(&state.db, id).await?,
        person: p,
        safeguarding,
        can_confidential,
    })
}

/// Check and make one change from a page or request showing `version`.
/// Ok(Ok(what was done)) when saved; Ok(Err(problems)) when the input is
/// wrong (nothing changed); Err(Conflict) when the person changed since
/// `version` (nothing changed).
pub async fn edit(
    state: &AppState,
    ctx: &Ctx,
    id: PersonId,
    version: &str,
    edit: Edit,
) -> Result<Result<String, Vec<FieldError>>, Failure> {
    let p = person(state, id).await?;
    ctx.require(edit.action(&p))?;
    let today = state.today();
    let mut errors = vec![];
    let version = rules::version(version).map_err(|e| errors.extend(e)).ok();
    // Checked values, ready to store.
    enum Ready {
        Pool(rules::PoolMembership),
        Specialisms(Vec<String>),
        Safeguarding(rules::SafeguardingRecord),
        Unavailable(Vec<chrono::NaiveDate>),
        Available(chrono::NaiveDate),
        Conflict(SchoolId, String, String),
        Withdraw(SchoolId),
    }
    let ready = match edit {
        Edit::Pool(i) => i.check(today).map(Ready::Pool),
        Edit::Specialisms { chosen, new } => rules::specialisms(&chosen, &new).map(Ready::Specialisms),
        Edit::Safeguarding(i) => i.check(today).map(Ready::Safeguarding),
        Edit::Unavailable(i) => i.check(today).map(Ready::Unavailable),
        Edit::Available(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map(Ready::Available)
            .map_err(|_| vec![FieldError::new("date", format!("\"{}\" is not a date like 2027-01-12", d.trim()))]),
        Edit::Conflict(i) => match i.check() {
            Ok(c) => match schools::by_urn(&state.db, c.urn).await? {
                Some(s) => Ok(Ready::Conflict(SchoolId(s.id), format!("{} (URN {})", s.name, s.urn), c.reason)),
                None => Err(vec![FieldError::new("school_urn", format!("No school has the URN {}", c.urn))]),
            },
            Err(e) => Err(e),
        },
        Edit::Withdraw(urn) => match schools::by_urn(&state.db, urn.get()).await? {
            Some(s) => Ok(Ready::Withdraw(SchoolId(s.id))),
            None => return Err(Failure::NotFound("school".into())),
        },
    };
    let ready = match ready {
        Ok(r) => Some(r),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let (Some(version), Some(ready), true) = (version, ready, errors.is_empty()) else { return Ok(Err(errors)) };
    let who = ctx.who();
    let mut tx = state.db.begin().await?;
    people::bump_version(&mut tx, id, version).await?;
    let done = match ready {
        Ready::Pool(m) => {
            people::save_pool(&mut tx, &who, id, &m).await?;
            format!("{}: saved.", rules::pool_label(&m.pool))
        }
        Ready::Specialisms(list) => {
            people::save_specialisms(&mut tx, &who, id, &list).await?;
            if list.is_empty() { "Specialisms cleared.".into() } else { format!("Specialisms: {}.", list.join(", ")) }
        }
        Ready::Safeguarding(r) => {
            people::save_safeguarding(&mut tx, &who, id, &r).await?;
            "Safeguarding record saved.".into()
        }
        Ready::Unavailable(dates) => {
            people::mark_unavailable(&mut tx, &who, id, &dates).await?;
            format!(
                "{} {} marked as a day they cannot do.",
                upward_domain::text::count(dates.len() as i64, "date", "dates"),
                upward_domain::text::plural(dates.len() as i64, "is", "are")
            )
        }
        Ready::Available(d) => {
            people::clear_unavailable(&mut tx, &who, id, d).await?;
            format!("They can do {} after all.", d.format("%-d %b %Y"))
        }
        Ready::Conflict(school, label, reason) => {
            people::declare_conflict(&mut tx, &who, id, school, &label, &reason).await?;
            format!("Conflict of interest with {label} recorded: they will not be proposed to review it.")
        }
        Ready::Withdraw(school) => {
            people::withdraw_conflict(&mut tx, &who, id, school).await?;
            "Conflict of interest withdrawn.".into()
        }
    };
    tx.commit().await?;
    Ok(Ok(done))
}

// ---------------------------------------------------------------------------
// The home page: a pool member's own enhanced DBS check (missing, running
// out, out of date), and for the central team how many pool members have
// none in date.

pub async fn home_items(
    state: &AppState,
    actor: &upward_domain::policy::Actor,
    today: chrono::NaiveDate,
) -> Result<Vec<crate::services::home::HomeItem>, Failure> {
    let mut out = Vec::new();
    let me = actor.person_id;
    if let Some(p) = people::get(&state.db, PersonId(me)).await?
        && p.pools.iter().any(|x| x.status == upward_domain::workflow::PoolStatus::Active)
    {
        let checked = people::safeguarding(&state.db, PersonId(me))
            .await?
            .and_then(|s| s.dbs_checked_on)
            .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        let href = format!("/people/{me}");
        match upward_domain::safeguarding::dbs_state(checked, today) {
            upward_domain::safeguarding::DbsState::Missing => out.push(
                crate::services::home::HomeItem::to_do("Send the central team your enhanced DBS check", href, None)
                    .detail("You cannot be placed on a review or a visit until it is recorded."),
            ),
            upward_domain::safeguarding::DbsState::Expired(end) => out.push(
                crate::services::home::HomeItem::to_do("Your enhanced DBS check is out of date", href, Some(end))
                    .detail(
                        "Send the central team your new check: until then you cannot be placed on a review or a visit.",
                    ),
            ),
            upward_domain::safeguarding::DbsState::ExpiresSoon(end) => out.push(
                crate::services::home::HomeItem::to_do(
                    format!("Renew your enhanced DBS check by {}", crate::layout::date(&end.to_string())),
                    href,
                    Some(end),
                )
                .detail("After that day you cannot be placed on a review or a visit."),
            ),
            upward_domain::safeguarding::DbsState::InDate(_) => {}
        }
    }
    if actor.is_central() {
        let n = people::pool_members_without_dbs(
            &state.db,
            &upward_domain::safeguarding::dbs_valid_from(today).to_string(),
        )
        .await?;
        if n > 0 {
            out.push(
                crate::services::home::HomeItem::to_do(
                    format!(
                        "{n} {} in the reviewer and facilitator pools {} no DBS check in date",
                        if n == 1 { "person" } else { "people" },
                        if n == 1 { "has" } else { "have" }
                    ),
                    "/people?pool=reviewer",
                    None,
                )
                .detail("Matching leaves them out until a check in date is recorded."),
            );
        }
    }
    Ok(out)
}
