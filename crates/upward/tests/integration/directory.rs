//! The directory: schools, Hubs, trusts and people.

use sqlx::Row;
use upward::testing::TestApp;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(app.db().pool()).await.unwrap().get(0)
}

pub async fn search_filter_sort_and_page_schools(app: &TestApp) {
    let c = app.signed_in("head@upward.example.org").await;
    // Default: open member schools, by name, 25 a page.
    let members = count(app, "SELECT COUNT(*) FROM schools WHERE membership = 'member'").await;
    let (status, page) = c.text("/schools").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("of {members} schools")), "count shown");
    assert_eq!(page.matches("<tr>").count(), 1 + 25, "header row and a page of 25");

    // By URN, by name words, by postcode (with or without the space).
    let r = sqlx::query("SELECT urn, name, postcode, town FROM schools WHERE membership = 'member' AND postcode IS NOT NULL ORDER BY urn LIMIT 1").fetch_one(app.db().pool()).await.unwrap();
    let (urn, name, postcode): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
    for q in [urn.to_string(), name.clone(), postcode.clone(), postcode.replace(' ', "").to_lowercase()] {
        let (_, page) = c.text(&format!("/schools?q={}", urlencode(&q))).await;
        assert!(page.contains(&format!("/schools/{urn}\"")), "searching {q:?} finds URN {urn}");
    }
    let (_, page) = c.text("/schools?q=zzzzqqqq").await;
    assert!(page.contains("No schools match."));

    // Filters combine; every row shown matches.
    let api: serde_json::Value =
        c.get("/api/v1/schools?phase=primary&ofsted=outstanding&per_page=500").await.json().await.unwrap();
    let want = count(app, "SELECT COUNT(*) FROM schools WHERE membership = 'member' AND phase = 'primary' AND ofsted_grade = 'outstanding' AND status IN ('open','proposed_to_close')").await;
    assert_eq!(api["total"].as_i64().unwrap(), want);
    assert!(want > 0);
    for s in api["items"].as_array().unwrap() {
        assert_eq!(s["phase"], "primary");
        assert_eq!(s["ofsted_grade"], "outstanding");
    }
    // Hub and all establishments.
    let hub = count(app, "SELECT MIN(hub_id) FROM schools WHERE hub_id IS NOT NULL").await;
    let in_hub =
        count(app, &format!("SELECT COUNT(*) FROM schools WHERE hub_id = {hub} AND membership = 'member'")).await;
    let api: serde_json::Value = c.get(&format!("/api/v1/schools?hub={hub}")).await.json().await.unwrap();
    assert_eq!(api["total"].as_i64().unwrap(), in_hub);
    let all = count(app, "SELECT COUNT(*) FROM schools WHERE status IN ('open','proposed_to_close')").await;
    let api: serde_json::Value = c.get("/api/v1/schools?scope=all&per_page=1").await.json().await.unwrap();
    assert_eq!(api["total"].as_i64().unwrap(), all);
    assert!(all > members);

    // Sorting by pupils, largest first; paging continues the order.
    let p1: serde_json::Value = c.get("/api/v1/schools?sort=pupils&dir=desc&per_page=10").await.json().await.unwrap();
    let p2: serde_json::Value =
        c.get("/api/v1/schools?sort=pupils&dir=desc&per_page=10&page=2").await.json().await.unwrap();
    let pupils: Vec<i64> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["items"].as_array().unwrap())
        .map(|s| s["pupils"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(pupils.len(), 20);
    assert!(pupils.windows(2).all(|w| w[0] >= w[1]), "descending: {pupils:?}");
    let max = count(app, "SELECT MAX(pupils) FROM schools WHERE membership = 'member'").await;
    assert_eq!(pupils[0], max);
    // The page's sort link says which way the column is sorted.
    let (_, page) = c.text("/schools?sort=pupils&dir=desc").await;
    assert!(page.contains(r#"aria-sort="descending""#));

    // Nonsense filters are named, not fatal.
    let (status, page) = c.text("/schools?phase=wizarding&sort=height&hub=abc").await;
    assert_eq!(status, 200);
    assert!(page.contains("Some filters were ignored"));
    assert!(page.contains("&#34;wizarding&#34; is not a phase"), "{page}");
    let r = c.get("/api/v1/schools?phase=wizarding").await;
    assert_eq!(r.status(), 422);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["fields"][0]["field"], "phase");
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

pub async fn school_profile_hubs_trusts_and_people(app: &TestApp) {
    let c = app.signed_in("senior.partner@upward.example.org").await;
    let r = sqlx::query(
        "SELECT s.urn, s.name, h.name FROM schools s JOIN hubs h ON h.id = s.hub_id \
         WHERE s.membership = 'member' AND EXISTS (SELECT 1 FROM school_performance p WHERE p.school_id = s.id) ORDER BY s.urn LIMIT 1",
    )
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    let (urn, name, hub): (i64, String, String) = (r.get(0), r.get(1), r.get(2));
    let (status, page) = c.text(&format!("/schools/{urn}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("<h1>{}</h1>", askama_escape(&name))));
    assert!(page.contains(&askama_escape(&hub)));
    assert!(page.contains("Performance against the national figure"));
    assert!(page.contains("National"));
    let (status, _) = c.text("/schools/999999999").await;
    assert_eq!(status, 404);
    let (status, page) = c.text("/schools/not-a-urn").await;
    assert_eq!(status, 404);
    assert!(page.contains("We could not find that school"));

    // Hubs list their leaders and schools.
    let hubs = count(app, "SELECT COUNT(*) FROM hubs").await;
    assert!((25..=35).contains(&hubs), "about 30 Hubs, got {hubs}");
    let (_, page) = c.text("/hubs").await;
    assert_eq!(page.matches("<a href=\"/hubs/").count() as i64, hubs);
    let hub_id = count(app, "SELECT MIN(id) FROM hubs").await;
    let (_, page) = c.text(&format!("/hubs/{hub_id}")).await;
    assert!(page.contains("Senior Partner") && page.contains("Hub Manager"));
    let sp: String = sqlx::query("SELECT p.full_name FROM role_grants g JOIN people p ON p.id = g.person_id WHERE g.role = 'senior_partner' AND g.scope_id = $1 LIMIT 1")
        .bind(hub_id)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert!(page.contains(&askama_escape(&sp)));
    // Trusts with their schools.
    let trust = count(app, "SELECT trust_id FROM schools WHERE membership = 'member' AND trust_id IS NOT NULL GROUP BY trust_id ORDER BY COUNT(*) DESC LIMIT 1").await;
    let (status, page) = c.text(&format!("/trusts/{trust}")).await;
    assert_eq!(status, 200);
    let n = count(app, &format!("SELECT COUNT(*) FROM schools WHERE trust_id = {trust}")).await;
    assert_eq!(page.matches("<a href=\"/schools/").count() as i64, n);
    // A person's profile shows roles, pools and specialisms.
    let pid = count(app, "SELECT id FROM people WHERE email = 'lead.reviewer@upward.example.org'").await;
    let admin = app.signed_in("admin@upward.example.org").await;
    let (_, page) = admin.text(&format!("/people/{pid}")).await;
    assert!(page.contains("Lead Reviewer"));
    assert!(page.contains("QA Review Lead Reviewer"));
    assert!(page.contains("Ofsted experience"));
    assert!(page.contains("Enhanced DBS check"), "the central team sees safeguarding");
}

fn askama_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&#34;").replace('\'', "&#39;")
}

pub async fn exports_csv_and_xlsx(app: &TestApp) {
    let c = app.signed_in("programmes@upward.example.org").await;
    let r = c.get("/schools?phase=secondary&format=csv").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("upward-schools-"));
    let body = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(body.as_bytes());
    let headers = rd.headers().unwrap().clone();
    assert_eq!(&headers[0], "URN");
    let phase_col = headers.iter().position(|h| h == "Phase").unwrap();
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    let want = count(app, "SELECT COUNT(*) FROM schools WHERE membership = 'member' AND phase = 'secondary' AND status IN ('open','proposed_to_close')").await;
    assert_eq!(rows.len() as i64, want, "every matching school, not just a page");
    assert!(rows.iter().all(|r| &r[phase_col] == "Secondary"));
    let r = c.get("/schools?phase=secondary&format=xlsx").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    // People and audit too.
    let r = c.get("/people?role=lead_reviewer&format=csv").await;
    let body = r.text().await.unwrap();
    let n = count(app, "SELECT COUNT(DISTINCT person_id) FROM role_grants WHERE role = 'lead_reviewer'").await;
    assert_eq!(body.lines().count() as i64, n + 1);
    assert!(body.lines().skip(1).all(|l| l.contains("Lead Reviewer")));
    let r = c.get("/admin/audit?action=hub.created&format=csv").await;
    let body = r.text().await.unwrap();
    let hubs = count(app, "SELECT COUNT(*) FROM hubs").await;
    assert_eq!(body.lines().count() as i64, hubs + 1);
}

pub async fn people_are_scoped_to_the_viewer(app: &TestApp) {
    // A Hub Manager sees the people of their Hub's schools (and themself).
    let hm = app.signed_in("hub.manager@upward.example.org").await;
    let hub = count(app, "SELECT g.scope_id FROM role_grants g JOIN people p ON p.id = g.person_id WHERE p.email = 'hub.manager@upward.example.org' AND g.role = 'hub_manager'").await;
    let want = count(
        app,
        &format!("SELECT COUNT(*) FROM people p LEFT JOIN schools s ON s.id = p.school_id WHERE s.hub_id = {hub}"),
    )
    .await;
    let v: serde_json::Value = hm.get("/api/v1/people?per_page=500").await.json().await.unwrap();
    assert_eq!(v["total"].as_i64().unwrap(), want);
    assert!(v["items"].as_array().unwrap().iter().all(|p| p["hub_id"].as_i64() == Some(hub)));
    // A headteacher sees their school's people only.
    let head = app.signed_in("head@upward.example.org").await;
    let school = count(app, "SELECT school_id FROM people WHERE email = 'head@upward.example.org'").await;
    let v: serde_json::Value = head.get("/api/v1/people?per_page=500").await.json().await.unwrap();
    let want = count(app, &format!("SELECT COUNT(*) FROM people WHERE school_id = {school}")).await;
    assert_eq!(v["total"].as_i64().unwrap(), want);
    // Someone elsewhere is out of reach, by page and by API.
    let other = count(
        app,
        &format!("SELECT MIN(p.id) FROM people p JOIN schools s ON s.id = p.school_id WHERE s.hub_id <> {hub}"),
    )
    .await;
    assert_eq!(hm.get(&format!("/people/{other}")).await.status(), 403);
    assert_eq!(hm.get(&format!("/api/v1/people/{other}")).await.status(), 403);
    // Safeguarding is the central team's and the person's own.
    let colleague = count(app, &format!("SELECT MIN(p.id) FROM people p JOIN schools s ON s.id = p.school_id WHERE s.hub_id = {hub} AND EXISTS (SELECT 1 FROM safeguarding x WHERE x.person_id = p.id)")).await;
    let (status, page) = hm.text(&format!("/people/{colleague}")).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Enhanced DBS check"));
    // A reviewer has no people list at all.
    let rv = app.signed_in("reviewer@upward.example.org").await;
    assert_eq!(rv.get("/people").await.status(), 403);
}
