//! Matching in the product: propose review teams, inspect, edit by hand with
//! re-scoring and warnings, accept; the same for Growing the Top groups and
//! their facilitators.

use sqlx::Row;
use upward::testing::TestApp;

async fn one(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(app.db().pool()).await.unwrap().get(0)
}

fn run_id(r: &reqwest::Response) -> i64 {
    let loc = r.headers()["location"].to_str().unwrap();
    loc.trim_start_matches("/matching/runs/").parse().unwrap_or_else(|_| panic!("not a run: {loc}"))
}

fn flash(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("upward_flash="))
        .map(|v| percent(v.split(';').next().unwrap_or("")))
        .unwrap_or_default()
}

fn percent(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = vec![];
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn review_teams_propose_edit_accept(app: &TestApp) {
    let c = app.signed_in("programmes@upward.example.org").await;
    let (status, page) = c.text("/matching").await;
    assert_eq!(status, 200);
    assert!(page.contains("Propose teams for 2026-27"));
    let cycle = one(app, "SELECT id FROM cycles WHERE name = '2026-27'").await;
    // Match the rest of the cycle from four weeks ahead (the default).
    let from = upward_web::pages::matching::default_from(chrono::Utc::now().date_naive());
    let from = from.as_str();
    let in_scope = one(app, &format!("SELECT COUNT(*) FROM reviews WHERE cycle_id = {cycle} AND starts_on >= '{from}' AND status IN ('booked','planned')")).await;
    assert!(in_scope > 5, "the demo books reviews in the summer term");
    let r = c.post_form(&format!("/matching/cycles/{cycle}/propose"), &[("seconds", "2")]).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    let id = run_id(&r);

    // Every review is listed with its team, each member's score and why.
    let (status, page) = c.text(&format!("/matching/runs/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Solver&#39;s verdict") || page.contains("Solver's verdict"));
    assert!(
        page.contains("Proven optimal")
            || (page.contains("Good, not proven best") && page.contains("A longer time limit")),
        "the verdict is in plain words, with what to do when not proven"
    );
    assert!(page.contains("How the solver knows"), "the proof is there on request");
    assert!(page.contains("same phase") && page.contains("travel"), "scores are broken down");
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    assert_eq!(api["kind"], "review_teams");
    assert_eq!(api["status"], "proposed");
    let report = &api["report"];
    assert_eq!(report["reviews"].as_array().unwrap().len() as i64, in_scope);
    assert_eq!(
        report["warnings"].as_array().unwrap().len(),
        0,
        "the proposal keeps every hard rule: {}",
        report["warnings"]
    );
    // Independently of the engine's own checker: no one at two reviews in a
    // week, no one from the host's school or trust.
    let teams = api["current"]["teams"].as_array().unwrap();
    let mut week_of_person: std::collections::HashMap<(String, String), String> = Default::default();
    for t in teams {
        let review: i64 = t["review"].as_str().unwrap().parse().unwrap();
        let row = sqlx::query("SELECT r.starts_on, r.school_id, s.trust_id FROM reviews r JOIN schools s ON s.id = r.school_id WHERE r.id = $1").bind(review).fetch_one(app.db().pool()).await.unwrap();
        let (starts, school, trust): (String, i64, Option<i64>) = (row.get(0), row.get(1), row.get(2));
        let d = chrono::NaiveDate::parse_from_str(&starts, "%Y-%m-%d").unwrap();
        let week = format!("{:?}", chrono::Datelike::iso_week(&d));
        let members: Vec<String> = t["lead"]
            .as_str()
            .into_iter()
            .map(str::to_string)
            .chain(t["peers"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()))
            .collect();
        for p in &members {
            let pid: i64 = p.parse().unwrap();
            let prow = sqlx::query("SELECT p.school_id, COALESCE(p.trust_id, s.trust_id) FROM people p LEFT JOIN schools s ON s.id = p.school_id WHERE p.id = $1").bind(pid).fetch_one(app.db().pool()).await.unwrap();
            let (pschool, ptrust): (Option<i64>, Option<i64>) = (prow.get(0), prow.get(1));
            assert_ne!(pschool, Some(school), "nobody reviews their own school");
            if trust.is_some() {
                assert_ne!(ptrust, trust, "nobody reviews a school of their own trust");
            }
            assert!(
                week_of_person.insert((p.clone(), week.clone()), starts.clone()).is_none(),
                "{p} is on two reviews in week {week}"
            );
        }
    }

    // Change a team by hand: put someone on two reviews in one week.
    let first = &teams[0];
    let review = first["review"].as_str().unwrap().to_string();
    let start: String = sqlx::query("SELECT starts_on FROM reviews WHERE id = $1")
        .bind(review.parse::<i64>().unwrap())
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let (_, team_page) = c.text(&format!("/matching/runs/{id}/reviews/{review}")).await;
    assert!(team_page.contains("Candidates"));
    assert!(team_page.contains("Not listed, because a hard rule excludes them"), "excluded candidates are explained");
    // Someone already on another review that week, added as a peer here.
    let mut clash_person = None;
    for t in teams.iter().filter(|t| t["review"] != first["review"]) {
        let rid: i64 = t["review"].as_str().unwrap().parse().unwrap();
        let s2: String = sqlx::query("SELECT starts_on FROM reviews WHERE id = $1")
            .bind(rid)
            .fetch_one(app.db().pool())
            .await
            .unwrap()
            .get(0);
        let wk = |s: &str| chrono::Datelike::iso_week(&chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
        if wk(&s2) == wk(&start) {
            clash_person = t["peers"].as_array().unwrap().first().and_then(|p| p.as_str()).map(str::to_string);
            break;
        }
    }
    let before: f64 = report["total"].as_f64().unwrap();
    let p = clash_person.expect("the demo has two reviews in some week");
    {
        let r =
            c.post_form(&format!("/matching/runs/{id}/reviews/{review}"), &[("action", "peer"), ("person", &p)]).await;
        assert_eq!(r.status(), 303);
        let msg = flash(&r);
        assert!(msg.contains("Total now") && msg.contains("new: see the warnings"), "{msg}");
        let (_, page) = c.text(&format!("/matching/runs/{id}")).await;
        assert!(page.contains("on more than one review in the same week"), "the week clash is named");
        let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
        assert!(api["report"]["warnings"].as_array().unwrap().iter().any(|w| w["rule"] == "WeekClash"));
        // Take them off again: no warnings.
        let r = c
            .post_form(&format!("/matching/runs/{id}/reviews/{review}"), &[("action", "remove"), ("person", &p)])
            .await;
        assert_eq!(r.status(), 303);
        let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
        assert_eq!(api["report"]["warnings"].as_array().unwrap().len(), 0);
        assert!((api["report"]["total"].as_f64().unwrap() - before).abs() < 1e-6);
    }
    // Re-score without saving, over the API: an empty team.
    let mut cur = api["current"].clone();
    cur["teams"][0]["peers"] = serde_json::json!([]);
    cur["teams"][0]["lead"] = serde_json::Value::Null;
    let preview: serde_json::Value = c
        .send(reqwest::Method::POST, &format!("/api/v1/matching/runs/{id}/rescore"), Some(cur))
        .await
        .json()
        .await
        .unwrap();
    assert!(preview["unfilled_places"].as_u64().unwrap() >= 3);
    let r = c
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/matching/runs/{id}/rescore"),
            Some(serde_json::json!({"teams": "nonsense"})),
        )
        .await;
    assert_eq!(r.status(), 422);

    // Put the week clash back: accepting it needs the person to say they mean it.
    let r = c.post_form(&format!("/matching/runs/{id}/reviews/{review}"), &[("action", "peer"), ("person", &p)]).await;
    assert_eq!(r.status(), 303);
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).contains("Nothing was accepted") && flash(&r).contains("same week"), "{}", flash(&r));
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    assert_eq!(api["status"], "proposed");

    // Accept knowingly: the teams are saved, on the audit trail (with the
    // broken rule), and in calendars.
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[("accept_broken", "on")]).await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).contains("Teams accepted"), "{}", flash(&r));
    let (summary, after): (String, String) = sqlx::query_as(&format!(
        "SELECT summary, after_json FROM audit_log WHERE action = 'match.accepted' AND entity_id = '{id}'"
    ))
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    assert!(summary.contains("broken rule") && summary.contains("accepted knowingly"), "{summary}");
    assert!(after.contains("same week"), "the broken rule itself is on the audit trail: {after}");
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    assert_eq!(api["status"], "accepted");
    for t in api["current"]["teams"].as_array().unwrap() {
        let rid: i64 = t["review"].as_str().unwrap().parse().unwrap();
        let n = one(app, &format!("SELECT COUNT(*) FROM review_team WHERE review_id = {rid}")).await;
        assert_eq!(n as usize, t["peers"].as_array().unwrap().len() + t["lead"].is_string() as usize);
    }
    assert!(one(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'review.team_set'").await >= in_scope);
    assert_eq!(
        one(app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'match.accepted' AND entity_id = '{id}'"))
            .await,
        1
    );
    // An accepted run can no longer be changed.
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[]).await;
    assert_eq!(r.status(), 409);
    // Not for everyone.
    let head = app.signed_in("head@upward.example.org").await;
    assert_eq!(head.get(&format!("/matching/runs/{id}")).await.status(), 403);
}

pub async fn groups_and_facilitators(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    let cohort = one(app, "SELECT id FROM cohorts ORDER BY id LIMIT 1").await;
    let n = one(app, &format!("SELECT COUNT(*) FROM cohort_schools WHERE cohort_id = {cohort}")).await;
    assert_eq!(n, 21, "the demo cohort has the pilot's 21 schools");
    let (status, page) = c.text(&format!("/matching/cohorts/{cohort}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Sixth form") || page.contains("sixth form"), "themes are shown");
    // Keep two schools apart, then propose.
    let ids: Vec<i64> =
        sqlx::query(&format!("SELECT school_id FROM cohort_schools WHERE cohort_id = {cohort} ORDER BY school_id"))
            .fetch_all(app.db().pool())
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
    let (a, b) = (ids[0].to_string(), ids[1].to_string());
    let r =
        c.post_form(&format!("/matching/cohorts/{cohort}/pairs"), &[("a", &a), ("b", &b), ("kind", "together")]).await;
    assert_eq!(r.status(), 303);
    let r = c
        .post_form(
            &format!("/matching/cohorts/{cohort}/groups"),
            &[("min_km", "25"), ("group_size", "3"), ("seconds", "2")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let id = run_id(&r);
    let (_, page) = c.text(&format!("/matching/runs/{id}")).await;
    assert!(page.contains("Proven optimal"), "21 schools are solved exactly");
    assert!(page.contains("Why these schools"));
    assert_eq!(page.matches("<h2 id=\"group-").count(), 7);
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    let groups = api["current"].as_array().unwrap();
    assert_eq!(groups.len(), 7);
    assert!(
        groups
            .iter()
            .any(|g| g.as_array().unwrap().iter().any(|s| s == &a) && g.as_array().unwrap().iter().any(|s| s == &b)),
        "the pinned pair shares a group"
    );
    assert_eq!(api["report"]["violations"].as_array().unwrap().len(), 0);
    for g in api["report"]["groups"].as_array().unwrap() {
        for p in g["pairs"].as_array().unwrap() {
            assert!(!p["reason"].as_str().unwrap().is_empty(), "every pair has a one-sentence reason");
        }
    }
    // Move a school by hand: a group of two breaks the size rule.
    let school = groups[0][0].as_str().unwrap().to_string();
    let r = c.post_form(&format!("/matching/runs/{id}/groups"), &[("school", &school), ("to", "2")]).await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).contains("broken rule"));
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    let v = api["report"]["violations"].as_array().unwrap();
    assert!(v.iter().any(|m| m.as_str().unwrap().contains("has 2 schools")), "{v:?}");
    // Accepting a grouping that breaks a rule needs the person to say they mean it.
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[]).await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).contains("Nothing was accepted: this proposal breaks"), "{}", flash(&r));
    let r = c.send(reqwest::Method::POST, &format!("/api/v1/matching/runs/{id}/accept"), None).await;
    assert_eq!(r.status(), 409);
    let err: serde_json::Value = r.json().await.unwrap();
    assert!(err.to_string().contains("has 2 schools"), "the API names the broken rule: {err}");
    assert_eq!(
        one(app, &format!("SELECT COUNT(*) FROM match_runs WHERE id = {id} AND status = 'proposed'")).await,
        1,
        "nothing was accepted"
    );
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM school_groups WHERE cohort_id = {cohort}")).await, 0);
    let (_, page) = c.text(&format!("/matching/runs/{id}")).await;
    assert!(page.contains("name=\"accept_broken\""), "the page offers to accept knowingly");
    let r = c.post_form(&format!("/matching/runs/{id}/groups"), &[("school", &school), ("to", "1")]).await;
    assert_eq!(r.status(), 303);
    let r = c.post_form(&format!("/matching/runs/{id}/groups"), &[("school", &school), ("to", "99")]).await;
    assert_eq!(r.status(), 400);
    let (_, page) = c.text(&format!("/matching/runs/{id}")).await;
    assert!(!page.contains("name=\"accept_broken\""), "nothing to acknowledge once the rules hold");
    // Accept: 7 groups with a visit day per school.
    assert_eq!(c.post_form(&format!("/matching/runs/{id}/accept"), &[]).await.status(), 303);
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'match.accepted' AND entity_id = '{id}' AND summary NOT LIKE '%broken%'")).await, 1);
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM school_groups WHERE cohort_id = {cohort}")).await, 7);
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM group_visits v JOIN school_groups g ON g.id = v.group_id WHERE g.cohort_id = {cohort}")).await, 21);
    // Facilitators, one per group, proven optimal.
    let r = c.post_form(&format!("/matching/cohorts/{cohort}/facilitators"), &[]).await;
    assert_eq!(r.status(), 303);
    let fid = run_id(&r);
    let (_, page) = c.text(&format!("/matching/runs/{fid}")).await;
    assert!(page.contains("optimal: min-cost flow"));
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{fid}")).await.json().await.unwrap();
    let chosen = api["current"].as_array().unwrap();
    assert_eq!(chosen.len(), 7);
    assert!(chosen.iter().all(|a| a["facilitator"].is_string()), "every group has a facilitator");
    assert_eq!(api["report"]["warnings"].as_array().unwrap().len(), 0);
    // Nobody facilitates a group their own school is in.
    for a in chosen {
        let g: i64 = a["group"].as_str().unwrap().parse().unwrap();
        let p: i64 = a["facilitator"].as_str().unwrap().parse().unwrap();
        let own = one(app, &format!("SELECT COUNT(*) FROM school_group_members m JOIN people p ON p.school_id = m.school_id WHERE m.group_id = {g} AND p.id = {p}")).await;
        assert_eq!(own, 0);
    }
    assert_eq!(c.post_form(&format!("/matching/runs/{fid}/accept"), &[]).await.status(), 303);
    assert_eq!(
        one(
            app,
            &format!("SELECT COUNT(*) FROM school_groups WHERE cohort_id = {cohort} AND facilitator_id IS NOT NULL")
        )
        .await,
        7
    );
    let (_, page) = c.text(&format!("/matching/cohorts/{cohort}")).await;
    assert!(!page.contains("not yet chosen"));
}

