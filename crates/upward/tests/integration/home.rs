//! The home page: what each person has to do and what is coming up, from
//! every area; every link on it opens for that person; deadlines follow
//! the clock.

use sqlx::Row;
use upward::demo::SIGN_INS;
use upward::testing::{Client, TestApp};

/// The links of a page's main content (not the header or the footer).
fn main_links(page: &str) -> Vec<String> {
    let main = page.split("<main").nth(1).and_then(|m| m.split("</main>").next()).unwrap_or("");
    main.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .filter(|h| h.starts_with('/'))
        .collect()
}

async fn home(c: &Client) -> String {
    let (status, page) = c.text("/").await;
    assert_eq!(status, 200);
    page
}

/// The text of the home page's "To do" or "Coming up" section.
fn section<'a>(page: &'a str, id: &str) -> &'a str {
    page.split(&format!("id=\"{id}\"")).nth(1).and_then(|s| s.split("</section>").next()).unwrap_or("")
}

pub async fn every_home_link_opens(app: &TestApp) {
    let mut broken = vec![];
    for (label, email) in SIGN_INS {
        let c = app.signed_in(email).await;
        let page = home(&c).await;
        let links = main_links(&page);
        assert!(!links.is_empty(), "{label}'s home page has links");
        for href in links {
            let (status, _) = c.text(&href).await;
            if status != 200 {
                broken.push(format!("{label}: {href} answers {status}"));
            }
        }
    }
    assert!(broken.is_empty(), "links on home pages that do not open:\n{}", broken.join("\n"));
}

pub async fn home_pages_say_what_to_do(app: &TestApp) {
    let db = app.db().pool();
    // The central team: the school records were never imported in this
    // Upward (the demo seeds them), so refreshing them is to do.
    let pm = app.signed_in("programmes@upward.example.org").await;
    let page = home(&pm).await;
    assert!(section(&page, "todo-h").contains("Refresh the school records from GIAS"), "{}", section(&page, "todo-h"));

    // A Hub Manager: their Hub's schools without a review this cycle, or
    // its reviews coming up, link to the Hub.
    let hm = app.signed_in("hub.manager@upward.example.org").await;
    let hub: i64 = sqlx::query(
        "SELECT g.scope_id FROM role_grants g JOIN people p ON p.id = g.person_id \
         WHERE p.email = 'hub.manager@upward.example.org' AND g.role = 'hub_manager'",
    )
    .fetch_one(db)
    .await
    .unwrap()
    .get(0);
    let page = home(&hm).await;
    assert!(page.contains(&format!("href=\"/hubs/{hub}\"")), "the Hub Manager's home links to their Hub");
    let name: String =
        sqlx::query(&format!("SELECT name FROM hubs WHERE id = {hub}")).fetch_one(db).await.unwrap().get(0);
    assert!(page.contains(&name), "the Hub is named");
    assert!(!page.contains("Hub Hub"), "and its name not doubled");

    // The head of a school hosting a review sees it coming up, with its
    // dates, linked to the school.
    let today = app.clock().today();
    let r = sqlx::query(
        "SELECT s.urn, r.starts_on FROM reviews r JOIN schools s ON s.id = r.school_id \
         JOIN people p ON p.school_id = s.id WHERE p.email = 'head@upward.example.org' ORDER BY r.starts_on DESC",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let (urn, starts): (i64, String) = (r.get(0), r.get(1));
    let start = chrono::NaiveDate::parse_from_str(&starts, "%Y-%m-%d").unwrap();
    // Move the clock to a week before the review: it is coming up.
    app.clock().travel_to((start - chrono::Days::new(7)).and_hms_opt(9, 0, 0).unwrap().and_utc());
    let head = app.signed_in("head@upward.example.org").await;
    let page = home(&head).await;
    let coming = section(&page, "agenda-h");
    assert!(coming.contains(&format!("href=\"/schools/{urn}\"")), "the head sees their school's review: {coming}");
    assert!(coming.contains(&format!("datetime=\"{starts}\"")), "with its date");
    app.clock().travel_to(today.and_hms_opt(12, 0, 0).unwrap().and_utc());
}

pub async fn deadlines_follow_the_clock(app: &TestApp) {
    let db = app.db().pool();
    let c = app.signed_in("reviewer@upward.example.org").await;
    let me: i64 = sqlx::query("SELECT id FROM people WHERE email = 'reviewer@upward.example.org'")
        .fetch_one(db)
        .await
        .unwrap()
        .get(0);
    // A check made three years ago less 30 days runs out in 30 days.
    let today = app.clock().today();
    let checked = today.checked_sub_months(chrono::Months::new(36)).unwrap() + chrono::Days::new(30);
    sqlx::query(&format!("UPDATE safeguarding SET dbs_checked_on = '{checked}' WHERE person_id = {me}"))
        .execute(db)
        .await
        .unwrap();
    let page = home(&c).await;
    let todo = section(&page, "todo-h");
    assert!(todo.contains("Renew your enhanced DBS check by"), "{todo}");
    assert!(!todo.contains("Overdue"), "not yet overdue: {todo}");
    // Forty days on, it is out of date, and overdue (and the session has
    // long ended: sign in again).
    app.clock().advance(chrono::Duration::days(40));
    assert_eq!(c.get("/").await.status(), 303, "a session does not outlive its time");
    let c = app.signed_in("reviewer@upward.example.org").await;
    let page = home(&c).await;
    let todo = section(&page, "todo-h");
    assert!(todo.contains("Your enhanced DBS check is out of date"), "{todo}");
    assert!(todo.contains("Overdue"), "{todo}");
    // The central team is told how many pool members are out of date.
    let pm = app.signed_in("programmes@upward.example.org").await;
    let page = home(&pm).await;
    assert!(section(&page, "todo-h").contains("no DBS check in date"));
    app.clock().advance(chrono::Duration::days(-40));
}
