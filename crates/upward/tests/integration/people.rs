//! The central team edits what matching uses about a person (pools,
//! specialisms, the DBS record, dates they cannot do, conflicts), on the
//! profile's pages and over the API, and matching's input sees each change;
//! nobody else can; a stale edit changes nothing.

use sqlx::Row;
use upward::testing::{Client, TestApp};
use upward_matching::reviews::{self, Rule};

async fn one(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(app.db().pool()).await.unwrap().get(0)
}

async fn version(c: &Client, id: i64) -> String {
    let v: serde_json::Value = c.get(&format!("/api/v1/people/{id}/matching")).await.json().await.unwrap();
    v["version"].as_i64().expect("a version").to_string()
}

/// The review-team instance as matching builds it, for the current cycle.
async fn teams_input(app: &TestApp) -> upward_web::services::matching::teams::TeamsInput {
    let cycle = one(app, "SELECT id FROM cycles ORDER BY starts_on DESC LIMIT 1").await;
    upward_web::services::matching::teams::teams_input(
        app.db(),
        upward_domain::ids::CycleId(cycle),
        chrono::NaiveDate::MIN,
        reviews::Weights::default(),
        reviews::Rules::default(),
        app.clock().today(),
    )
    .await
    .unwrap()
}

fn person(input: &upward_web::services::matching::teams::TeamsInput, id: i64) -> Option<&reviews::Person> {
    input.cycle.people.iter().find(|p| p.id == id.to_string())
}

fn audit_count(action: &str, id: i64) -> String {
    format!(
        "SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND entity_kind = 'person' AND entity_id = '{id}'"
    )
}

