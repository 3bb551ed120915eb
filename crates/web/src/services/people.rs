//! What the people area gives a home page: a pool member's own enhanced
//! DBS check (missing, running out, out of date), and for the central
//! team how many pool members have none in date.

use crate::AppState;
use crate::error::Failure;
use crate::layout::date;
use crate::services::home::HomeItem;
use chrono::NaiveDate;
use upward_domain::policy::Actor;
use upward_domain::safeguarding::{DbsState, dbs_state, dbs_valid_from};
use upward_storage::people;

pub async fn home_items(state: &AppState, actor: &Actor, today: NaiveDate) -> Result<Vec<HomeItem>, Failure> {
    let mut out = Vec::new();
    let me = actor.person_id;
    if let Some(p) = people::get(&state.db, me).await?
        && p.pools.iter().any(|x| x.status == "active")
    {
        let checked = people::safeguarding(&state.db, me)
            .await?
            .and_then(|s| s.dbs_checked_on)
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok());
        let href = format!("/people/{me}");
        match dbs_state(checked, today) {
            DbsState::Missing => out.push(
                HomeItem::to_do("Send the central team your enhanced DBS check", href, None)
                    .detail("You cannot be placed on a review or a visit until it is recorded."),
            ),
            DbsState::Expired(end) => {
                out.push(HomeItem::to_do("Your enhanced DBS check is out of date", href, Some(end)).detail(
                    "Send the central team your new check: until then you cannot be placed on a review or a visit.",
                ))
            }
            DbsState::ExpiresSoon(end) => out.push(
                HomeItem::to_do(
                    format!("Renew your enhanced DBS check by {}", date(&end.to_string())),
                    href,
                    Some(end),
                )
                .detail("After that day you cannot be placed on a review or a visit."),
            ),
            DbsState::InDate(_) => {}
        }
    }
    if actor.is_central() {
        let n = people::pool_members_without_dbs(&state.db, &dbs_valid_from(today).to_string()).await?;
        if n > 0 {
            out.push(
                HomeItem::to_do(
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