pub async fn theme_taxonomy_is_editable(app: &TestApp) {
    let c = app.signed_in("programmes@upward.example.org").await;
    // The tagger explains itself.
    let (status, page) = c.text("/matching/themes?try=Sixth+form+progress+and+retention+of+students").await;
    assert_eq!(status, 200);
    assert!(page.contains("matched the keyword"), "{page}");
    assert!(page.contains("sixth form"));
    // A text no theme covers yet…
    let (_, page) = c.text("/matching/themes?try=Forest+school+outdoor+learning").await;
    assert!(page.contains("No theme matched") && page.contains("choose one by hand"), "said plainly");
    // …until the central team adds one.
    let r = c
        .post_form(
            "/matching/themes",
            &[
                ("code", "outdoor"),
                ("label", "outdoor learning"),
                ("weight", "1"),
                ("keywords", "forest school; outdoor learning"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = c.text("/matching/themes?try=Forest+school+outdoor+learning").await;
    assert!(page.contains("<strong>outdoor learning</strong>"), "{page}");
    // Bad input is named, nothing changes.
    let before = one(app, "SELECT COUNT(*) FROM themes").await;
    let r = c.post_form("/matching/themes", &[("code", ""), ("label", ""), ("weight", "lots"), ("keywords", "")]).await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("short code")
            && body.contains("Enter a label")
            && body.contains("not &#34;lots&#34;")
            && body.contains("at least one keyword"),
        "{body}"
    );
    assert_eq!(one(app, "SELECT COUNT(*) FROM themes").await, before);
    // Editing a theme's keywords is on the audit trail.
    let id = one(app, "SELECT id FROM themes WHERE code = 'outdoor'").await;
    let r = c
        .post_form(
            &format!("/matching/themes/{id}"),
            &[
                ("label", "outdoor learning"),
                ("weight", "0.5"),
                ("keywords", "forest school; outdoor learning; outdoors"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        one(app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'theme.updated' AND entity_id = '{id}'"))
            .await,
        1
    );
    // A reviewer cannot edit themes.
    let rv = app.signed_in("reviewer@upward.example.org").await;
    assert_eq!(
        rv.post_form(&format!("/matching/themes/{id}"), &[("label", "x"), ("keywords", "x")]).await.status(),
        403
    );
}
