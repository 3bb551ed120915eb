//! Small things a new user saw: nonsense page numbers, "1 messages",
//! searches defeated by an apostrophe, GIAS capitals shown raw.

use sqlx::Row;
use upward::testing::TestApp;

async fn one(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(app.db().pool()).await.unwrap().get(0)
}

pub async fn pages_counts_searches_and_names_read_well(app: &TestApp) {
    let c = app.signed_in("programmes@upward.example.org").await;

    // Past the last page: a clear sentence, no "Showing 24,951–24,950".
    let members = one(app, "SELECT COUNT(*) FROM schools WHERE membership = 'member'").await;
    let pages = (members + 24) / 25;
    let (status, page) = c.text("/schools?page=999").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("There is no page 999: there are {pages} pages")), "{page}");
    assert!(page.contains(&format!("page={pages}\">Go to the last page")));
    assert!(!page.contains("Showing 24,951"));
    let (_, page) = c.text("/people?page=999").await;
    assert!(page.contains("There is no page 999"), "the people list too");

    // One of a thing is singular.
    let urn = one(app, "SELECT urn FROM schools WHERE membership = 'member' ORDER BY urn LIMIT 1").await;
    let (_, page) = c.text(&format!("/schools?q={urn}")).await;
    assert!(page.contains("Showing 1–1 of 1 school<"), "{page}");
    let (_, page) = c.text("/people?q=programmes%40upward.example.org").await;
    assert!(page.contains("of 1 person<"), "{page}");
    let (_, page) = c.text("/admin/outbox?q=zzzz-nothing").await;
    assert!(page.contains("0 messages") && !page.contains("0 message<"));

    // Apostrophes and punctuation are ignored on both sides.
    let (_, page) = c.text("/schools?q=st+marys+church").await;
    assert!(
        page.contains("St Mary&#39;s Church of England Primary School")
            || page.contains("St Mary's Church of England Primary School"),
        "st marys finds St Mary's"
    );
    let (_, page) = c.text("/schools?q=st.+mary%27s").await;
    assert!(page.contains("Church of England Primary School"), "st. mary's finds it too");
    let obrien = one(app, "SELECT COUNT(*) FROM people WHERE full_name LIKE '%O''Brien%'").await;
    if obrien > 0 {
        let api: serde_json::Value = c.get("/api/v1/people?q=obrien&per_page=500").await.json().await.unwrap();
        assert_eq!(api["total"].as_i64().unwrap(), obrien, "obrien finds every O'Brien");
    }

    // GIAS capitals are shown in title case.
    let row = sqlx::query("SELECT id, name FROM trusts WHERE name = 'UNITED LEARNING TRUST'")
        .fetch_one(app.db().pool())
        .await
        .unwrap();
    let (trust, raw): (i64, String) = (row.get(0), row.get(1));
    let (_, page) = c.text(&format!("/trusts/{trust}")).await;
    assert!(page.contains("<h1>United Learning Trust</h1>"), "{page}");
    assert!(!page.contains(&raw));
    let (_, page) = c.text("/trusts?q=united+learning").await;
    assert!(page.contains("United Learning Trust") && !page.contains(&raw));

    // Search texts made by an older fold are made again at start.
    sqlx::query("UPDATE schools SET search_text = 'stale' WHERE name LIKE 'St Mary''s Church%'")
        .execute(app.db().pool())
        .await
        .unwrap();
    sqlx::query("UPDATE settings SET value = '1' WHERE key = 'search_text_fold'")
        .execute(app.db().pool())
        .await
        .unwrap();
    let (_, page) = c.text("/schools?q=st+marys+church").await;
    assert!(page.contains("No schools match."), "the stale text is what the search reads");
    app.db().migrate().await.unwrap();
    let (_, page) = c.text("/schools?q=st+marys+church").await;
    assert!(page.contains("Church of England Primary School"), "remade at start");
}
