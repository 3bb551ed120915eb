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

/// Format a Unix time for people (UK time is close enough for a label; the
/// ISO form is in the `datetime` attribute).
pub fn when(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).map(|d| d.format("%-d %b %Y, %H:%M UTC").to_string()).unwrap_or_default()
}

pub fn when_opt(t: Option<i64>) -> String {
    t.map(when).unwrap_or_else(|| "—".into())
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
        assert_eq!(when(0), "1 Jan 1970, 00:00 UTC");
    }
}
