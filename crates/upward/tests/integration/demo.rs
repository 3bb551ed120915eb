//! The demo obeys its own rules: the matching engine's checkers pass over
//! the seeded reviews, groups and visits; loads are realistic; events show
//! their dates, in England's time.

use sqlx::Row;
use upward::testing::TestApp;

pub async fn demo_obeys_its_own_rules(app: &TestApp) {
    let broken = upward::demo::broken_rules(app.db()).await.unwrap();
    assert!(broken.is_empty(), "{} broken rules in the demo:\n{}", broken.len(), broken.join("\n"));

    // Realistic loads: in the school year that ended, Lead Reviewers lead
    // about 6 to 10 reviews, nobody is on more than 10.
    let loads = upward::demo::loads(app.db()).await.unwrap();
    let last: String = sqlx::query("SELECT name FROM cycles ORDER BY starts_on LIMIT 1")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let mut led: Vec<usize> = loads.iter().filter(|l| l.0 == last && l.2 > 0).map(|l| l.2).collect();
    led.sort();
    assert!(led.len() >= 30, "the past year's reviews are led by the pool, not a few: {}", led.len());
    assert!(loads.iter().all(|l| l.3 <= 10), "nobody is on more than 10 reviews a year");
    let median = led[led.len() / 2];
    assert!((5..=10).contains(&median), "a Lead Reviewer leads about 6 to 10 a year, median {median}: {led:?}");

    // The named Lead Reviewer: a realistic year, never two reviews in a week.
    let lead = "SELECT p.id FROM people p WHERE p.email = 'lead.reviewer@upward.example.org'";
    let rows = sqlx::query(&format!(
        "SELECT r.starts_on FROM review_team t JOIN reviews r ON r.id = t.review_id WHERE t.person_id = ({lead}) ORDER BY r.starts_on"
    ))
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    let starts: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    assert!((4..=20).contains(&starts.len()), "the named Lead Reviewer has {} reviews", starts.len());
    let weeks: std::collections::BTreeSet<_> = starts
        .iter()
        .map(|s| chrono::Datelike::iso_week(&chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()))
        .collect();
    assert_eq!(weeks.len(), starts.len(), "never two reviews in one week: {starts:?}");

    // Events show their dates and times, in England's time.
    let c = app.signed_in("reviewer@upward.example.org").await;
    let (status, page) = c.text("/").await;
    assert_eq!(status, 200);
    let row = sqlx::query(
        "SELECT e.title, e.starts_at, e.ends_at FROM events e JOIN event_registrations er ON er.event_id = e.id \
         JOIN people p ON p.id = er.person_id WHERE p.email = 'reviewer@upward.example.org' ORDER BY e.starts_at LIMIT 1",
    )
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    let (title, starts_at, ends_at): (String, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let day = upward_domain::clock::london_date(starts_at);
    let shown =
        format!("{} to {}", upward_domain::clock::london_time(starts_at), upward_domain::clock::london_time(ends_at));
    assert!(
        page.contains(&title) && page.contains(&format!("datetime=\"{day}\"")) && page.contains(&shown),
        "the event shows its day ({day}) and {shown}: {page}"
    );
    assert_eq!(upward_domain::clock::london_time(starts_at), "09:00", "the training starts at 09:00 in England");
    assert!(!page.contains("UTC"));
    // Their reviews coming up are listed with dates.
    assert!(page.contains("QA Review:"), "the named reviewer has a review coming up");

    // The check can fail: put the named Lead Reviewer on a second review in
    // the week of one of theirs, and it says so.
    let first = &starts[0];
    let until = plus_days(first, 4);
    let other: i64 = sqlx::query(&format!(
        "SELECT r.id FROM reviews r WHERE r.starts_on >= '{first}' AND r.starts_on <= '{until}' \
         AND NOT EXISTS (SELECT 1 FROM review_team t WHERE t.review_id = r.id AND t.person_id = ({lead})) LIMIT 1"
    ))
    .fetch_one(app.db().pool())
    .await
    .unwrap()
    .get(0);
    sqlx::query(&format!(
        "INSERT INTO review_team (review_id, person_id, role, created_at) VALUES ({other}, ({lead}), 'peer', 0)"
    ))
    .execute(app.db().pool())
    .await
    .unwrap();
    let broken = upward::demo::broken_rules(app.db()).await.unwrap();
    assert!(broken.iter().any(|b| b.contains("already reviewing that week")), "{broken:?}");
}

fn plus_days(iso: &str, n: u64) -> String {
    (chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d").unwrap() + chrono::Days::new(n)).format("%Y-%m-%d").to_string()
}
