//! What the programmes give a person's home page: the reviews and events
//! in their calendar, and, for those who lead schools (a Hub, a trust, a
//! school), which of their schools have a review coming up and which have
//! none booked this cycle.

use crate::AppState;
use crate::error::Failure;
use crate::layout::date;
use crate::services::home::HomeItem;
use chrono::NaiveDate;
use upward_domain::policy::Actor;
use upward_storage::programmes::{self, Schools};
use upward_storage::{hubs, schools};

/// How far ahead "coming up" looks.
pub const AHEAD_DAYS: u64 = 8 * 7;

fn iso(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn parse(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// "Oak School, Elm Academy and 3 more".
fn some_names(names: &[String], shown: usize) -> String {
    match names.len() {
        0 => String::new(),
        n if n <= shown => match n {
            1 => names[0].clone(),
            _ => format!("{} and {}", names[..n - 1].join(", "), names[n - 1]),
        },
        n => format!("{} and {} more", names[..shown].join(", "), n - shown),
    }
}

pub async fn home_items(state: &AppState, actor: &Actor, today: NaiveDate) -> Result<Vec<HomeItem>, Failure> {
    let mut out = Vec::new();
    let horizon = today + chrono::Days::new(AHEAD_DAYS);

    // The person's own calendar: reviews they are on or host, events.
    for i in programmes::calendar(&state.db, actor.person_id).await? {
        let (start, end, time) = match (&i.starts_on, &i.ends_on, i.starts_at, i.ends_at) {
            (Some(s), e, _, _) => (parse(s), e.as_deref().and_then(parse), String::new()),
            (None, _, Some(s), e) => (
                Some(upward_domain::clock::london_date(s)),
                None,
                match e {
                    Some(e) => {
                        format!("{} to {}", upward_domain::clock::london_time(s), upward_domain::clock::london_time(e))
                    }
                    None => upward_domain::clock::london_time(s),
                },
            ),
            _ => (None, None, String::new()),
        };
        let Some(start) = start else { continue };
        let last = end.unwrap_or(start);
        if last < today || start > horizon {
            continue;
        }
        let href = i.school_urn.map(|u| format!("/schools/{u}")).unwrap_or_default();
        let mut item = HomeItem::coming_up(i.title.clone(), href, start);
        if end.is_some_and(|e| e != start) {
            item = item.until(last);
        }
        let detail = [time, i.location.clone().unwrap_or_default(), i.description.clone()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        out.push(item.detail(detail));
    }

    // Schools the person leads, as a Hub leader, a trust executive or a
    // school leader.
    let cycle = programmes::cycle_on(&state.db, &iso(today)).await?;
    let mut groups: Vec<(Schools, String, String)> = Vec::new();
    for h in actor.hubs() {
        if let Some(hub) = hubs::get(&state.db, h).await? {
            let name = if hub.name.ends_with(" Hub") { hub.name.clone() } else { format!("{} Hub", hub.name) };
            groups.push((Schools::Hub(h), name, format!("/hubs/{h}")));
        }
    }
    for t in actor.trusts() {
        if let Some(trust) = hubs::trust(&state.db, upward_domain::ids::TrustId(t)).await? {
            groups.push((Schools::Trust(t), trust.name.clone(), format!("/trusts/{t}")));
        }
    }
    for s in actor.schools() {
        if let Some(school) = schools::by_id(&state.db, s).await? {
            groups.push((Schools::School(s), school.name.clone(), format!("/schools/{}", school.urn)));
        }
    }
    for (of, name, href) in groups {
        let single = matches!(of, Schools::School(_));
        if !single {
            let coming = programmes::reviews_between(&state.db, of, &iso(today), &iso(horizon)).await?;
            if let Some(first) = coming.first().and_then(|r| parse(&r.starts_on)) {
                let names: Vec<String> = coming.iter().map(|r| r.school.clone()).collect();
                let title = if coming.len() == 1 {
                    format!("A review in {name}: {}", names[0])
                } else {
                    format!("{} reviews in {name} in the next eight weeks", coming.len())
                };
                out.push(HomeItem::coming_up(title, href.clone(), first).detail(format!(
                    "From {}: {}",
                    date(&iso(first)),
                    some_names(&names, 3)
                )));
            }
        }
        if let Some(c) = &cycle {
            let without = programmes::schools_without_review(&state.db, of, c.id).await?;
            if without.is_empty() {
                continue;
            }
            let due = parse(&c.ends_on);
            let names: Vec<String> = without.iter().map(|w| w.1.clone()).collect();
            let item = if single {
                HomeItem::to_do(format!("Book {name}'s review for {}", c.name), href, due)
                    .detail("Every member school can have a QA Review each year. Ask the central team for dates.")
            } else {
                HomeItem::to_do(
                    format!(
                        "{} school{} in {name} {} no review booked for {}",
                        without.len(),
                        if without.len() == 1 { "" } else { "s" },
                        if without.len() == 1 { "has" } else { "have" },
                        c.name
                    ),
                    href,
                    due,
                )
                .detail(some_names(&names, 3))
            };
            out.push(item);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::some_names;

    #[test]
    fn names_are_listed_then_counted() {
        let n = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(some_names(&n(&[]), 3), "");
        assert_eq!(some_names(&n(&["Oak"]), 3), "Oak");
        assert_eq!(some_names(&n(&["Oak", "Elm"]), 3), "Oak and Elm");
        assert_eq!(some_names(&n(&["Oak", "Elm", "Ash"]), 3), "Oak, Elm and Ash");
        assert_eq!(some_names(&n(&["Oak", "Elm", "Ash", "Yew", "Fir"]), 3), "Oak, Elm, Ash and 2 more");
    }
}
