//! Every route and API endpoint against every role. A route missing from
//! the table below fails the test: a new route must come with its decision.

use sqlx::Row;
use upward::demo::SIGN_INS;
use upward::testing::TestApp;
use upward_web::{Access, ROUTES};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Denied,
    SignIn,
}

/// Who each kind of route lets in (by demo sign-in e-mail prefix); None =
/// anonymous. Written here, apart from the policy, so the test can fail.
fn allowed(access: Access, who: Option<&str>) -> Outcome {
    let Some(who) = who else {
        return if matches!(access, Access::Anyone | Access::LinkHolder) { Outcome::Allowed } else { Outcome::SignIn };
    };
    let yes = match access {
        Access::Anyone | Access::LinkHolder | Access::SignedIn => true,
        Access::Members => !matches!(who, "applicant" | "shortlister"),
        Access::PeopleList => matches!(
            who,
            "admin" | "programmes" | "senior.partner" | "hub.manager" | "head" | "senior.leader" | "trust.exec"
        ),
        Access::CentralTeam => matches!(who, "admin" | "programmes"),
        Access::Admin => who == "admin",
    };
    if yes { Outcome::Allowed } else { Outcome::Denied }
}

/// Routes whose handler decides further about the item in the path, with
/// who gets in when the item is the one the test puts there.
fn item_rule(method: &str, path: &str, who: Option<&str>) -> Option<Outcome> {
    match (method, path) {
        // The person viewed is the admin: only the central team (and the
        // admin themself) may see them.
        ("get", "/people/{id}") | ("get", "/api/v1/people/{id}") => Some(match who {
            None => Outcome::SignIn,
            Some("admin" | "programmes") => Outcome::Allowed,
            Some(_) => Outcome::Denied,
        }),
        _ => None,
    }
}

