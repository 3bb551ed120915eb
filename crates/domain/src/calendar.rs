//! Working days in England: weekends and bank holidays are not working
//! days. Deadlines such as "shared at least five working days before the
//! visit" count working days; reviews never fall on a bank holiday.
//!
//! England and Wales's bank holidays for 2025–2030 are built in
//! ([`ENGLAND_BANK_HOLIDAYS`]); the central team can add or remove days
//! (a one-off holiday, a moved one), so the rules take the holidays as a
//! [`Holidays`] value rather than reading the list themselves.

use chrono::{Datelike, NaiveDate, Weekday};
use std::collections::BTreeSet;

/// England and Wales's bank holidays, 2025 to 2030 (GOV.UK), with their
/// names. Substitute days are listed where a holiday falls at a weekend.
pub const ENGLAND_BANK_HOLIDAYS: &[(&str, &str)] = &[
    ("2025-01-01", "New Year's Day"),
    ("2025-04-18", "Good Friday"),
    ("2025-04-21", "Easter Monday"),
    ("2025-05-05", "Early May bank holiday"),
    ("2025-05-26", "Spring bank holiday"),
    ("2025-08-25", "Summer bank holiday"),
    ("2025-12-25", "Christmas Day"),
    ("2025-12-26", "Boxing Day"),
    ("2026-01-01", "New Year's Day"),
    ("2026-04-03", "Good Friday"),
    ("2026-04-06", "Easter Monday"),
    ("2026-05-04", "Early May bank holiday"),
    ("2026-05-25", "Spring bank holiday"),
    ("2026-08-31", "Summer bank holiday"),
    ("2026-12-25", "Christmas Day"),
    ("2026-12-28", "Boxing Day (substitute day)"),
    ("2027-01-01", "New Year's Day"),
    ("2027-03-26", "Good Friday"),
    ("2027-03-29", "Easter Monday"),
    ("2027-05-03", "Early May bank holiday"),
    ("2027-05-31", "Spring bank holiday"),
    ("2027-08-30", "Summer bank holiday"),
    ("2027-12-27", "Christmas Day (substitute day)"),
    ("2027-12-28", "Boxing Day (substitute day)"),
    ("2028-01-03", "New Year's Day (substitute day)"),
    ("2028-04-14", "Good Friday"),
    ("2028-04-17", "Easter Monday"),
    ("2028-05-01", "Early May bank holiday"),
    ("2028-05-29", "Spring bank holiday"),
    ("2028-08-28", "Summer bank holiday"),
    ("2028-12-25", "Christmas Day"),
    ("2028-12-26", "Boxing Day"),
    ("2029-01-01", "New Year's Day"),
    ("2029-03-30", "Good Friday"),
    ("2029-04-02", "Easter Monday"),
    ("2029-05-07", "Early May bank holiday"),
    ("2029-05-28", "Spring bank holiday"),
    ("2029-08-27", "Summer bank holiday"),
    ("2029-12-25", "Christmas Day"),
    ("2029-12-26", "Boxing Day"),
    ("2030-01-01", "New Year's Day"),
    ("2030-04-19", "Good Friday"),
    ("2030-04-22", "Easter Monday"),
    ("2030-05-06", "Early May bank holiday"),
    ("2030-05-27", "Spring bank holiday"),
    ("2030-08-26", "Summer bank holiday"),
    ("2030-12-25", "Christmas Day"),
    ("2030-12-26", "Boxing Day"),
];

/// A set of bank holidays.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holidays(BTreeSet<NaiveDate>);

impl Holidays {
    /// England's built-in bank holidays.
    pub fn england() -> Holidays {
        Holidays(
            ENGLAND_BANK_HOLIDAYS.iter().filter_map(|(d, _)| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect(),
        )
    }

    pub fn from_dates(dates: impl IntoIterator<Item = NaiveDate>) -> Holidays {
        Holidays(dates.into_iter().collect())
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.0.contains(&d)
    }

    /// A working day: Monday to Friday, not a bank holiday.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun) && !self.contains(d)
    }

    /// The working day `n` working days before `d` (`d` itself need not be
    /// a working day). "Five working days before a Monday visit" is the
    /// Monday before, or earlier when a bank holiday is in between.
    pub fn working_days_before(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = d;
        let mut left = n;
        while left > 0 {
            day = day.pred_opt().unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days from `from` (exclusive) to `to` (inclusive); 0 when
    /// `to` is not after `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            day = day.succ_opt().unwrap_or(to);
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_built_in_list_is_eight_days_a_year_all_on_weekdays() {
        let h = Holidays::england();
        for year in 2025..=2030 {
            let days: Vec<NaiveDate> =
                ENGLAND_BANK_HOLIDAYS.iter().map(|x| d(x.0)).filter(|x| x.year() == year).collect();
            assert_eq!(days.len(), 8, "{year}");
            for day in days {
                assert!(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun), "{day} is a weekday");
                assert!(!h.is_working_day(day));
            }
        }
        // Good Friday and Easter Monday are three days apart around Easter.
        for pair in ENGLAND_BANK_HOLIDAYS.windows(2) {
            if pair[0].1 == "Good Friday" {
                assert_eq!(pair[1].1, "Easter Monday");
                assert_eq!(d(pair[1].0) - d(pair[0].0), chrono::Duration::days(3));
            }
        }
    }

    #[test]
    fn working_days_skip_weekends_and_bank_holidays() {
        let h = Holidays::england();
        // Five working days before Monday 13 April 2026: Fri 10, Thu 9,
        // Wed 8, Tue 7, then Easter Monday (6) and Good Friday (3) are
        // holidays, so the fifth is Thursday 2 April.
        assert_eq!(h.working_days_before(d("2026-04-13"), 5), d("2026-04-02"));
        // An ordinary week: the Monday before.
        assert_eq!(h.working_days_before(d("2026-03-16"), 5), d("2026-03-09"));
        assert_eq!(h.working_days_between(d("2026-03-09"), d("2026-03-16")), 5);
        assert_eq!(h.working_days_between(d("2026-04-02"), d("2026-04-13")), 5);
        assert_eq!(h.working_days_between(d("2026-03-16"), d("2026-03-09")), 0);
        // The central team can add a day.
        let mut extra = Holidays::england();
        extra.0.insert(d("2026-03-12"));
        assert_eq!(extra.working_days_before(d("2026-03-16"), 5), d("2026-03-06"));
    }
}
