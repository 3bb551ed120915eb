//! What the platform gives the central team's home page: school records
//! that have not been refreshed from GIAS for a while, and e-mails that
//! could not be sent.

use crate::AppState;
use crate::error::Failure;
use crate::services::home::HomeItem;
use chrono::NaiveDate;
use upward_domain::policy::{Action, Actor, authorize};
use upward_storage::{imports, jobs};

/// How old the last GIAS import may be before the central team is asked
/// to refresh the school records (GIAS changes daily; monthly is enough).
pub const GIAS_STALE_DAYS: i64 = 35;

pub async fn home_items(state: &AppState, actor: &Actor, today: NaiveDate) -> Result<Vec<HomeItem>, Failure> {
    let mut out = Vec::new();
    if authorize(Some(actor), &Action::ImportData).allowed() {
        let last = imports::recent(&state.db, 50)
            .await?
            .into_iter()
            .filter(|r| r.status == upward_domain::workflow::ImportStatus::Succeeded)
            .filter_map(|r| r.finished_at)
            .max();
        match last {
            None => out.push(
                HomeItem::to_do("Refresh the school records from GIAS", "/admin/imports", None)
                    .detail("No GIAS extract has been imported into this Upward yet."),
            ),
            Some(t) => {
                let on = upward_domain::clock::london_date(t);
                let due = on + chrono::Duration::days(GIAS_STALE_DAYS);
                if due <= today + chrono::Duration::days(7) {
                    out.push(
                        HomeItem::to_do("Refresh the school records from GIAS", "/admin/imports", Some(due))
                            .detail(format!("Last imported on {}.", crate::layout::date(&on.to_string()))),
                    );
                }
            }
        }
    }
    if authorize(Some(actor), &Action::ViewOutbox).allowed() {
        let (_, failed) = jobs::backlog(&state.db).await?;
        if failed > 0 {
            out.push(
                HomeItem::to_do(
                    format!("{failed} e-mail{} could not be sent", if failed == 1 { "" } else { "s" }),
                    "/admin/outbox",
                    Some(today),
                )
                .detail("Check the e-mail settings, then the addresses in the outbox."),
            );
        }
    }
    Ok(out)
}
