//! One's own account: API tokens, calendar feed, notification settings.

use sqlx::Row;
use upward::testing::TestApp;

pub async fn api_tokens_work_and_revoke(app: &TestApp) {
    let c = app.signed_in("hub.manager@upward.example.org").await;
    // Made by a POST that redirects (a reload does not make another) …
    let r = c.post_form("/account/tokens", &[("name", "Hub dashboard")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/account#tokens");
    let token = new_token_on(&c).await;
    assert!(token.len() > 40);
    // … and shown once: not again on the next visit.
    let (_, again) = c.text("/account").await;
    assert!(!again.contains(&token) && !again.contains("id=\"new-token\""), "shown only once");
    assert!(again.contains("Hub dashboard"), "listed by name");
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM api_tokens WHERE name = 'Hub dashboard'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // Nothing but its hash is stored.
    let stored: i64 = sqlx::query("SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1")
        .bind(&token)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(stored, 0);
    let http = reqwest::Client::new();
    let me: serde_json::Value =
        http.get(format!("{}/api/v1/me", app.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["person"]["email"], "hub.manager@upward.example.org");
    assert!(me["can"].as_array().unwrap().iter().any(|v| v == "list_people"));
    assert!(!me["can"].as_array().unwrap().iter().any(|v| v == "import_data"));
    // The token has the person's permissions, no more.
    let r = http.get(format!("{}/api/v1/audit", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "forbidden");
    // A token needs no CSRF token (it is not a cookie).
    let r = http
        .put(format!("{}/api/v1/account/notifications", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!([{"topic": "digest", "email": false}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v.as_array().unwrap().iter().any(|s| s["topic"] == "digest" && s["email"] == false));
    // Revoke it; then it is refused.
    let id: i64 = sqlx::query("SELECT id FROM api_tokens WHERE name = 'Hub dashboard'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let r = c.post_form(&format!("/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(r.status(), 303);
    let r = http.get(format!("{}/api/v1/me", app.base)).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = http.get(format!("{}/api/v1/me", app.base)).bearer_auth("upw_made_up").send().await.unwrap();
    assert_eq!(r.status(), 401);
}

/// The secret the account page shows once, after the POST that made it.
async fn new_token_on(c: &upward::testing::Client) -> String {
    let (status, page) = c.text("/account").await;
    assert_eq!(status, 200);
    let start = page.find("value=\"upw_").expect("the new token is shown once") + 7;
    page[start..].chars().take_while(|c| *c != '"').collect()
}

pub async fn calendar_feed_and_notification_settings(app: &TestApp) {
    let c = app.signed_in("lead.reviewer@upward.example.org").await;
    let (_, page) = c.text("/account").await;
    assert!(!page.contains("/calendar/"), "no feed address until asked for");
    assert!(page.contains("Make my calendar address"));
    let r = c.post_form("/account/calendar", &[]).await;
    assert_eq!(r.status(), 303, "made by a POST that redirects");
    let (_, page) = c.text("/account").await;
    let start = page.find(&format!("{}/calendar/", app.base)).expect("feed address shown");
    let url: String = page[start..].chars().take_while(|c| *c != '"').collect();
    assert!(url.ends_with(".ics"));
    // Shown once; then the page says one exists, without it.
    let (_, page) = c.text("/account").await;
    assert!(!page.contains("/calendar/"), "shown only once");
    assert!(page.contains("You have a private calendar address"));
    assert!(page.contains("Make a new address (the old one stops working)"));
    // Only its hash is stored.
    let token = url.trim_end_matches(".ics").rsplit('/').next().unwrap().to_string();
    let row = sqlx::query(
        "SELECT calendar_token, calendar_token_hash FROM people WHERE email = 'lead.reviewer@upward.example.org'",
    )
    .fetch_one(app.db().pool())
    .await
    .unwrap();
    assert_eq!(row.get::<Option<String>, _>(0), None);
    assert_eq!(row.get::<Option<String>, _>(1), Some(upward_web::security::token_hash(&token)));
    let plain: i64 =
        sqlx::query("SELECT COUNT(*) FROM people WHERE calendar_token IS NOT NULL OR calendar_token_hash = $1")
            .bind(&token)
            .fetch_one(app.db().pool())
            .await
            .unwrap()
            .get(0);
    assert_eq!(plain, 0, "no calendar address in plain text");
    let v: serde_json::Value = c.get("/api/v1/account/calendar").await.json().await.unwrap();
    assert_eq!(v["has_feed"], true);
    assert!(!v.to_string().contains(&token));
    // The feed needs no sign-in, only the secret address.
    let r = reqwest::get(&url).await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = r.text().await.unwrap();
    assert!(ics.starts_with("BEGIN:VCALENDAR"));
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM review_team t JOIN people p ON p.id = t.person_id WHERE p.email = 'lead.reviewer@upward.example.org'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert!(n > 0, "the demo puts the named Lead Reviewer on reviews");
    assert_eq!(ics.matches("BEGIN:VEVENT").count() as i64, n, "one event per review they are on");
    assert!(ics.contains("You are the Lead Reviewer"));
    // Its hash is not a way in.
    let hashed = format!("{}/calendar/{}.ics", app.base, upward_web::security::token_hash(&token));
    assert_eq!(reqwest::get(&hashed).await.unwrap().status(), 404);
    // A new address retires the old one.
    assert_eq!(c.post_form("/account/calendar", &[]).await.status(), 303);
    assert_eq!(reqwest::get(&url).await.unwrap().status(), 404);

    // Notification settings: switching a topic off suppresses its e-mail.
    let r = c.post_form("/account/notifications", &[("topic", "programmes"), ("topic", "events")]).await;
    assert_eq!(r.status(), 303);
    let (_, page) = c.text("/account").await;
    assert!(page.contains(r#"value="programmes" checked"#));
    assert!(!page.contains(r#"value="reviews" checked"#));
    let pid: i64 = sqlx::query("SELECT id FROM people WHERE email = 'lead.reviewer@upward.example.org'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let mut tx = app.db().begin().await.unwrap();
    upward_web::mail::to_person(
        app.db(),
        &mut tx,
        pid,
        "lead.reviewer@upward.example.org",
        "reviews",
        "Your review team",
        "...",
    )
    .await
    .unwrap();
    upward_web::mail::to_person(
        app.db(),
        &mut tx,
        pid,
        "lead.reviewer@upward.example.org",
        "events",
        "Training day",
        "...",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.run_jobs().await;
    let rows = sqlx::query("SELECT subject, status FROM outbox WHERE to_person_id = $1 ORDER BY id")
        .bind(pid)
        .fetch_all(app.db().pool())
        .await
        .unwrap();
    let got: Vec<(String, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        got,
        vec![
            ("Your review team".to_string(), "suppressed".to_string()),
            ("Training day".to_string(), "recorded".to_string())
        ]
    );
    assert!(app.mail().iter().any(|m| m.subject == "Training day"), "delivered");
    assert!(!app.mail().iter().any(|m| m.subject == "Your review team"), "not delivered");
    // A hand-made form with a topic that does not exist changes nothing.
    let r = c.post_form("/account/notifications", &[("topic", "digest"), ("topic", "free_lunch")]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("free_lunch") && page.contains("is not a topic"), "{page}");
    let (_, page) = c.text("/account").await;
    assert!(!page.contains(r#"value="digest" checked"#));
}

/// Finding 5: changing or resetting a password signs the person out
/// everywhere else and revokes their API tokens (on the audit trail); and a
/// request made with an API token cannot make tokens, calendar addresses or
/// passwords.
pub async fn password_change_revokes_tokens_and_sessions(app: &TestApp) {
    let http = reqwest::Client::new();
    let me = |token: String| {
        let http = http.clone();
        let url = format!("{}/api/v1/me", app.base);
        async move { http.get(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    let c = app.signed_in("senior.partner@upward.example.org").await;
    let elsewhere = app.signed_in("senior.partner@upward.example.org").await;
    assert_eq!(c.post_form("/account/tokens", &[("name", "Dashboard")]).await.status(), 303);
    let token = new_token_on(&c).await;
    assert_eq!(me(token.clone()).await, 200);

    // A token cannot make another token: not by the API, not by the form.
    let r = http
        .post(format!("{}/api/v1/account/tokens", app.base))
        .bearer_auth(&token)
        .json(&serde_json::json!({"name": "a spare key"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "session_required");
    for (path, form) in [
        ("/account/tokens", vec![("name", "a spare key")]),
        ("/account/calendar", vec![]),
        (
            "/account/password",
            vec![
                ("current", upward::demo::PASSWORD),
                ("password", "taken over by a token"),
                ("confirm", "taken over by a token"),
            ],
        ),
    ] {
        let r = http.post(format!("{}{path}", app.base)).bearer_auth(&token).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 403, "{path}");
        assert!(r.text().await.unwrap().contains("An API token cannot"), "{path}");
    }
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM api_tokens t JOIN people p ON p.id = t.person_id WHERE p.email = 'senior.partner@upward.example.org'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "no token was made by a token");
    // The password still works (it was not changed by the token).
    assert_eq!(app.client().login("senior.partner@upward.example.org", upward::demo::PASSWORD).await.status(), 303);

    // Changing the password: the token stops working, the other sessions end,
    // this one goes on.
    let r = c
        .post_form(
            "/account/password",
            &[
                ("current", upward::demo::PASSWORD),
                ("password", "a new partner password"),
                ("confirm", "a new partner password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(me(token.clone()).await, 401, "the API token is revoked");
    assert_eq!(elsewhere.get("/account").await.status(), 303, "signed out elsewhere");
    assert_eq!(c.get("/account").await.status(), 200, "still signed in here");
    let (_, page) = c.text("/account").await;
    assert!(!page.contains("Dashboard"), "the token is no longer listed");
    let summary: String = sqlx::query("SELECT a.summary FROM audit_log a JOIN people p ON CAST(p.id AS TEXT) = a.entity_id WHERE p.email = 'senior.partner@upward.example.org' AND a.action = 'person.signed_out_everywhere' ORDER BY a.id DESC")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert!(summary.contains("1 API token revoked"), "{summary}");
    assert!(summary.contains("sessions ended"), "{summary}");

    // Resetting it by an e-mailed link does the same.
    assert_eq!(c.post_form("/account/tokens", &[("name", "Second")]).await.status(), 303);
    let second = new_token_on(&c).await;
    assert_eq!(me(second.clone()).await, 200);
    let anyone = app.client();
    anyone.get("/password/forgot").await;
    anyone.post_form("/password/forgot", &[("email", "senior.partner@upward.example.org")]).await;
    let mail = app.mail_to("senior.partner@upward.example.org").await.expect("reset e-mail");
    let start = mail.body.find("/password/reset/").unwrap();
    let path: String = mail.body[start..].split_whitespace().next().unwrap().to_string();
    let r = anyone.post_form(&path, &[("password", "reset by the owner"), ("confirm", "reset by the owner")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(me(second).await, 401, "revoked by the reset");
    assert_eq!(c.get("/account").await.status(), 303, "and the old session ended");
}

/// Finding 6: the API and the forms share one check for invitations, roles,
/// e-mail settings and token names: the API refuses what the forms refuse.
pub async fn api_and_forms_validate_alike(app: &TestApp) {
    let admin = app.signed_in("admin@upward.example.org").await;
    let people_before: i64 =
        sqlx::query("SELECT COUNT(*) FROM people").fetch_one(app.db().pool()).await.unwrap().get(0);
    let grants_before: i64 =
        sqlx::query("SELECT COUNT(*) FROM role_grants").fetch_one(app.db().pool()).await.unwrap().get(0);
    let huge = "x".repeat(100_000);

    // Hub -5, over the API and the form.
    let r = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/people",
            Some(serde_json::json!({"email": "minus@example.org", "full_name": "Minus Five", "roles": ["hub_manager"], "hub_id": -5})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["fields"][0]["field"], "hub_id");
    assert_eq!(v["fields"][0]["message"], "Choose the Hub for the role Hub Manager");
    let r = admin
        .post_form(
            "/admin/invite",
            &[("email", "minus@example.org"), ("full_name", "Minus Five"), ("role", "hub_manager"), ("hub", "-5")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose the Hub for the role Hub Manager"));
    // A Hub that does not exist.
    let r = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/people",
            Some(serde_json::json!({"email": "nohub@example.org", "full_name": "No Hub", "roles": ["hub_manager"], "hub_id": 999999})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["fields"][0]["message"].as_str().unwrap().contains("That Hub does not exist"));
    // A 100 KB name, over both.
    let r = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/people",
            Some(serde_json::json!({"email": "long@example.org", "full_name": huge, "job_title": huge})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    let fields: Vec<&str> = v["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["full_name", "job_title"]);
    assert!(v["fields"][0]["message"].as_str().unwrap().contains("at most 120 characters"));
    let r = admin.post_form("/admin/invite", &[("email", "long@example.org"), ("full_name", huge.as_str())]).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("at most 120 characters"));
    assert!(page.len() < 60_000, "the page does not echo 100 KB back");
    // A role given by hand, both ways.
    let pid: i64 = sqlx::query("SELECT id FROM people WHERE email = 'reviewer@upward.example.org'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let r = admin
        .send(
            reqwest::Method::POST,
            &format!("/api/v1/people/{pid}/roles"),
            Some(serde_json::json!({"role": "hub_manager", "hub_id": -5})),
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["fields"][0]["field"], "hub_id");
    let r = admin.post_form(&format!("/people/{pid}/roles"), &[("role", "hub_manager"), ("hub", "-5")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Choose the Hub this Hub Manager leads"));
    let r = admin
        .send(reqwest::Method::POST, &format!("/api/v1/people/{pid}/roles"), Some(serde_json::json!({"role": huge})))
        .await;
    assert_eq!(r.status(), 422);
    // E-mail settings: unknown or repeated topics.
    for bad in [
        serde_json::json!([{"topic": "free_lunch", "email": true}]),
        serde_json::json!([{"topic": "digest", "email": true}, {"topic": "digest", "email": false}]),
    ] {
        let r = admin.send(reqwest::Method::PUT, "/api/v1/account/notifications", Some(bad)).await;
        assert_eq!(r.status(), 422);
    }
    // Token names.
    let r = admin.send(reqwest::Method::POST, "/api/v1/account/tokens", Some(serde_json::json!({"name": huge}))).await;
    assert_eq!(r.status(), 422);
    let r = admin.post_form("/account/tokens", &[("name", huge.as_str())]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at most 80 characters"));
    let r = admin
        .send(reqwest::Method::POST, "/api/v1/account/tokens", Some(serde_json::json!({"name": "two\nlines"})))
        .await;
    assert_eq!(r.status(), 422);
    // Nothing was made.
    let people_after: i64 = sqlx::query("SELECT COUNT(*) FROM people").fetch_one(app.db().pool()).await.unwrap().get(0);
    let grants_after: i64 =
        sqlx::query("SELECT COUNT(*) FROM role_grants").fetch_one(app.db().pool()).await.unwrap().get(0);
    let tokens: i64 = sqlx::query("SELECT COUNT(*) FROM api_tokens").fetch_one(app.db().pool()).await.unwrap().get(0);
    assert_eq!((people_after, grants_after, tokens), (people_before, grants_before, 0));
    // And what the form accepts, the API accepts.
    let hub: i64 = sqlx::query("SELECT id FROM hubs ORDER BY id").fetch_one(app.db().pool()).await.unwrap().get(0);
    let r = admin
        .send(
            reqwest::Method::POST,
            "/api/v1/people",
            Some(serde_json::json!({"email": "Okay@Example.org", "full_name": " Okay Person ", "roles": ["hub_manager", "hub_manager"], "hub_id": hub})),
        )
        .await;
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["email"], "okay@example.org");
    assert_eq!(v["full_name"], "Okay Person");
    assert_eq!(v["roles"].as_array().unwrap().len(), 1);
}
