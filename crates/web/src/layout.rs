//! What every page shares: title, navigation for the person's roles, the
//! CSRF token for forms, and the flash message.

use crate::ctx::{Ctx, Flash};
use upward_domain::policy::Action;

#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub user_name: Option<String>,
    pub nav: Vec<NavLink>,
    pub admin_nav: Vec<NavLink>,
    pub csrf: String,
    pub flash: Option<Flash>,
}

impl Layout {
    pub fn new(ctx: &Ctx, title: impl Into<String>) -> Layout {
        let path = ctx.path.as_str();
        let link = |href: &'static str, label: &'static str| NavLink {
            href,
            label,
            current: if href == "/" { path == "/" } else { path == href || path.starts_with(&format!("{href}/")) },
        };
        let mut nav = Vec::new();
        let mut admin_nav = Vec::new();
        if ctx.me.is_some() {
            nav.push(link("/", "Home"));
            if ctx.can(&Action::BrowseDirectory) {
                nav.push(link("/schools", "Schools"));
                nav.push(link("/hubs", "Hubs"));
                nav.push(link("/trusts", "Trusts"));
            }
            if ctx.can(&Action::ListPeople) {
                nav.push(link("/people", "People"));
            }
            if ctx.can(&Action::ViewMatching) {
                nav.push(link("/matching", "Matching"));
            }
            nav.push(link("/account", "My account"));
            if ctx.can(&Action::ImportData) {
                admin_nav.push(link("/admin/imports", "Imports"));
            }
            if ctx.can(&Action::InvitePeople) {
                admin_nav.push(link("/admin/invite", "Invite a person"));
            }
            if ctx.can(&Action::ViewAudit) {
                admin_nav.push(link("/admin/audit", "Audit trail"));
            }
            if ctx.can(&Action::ViewOutbox) {
                admin_nav.push(link("/admin/outbox", "Outbox"));
            }
        }
        Layout {
            title: title.into(),
            user_name: ctx.me.as_ref().map(|m| m.name.clone()),
            nav,
            admin_nav,
            csrf: ctx.csrf.clone(),
            flash: ctx.flash.clone(),
        }
    }

    /// A layout without a person (errors raised before the context exists).
    pub fn bare(title: &str) -> Layout {
        Layout {
            title: title.into(),
            user_name: None,
            nav: vec![],
            admin_nav: vec![],
            csrf: String::new(),
            flash: None,
        }
    }
}

/// A Unix time as people in England read it: "7 Dec 2026, 09:30" in
/// England's time (GMT in winter, BST in summer).
pub fn when(t: i64) -> String {
    upward_domain::clock::london_text(t)
}

/// When a calendar item happens: "2 Mar 2026 to 4 Mar 2026" for whole
/// days, "7 Dec 2026, 09:00 to 16:00" for a timed event (England's time).
pub fn calendar_when(
    starts_on: Option<&str>,
    ends_on: Option<&str>,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
) -> String {
    use upward_domain::clock::{london_date, london_text, london_time};
    match (starts_on, starts_at) {
        (Some(s), _) => match ends_on.filter(|e| *e != s) {
            Some(e) => format!("{} to {}", date(s), date(e)),
            None => date(s),
        },
        (None, Some(s)) => match ends_at {
            Some(e) if london_date(e) == london_date(s) => format!("{} to {}", london_text(s), london_time(e)),
            Some(e) => format!("{} to {}", london_text(s), london_text(e)),
            None => london_text(s),
        },
        (None, None) => "date to be set".into(),
    }
}

pub fn when_opt(t: Option<i64>) -> String {
    t.map(when).unwrap_or_else(|| "—".into())
}

/// The one helper for counts in templates: "1 message", "2 messages",
/// "24,950 schools" (`{{ crate::layout::count(page.total, "message", "messages") }}`).
pub fn count(n: impl AsI64, one: &str, many: &str) -> String {
    upward_domain::text::count(n.as_i64(), one, many)
}

/// The word alone for a count: `{{ crate::layout::plural(n, "is", "are") }}`.
pub fn plural<'a>(n: impl AsI64, one: &'a str, many: &'a str) -> &'a str {
    upward_domain::text::plural(n.as_i64(), one, many)
}

/// "12,345".
pub fn thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// An ISO date "2026-03-02" as "2 Mar 2026".
pub fn date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%-d %b %Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

/// Numbers as templates hand them over (by value or by reference).
pub trait AsI64 {
    fn as_i64(&self) -> i64;
}
impl AsI64 for i64 {
    fn as_i64(&self) -> i64 {
        *self
    }
}
impl AsI64 for &i64 {
    fn as_i64(&self) -> i64 {
        **self
    }
}
impl AsI64 for &&i64 {
    fn as_i64(&self) -> i64 {
        ***self
    }
}
impl AsI64 for usize {
    fn as_i64(&self) -> i64 {
        *self as i64
    }
}
impl AsI64 for &usize {
    fn as_i64(&self) -> i64 {
        **self as i64
    }
}
impl AsI64 for u32 {
    fn as_i64(&self) -> i64 {
        *self as i64
    }
}
impl AsI64 for &u32 {
    fn as_i64(&self) -> i64 {
        **self as i64
    }
}
impl AsI64 for &&usize {
    fn as_i64(&self) -> i64 {
        ***self as i64
    }
}
impl AsI64 for u64 {
    fn as_i64(&self) -> i64 {
        *self as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(52000), "52,000");
        assert_eq!(thousands(-1234567), "-1,234,567");
        assert_eq!(date("2026-03-02"), "2 Mar 2026");
        assert_eq!(date("garbage"), "garbage");
        // England's time: GMT in winter, BST in summer.
        assert_eq!(when(1_796_634_000), "7 Dec 2026, 09:00");
        assert_eq!(when(1_782_896_400), "1 Jul 2026, 10:00");
        assert!(!when(0).contains("UTC"));
        assert_eq!(calendar_when(Some("2026-03-02"), Some("2026-03-04"), None, None), "2 Mar 2026 to 4 Mar 2026");
        assert_eq!(calendar_when(Some("2026-03-02"), Some("2026-03-02"), None, None), "2 Mar 2026");
        assert_eq!(calendar_when(None, None, Some(1_796_634_000), Some(1_796_659_200)), "7 Dec 2026, 09:00 to 16:00");
        assert_eq!(calendar_when(None, None, None, None), "date to be set");
    }
}
