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

/// The version of the proposal a page was rendered from (its hidden field).
fn version_on(page: &str) -> String {
    let at = page.find("name=\"version\" value=\"").expect("the page carries the proposal's version");
    let rest = &page[at + "name=\"version\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

/// The version of a run as its page shows it now.
async fn seen(c: &upward::testing::Client, id: i64) -> String {
    let (status, page) = c.text(&format!("/matching/runs/{id}")).await;
    assert_eq!(status, 200);
    version_on(&page)
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
    let from = upward_web::services::matching::default_from(app.state.today()).format("%Y-%m-%d").to_string();
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
    // The solver's trade words stay behind "How the solver knows".
    let main = page.split("<details class=\"how\">").next().unwrap().to_string()
        + page.split("</details>").skip(1).collect::<Vec<_>>().join("").as_str();
    for word in ["Lagrangian", "MIP", "dual", " bound", " gap", "feasible", "triple"] {
        assert!(!main.contains(word), "\"{word}\" on the main page of a run");
    }
    // Team members are linked to their profiles, schools to theirs.
    assert!(page.contains("<a href=\"/people/"), "team members link to their profiles");
    assert!(page.contains("<a href=\"/schools/"), "schools link to their profiles");
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
    assert!(team_page.contains("<a href=\"/people/"), "members and candidates link to their profiles");
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
        let v = version_on(&team_page);
        let r = c
            .post_form(
                &format!("/matching/runs/{id}/reviews/{review}"),
                &[("version", &v), ("action", "peer"), ("person", &p)],
            )
            .await;
        assert_eq!(r.status(), 303);
        let msg = flash(&r);
        assert!(msg.contains("Total now") && msg.contains("new: see the warnings"), "{msg}");
        // The same page, sent again (its version is now old), changes nothing.
        let r = c
            .post_form(
                &format!("/matching/runs/{id}/reviews/{review}"),
                &[("version", &v), ("action", "remove"), ("person", &p)],
            )
            .await;
        assert_eq!(r.status(), 409);
        assert!(r.text().await.unwrap().contains("Someone else changed this proposal"));
        let (_, page) = c.text(&format!("/matching/runs/{id}")).await;
        assert!(page.contains("on more than one review in the same week"), "the week clash is named");
        // After a hand edit the solver's proof is not claimed for it.
        assert!(page.contains("Changed by hand since the solver proposed it"), "the verdict says it was edited");
        let verdict = &page[page.find("verdict</dt>").unwrap()..];
        let verdict = &verdict[..verdict.find("</dd>").unwrap()];
        assert!(!verdict.contains("<strong>Proven optimal"), "no proof claimed after an edit: {verdict}");
        let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
        assert!(api["report"]["warnings"].as_array().unwrap().iter().any(|w| w["rule"] == "WeekClash"));
        // Take them off again: no warnings.
        let v = seen(&c, id).await;
        let r = c
            .post_form(
                &format!("/matching/runs/{id}/reviews/{review}"),
                &[("version", &v), ("action", "remove"), ("person", &p)],
            )
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
    let v = seen(&c, id).await;
    let r = c
        .post_form(
            &format!("/matching/runs/{id}/reviews/{review}"),
            &[("version", &v), ("action", "peer"), ("person", &p)],
        )
        .await;
    assert_eq!(r.status(), 303);
    // Accept and Discard lead to a confirmation first (no JavaScript needed).
    let (_, page) = c.text(&format!("/matching/runs/{id}")).await;
    assert!(page.contains(&format!("<form method=\"get\" action=\"/matching/runs/{id}/accept\"")), "Accept asks first");
    assert!(
        page.contains(&format!("<form method=\"get\" action=\"/matching/runs/{id}/discard\"")),
        "Discard asks first"
    );
    let v = version_on(&page);
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    let placed: std::collections::BTreeSet<String> = api["current"]["teams"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|t| {
            t["lead"]
                .as_str()
                .map(str::to_string)
                .into_iter()
                .chain(t["peers"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_string()))
        })
        .collect();
    let (status, confirm) = c.text(&format!("/matching/runs/{id}/accept?version={v}")).await;
    assert_eq!(status, 200);
    assert!(confirm.contains(&format!("Accept these {in_scope} teams?")), "{confirm}");
    assert!(confirm.contains(&format!("{} people placed on a team will be told by e-mail", placed.len())), "{confirm}");
    assert!(confirm.contains(&format!("<form method=\"post\" action=\"/matching/runs/{id}/accept\"")), "it POSTs");
    assert!(confirm.contains("name=\"accept_broken\""), "the broken rule needs a tick");
    assert!(confirm.contains(&format!("href=\"/matching/runs/{id}\">Cancel")), "and can be cancelled");
    let (status, discard) = c.text(&format!("/matching/runs/{id}/discard?version={v}")).await;
    assert_eq!(status, 200);
    assert!(discard.contains("Discard this proposal?") && discard.contains("nobody is told"), "{discard}");
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[("version", &v)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"].to_str().unwrap(), format!("/matching/runs/{id}/accept?version={v}"));
    assert!(flash(&r).contains("Nothing was accepted") && flash(&r).contains("same week"), "{}", flash(&r));
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    assert_eq!(api["status"], "proposed");
    let outbox_before = one(app, "SELECT COUNT(*) FROM outbox").await;

    // Accept knowingly: the teams are saved, on the audit trail (with the
    // broken rule), and in calendars; everyone placed is told.
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[("version", &v), ("accept_broken", "on")]).await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).contains("Teams accepted"), "{}", flash(&r));
    assert_eq!(
        one(app, "SELECT COUNT(*) FROM outbox").await - outbox_before,
        placed.len() as i64,
        "one e-mail per person placed"
    );
    for pid in &placed {
        let (topic, subject, body, to): (String, String, String, String) = sqlx::query_as(&format!(
            "SELECT o.topic, o.subject, o.body_text, o.to_address FROM outbox o WHERE o.to_person_id = {pid} ORDER BY o.id DESC LIMIT 1"
        ))
        .fetch_one(app.db().pool())
        .await
        .unwrap();
        let email: String = sqlx::query_as::<_, (String,)>(&format!("SELECT email FROM people WHERE id = {pid}"))
            .fetch_one(app.db().pool())
            .await
            .unwrap()
            .0;
        assert_eq!((topic.as_str(), to.as_str()), ("reviews", email.as_str()));
        assert!(subject.starts_with("You are on"), "{subject}");
        assert!(body.contains("you are the Lead Reviewer") || body.contains("you are the peer reviewer"), "{body}");
    }
    // Their calendar shows it.
    let pid: i64 = placed.iter().next().unwrap().parse().unwrap();
    let cal = upward_storage::programmes::calendar(app.db(), pid).await.unwrap();
    let first_review = api["current"]["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["lead"].as_str() == Some(&pid.to_string())
                || t["peers"].as_array().unwrap().iter().any(|p| p.as_str() == Some(&pid.to_string()))
        })
        .unwrap()["review"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        cal.iter().any(|i| i.uid.starts_with(&format!("review-{first_review}-"))),
        "the review is on their calendar"
    );
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
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[("version", &v)]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("already been accepted"));
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
    let v = version_on(&page);
    let r =
        c.post_form(&format!("/matching/runs/{id}/groups"), &[("version", &v), ("school", &school), ("to", "2")]).await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).contains("broken rule"));
    let (_, page) = c.text(&format!("/matching/runs/{id}")).await;
    assert!(page.contains("Changed by hand since the solver proposed it"), "no proof claimed after a move");
    let api: serde_json::Value = c.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    let v = api["report"]["violations"].as_array().unwrap();
    assert!(v.iter().any(|m| m.as_str().unwrap().contains("has 2 schools")), "{v:?}");
    // Accepting a grouping that breaks a rule needs the person to say they mean it.
    let v = version_on(&page);
    let r = c.post_form(&format!("/matching/runs/{id}/accept"), &[("version", &v)]).await;
    assert_eq!(r.status(), 303);
    assert!(flash(&r).contains("Nothing was accepted: this proposal breaks"), "{}", flash(&r));
    let r = c.send(reqwest::Method::POST, &format!("/api/v1/matching/runs/{id}/accept"), None).await;
    assert_eq!(r.status(), 422, "the API says which version it accepts");
    assert!(r.text().await.unwrap().contains("\"field\":\"version\""));
    let r = c.send(reqwest::Method::POST, &format!("/api/v1/matching/runs/{id}/accept?version={v}"), None).await;
    assert_eq!(r.status(), 409);
    let err: serde_json::Value = r.json().await.unwrap();
    assert!(err.to_string().contains("has 2 schools"), "the API names the broken rule: {err}");
    assert_eq!(
        one(app, &format!("SELECT COUNT(*) FROM match_runs WHERE id = {id} AND status = 'proposed'")).await,
        1,
        "nothing was accepted"
    );
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM school_groups WHERE cohort_id = {cohort}")).await, 0);
    let (_, page) = c.text(&format!("/matching/runs/{id}/accept?version={v}")).await;
    assert!(page.contains("name=\"accept_broken\""), "the confirmation offers to accept knowingly");
    let r =
        c.post_form(&format!("/matching/runs/{id}/groups"), &[("version", &v), ("school", &school), ("to", "1")]).await;
    assert_eq!(r.status(), 303);
    let v = seen(&c, id).await;
    let r = c
        .post_form(&format!("/matching/runs/{id}/groups"), &[("version", &v), ("school", &school), ("to", "99")])
        .await;
    assert_eq!(r.status(), 400);
    let (_, page) = c.text(&format!("/matching/runs/{id}/accept?version={v}")).await;
    assert!(!page.contains("name=\"accept_broken\""), "nothing to acknowledge once the rules hold");
    assert!(page.contains("Accept these 7 groups?"), "{page}");
    // The schools' leaders will be told.
    let leaders = one(app, &format!("SELECT COUNT(DISTINCT g.person_id) FROM role_grants g JOIN people p ON p.id = g.person_id WHERE g.role = 'school_leader' AND g.scope_kind = 'school' AND p.status = 'active' AND g.scope_id IN (SELECT school_id FROM cohort_schools WHERE cohort_id = {cohort})")).await;
    assert!(
        page.contains(&format!(
            "{leaders} {} leading a school of a group will be told",
            if leaders == 1 { "person" } else { "people" }
        )),
        "{page}"
    );
    let outbox_before = one(app, "SELECT COUNT(*) FROM outbox WHERE topic = 'programmes'").await;
    // Accept: 7 groups with a visit day per school.
    assert_eq!(c.post_form(&format!("/matching/runs/{id}/accept"), &[("version", &v)]).await.status(), 303);
    assert_eq!(
        one(app, "SELECT COUNT(*) FROM outbox WHERE topic = 'programmes'").await - outbox_before,
        leaders,
        "each school leader is told"
    );
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'match.accepted' AND entity_id = '{id}' AND summary NOT LIKE '%broken%'")).await, 1);
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM school_groups WHERE cohort_id = {cohort}")).await, 7);
    assert_eq!(one(app, &format!("SELECT COUNT(*) FROM group_visits v JOIN school_groups g ON g.id = v.group_id WHERE g.cohort_id = {cohort}")).await, 21);
    // Facilitators, one per group, proven optimal.
    let r = c.post_form(&format!("/matching/cohorts/{cohort}/facilitators"), &[]).await;
    assert_eq!(r.status(), 303);
    let fid = run_id(&r);
    let (_, page) = c.text(&format!("/matching/runs/{fid}")).await;
    assert!(page.contains("optimal: min-cost flow"), "the proof is behind How the solver knows");
    assert!(page.contains("<details class=\"how\"><summary>How the solver knows"));
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
    // A facilitator changed by hand (to the same person: nothing breaks);
    // the same form sent again is refused, its version being old.
    let v = version_on(&page);
    let (g0, f0) = (chosen[0]["group"].as_str().unwrap(), chosen[0]["facilitator"].as_str().unwrap());
    let change = [("version", v.as_str()), ("group", g0), ("facilitator", f0)];
    assert_eq!(c.post_form(&format!("/matching/runs/{fid}/groups"), &change).await.status(), 303);
    let r = c.post_form(&format!("/matching/runs/{fid}/groups"), &change).await;
    assert_eq!(r.status(), 409);
    let v = seen(&c, fid).await;
    assert_eq!(v, "2");
    let outbox_before = one(app, "SELECT COUNT(*) FROM outbox WHERE topic = 'programmes'").await;
    assert_eq!(c.post_form(&format!("/matching/runs/{fid}/accept"), &[("version", &v)]).await.status(), 303);
    let facilitators: std::collections::BTreeSet<i64> =
        chosen.iter().map(|a| a["facilitator"].as_str().unwrap().parse().unwrap()).collect();
    assert_eq!(
        one(app, "SELECT COUNT(*) FROM outbox WHERE topic = 'programmes'").await - outbox_before,
        facilitators.len() as i64,
        "each facilitator is told"
    );
    // The visit days are in the facilitator's calendar, and in the school leaders'.
    let f = *facilitators.iter().next().unwrap();
    let cal = upward_storage::programmes::calendar(app.db(), f).await.unwrap();
    assert!(
        cal.iter().any(|i| i.title.starts_with("Growing the Top visit") && i.description.contains("facilitator")),
        "{cal:?}"
    );
    let leader = one(app, &format!("SELECT MIN(g.person_id) FROM role_grants g WHERE g.role = 'school_leader' AND g.scope_kind = 'school' AND g.scope_id IN (SELECT school_id FROM cohort_schools WHERE cohort_id = {cohort})")).await;
    let cal = upward_storage::programmes::calendar(app.db(), leader).await.unwrap();
    assert!(
        cal.iter().any(|i| i.title.starts_with("Growing the Top visit") && i.description.contains("Your school")),
        "{cal:?}"
    );
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