pub async fn every_route_against_every_role(app: &TestApp) {
    // Real ids to put in the paths.
    let db = app.db().pool();
    let one =
        |sql: &'static str| async move { sqlx::query(sql).fetch_one(db).await.unwrap().try_get::<i64, _>(0).unwrap() };
    let urn = one("SELECT urn FROM schools WHERE membership = 'member' ORDER BY urn LIMIT 1").await;
    let hub = one("SELECT MIN(id) FROM hubs").await;
    let trust = one("SELECT MIN(trust_id) FROM schools WHERE trust_id IS NOT NULL").await;
    let admin = one("SELECT id FROM people WHERE email = 'admin@upward.example.org'").await;
    let cohort = one("SELECT MIN(id) FROM cohorts").await;
    let theme = one("SELECT MIN(id) FROM themes").await;
    // Things the demo does not hold yet are made first, so that every path
    // has a real id: a matching run, an import, an e-mail, an API token, and
    // a person whose role the admin may take away (not the admin's own).
    let pm = app.signed_in("programmes@upward.example.org").await;
    let cycle = one("SELECT MAX(id) FROM cycles").await;
    let r = pm
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/matching/cycles/{cycle}/propose"),
            Some(serde_json::json!({"rules": {"time_limit_secs": 1}})),
        )
        .await;
    assert_eq!(r.status(), 201, "a run to look at");
    let run: serde_json::Value = r.json().await.unwrap();
    let run_id = run["id"].as_i64().unwrap();
    let review = run["current"]["teams"][0]["review"].as_str().unwrap_or("1").to_string();
    let import = upward_storage::imports::start(app.db(), "gias", "edubase.csv", None, None).await.unwrap();
    let c = app.client();
    let r = c.post_form("/password/forgot", &[("email", "reviewer@upward.example.org")]).await;
    assert_eq!(r.status(), 200);
    let message = one("SELECT MAX(id) FROM outbox").await;
    let admin_client = app.signed_in("admin@upward.example.org").await;
    let t: serde_json::Value = admin_client
        .send(reqwest::Method::POST, "/api/v1/account/tokens", Some(serde_json::json!({"name": "walk"})))
        .await
        .json()
        .await
        .unwrap();
    let token = t["id"].as_i64().expect("a token id");
    let v: serde_json::Value = admin_client
        .send(
            reqwest::Method::POST,
            "/api/v1/people",
            Some(serde_json::json!({"email": "walk@upward.example.org", "full_name": "Walk Through", "roles": ["reviewer"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    let victim = v["id"].as_i64().expect("a person");
    let grant = v["roles"][0]["id"].as_i64().expect("a role");
    let fill = |p: &str| {
        let person = if p.contains("{grant}") { victim } else { admin };
        p.replace("{file}", "app.css")
            .replace("{token}", "not-a-real-token.ics")
            .replace("{urn}", &urn.to_string())
            .replace("/hubs/{id}", &format!("/hubs/{hub}"))
            .replace("/trusts/{id}", &format!("/trusts/{trust}"))
            .replace("/people/{id}", &format!("/people/{person}"))
            .replace("{grant}", &grant.to_string())
            .replace("{review}", &review)
            .replace("/runs/{id}", &format!("/runs/{run_id}"))
            .replace("/cycles/{id}", &format!("/cycles/{cycle}"))
            .replace("/cohorts/{id}", &format!("/cohorts/{cohort}"))
            .replace("/themes/{id}", &format!("/themes/{theme}"))
            .replace("/imports/{id}", &format!("/imports/{import}"))
            .replace("/outbox/{id}", &format!("/outbox/{message}"))
            .replace("/tokens/{id}", &format!("/tokens/{token}"))
    };
    for r in ROUTES {
        assert!(!fill(r.path).contains('{'), "the test has no real id for {}", r.path);
    }

    let mut failures = vec![];
    let mut who_list: Vec<Option<&str>> = vec![None];
    who_list.extend(SIGN_INS.iter().map(|(_, e)| Some(e.split('@').next().unwrap())));
    for who in who_list {
        let client = match who {
            None => app.client(),
            Some(w) => app.signed_in(&format!("{w}@upward.example.org")).await,
        };
        // Sign out last.
        let mut routes: Vec<&upward_web::RouteSpec> = ROUTES.iter().collect();
        routes.sort_by_key(|r| r.path == "/logout");
        for r in routes {
            let (method, path) = (&r.method, &r.path);
            let url = fill(path);
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = if url.starts_with("/api/") && *method != "get" && *method != "delete" {
                Some(if *method == "put" { serde_json::json!([]) } else { serde_json::json!({}) })
            } else {
                None
            };
            let res = if url.starts_with("/api/") || *method == "get" {
                client.send(m, &url, body).await
            } else {
                client.post_form(&url, &[]).await
            };
            let status = res.status().as_u16();
            let location = res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
            let got = match status {
                401 => Outcome::SignIn,
                303 if location.starts_with("/login?next=") => Outcome::SignIn,
                403 => Outcome::Denied,
                500..=599 => {
                    failures.push(format!("{who:?} {method} {url}: server error {status}"));
                    continue;
                }
                _ => Outcome::Allowed,
            };
            let want = item_rule(method, path, who).unwrap_or_else(|| allowed(r.access, who));
            // With real ids, a page allowed opens (a 404 would hide a route
            // that never reaches its handler's decision).
            if *method == "get"
                && want == Outcome::Allowed
                && status != 200
                && !path.starts_with("/calendar/")
                && !path.contains("{token}")
                && !(*path == "/login" && status == 303)
            {
                failures.push(format!("{who:?} {method} {url}: allowed, but answered {status} {location}"));
            }
            if got != want {
                failures.push(format!("{who:?} {method} {url}: expected {want:?}, got {got:?} ({status} {location})"));
            }
        }
    }
    assert!(failures.is_empty(), "{} permission mismatches:\n{}", failures.len(), failures.join("\n"));
}
