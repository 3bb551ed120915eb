//! Time: the one clock every part of Upward reads, and the partnership's
//! local time (Europe/London).
//!
//! A [`Clock`] is the system's time plus an offset that only tests move
//! ([`Clock::travel_to`], [`Clock::advance`]), so deadlines, "overdue",
//! session lifetimes and sign-in lock-outs can be tested without waiting.
//! Time keeps flowing on a moved clock, as it does for real.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::London;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// The clock. Cheap to clone; clones share their offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock showing `at` now (and moving on from there).
    pub fn at(at: DateTime<Utc>) -> Clock {
        let c = Clock::default();
        c.travel_to(at);
        c
    }

    /// Now, in UTC.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::seconds(self.offset_secs.load(Ordering::Relaxed))
    }

    /// Now, in Unix seconds (how the database keeps times).
    pub fn timestamp(&self) -> i64 {
        self.now().timestamp()
    }

    /// Today's date in England.
    pub fn today(&self) -> NaiveDate {
        london_date(self.timestamp())
    }

    /// Move the clock so that it shows `at` now (tests).
    pub fn travel_to(&self, at: DateTime<Utc>) {
        self.offset_secs.store(at.timestamp() - Utc::now().timestamp(), Ordering::Relaxed);
    }

    /// Move the clock on (tests).
    pub fn advance(&self, by: chrono::Duration) {
        self.offset_secs.fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

/// A Unix time as local time in England.
pub fn london(t: i64) -> Option<DateTime<chrono_tz::Tz>> {
    DateTime::from_timestamp(t, 0).map(|d| d.with_timezone(&London))
}

/// The date in England at a Unix time.
pub fn london_date(t: i64) -> NaiveDate {
    london(t).map(|d| d.date_naive()).unwrap_or_default()
}

/// "7 Dec 2026, 09:30" in England's time (GMT or BST as the date needs).
pub fn london_text(t: i64) -> String {
    london(t).map(|d| d.format("%-d %b %Y, %H:%M").to_string()).unwrap_or_default()
}

/// "09:30" in England's time.
pub fn london_time(t: i64) -> String {
    london(t).map(|d| d.format("%H:%M").to_string()).unwrap_or_default()
}

/// The Unix time of a local date and time in England. Times that do not
/// exist (the hour skipped in March) move on an hour; times that happen
/// twice (October) take the first.
pub fn from_london(local: NaiveDateTime) -> i64 {
    match London.from_local_datetime(&local) {
        chrono::LocalResult::Single(d) => d.timestamp(),
        chrono::LocalResult::Ambiguous(a, _) => a.timestamp(),
        chrono::LocalResult::None => London
            .from_local_datetime(&(local + chrono::Duration::hours(1)))
            .earliest()
            .map(|d| d.timestamp())
            .unwrap_or_else(|| local.and_utc().timestamp()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_moved_clock_shows_the_time_it_was_moved_to() {
        let c = Clock::at(utc("2026-12-07T09:00:00Z"));
        assert!((c.timestamp() - utc("2026-12-07T09:00:00Z").timestamp()).abs() <= 1);
        assert_eq!(c.today(), NaiveDate::from_ymd_opt(2026, 12, 7).unwrap());
        let shared = c.clone();
        c.advance(chrono::Duration::days(2));
        assert_eq!(shared.today(), NaiveDate::from_ymd_opt(2026, 12, 9).unwrap());
        assert!((Clock::system().timestamp() - Utc::now().timestamp()).abs() <= 1);
    }

    #[test]
    fn local_time_in_england_follows_summer_time() {
        // 23:30 UTC on 30 June is already 1 July in England (BST).
        let t = utc("2026-06-30T23:30:00Z").timestamp();
        assert_eq!(london_date(t), NaiveDate::from_ymd_opt(2026, 7, 1).unwrap());
        assert_eq!(london_text(t), "1 Jul 2026, 00:30");
        // In winter England is on UTC.
        assert_eq!(london_text(utc("2026-12-07T09:00:00Z").timestamp()), "7 Dec 2026, 09:00");
        let nine = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap().and_hms_opt(9, 0, 0).unwrap();
        assert_eq!(from_london(nine), utc("2026-07-01T08:00:00Z").timestamp());
        // 01:30 on 29 March 2026 does not exist in England: it becomes 02:30 BST.
        let gap = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap().and_hms_opt(1, 30, 0).unwrap();
        assert_eq!(london_time(from_london(gap)), "02:30");
    }
}
