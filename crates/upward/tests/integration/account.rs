//! One's own account: API tokens, calendar feed, notification settings.

use sqlx::Row;
use upward::testing::TestApp;

pub async fn api_tokens_work_and_revoke(app: &TestApp) {
    let c = app.signed_in("hub.manager@upward.example.org").await;
    let r = c.post_form("/account/tokens", &[("name", "Hub dashboard")]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let start = page.find("upw_").expect("the new token is shown once");
    let token: String =
        page[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect();
    assert!(token.len() > 40);
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

pub async fn calendar_feed_and_notification_settings(app: &TestApp) {
    let c = app.signed_in("lead.reviewer@upward.example.org").await;
    let (_, page) = c.text("/account").await;
    assert!(!page.contains("/calendar/"), "no feed address until asked for");
    assert_eq!(c.post_form("/account/calendar", &[]).await.status(), 303);
    let (_, page) = c.text("/account").await;
    let start = page.find(&format!("{}/calendar/", app.base)).expect("feed address shown");
    let url: String = page[start..].chars().take_while(|c| *c != '"').collect();
    assert!(url.ends_with(".ics"));
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
}
