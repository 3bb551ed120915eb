//! Who may see what, by role and relationship: a school leader and their
//! own school's people or another school's, a Hub leader and their own Hub
//! or another, a trust executive and their own trust or another, a
//! reviewer and the reviews they are on or not, and the confidential part
//! of a profile. Real ids from the demo; every answer is checked for what
//! it shows (or does not), not only for its status.

use sqlx::Row;
use upward::testing::{Client, TestApp};

/// A person to look at: (id, full name).
type Target = (i64, String);

async fn one_person(app: &TestApp, label: &str, sql: String) -> Target {
    let r = sqlx::query(&sql)
        .fetch_optional(app.db().pool())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("the demo has no {label}: {sql}"));
    (r.get(0), r.get(1))
}

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(app.db().pool()).await.unwrap().get(0)
}

/// What the person's profile shows to `c`, on the page and over the API.
async fn sees(c: &Client, t: &Target, who: &str, relation: &str, allowed: bool, confidential: bool) {
    let (id, name) = t;
    let escaped = name.replace('&', "&amp;").replace('\'', "&#x27;").replace('"', "&quot;");
    let (status, page) = c.text(&format!("/people/{id}")).await;
    let api = c.get(&format!("/api/v1/people/{id}")).await;
    let api_status = api.status().as_u16();
    let api_body = api.text().await.unwrap();
    if allowed {
        assert_eq!(status, 200, "{who} opens the profile of {relation} ({name})");
        assert!(page.contains(&format!("<h1>{escaped}</h1>")), "{who}: the profile of {relation} names them");
        assert_eq!(api_status, 200, "{who}: the API gives {relation}");
        let v: serde_json::Value = serde_json::from_str(&api_body).unwrap();
        assert_eq!(v["full_name"].as_str(), Some(name.as_str()));
        assert_eq!(
            page.contains("Safeguarding"),
            confidential,
            "{who} {} the confidential safeguarding record of {relation}",
            if confidential { "sees" } else { "must not see" }
        );
    } else {
        assert_eq!(status, 403, "{who} is refused the profile of {relation}");
        assert!(!page.contains(&escaped), "{who}: the refusal does not name {relation}");
        assert_eq!(api_status, 403, "{who}: the API refuses {relation}");
        assert!(!api_body.contains(name.as_str()), "{who}: the API's refusal does not name {relation}");
    }
}

/// Every person the list gives `c` passes `ok` (by the list's JSON), and
/// the list is not empty.
async fn list_only(c: &Client, who: &str, ok: impl Fn(&serde_json::Value) -> bool) -> i64 {
    let v: serde_json::Value = c.get("/api/v1/people?per_page=500").await.json().await.unwrap();
    let items = v["items"].as_array().expect("a list");
    assert!(!items.is_empty(), "{who} sees some people");
    for p in items {
        assert!(ok(p), "{who} sees {} in the people list, outside their scope", p["full_name"]);
    }
    v["total"].as_i64().unwrap()
}

