//! Signing in and out, rate limits, password resets, invitations, CSRF and
//! security headers.

use sqlx::Row;
use upward::testing::TestApp;

fn link_in(body: &str, base: &str, path: &str) -> String {
    let start = body.find(&format!("{base}{path}")).expect("the e-mail has the link");
    let rest = &body[start + base.len()..];
    rest.split_whitespace().next().unwrap().to_string()
}

pub async fn sign_in_and_out(app: &TestApp) {
    let c = app.client();
    // Signed out, a page sends you to sign in and back.
    let r = c.get("/schools?q=oak").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fschools%3Fq%3Doak");
    let r = c.login("head@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(r.status(), 303);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|v| v.starts_with("upward_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
    let (status, home) = c.text("/").await;
    assert_eq!(status, 200);
    assert!(home.contains("Welcome,"), "home page greets the person");
    assert!(home.contains("School leader"), "home page lists roles");
    // The sign-in is on the audit trail.
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'session.signed_in'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert!(n >= 1);
    let r = c.post_form("/logout", &[]).await;
    assert_eq!(r.status(), 303);
    let r = c.get("/").await;
    assert_eq!(r.status(), 303, "signed out again");
}

pub async fn wrong_password_is_refused_then_rate_limited(app: &TestApp) {
    let c = app.client();
    for _ in 0..5 {
        let r = c.login("reviewer@upward.example.org", "wrong password!").await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("The e-mail address or the password is not right"), "{body}");
    }
    // The right password is now refused too, for a while.
    let r = c.login("reviewer@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Too many sign-in attempts"));
    // Another account is not affected.
    let r = c.login("facilitator@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(r.status(), 303);
    // An unknown e-mail gets the same message as a wrong password.
    let r = app.client().login("nobody@upward.example.org", "whatever pass").await;
    assert!(r.text().await.unwrap().contains("The e-mail address or the password is not right"));
}