pub async fn central_team_edits_what_matching_uses(app: &TestApp) {
    let pm = app.signed_in("programmes@upward.example.org").await;
    let p = one(app, "SELECT id FROM people WHERE email = 'reviewer@upward.example.org'").await;
    let (status, page) = pm.text(&format!("/people/{p}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/people/{p}/matching\"")), "the profile links to the edit page");
    let (status, page) = pm.text(&format!("/people/{p}/matching")).await;
    assert_eq!(status, 200);
    for h in ["Pools", "Specialisms", "Safeguarding", "Dates they cannot do", "Conflicts of interest"] {
        assert!(page.contains(h), "{h}");
    }
    let before = teams_input(app).await;
    let me = person(&before, p).expect("the named reviewer is in matching's input");
    assert!(me.eligible);

    // A conflict of interest: the engine's rules now keep them away from a
    // school of this cycle they could review before.
    let review = before
        .cycle
        .reviews
        .iter()
        .find(|r| reviews::pair_rules(&before.cycle, me, r, reviews::Role::Peer).is_empty())
        .expect("a review the reviewer could join");
    let school_id: i64 = review.school.parse().unwrap();
    let urn = one(app, &format!("SELECT urn FROM schools WHERE id = {school_id}")).await.to_string();
    let v = version(&pm, p).await;
    let r = pm
        .post_form(
            &format!("/people/{p}/conflicts"),
            &[("version", &v), ("school_urn", &urn), ("reason", "Their partner teaches there")],
        )
        .await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let after = teams_input(app).await;
    let me = person(&after, p).unwrap();
    assert!(me.conflicts.contains(&review.school));
    let review = after.cycle.reviews.iter().find(|r| r.id == review.id).unwrap();
    assert!(reviews::pair_rules(&after.cycle, me, review, reviews::Role::Peer).contains(&Rule::DeclaredConflict));
    let (_, page) = pm.text(&format!("/people/{p}/matching")).await;
    assert!(page.contains("Their partner teaches there"));
    assert_eq!(one(app, &audit_count("person.conflict_declared", p)).await, 1);

    // A stale page: the version it showed is refused, and nothing changes.
    let stale = v.clone();
    let r = pm
        .post_form(
            &format!("/people/{p}/pools"),
            &[("version", &stale), ("pool", "reviewer"), ("status", "paused"), ("max_per_year", "4")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let body = r.text().await.unwrap();
    assert!(body.contains("Someone else changed this person") && body.contains("nothing was saved"), "{body}");
    assert_eq!(
        one(app, &format!("SELECT COUNT(*) FROM pool_memberships WHERE person_id = {p} AND status = 'active'")).await,
        1
    );
    let r = pm
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/people/{p}/pools"),
            Some(serde_json::json!({"version": stale.parse::<i64>().unwrap(), "pool": "reviewer", "status": "left"})),
        )
        .await;
    assert_eq!(r.status(), 409, "the API refuses a stale version too");

    // Pools: paused, they are not proposed at all; back, with a lower most.
    let v = version(&pm, p).await;
    let r = pm
        .post_form(&format!("/people/{p}/pools"), &[("version", &v), ("pool", "reviewer"), ("status", "paused")])
        .await;
    assert_eq!(r.status(), 303);
    assert!(person(&teams_input(app).await, p).is_none(), "a paused reviewer is not in matching's input");
    let v = version(&pm, p).await;
    let r = pm
        .post_form(
            &format!("/people/{p}/pools"),
            &[
                ("version", &v),
                ("pool", "reviewer"),
                ("status", "active"),
                ("since", "2019-10-01"),
                ("min_per_year", "1"),
                ("max_per_year", "2"),
                ("fee", "150"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let input = teams_input(app).await;
    let me = person(&input, p).unwrap();
    assert_eq!(me.max_load, 2, "the most a year reaches matching");
    assert_eq!(
        one(app, &format!("SELECT fee_pence FROM pool_memberships WHERE person_id = {p} AND pool = 'reviewer'")).await,
        15_000
    );
    // Joining another pool (the API).
    let v = version(&pm, p).await.parse::<i64>().unwrap();
    let r = pm
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/people/{p}/pools"),
            Some(serde_json::json!({"version": v, "pool": "lead_reviewer", "min_per_year": 6, "max_per_year": 8})),
        )
        .await;
    assert_eq!(r.status(), 200);
    let dto: serde_json::Value = r.json().await.unwrap();
    assert_eq!(dto["version"].as_i64().unwrap(), v + 1);
    assert!(dto["pools"].as_array().unwrap().iter().any(|x| x["pool"] == "lead_reviewer"));
    assert!(person(&teams_input(app).await, p).unwrap().can_lead, "now a Lead Reviewer for matching");

    // Specialisms (the API): special-school expertise for leading.
    let v = version(&pm, p).await.parse::<i64>().unwrap();
    let r = pm
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/people/{p}/specialisms"),
            Some(serde_json::json!({"version": v, "specialisms": ["Secondary", "Special (SEMH)"]})),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert!(person(&teams_input(app).await, p).unwrap().special_expertise);
    // ...and on the page: one ticked from the list, one new.
    let v = version(&pm, p).await;
    let r = pm
        .post_form(
            &format!("/people/{p}/specialisms"),
            &[("version", &v), ("specialism", "Secondary"), ("new_specialisms", "Oracy, Early reading")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let sp: Vec<String> =
        sqlx::query(&format!("SELECT specialism FROM person_specialisms WHERE person_id = {p} ORDER BY specialism"))
            .fetch_all(app.db().pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    assert_eq!(sp, vec!["Early reading", "Oracy", "Secondary"]);
    assert!(!person(&teams_input(app).await, p).unwrap().special_expertise);

    // The DBS check: four years old, they are no longer eligible.
    let old = (app.clock().today() - chrono::Days::new(4 * 365)).format("%Y-%m-%d").to_string();
    let v = version(&pm, p).await;
    let r = pm
        .post_form(
            &format!("/people/{p}/safeguarding"),
            &[
                ("version", &v),
                ("dbs_checked_on", &old),
                ("dbs_certificate", "0012 3456 7890"),
                ("trained_on", "2021-10-01"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(!person(&teams_input(app).await, p).unwrap().eligible, "a DBS check out of date makes them ineligible");
    let audit: String = sqlx::query(&format!(
        "SELECT after_json FROM audit_log WHERE action = 'person.safeguarding_set' AND entity_id = '{p}' ORDER BY id DESC LIMIT 1"
    ))
    .fetch_one(app.db().pool())
    .await
    .unwrap()
    .get(0);
    assert!(!audit.contains("001234567890"), "the certificate number stays off the audit trail");

    // Dates they cannot do.
    let v = version(&pm, p).await;
    let r = pm
        .post_form(
            &format!("/people/{p}/unavailable"),
            &[("version", &v), ("from", "2027-02-01"), ("to", "2027-02-03")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let cands = upward_storage::matching::candidates(app.db(), None).await.unwrap();
    let c = cands.iter().find(|c| c.id == p).unwrap();
    for d in ["2027-02-01", "2027-02-02", "2027-02-03"] {
        assert!(c.unavailable.contains(&d.to_string()), "{d}");
    }
    let v = version(&pm, p).await;
    let r = pm.post_form(&format!("/people/{p}/unavailable/remove"), &[("version", &v), ("date", "2027-02-02")]).await;
    assert_eq!(r.status(), 303);
    let cands = upward_storage::matching::candidates(app.db(), None).await.unwrap();
    assert!(!cands.iter().find(|c| c.id == p).unwrap().unavailable.contains(&"2027-02-02".to_string()));

    // Bad input: each field named, nothing changed (not even the version).
    let v = version(&pm, p).await;
    let r = pm
        .post_form(
            &format!("/people/{p}/pools"),
            &[("version", &v), ("pool", "reviewer"), ("min_per_year", "9"), ("max_per_year", "lots"), ("fee", "-3")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("The most a year must be a whole number") && body.contains("The fee must be"), "{body}");
    assert!(body.contains("value=\"lots\""), "what was typed is kept");
    let r = pm
        .post_form(&format!("/people/{p}/conflicts"), &[("version", &v), ("school_urn", "999999"), ("reason", "x")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("No school has the URN 999999"));
    let r = pm
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/people/{p}/unavailable"),
            Some(serde_json::json!({"version": v.parse::<i64>().unwrap(), "from": "2027-03-10", "to": "2027-03-01"})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["fields"][0]["field"], "to");
    assert_eq!(version(&pm, p).await, v, "a refused edit changes nothing");

    // Withdraw the conflict over the API.
    let r = pm.send(reqwest::Method::DELETE, &format!("/api/v1/people/{p}/conflicts/{urn}?version={v}"), None).await;
    assert_eq!(r.status(), 200);
    assert!(!person(&teams_input(app).await, p).unwrap().conflicts.contains(&school_id.to_string()));
    for action in [
        "person.conflict_declared",
        "person.conflict_withdrawn",
        "person.pool_set",
        "person.pool_joined",
        "person.specialisms_set",
        "person.safeguarding_set",
        "person.unavailable_set",
        "person.unavailable_cleared",
    ] {
        assert!(one(app, &audit_count(action, p)).await >= 1, "{action} is on the audit trail");
    }
}

pub async fn only_the_central_team_edits_and_dbs_stays_confidential(app: &TestApp) {
    let p = one(app, "SELECT id FROM people WHERE email = 'reviewer@upward.example.org'").await;
    let school = one(app, &format!("SELECT school_id FROM people WHERE id = {p}")).await;
    let hub = one(app, &format!("SELECT hub_id FROM schools WHERE id = {school}")).await;
    let pm = app.signed_in("programmes@upward.example.org").await;
    let v = version(&pm, p).await;

    // A Hub Manager (of the reviewer's own Hub, who may see the profile) cannot.
    let hm_email: String = sqlx::query(&format!(
        "SELECT p.email FROM role_grants g JOIN people p ON p.id = g.person_id WHERE g.role = 'hub_manager' AND g.scope_id = {hub} LIMIT 1"
    ))
    .fetch_one(app.db().pool())
    .await
    .unwrap()
    .get(0);
    let hm = app.signed_in(&hm_email).await;
    assert_eq!(hm.get(&format!("/people/{p}")).await.status(), 200, "they see the profile");
    assert_eq!(hm.get(&format!("/people/{p}/matching")).await.status(), 403);
    for (path, fields) in [
        (format!("/people/{p}/pools"), vec![("version", v.as_str()), ("pool", "reviewer"), ("status", "left")]),
        (format!("/people/{p}/specialisms"), vec![("version", v.as_str()), ("new_specialisms", "x")]),
        (format!("/people/{p}/safeguarding"), vec![("version", v.as_str()), ("dbs_checked_on", "2026-01-01")]),
        (format!("/people/{p}/unavailable"), vec![("version", v.as_str()), ("from", "2027-01-01")]),
    ] {
        assert_eq!(hm.post_form(&path, &fields).await.status(), 403, "{path}");
    }
    let r = hm
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/people/{p}/pools"),
            Some(serde_json::json!({"version": 0, "pool": "reviewer", "status": "left"})),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(version(&pm, p).await, v, "nothing changed");

    // The person sees their own DBS date; their headteacher does not.
    let dbs: String = sqlx::query(&format!("SELECT dbs_checked_on FROM safeguarding WHERE person_id = {p}"))
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let dbs = chrono::NaiveDate::parse_from_str(&dbs, "%Y-%m-%d").unwrap().format("%-d %b %Y").to_string();
    let me = app.signed_in("reviewer@upward.example.org").await;
    let (status, page) = me.text(&format!("/people/{p}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Enhanced DBS check") && page.contains(&dbs), "their own DBS date");
    assert!(!page.contains("Change what matching uses"), "but they cannot change it");
    assert_eq!(me.post_form(&format!("/people/{p}/safeguarding"), &[("version", &v)]).await.status(), 403);
    let head_email: String = sqlx::query(&format!(
        "SELECT p.email FROM role_grants g JOIN people p ON p.id = g.person_id WHERE g.role = 'school_leader' AND g.scope_id = {school} AND p.id <> {p} LIMIT 1"
    ))
    .fetch_one(app.db().pool())
    .await
    .unwrap()
    .get(0);
    let head = app.signed_in(&head_email).await;
    let (status, page) = head.text(&format!("/people/{p}")).await;
    assert_eq!(status, 200, "the head sees their colleague's profile");
    assert!(!page.contains("Enhanced DBS check") && !page.contains(&dbs), "but not the DBS record");
    assert_eq!(head.get(&format!("/api/v1/people/{p}/matching")).await.status(), 403);
}