/// A groups proposal for the demo cohort (quick: 21 schools are solved exactly).
async fn groups_run(app: &TestApp, c: &upward::testing::Client) -> (i64, i64) {
    let cohort = one(app, "SELECT id FROM cohorts LIMIT 1").await;
    let r = c.post_form(&format!("/matching/cohorts/{cohort}/groups"), &[("seconds", "1")]).await;
    assert_eq!(r.status(), 303, "{:?}", r.text().await);
    (cohort, run_id(&r))
}

async fn run_row(app: &TestApp, id: i64) -> (String, i64, String) {
    sqlx::query_as(&format!("SELECT status, version, current_json FROM match_runs WHERE id = {id}"))
        .fetch_one(app.db().pool())
        .await
        .unwrap()
}

const STALE: &str = "Someone else changed this proposal while you were looking at it: reload to see their change";

/// Two programme managers (two sessions) have the same proposal open: the
/// first change wins, the second is refused with 409 and changes nothing;
/// a discarded run cannot be accepted (the domain's workflow), and the
/// database itself refuses an unknown status or kind.
pub async fn two_managers_edit_one_proposal(app: &TestApp) {
    let a = app.signed_in("programmes@upward.example.org").await;
    let b = app.signed_in("programmes@upward.example.org").await;
    let (_, id) = groups_run(app, &a).await;
    let api: serde_json::Value = a.get(&format!("/api/v1/matching/runs/{id}")).await.json().await.unwrap();
    assert_eq!(api["version"], 1);
    let groups = api["current"].as_array().unwrap().clone();
    let (x, y) = (groups[0][0].as_str().unwrap().to_string(), groups[1][0].as_str().unwrap().to_string());
    let (va, vb) = (seen(&a, id).await, seen(&b, id).await);
    assert_eq!((va.as_str(), vb.as_str()), ("1", "1"));

    // A moves a school first.
    let r = a.post_form(&format!("/matching/runs/{id}/groups"), &[("version", &va), ("school", &x), ("to", "2")]).await;
    assert_eq!(r.status(), 303);
    let after_a = run_row(app, id).await;
    assert_eq!((after_a.0.as_str(), after_a.1), ("proposed", 2));
    let edits_sql = format!("SELECT COUNT(*) FROM audit_log WHERE action = 'match.edited' AND entity_id = '{id}'");
    let edits = || one(app, &edits_sql);
    assert_eq!(edits().await, 1);

    // B, still looking at version 1: every change is refused, nothing changes.
    let r = b.post_form(&format!("/matching/runs/{id}/groups"), &[("version", &vb), ("school", &y), ("to", "1")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains(STALE));
    for path in ["accept", "discard"] {
        let r = b.post_form(&format!("/matching/runs/{id}/{path}"), &[("version", &vb)]).await;
        assert_eq!(r.status(), 409, "{path}");
        assert!(r.text().await.unwrap().contains(STALE), "{path}");
        let (status, page) = b.text(&format!("/matching/runs/{id}/{path}?version={vb}")).await;
        assert_eq!(status, 409, "the confirmation of {path} says so too");
        assert!(page.contains(STALE));
    }
    let r = b.send(reqwest::Method::POST, &format!("/api/v1/matching/runs/{id}/accept?version={vb}"), None).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains(STALE));
    assert_eq!(run_row(app, id).await, after_a, "nothing changed");
    assert_eq!(edits().await, 1);

    // B reloads and sees A's change; their own change now goes through.
    let vb = seen(&b, id).await;
    assert_eq!(vb, "2");
    let r = b.post_form(&format!("/matching/runs/{id}/groups"), &[("version", &vb), ("school", &x), ("to", "1")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(run_row(app, id).await.1, 3);

    // B discards (after the confirmation); A, with the latest version, cannot accept it.
    let vb = seen(&b, id).await;
    let (status, page) = b.text(&format!("/matching/runs/{id}/discard?version={vb}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Discard this proposal?"));
    let r = b.post_form(&format!("/matching/runs/{id}/discard"), &[("version", &vb)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(run_row(app, id).await.0, "discarded");
    let v = run_row(app, id).await.1.to_string();
    let refusal = "This proposal was discarded, so it cannot be accepted. Make a new proposal.";
    let r = a.post_form(&format!("/matching/runs/{id}/accept"), &[("version", &v), ("accept_broken", "on")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains(refusal));
    let r = a.send(reqwest::Method::POST, &format!("/api/v1/matching/runs/{id}/accept?version={v}"), None).await;
    assert_eq!(r.status(), 409);
    let err: serde_json::Value = r.json().await.unwrap();
    assert_eq!(err["message"], refusal);
    let r = a.post_form(&format!("/matching/runs/{id}/groups"), &[("version", &v), ("school", &x), ("to", "2")]).await;
    assert_eq!(r.status(), 409);
    assert_eq!(run_row(app, id).await.0, "discarded");
    let (_, page) = a.text(&format!("/matching/runs/{id}")).await;
    assert!(!page.contains("Accept these groups"), "nothing to accept on a discarded run");

    // The database refuses what the code does not know.
    for bad in [
        format!("UPDATE match_runs SET status = 'archived' WHERE id = {id}"),
        format!("UPDATE match_runs SET kind = 'teams' WHERE id = {id}"),
        format!("UPDATE match_runs SET version = 0 WHERE id = {id}"),
        "INSERT INTO match_runs (kind, subject_id, status, input_json, proposal_json, current_json, summary, created_at, updated_at) \
         VALUES ('groups', 1, 'maybe', '{}', '{}', '[]', '', 0, 0)"
            .to_string(),
    ] {
        assert!(sqlx::query(&bad).execute(app.db().pool()).await.is_err(), "{bad}");
    }
    assert_eq!(run_row(app, id).await.0, "discarded");
}

/// The API checks the propose options with the form's own rules: a time
/// limit of 500 s or a negative weight is refused with 422 naming the
/// field, and nothing is solved or kept.
pub async fn propose_options_are_checked_once(app: &TestApp) {
    let c = app.signed_in("programmes@upward.example.org").await;
    let cycle = one(app, "SELECT id FROM cycles WHERE name = '2026-27'").await;
    let runs = || one(app, "SELECT COUNT(*) FROM match_runs");
    let proposed = || one(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'match.proposed'");
    let (runs0, proposed0) = (runs().await, proposed().await);
    let url = format!("/api/v1/matching/cycles/{cycle}/propose");
    for (body, field, words) in [
        (serde_json::json!({"rules": {"time_limit_secs": 500}}), "rules.time_limit_secs", "from 1 to 120, not \"500\""),
        (serde_json::json!({"weights": {"phase": -5}}), "weights.phase", "from 0 to 100, not \"-5\""),
        (serde_json::json!({"weights": {"hub_repeat": 101}}), "weights.hub_repeat", "from 0 to 100"),
        (serde_json::json!({"rules": {"recent_cycles": 11}}), "rules.recent_cycles", "from 0 to 10"),
        (serde_json::json!({"from": "next week"}), "from", "not a date"),
    ] {
        let r = c.send(reqwest::Method::POST, &url, Some(body.clone())).await;
        assert_eq!(r.status(), 422, "{body}");
        let err: serde_json::Value = r.json().await.unwrap();
        let fields = err["fields"].as_array().unwrap();
        assert!(
            fields.iter().any(|f| f["field"] == field && f["message"].as_str().unwrap().contains(words)),
            "{body}: {err}"
        );
    }
    // Several at once: each is named.
    let r = c
        .send(
            reqwest::Method::POST,
            &url,
            Some(serde_json::json!({"weights": {"phase": -1, "mix": 1000}, "rules": {"time_limit_secs": 0}})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let err: serde_json::Value = r.json().await.unwrap();
    let names: Vec<&str> = err["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(names, ["weights.phase", "weights.mix", "rules.time_limit_secs"]);
    // The web form: the same rules, the same words.
    let r = c.post_form(&format!("/matching/cycles/{cycle}/propose"), &[("seconds", "500"), ("w_phase", "-5")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("The time limit must be a number from 1 to 120, not &#34;500&#34;"), "{page}");
    assert!(page.contains("Same phase must be a number from 0 to 100"), "{page}");
    assert!(page.contains("value=\"500\""), "what was typed is shown again");
    let cohort = one(app, "SELECT id FROM cohorts LIMIT 1").await;
    let r =
        c.post_form(&format!("/matching/cohorts/{cohort}/groups"), &[("min_km", "5000"), ("group_size", "5")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("must be a number from 0 to 1,000") && page.contains("Groups are of 3 or 4 schools"),
        "{page}"
    );
    assert_eq!((runs().await, proposed().await), (runs0, proposed0), "nothing was solved or kept");
}

/// What matching puts on the central team's home page, and on nobody else's.
pub async fn home_items_for_the_central_team(app: &TestApp) {
    use upward_web::services::home::ItemKind;
    let actor = |email: &'static str| async move {
        let id: i64 = one(app, &format!("SELECT id FROM people WHERE email = '{email}'")).await;
        let rec = upward_storage::people::actor(app.db(), id).await.unwrap().unwrap();
        upward_domain::Actor::new(id, rec.grants)
    };
    let pm = actor("programmes@upward.example.org").await;
    let head = actor("head@upward.example.org").await;
    let teamless =
        "r.status IN ('booked', 'planned') AND NOT EXISTS (SELECT 1 FROM review_team t WHERE t.review_id = r.id)";
    let first: String =
        sqlx::query_as::<_, (String,)>(&format!("SELECT MIN(starts_on) FROM reviews r WHERE {teamless}"))
            .fetch_one(app.db().pool())
            .await
            .unwrap()
            .0;
    let first = chrono::NaiveDate::parse_from_str(&first, "%Y-%m-%d").unwrap();
    let today = first - chrono::Days::new(10);
    let until = today + chrono::Days::new(56);
    let n = one(
        app,
        &format!(
            "SELECT COUNT(*) FROM reviews r WHERE {teamless} AND r.starts_on >= '{today}' AND r.starts_on <= '{until}'"
        ),
    )
    .await;
    assert!(n >= 1);
    let items = upward_web::services::matching::home_items(&app.state, &pm, today).await.unwrap();
    let item = items.iter().find(|i| i.title.contains("in the next 8 weeks")).expect("the teamless reviews");
    assert_eq!(
        item.title,
        format!(
            "{n} review{} in the next 8 weeks {} no team",
            if n == 1 { "" } else { "s" },
            if n == 1 { "has" } else { "have" }
        )
    );
    assert_eq!((item.kind, item.due), (ItemKind::ToDo, Some(first)));
    assert_eq!(item.href, format!("/matching?from={first}"));
    let c = app.signed_in("programmes@upward.example.org").await;
    let (status, page) = c.text(&item.href).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("value=\"{first}\"")), "the matching page starts at the first of them");
    assert!(!items.iter().any(|i| i.title.contains("awaiting acceptance")), "no proposal yet");
    // Nothing due beyond eight weeks ahead: a day with no review soon.
    let quiet =
        upward_web::services::matching::home_items(&app.state, &pm, first + chrono::Days::new(4000)).await.unwrap();
    assert!(quiet.is_empty(), "{quiet:?}");

    // A proposal awaits acceptance, until it is discarded.
    let (_, id) = groups_run(app, &c).await;
    let items = upward_web::services::matching::home_items(&app.state, &pm, today).await.unwrap();
    let item = items.iter().find(|i| i.title == format!("Proposal #{id} awaiting acceptance")).expect("the proposal");
    assert_eq!(item.href, format!("/matching/runs/{id}"));
    assert!(item.detail.starts_with("Growing the Top groups: "), "{}", item.detail);
    assert_eq!(c.get(&item.href).await.status(), 200);
    // Nothing for a headteacher.
    assert!(upward_web::services::matching::home_items(&app.state, &head, today).await.unwrap().is_empty());
    let v = seen(&c, id).await;
    assert_eq!(c.post_form(&format!("/matching/runs/{id}/discard"), &[("version", &v)]).await.status(), 303);
    let items = upward_web::services::matching::home_items(&app.state, &pm, today).await.unwrap();
    assert!(!items.iter().any(|i| i.title.contains("awaiting acceptance")));
}
