//! Every route and API endpoint against every role. A route missing from
//! the table below fails the test: a new route must come with its decision.

use sqlx::Row;
use upward::demo::SIGN_INS;
use upward::testing::TestApp;
use upward_web::ROUTES;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Denied,
    SignIn,
}

/// Who each rule lets in (by demo sign-in e-mail prefix); None = anonymous.
fn allowed(rule: &str, who: Option<&str>) -> Outcome {
    let Some(who) = who else {
        return if rule == "anyone" { Outcome::Allowed } else { Outcome::SignIn };
    };
    let yes = match rule {
        "anyone" | "signed_in" => true,
        "members" => !matches!(who, "applicant" | "shortlister"),
        "people_list" => matches!(who, "admin" | "programmes" | "senior.partner" | "hub.manager" | "head" | "senior.leader" | "trust.exec"),
        "central" => matches!(who, "admin" | "programmes"),
        "admin" => who == "admin",
        // The person viewed is the admin: only the central team (and the
        // admin themself) may see them.
        "admin_profile" => matches!(who, "admin" | "programmes"),
        other => panic!("unknown rule {other}"),
    };
    if yes { Outcome::Allowed } else { Outcome::Denied }
}

/// The decision for every route. Keep in step with `upward_web::ROUTES`.
const EXPECTED: &[(&str, &str, &str)] = &[
    ("get", "/healthz", "anyone"),
    ("get", "/static/{file}", "anyone"),
    ("get", "/", "signed_in"),
    ("get", "/help", "anyone"),
    ("get", "/accessibility", "anyone"),
    ("get", "/login", "anyone"),
    ("post", "/login", "anyone"),
    ("post", "/logout", "anyone"),
    ("get", "/password/forgot", "anyone"),
    ("post", "/password/forgot", "anyone"),
    ("get", "/password/reset/{token}", "anyone"),
    ("post", "/password/reset/{token}", "anyone"),
    ("get", "/invitation/{token}", "anyone"),
    ("post", "/invitation/{token}", "anyone"),
    ("get", "/calendar/{token}", "anyone"),
    ("get", "/account", "signed_in"),
    ("post", "/account/password", "signed_in"),
    ("post", "/account/notifications", "signed_in"),
    ("post", "/account/calendar", "signed_in"),
    ("post", "/account/tokens", "signed_in"),
    ("post", "/account/tokens/{id}/revoke", "signed_in"),
    ("get", "/schools", "members"),
    ("get", "/schools/{urn}", "members"),
    ("get", "/hubs", "members"),
    ("get", "/hubs/{id}", "members"),
    ("get", "/trusts", "members"),
    ("get", "/trusts/{id}", "members"),
    ("get", "/people", "people_list"),
    ("get", "/people/{id}", "admin_profile"),
    ("post", "/people/{id}/roles", "admin"),
    ("post", "/people/{id}/roles/{grant}/remove", "admin"),
    ("get", "/admin/invite", "admin"),
    ("post", "/admin/invite", "admin"),
    ("get", "/admin/imports", "central"),
    ("post", "/admin/imports/gias", "central"),
    ("get", "/admin/imports/{id}", "central"),
    ("get", "/admin/audit", "central"),
    ("get", "/admin/outbox", "central"),
    ("get", "/admin/outbox/{id}", "central"),
    ("get", "/matching", "central"),
    ("post", "/matching/cycles/{id}/propose", "central"),
    ("get", "/matching/runs/{id}", "central"),
    ("get", "/matching/runs/{id}/reviews/{review}", "central"),
    ("post", "/matching/runs/{id}/reviews/{review}", "central"),
    ("post", "/matching/runs/{id}/groups", "central"),
    ("post", "/matching/runs/{id}/accept", "central"),
    ("post", "/matching/runs/{id}/discard", "central"),
    ("get", "/matching/themes", "central"),
    ("post", "/matching/themes", "central"),
    ("post", "/matching/themes/{id}", "central"),
    ("get", "/matching/cohorts/{id}", "central"),
    ("post", "/matching/cohorts/{id}/groups", "central"),
    ("post", "/matching/cohorts/{id}/facilitators", "central"),
    ("post", "/matching/cohorts/{id}/pairs", "central"),
    ("get", "/api/openapi.json", "anyone"),
    ("get", "/api/docs", "anyone"),
    ("get", "/api/v1/me", "signed_in"),
    ("get", "/api/v1/schools", "members"),
    ("get", "/api/v1/schools/{urn}", "members"),
    ("get", "/api/v1/hubs", "members"),
    ("get", "/api/v1/hubs/{id}", "members"),
    ("get", "/api/v1/trusts", "members"),
    ("get", "/api/v1/trusts/{id}", "members"),
    ("get", "/api/v1/people", "people_list"),
    ("post", "/api/v1/people", "admin"),
    ("get", "/api/v1/people/{id}", "admin_profile"),
    ("post", "/api/v1/people/{id}/roles", "admin"),
    ("delete", "/api/v1/people/{id}/roles/{grant}", "admin"),
    ("get", "/api/v1/imports", "central"),
    ("post", "/api/v1/imports/gias", "central"),
    ("get", "/api/v1/imports/{id}", "central"),
    ("get", "/api/v1/audit", "central"),
    ("get", "/api/v1/outbox", "central"),
    ("get", "/api/v1/account/notifications", "signed_in"),
    ("put", "/api/v1/account/notifications", "signed_in"),
    ("get", "/api/v1/account/tokens", "signed_in"),
    ("post", "/api/v1/account/tokens", "signed_in"),
    ("delete", "/api/v1/account/tokens/{id}", "signed_in"),
    ("get", "/api/v1/account/calendar", "signed_in"),
    ("get", "/api/v1/matching/runs/{id}", "central"),
    ("post", "/api/v1/matching/cycles/{id}/propose", "central"),
    ("post", "/api/v1/matching/runs/{id}/rescore", "central"),
    ("post", "/api/v1/matching/runs/{id}/accept", "central"),
];