pub async fn forgotten_password_by_emailed_link(app: &TestApp) {
    let c = app.client();
    c.get("/password/forgot").await;
    let r = c.post_form("/password/forgot", &[("email", "Reviewer@Upward.example.org")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Check your e-mail"));
    // Unknown addresses get the same answer and no e-mail.
    let r = c.post_form("/password/forgot", &[("email", "nobody@upward.example.org")]).await;
    assert!(r.text().await.unwrap().contains("Check your e-mail"));
    assert_eq!(app.run_jobs().await, 1, "one e-mail to deliver");
    let mail = upward_storage::outbox::latest_to(app.db(), "reviewer@upward.example.org")
        .await
        .unwrap()
        .expect("reset e-mail");
    assert_eq!(mail.status, "recorded", "no SMTP: the outbox is the delivery");
    assert_eq!(mail.subject, "Reset your Upward password");
    let link = link_in(&mail.body_text, &app.base, "/password/reset/");
    let (status, page) = c.text(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Choose a new password"));
    let r = c.post_form(&link, &[("password", "short"), ("confirm", "short")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("at least 10 characters"));
    let r = c.post_form(&link, &[("password", "a brand new password"), ("confirm", "a brand new password")]).await;
    assert_eq!(r.status(), 303);
    // Signed in now; the old password no longer works, the new one does.
    assert_eq!(c.get("/account").await.status(), 200);
    assert_eq!(app.client().login("reviewer@upward.example.org", upward::demo::PASSWORD).await.status(), 422);
    assert_eq!(app.client().login("reviewer@upward.example.org", "a brand new password").await.status(), 303);
    // The link works once.
    let r = c.get(&link).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/password/forgot");
}

pub async fn admin_invites_a_person_with_roles(app: &TestApp) {
    let admin = app.signed_in("admin@upward.example.org").await;
    let db = app.db().pool();
    let (urn, hub): (i64, i64) = {
        let r = sqlx::query(
            "SELECT urn, hub_id FROM schools WHERE membership = 'member' AND hub_id IS NOT NULL ORDER BY urn LIMIT 1",
        )
        .fetch_one(db)
        .await
        .unwrap();
        (r.get(0), r.get(1))
    };
    // Mistakes are named, field by field, and nothing is created.
    let r = admin
        .post_form(
            "/admin/invite",
            &[("full_name", ""), ("email", "not-an-email"), ("school_urn", "12x"), ("role", "hub_manager")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let body = r.text().await.unwrap();
    assert!(body.contains("full name"), "{body}");
    assert!(body.contains("is not an e-mail address"));
    assert!(body.contains("is not a URN"));
    assert!(body.contains("Choose the Hub for the role Hub Manager"));
    let before: i64 = sqlx::query("SELECT COUNT(*) FROM people").fetch_one(db).await.unwrap().get(0);

    let urn_s = urn.to_string();
    let hub_s = hub.to_string();
    let r = admin
        .post_form(
            "/admin/invite",
            &[
                ("full_name", "Ada Lovelace"),
                ("email", "ada@school.example.org"),
                ("job_title", "Deputy Head"),
                ("school_urn", &urn_s),
                ("role", "school_leader"),
                ("role", "hub_manager"),
                ("hub", &hub_s),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let after: i64 = sqlx::query("SELECT COUNT(*) FROM people").fetch_one(db).await.unwrap().get(0);
    assert_eq!(after, before + 1);
    let roles: Vec<String> = sqlx::query("SELECT g.role FROM role_grants g JOIN people p ON p.id = g.person_id WHERE p.email = 'ada@school.example.org' ORDER BY g.role")
        .fetch_all(db)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(roles, vec!["hub_manager", "school_leader"]);
    // The same e-mail cannot be invited twice.
    let r = admin.post_form("/admin/invite", &[("full_name", "Ada Again"), ("email", "ADA@school.example.org")]).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("already in Upward"));

    // The invitation arrives; the person chooses a password and is in.
    app.run_jobs().await;
    let mail =
        upward_storage::outbox::latest_to(app.db(), "ada@school.example.org").await.unwrap().expect("invitation");
    assert_eq!(mail.subject, "You are invited to Upward");
    let link = link_in(&mail.body_text, &app.base, "/invitation/");
    let ada = app.client();
    let (status, page) = ada.text(&link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Join Upward"));
    let r = ada.post_form(&link, &[("password", "lovelace engines 1843"), ("confirm", "lovelace engines 1843")]).await;
    assert_eq!(r.status(), 303);
    let (_, home) = ada.text("/").await;
    assert!(home.contains("Welcome, Ada"));
    assert!(home.contains("Hub Manager"));
    // Admin takes a role away.
    let (id, grant): (i64, i64) = {
        let r = sqlx::query("SELECT p.id, g.id FROM role_grants g JOIN people p ON p.id = g.person_id WHERE p.email = 'ada@school.example.org' AND g.role = 'hub_manager'")
            .fetch_one(db)
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    let r = admin.post_form(&format!("/people/{id}/roles/{grant}/remove"), &[]).await;
    assert_eq!(r.status(), 303);
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM role_grants WHERE person_id = $1")
        .bind(id)
        .fetch_one(db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    let audit: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE entity_kind = 'person' AND entity_id = $1 AND action IN ('person.created', 'person.role_granted', 'person.role_removed', 'person.password_set')")
        .bind(id.to_string())
        .fetch_one(db)
        .await
        .unwrap()
        .get(0);
    assert_eq!(audit, 5, "created, two roles given, password set, one role taken away");
}

pub async fn csrf_and_security_headers(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    // A form without the token is refused and changes nothing.
    let r = c.http.post(c.url("/account/calendar")).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("This form has expired"));
    let r = c
        .http
        .post(c.url("/account/calendar"))
        .form(&[("csrf", "0123456789012345678901234567890123456789")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A cross-site origin is refused even with the token.
    let token = c.csrf().await;
    let r = c
        .http
        .post(c.url("/account/calendar"))
        .header("Origin", "https://evil.example")
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c.post_form("/account/calendar", &[]).await;
    assert_eq!(r.status(), 303);
    // Headers on every page.
    let r = c.get("/schools").await;
    let h = r.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["cache-control"], "no-store");
    // No inline script anywhere in the page.
    let body = r.text().await.unwrap();
    assert!(!body.contains("<script>") && !body.contains("onclick="), "inline script found");
    // Behind TLS the cookies are Secure.
    let r =
        app.client().http.get(format!("{}/login", app.base)).header("X-Forwarded-Proto", "https").send().await.unwrap();
    let set = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" | ");
    assert!(set.contains("Secure"), "{set}");
}
