//! The home page is made of what each area contributes for the person
//! signed in: things to do (with the date they are due) and things coming
//! up. Each area's service has a `home_items(state, actor, today)` that
//! returns [`HomeItem`]s; the home page gathers them, sorts them by date
//! and shows them. Every link must open for that person (a test walks the
//! home page of every demo role).

use chrono::NaiveDate;

/// To do, or coming up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// Something the person should do, by `due` if set.
    ToDo,
    /// Something that will happen (a review, a visit, an event).
    ComingUp,
}

/// One line on someone's home page.
#[derive(Debug, Clone)]
pub struct HomeItem {
    pub kind: ItemKind,
    /// Short and plain: "Propose teams for 12 reviews without one".
    pub title: String,
    /// Where to do it or see it (a page this person may open).
    pub href: String,
    /// The date it is due (to do) or happens (coming up).
    pub due: Option<NaiveDate>,
    /// The last day, for things that last several days.
    pub until: Option<NaiveDate>,
    /// One line more, or empty.
    pub detail: String,
}

impl HomeItem {
    pub fn to_do(title: impl Into<String>, href: impl Into<String>, due: Option<NaiveDate>) -> HomeItem {
        HomeItem {
            kind: ItemKind::ToDo,
            title: title.into(),
            href: href.into(),
            due,
            until: None,
            detail: String::new(),
        }
    }

    pub fn coming_up(title: impl Into<String>, href: impl Into<String>, on: NaiveDate) -> HomeItem {
        HomeItem {
            kind: ItemKind::ComingUp,
            title: title.into(),
            href: href.into(),
            due: Some(on),
            until: None,
            detail: String::new(),
        }
    }

    pub fn until(mut self, last: NaiveDate) -> HomeItem {
        self.until = Some(last);
        self
    }

    pub fn detail(mut self, d: impl Into<String>) -> HomeItem {
        self.detail = d.into();
        self
    }

    /// Overdue on `today`: a to-do whose date has passed.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.kind == ItemKind::ToDo && self.due.is_some_and(|d| d < today)
    }
}

/// Items in the order the home page shows them: to-dos first (overdue and
/// soonest first, undated last), then what is coming up, soonest first.
pub fn sorted(mut items: Vec<HomeItem>) -> Vec<HomeItem> {
    items.sort_by(|a, b| {
        let k = |i: &HomeItem| (i.kind == ItemKind::ComingUp, i.due.is_none(), i.due);
        k(a).cmp(&k(b)).then_with(|| a.title.cmp(&b.title))
    });
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn to_dos_come_first_soonest_first_then_what_is_coming_up() {
        let items = sorted(vec![
            HomeItem::coming_up("Review at Oak", "/a", d("2026-12-09")),
            HomeItem::to_do("Undated", "/b", None),
            HomeItem::to_do("Late", "/c", Some(d("2026-12-01"))),
            HomeItem::to_do("Soon", "/d", Some(d("2026-12-08"))),
            HomeItem::coming_up("Event", "/e", d("2026-12-07")),
        ]);
        let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["Late", "Soon", "Undated", "Event", "Review at Oak"]);
        assert!(items[0].overdue(d("2026-12-05")));
        assert!(!items[1].overdue(d("2026-12-05")));
        assert!(!items[3].overdue(d("2026-12-09")));
    }
}