pub async fn roles_and_relationships(app: &TestApp) {
    let email_id = |e: &str| format!("(SELECT id FROM people WHERE email = '{e}@upward.example.org')");

    // A school leader: their own school's people, not another school's.
    let head = app.signed_in("head@upward.example.org").await;
    let school = scalar(app, &format!("SELECT school_id FROM people WHERE id = {}", email_id("head"))).await;
    let colleague = one_person(
        app,
        "colleague of the head",
        format!(
            "SELECT id, full_name FROM people WHERE school_id = {school} AND id <> {} ORDER BY id",
            email_id("head")
        ),
    )
    .await;
    let elsewhere = one_person(
        app,
        "person at another school",
        format!(
            "SELECT p.id, p.full_name FROM people p JOIN schools s ON s.id = p.school_id WHERE p.school_id <> {school} \
             AND COALESCE(s.trust_id, -1) <> COALESCE((SELECT trust_id FROM schools WHERE id = {school}), -2) ORDER BY p.id"
        ),
    )
    .await;
    sees(&head, &colleague, "the head", "a colleague at their school", true, false).await;
    sees(&head, &elsewhere, "the head", "a leader of another school", false, false).await;
    let me =
        one_person(app, "the head", format!("SELECT id, full_name FROM people WHERE id = {}", email_id("head"))).await;
    sees(&head, &me, "the head", "themself", true, true).await;
    list_only(&head, "the head", |p| p["school_urn"].is_number()).await;

    // A Hub Manager: their Hub's people, not another Hub's; never the
    // confidential record.
    let hm = app.signed_in("hub.manager@upward.example.org").await;
    let hub = scalar(
        app,
        &format!(
            "SELECT scope_id FROM role_grants WHERE person_id = {} AND role = 'hub_manager' AND scope_kind = 'hub'",
            email_id("hub.manager")
        ),
    )
    .await;
    let in_hub = one_person(
        app,
        "person in the Hub Manager's Hub",
        format!(
            "SELECT p.id, p.full_name FROM people p JOIN schools s ON s.id = p.school_id WHERE s.hub_id = {hub} \
             AND p.id <> {} ORDER BY p.id",
            email_id("hub.manager")
        ),
    )
    .await;
    let other_hub = one_person(
        app,
        "person in another Hub",
        format!(
            "SELECT p.id, p.full_name FROM people p JOIN schools s ON s.id = p.school_id WHERE s.hub_id <> {hub} ORDER BY p.id"
        ),
    )
    .await;
    sees(&hm, &in_hub, "the Hub Manager", "a person in their Hub", true, false).await;
    sees(&hm, &other_hub, "the Hub Manager", "a person in another Hub", false, false).await;
    let n = list_only(&hm, "the Hub Manager", |p| {
        p["hub_id"].as_i64() == Some(hub) || p["email"] == "hub.manager@upward.example.org"
    })
    .await;
    let in_hub_count = scalar(
        app,
        &format!("SELECT COUNT(*) FROM people p JOIN schools s ON s.id = p.school_id WHERE s.hub_id = {hub}"),
    )
    .await;
    assert!(n >= in_hub_count, "the Hub Manager sees all {in_hub_count} people of their Hub (saw {n})");

    // A trust executive: their trust's people, not another trust's.
    let te = app.signed_in("trust.exec@upward.example.org").await;
    let trust = scalar(
        app,
        &format!(
            "SELECT scope_id FROM role_grants WHERE person_id = {} AND role = 'trust_executive' AND scope_kind = 'trust'",
            email_id("trust.exec")
        ),
    )
    .await;
    let in_trust = one_person(
        app,
        "person in the executive's trust",
        format!(
            "SELECT p.id, p.full_name FROM people p JOIN schools s ON s.id = p.school_id WHERE s.trust_id = {trust} \
             AND p.id <> {} ORDER BY p.id",
            email_id("trust.exec")
        ),
    )
    .await;
    let other_trust = one_person(
        app,
        "person in another trust",
        format!(
            "SELECT p.id, p.full_name FROM people p JOIN schools s ON s.id = p.school_id \
             WHERE COALESCE(s.trust_id, -1) <> {trust} AND COALESCE(p.trust_id, -1) <> {trust} ORDER BY p.id"
        ),
    )
    .await;
    sees(&te, &in_trust, "the trust executive", "a person in their trust", true, false).await;
    sees(&te, &other_trust, "the trust executive", "a person in another trust", false, false).await;
    list_only(&te, "the trust executive", |p| p["trust_id"].as_i64() == Some(trust)).await;

    // A peer reviewer: no people list; their own record; their reviews in
    // their calendar, and no one else's.
    let rv = app.signed_in("reviewer@upward.example.org").await;
    assert_eq!(rv.get("/api/v1/people").await.status().as_u16(), 403, "a reviewer has no people list");
    let me = one_person(
        app,
        "the reviewer",
        format!("SELECT id, full_name FROM people WHERE id = {}", email_id("reviewer")),
    )
    .await;
    sees(&rv, &me, "the reviewer", "themself", true, true).await;
    sees(&rv, &colleague, "the reviewer", "a school leader", false, false).await;
    let on = sqlx::query(&format!(
        "SELECT s.name FROM review_team t JOIN reviews r ON r.id = t.review_id JOIN schools s ON s.id = r.school_id \
         WHERE t.person_id = {} ORDER BY r.starts_on DESC",
        email_id("reviewer")
    ))
    .fetch_all(app.db().pool())
    .await
    .unwrap();
    assert!(!on.is_empty(), "the demo reviewer is on reviews");
    let not_on: String = sqlx::query(&format!(
        "SELECT s.name FROM reviews r JOIN schools s ON s.id = r.school_id WHERE NOT EXISTS \
         (SELECT 1 FROM review_team t WHERE t.review_id = r.id AND t.person_id = {}) \
         AND NOT EXISTS (SELECT 1 FROM reviews r2 JOIN review_team t2 ON t2.review_id = r2.id \
           WHERE r2.school_id = r.school_id AND t2.person_id = {}) ORDER BY r.id",
        email_id("reviewer"),
        email_id("reviewer")
    ))
    .fetch_one(app.db().pool())
    .await
    .unwrap()
    .get(0);
    let cal: serde_json::Value = rv.get("/api/v1/account/calendar").await.json().await.unwrap();
    let titles: Vec<String> =
        cal["items"].as_array().unwrap().iter().map(|i| i["title"].as_str().unwrap_or("").to_string()).collect();
    let first: String = on[0].get(0);
    assert!(
        titles.iter().any(|t| t.contains(&first)),
        "the reviewer's calendar has their review at {first}: {titles:?}"
    );
    assert!(!titles.iter().any(|t| t.contains(&not_on)), "the reviewer's calendar has no review at {not_on}");

    // The central team sees anyone, with the confidential record.
    let pm = app.signed_in("programmes@upward.example.org").await;
    sees(&pm, &other_trust, "a programme manager", "anyone", true, true).await;
    sees(&pm, &me, "a programme manager", "a reviewer", true, true).await;
}
