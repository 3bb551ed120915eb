//! Safeguarding rules: how long an enhanced DBS check counts as in date.

use chrono::NaiveDate;

/// The partnership treats an enhanced DBS check as in date for three years.
pub const DBS_VALID_MONTHS: u32 = 36;

/// How far ahead a person is reminded that their check runs out.
pub const DBS_REMIND_DAYS: i64 = 60;

/// The last day a check made on `checked_on` is in date.
pub fn dbs_expires_on(checked_on: NaiveDate) -> NaiveDate {
    checked_on.checked_add_months(chrono::Months::new(DBS_VALID_MONTHS)).unwrap_or(NaiveDate::MAX)
}

/// Is a check made on `checked_on` in date on `today`?
pub fn dbs_in_date(checked_on: NaiveDate, today: NaiveDate) -> bool {
    today <= dbs_expires_on(checked_on)
}

/// The earliest check date still in date on `today`.
pub fn dbs_valid_from(today: NaiveDate) -> NaiveDate {
    today.checked_sub_months(chrono::Months::new(DBS_VALID_MONTHS)).unwrap_or(NaiveDate::MIN)
}

/// Where a person's DBS check stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbsState {
    /// No check recorded.
    Missing,
    /// Out of date since the day after this one.
    Expired(NaiveDate),
    /// In date, but runs out on this day within the reminder window.
    ExpiresSoon(NaiveDate),
    /// In date until this day.
    InDate(NaiveDate),
}

pub fn dbs_state(checked_on: Option<NaiveDate>, today: NaiveDate) -> DbsState {
    let Some(d) = checked_on else { return DbsState::Missing };
    let end = dbs_expires_on(d);
    if today > end {
        DbsState::Expired(end)
    } else if (end - today).num_days() <= DBS_REMIND_DAYS {
        DbsState::ExpiresSoon(end)
    } else {
        DbsState::InDate(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn a_check_lasts_three_years_with_a_reminder_before_it_ends() {
        let checked = d("2024-01-10");
        assert_eq!(dbs_expires_on(checked), d("2027-01-10"));
        assert!(dbs_in_date(checked, d("2027-01-10")));
        assert!(!dbs_in_date(checked, d("2027-01-11")));
        assert_eq!(dbs_state(None, d("2026-12-05")), DbsState::Missing);
        assert_eq!(dbs_state(Some(checked), d("2026-06-01")), DbsState::InDate(d("2027-01-10")));
        assert_eq!(dbs_state(Some(checked), d("2026-12-05")), DbsState::ExpiresSoon(d("2027-01-10")));
        assert_eq!(dbs_state(Some(checked), d("2027-02-01")), DbsState::Expired(d("2027-01-10")));
        assert_eq!(dbs_valid_from(d("2027-01-10")), checked);
        // A check made on 29 February lasts to the end of February.
        assert_eq!(dbs_expires_on(d("2024-02-29")), d("2027-02-28"));
    }
}