pub async fn every_route_against_every_role(app: &TestApp) {
    // Every route has a decision, and every decision a route.
    let mut missing = vec![];
    for r in ROUTES {
        if !EXPECTED.iter().any(|(m, p, _)| *m == r.method && *p == r.path) {
            missing.push(format!("{} {}", r.method, r.path));
        }
    }
    assert!(missing.is_empty(), "routes without a permission decision in the test: {missing:?}");
    for (m, p, _) in EXPECTED {
        assert!(ROUTES.iter().any(|r| r.method == *m && r.path == *p), "the test lists {m} {p}, which is not a route");
    }

    // Real ids to put in the paths.
    let db = app.db().pool();
    let one = |sql: &'static str| async move { sqlx::query(sql).fetch_one(db).await.unwrap().try_get::<i64, _>(0).unwrap() };
    let urn = one("SELECT urn FROM schools WHERE membership = 'member' ORDER BY urn LIMIT 1").await;
    let hub = one("SELECT MIN(id) FROM hubs").await;
    let trust = one("SELECT MIN(trust_id) FROM schools WHERE trust_id IS NOT NULL").await;
    let admin = one("SELECT id FROM people WHERE email = 'admin@upward.example.org'").await;
    let fill = |p: &str| {
        p.replace("{file}", "app.css")
            .replace("{token}", "not-a-real-token.ics")
            .replace("{urn}", &urn.to_string())
            .replace("/hubs/{id}", &format!("/hubs/{hub}"))
            .replace("/trusts/{id}", &format!("/trusts/{trust}"))
            .replace("/people/{id}", &format!("/people/{admin}"))
            .replace("{grant}", "999999")
            .replace("{review}", "1")
            .replace("{id}", "999999")
    };

    let mut failures = vec![];
    let mut who_list: Vec<Option<&str>> = vec![None];
    who_list.extend(SIGN_INS.iter().map(|(_, e)| Some(e.split('@').next().unwrap())));
    for who in who_list {
        let client = match who {
            None => app.client(),
            Some(w) => app.signed_in(&format!("{w}@upward.example.org")).await,
        };
        // Sign out last.
        let mut routes: Vec<&(&str, &str, &str)> = EXPECTED.iter().collect();
        routes.sort_by_key(|(_, p, _)| *p == "/logout");
        for (method, path, rule) in routes {
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
            let want = allowed(rule, who);
            if got != want {
                failures.push(format!("{who:?} {method} {url}: expected {want:?}, got {got:?} ({status} {location})"));
            }
        }
    }
    assert!(failures.is_empty(), "{} permission mismatches:\n{}", failures.len(), failures.join("\n"));
}
