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
    // Asking for reset links is not a failed sign-in (it has its own limit).
    for _ in 0..4 {
        c.get("/password/forgot").await;
        let r = c.post_form("/password/forgot", &[("email", "reviewer@upward.example.org")]).await;
        assert_eq!(r.status(), 200);
    }
    for _ in 0..5 {
        let r = c.login("reviewer@upward.example.org", "wrong password!").await;
        assert_eq!(r.status(), 422);
        let body = r.text().await.unwrap();
        assert!(body.contains("The e-mail address or the password is not right"), "{body}");
    }
    // From here, the right password waits too, for a minute …
    let r = c.login("reviewer@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Too many sign-in attempts. Wait 1 minute"));
    // Another account is not affected.
    let r = c.login("facilitator@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(r.status(), 303);
    // An unknown e-mail gets the same message as a wrong password.
    let r = app.client().login("nobody@upward.example.org", "whatever pass").await;
    assert!(r.text().await.unwrap().contains("The e-mail address or the password is not right"));
    // … and each further mistake doubles the wait.
    app.clock().advance(chrono::Duration::seconds(61));
    assert_eq!(c.login("reviewer@upward.example.org", "wrong again!!").await.status(), 422);
    let r = c.login("reviewer@upward.example.org", upward::demo::PASSWORD).await;
    assert!(r.text().await.unwrap().contains("Wait 2 minutes"));
    app.clock().advance(chrono::Duration::seconds(121));
    assert_eq!(c.login("reviewer@upward.example.org", upward::demo::PASSWORD).await.status(), 303);
}

/// Signing in is limited per account and address, per address, and gently
/// per account, so guessing is slow but nobody can lock the owner out; behind
/// a trusted proxy the client's address comes from X-Forwarded-For (and only
/// then); reset links have their own limit.
pub async fn sign_in_limits_per_account_and_address(app: &TestApp) {
    let owner = "head@upward.example.org";
    let proxied =
        app.other_instance(|c| c.trusted_proxies = upward_web::config::parse_proxies("127.0.0.1").unwrap()).await;
    let from = |ip: &'static str| {
        let c = proxied.client();
        (c, ip)
    };
    async fn login_from(c: &upward::testing::Client, ip: &str, email: &str, password: &str) -> (u16, String) {
        c.get("/login").await;
        let token = c.csrf().await;
        let r = c
            .http
            .post(c.url("/login"))
            .header("X-Forwarded-For", format!("6.6.6.6, {ip}"))
            .form(&[("csrf", token.as_str()), ("email", email), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }
    // An attacker at one address makes mistakes: they wait, …
    let (attacker, attacker_ip) = from("203.0.113.9");
    for _ in 0..5 {
        assert_eq!(login_from(&attacker, attacker_ip, owner, "guess guess guess").await.0, 422);
    }
    let (status, page) = login_from(&attacker, attacker_ip, owner, upward::demo::PASSWORD).await;
    assert_eq!(status, 422);
    assert!(page.contains("Too many sign-in attempts"), "{page}");
    // … the owner, elsewhere, does not.
    let (home, home_ip) = from("198.51.100.7");
    assert_eq!(login_from(&home, home_ip, owner, upward::demo::PASSWORD).await.0, 303);
    let attempts = |ip: &'static str| {
        let db = app.db().pool().clone();
        async move {
            let n: i64 = sqlx::query("SELECT COUNT(*) FROM auth_attempts WHERE ip = $1 AND succeeded = 0")
                .bind(ip)
                .fetch_one(&db)
                .await
                .unwrap()
                .get(0);
            n
        }
    };
    assert_eq!(attempts("203.0.113.9").await, 5, "counted by the client's address, from behind the proxy");
    assert_eq!(attempts("6.6.6.6").await, 0, "not by what the client wrote on the left");

    // Without a trusted proxy, X-Forwarded-For is the client's own words:
    // ignored, so it buys an attacker no fresh tries.
    let c = app.client();
    for _ in 0..5 {
        assert_eq!(c.login("senior.leader@upward.example.org", "guess guess guess").await.status(), 422);
    }
    let (status, page) = login_from(&c, "192.0.2.44", "senior.leader@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(status, 422);
    assert!(page.contains("Too many sign-in attempts"));
    assert_eq!(attempts("192.0.2.44").await, 0);

    // One address failing across many accounts is stopped, whatever account
    // it tries next.
    let now = app.clock().timestamp();
    for i in 0..upward_domain::throttle::IP_LIMIT {
        sqlx::query(
            "INSERT INTO auth_attempts (kind, account, ip, at, succeeded) VALUES ('sign_in', $1, '192.0.2.200', $2, 0)",
        )
        .bind(format!("someone{i}@example.org"))
        .bind(now - 60)
        .execute(app.db().pool())
        .await
        .unwrap();
    }
    let (sprayer, sprayer_ip) = from("192.0.2.200");
    let (status, page) =
        login_from(&sprayer, sprayer_ip, "trust.exec@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(status, 422);
    assert!(page.contains("Wait 14 minutes"), "{page}");

    // Guessing one account from many addresses: new addresses wait, but the
    // owner's usual address (home, above) does not.
    for i in 0..upward_domain::throttle::ACCOUNT_LIMIT {
        sqlx::query("INSERT INTO auth_attempts (kind, account, ip, at, succeeded) VALUES ('sign_in', $1, $2, $3, 0)")
            .bind(owner)
            .bind(format!("10.9.{}.{}", i / 200, i % 200))
            .bind(now - 60)
            .execute(app.db().pool())
            .await
            .unwrap();
    }
    let (fresh, fresh_ip) = from("192.0.2.77");
    let (status, page) = login_from(&fresh, fresh_ip, owner, upward::demo::PASSWORD).await;
    assert_eq!(status, 422);
    assert!(page.contains("Too many sign-in attempts"), "{page}");
    let (home2, _) = from("198.51.100.7");
    assert_eq!(
        login_from(&home2, home_ip, owner, upward::demo::PASSWORD).await.0,
        303,
        "the owner is never locked out"
    );
    app.clock().advance(chrono::Duration::hours(1));
    assert_eq!(login_from(&fresh, fresh_ip, owner, upward::demo::PASSWORD).await.0, 303, "the gentle limit passes");

    // Reset links: at most three an hour per account, then silently none.
    let before = app.mail().len();
    for _ in 0..5 {
        let r = c.post_form("/password/forgot", &[("email", "trust.exec@upward.example.org")]).await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("Check your e-mail"));
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let sent = app.mail()[before..].iter().filter(|m| m.to == "trust.exec@upward.example.org").count();
    assert_eq!(sent, upward_domain::throttle::RESET_PER_ACCOUNT as usize);
    // … and they never count against signing in.
    assert_eq!(app.client().login("trust.exec@upward.example.org", upward::demo::PASSWORD).await.status(), 303);
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
    // The e-mail was delivered directly, not queued.
    assert_eq!(app.run_jobs().await, 0, "nothing queued: the link is never stored");
    let mail = app.mail_to("reviewer@upward.example.org").await.expect("reset e-mail");
    assert_eq!(mail.subject, "Reset your Upward password");
    let link = link_in(&mail.body, &app.base, "/password/reset/");
    assert!(app.mail().iter().all(|m| m.to != "nobody@upward.example.org"));
    // The outbox keeps a copy, without the link.
    let kept = upward_storage::outbox::latest_to(app.db(), "reviewer@upward.example.org").await.unwrap().unwrap();
    assert_eq!(kept.subject, "Reset your Upward password");
    assert_eq!(kept.status, upward_domain::workflow::EmailStatus::Recorded);
    assert!(kept.body_text.contains("[link withheld: only the recipient's copy contains it]"), "{}", kept.body_text);
    assert!(!kept.body_text.contains("/password/reset/"), "{}", kept.body_text);
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
    let mail = app.mail_to("ada@school.example.org").await.expect("invitation");
    assert_eq!(mail.subject, "You are invited to Upward");
    let link = link_in(&mail.body, &app.base, "/invitation/");
    let kept = upward_storage::outbox::latest_to(app.db(), "ada@school.example.org").await.unwrap().unwrap();
    assert!(!kept.body_text.contains("/invitation/"), "the outbox's copy has no link: {}", kept.body_text);
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

/// Finding 1: a programme manager asks for a reset link for the admin (and
/// the admin invites a new admin): the live links reach only the
/// recipients. Not in the outbox pages, not in the API, not in the
/// database (outbox, jobs, audit trail, links table), not logged.
pub async fn reset_and_invitation_links_are_never_readable_by_the_central_team(app: &TestApp) {
    let pm = app.signed_in("programmes@upward.example.org").await;
    let r = pm.post_form("/password/forgot", &[("email", "admin@upward.example.org")]).await;
    assert_eq!(r.status(), 200);
    let admin = app.signed_in("admin@upward.example.org").await;
    let r = admin
        .post_form(
            "/admin/invite",
            &[("full_name", "Nova Admin"), ("email", "nova@upward.example.org"), ("role", "admin")],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.run_jobs().await;

    let reset = app.mail_to("admin@upward.example.org").await.expect("the admin's reset e-mail");
    let invitation = app.mail_to("nova@upward.example.org").await.expect("the invitation");
    let reset_link = link_in(&reset.body, &app.base, "/password/reset/");
    let invite_link = link_in(&invitation.body, &app.base, "/invitation/");
    let secrets: Vec<String> =
        [&reset_link, &invite_link].iter().map(|l| l.rsplit('/').next().unwrap().to_string()).collect();
    assert!(secrets.iter().all(|t| t.len() >= 40), "{secrets:?}");

    // The outbox pages: the list and each message.
    let (status, list) = pm.text("/admin/outbox").await;
    assert_eq!(status, 200);
    assert!(list.contains("Reset your Upward password") && list.contains("You are invited to Upward"));
    let ids: Vec<i64> = sqlx::query(
        "SELECT id FROM outbox WHERE to_address IN ('admin@upward.example.org', 'nova@upward.example.org')",
    )
    .fetch_all(app.db().pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.get(0))
    .collect();
    assert_eq!(ids.len(), 2);
    for id in &ids {
        let (status, page) = pm.text(&format!("/admin/outbox/{id}")).await;
        assert_eq!(status, 200);
        assert!(page.contains("[link withheld: only the recipient"), "{page}");
        for t in &secrets {
            assert!(!page.contains(t.as_str()), "the outbox page shows a live link");
        }
        assert!(!page.contains("/password/reset/") && !page.contains("/invitation/"));
    }
    // The API.
    let api = pm.get("/api/v1/outbox?per_page=500").await.text().await.unwrap();
    assert!(api.contains("Reset your Upward password"));
    for t in &secrets {
        assert!(!api.contains(t.as_str()), "the outbox API shows a live link");
    }
    // The database: every outbox row, every job's payload, the audit trail
    // and the links table (which holds hashes only).
    let mut stored = String::new();
    for sql in [
        "SELECT body_text AS t FROM outbox",
        "SELECT subject AS t FROM outbox",
        "SELECT payload AS t FROM jobs",
        "SELECT COALESCE(last_error, '') AS t FROM jobs",
        "SELECT summary AS t FROM audit_log",
        "SELECT COALESCE(after_json, '') AS t FROM audit_log",
        "SELECT token_hash AS t FROM one_time_tokens",
    ] {
        for r in sqlx::query(sql).fetch_all(app.db().pool()).await.unwrap() {
            stored.push_str(&r.get::<String, _>(0));
            stored.push('\n');
        }
    }
    for t in &secrets {
        assert!(!stored.contains(t.as_str()), "a live link is stored in the database");
        let hash = upward_web::security::token_hash(t);
        assert!(stored.contains(&hash), "only its hash is");
    }
    // The programme manager cannot use what they saw; the admin's link works.
    let (status, _) = pm.text("/password/reset/link%20withheld").await;
    assert_eq!(status, 303);
    let owner = app.client();
    let r = owner
        .post_form(&reset_link, &[("password", "a new admin password"), ("confirm", "a new admin password")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(owner.get("/admin/audit").await.status(), 200);
    let nova = app.client();
    let r =
        nova.post_form(&invite_link, &[("password", "nova's own password"), ("confirm", "nova's own password")]).await;
    assert_eq!(r.status(), 303);

    // When the e-mail cannot go (the SMTP server is down), the admin is
    // told, the outbox says so, and the link is lost rather than kept.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let down = app.other_instance(|c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let admin2 = down.client();
    assert_eq!(admin2.login("admin@upward.example.org", "a new admin password").await.status(), 303);
    let r = admin2
        .post_form(
            "/admin/invite",
            &[("full_name", "Otto Offline"), ("email", "otto@upward.example.org"), ("role", "reviewer")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = admin2.text(&location).await;
    assert!(page.contains("could not be sent"), "{page}");
    let (status, body): (String, String) = {
        let r = sqlx::query("SELECT status, body_text FROM outbox WHERE to_address = 'otto@upward.example.org'")
            .fetch_one(app.db().pool())
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(status, "failed");
    assert!(!body.contains("/invitation/"));
    assert!(app.mail().iter().all(|m| m.to != "otto@upward.example.org"));
}

/// Finding 2: after signing in, `next` only ever leads to a path on this
/// site, however it is disguised.
pub async fn next_addresses_stay_on_site(app: &TestApp) {
    // (as written in an address, and as a form sends it)
    let nasty = [
        ("/%09/evil.example/", "/\t/evil.example/"),
        ("/%0d%0a/evil.example", "/\r\n/evil.example"),
        ("//evil.example", "//evil.example"),
        ("/%5Cevil.example", "/\\evil.example"),
        ("%2F%2Fevil.example", "//evil.example"),
        ("/%252e%252e//evil.example", "/%2e%2e//evil.example"),
        ("https%3A%2F%2Fevil.example", "https://evil.example"),
        ("/%E3%80%80/evil.example", "/\u{3000}/evil.example"),
    ];
    for (next, decoded) in nasty {
        // Signing in with it …
        let c = app.client();
        c.get(&format!("/login?next={next}")).await;
        let r = c
            .post_form(
                "/login",
                &[("email", "head@upward.example.org"), ("password", upward::demo::PASSWORD), ("next", decoded)],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/", "{next}");
        // … and, signed in, visiting the sign-in page with it.
        let r = c.get(&format!("/login?next={next}")).await;
        assert_eq!(r.status(), 303);
        assert_eq!(r.headers()["location"], "/", "{next}");
        // The form never carries it.
        let (_, page) = app.client().text(&format!("/login?next={next}")).await;
        assert!(page.contains(r#"name="next" value="/""#), "{next}");
    }
    // A real path on the site is kept.
    let c = app.client();
    c.get("/login").await;
    let r = c
        .post_form(
            "/login",
            &[("email", "head@upward.example.org"), ("password", upward::demo::PASSWORD), ("next", "/schools?q=oak")],
        )
        .await;
    assert_eq!(r.headers()["location"], "/schools?q=oak");
}

pub async fn csrf_and_security_headers(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    // A form without the token is refused and changes nothing.
    let r = c.http.post(c.url("/account/notifications")).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("This form has expired"));
    let r = c
        .http
        .post(c.url("/account/notifications"))
        .form(&[("csrf", "0123456789012345678901234567890123456789")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // A cross-site origin is refused even with the token; so is one that
    // only matches the Host header, not Upward's public address.
    let token = c.csrf().await;
    for (origin, host) in
        [("https://evil.example", None), ("null", None), ("http://evil.example", Some("evil.example"))]
    {
        let mut req = c.http.post(c.url("/account/notifications")).header("Origin", origin);
        if let Some(h) = host {
            req = req.header("Host", h);
        }
        let r = req.form(&[("csrf", token.as_str())]).send().await.unwrap();
        assert_eq!(r.status(), 403, "{origin}");
    }
    let r = c
        .http
        .post(c.url("/account/notifications"))
        .header("Origin", app.base.as_str())
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "Upward's own origin");
    let r = c.post_form("/account/notifications", &[]).await;
    assert_eq!(r.status(), 303);

    // The token belongs to the session: another person's does not work
    // here, and the one from before signing in does not work after.
    let other = app.signed_in("head@upward.example.org").await;
    let theirs = other.csrf().await;
    assert_ne!(theirs, token);
    let r = c.http.post(c.url("/account/notifications")).form(&[("csrf", theirs.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let fresh = app.client();
    fresh.get("/login").await;
    let before = fresh.csrf().await;
    let r = fresh.login("facilitator@upward.example.org", upward::demo::PASSWORD).await;
    assert_eq!(r.status(), 303);
    let after = fresh.csrf().await;
    assert_ne!(before, after, "a new token at sign-in");
    let r =
        fresh.http.post(fresh.url("/account/notifications")).form(&[("csrf", before.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), 403, "the token from before signing in no longer works");
    assert_eq!(fresh.post_form("/account/notifications", &[]).await.status(), 303);
    // The token shown in the page is the session's.
    let (_, page) = fresh.text("/account").await;
    assert!(page.contains(&format!(r#"name="csrf" value="{after}""#)));
    // Signing out: a new token again.
    assert_eq!(fresh.post_form("/logout", &[]).await.status(), 303);
    assert_ne!(fresh.csrf().await, after, "a new token at sign-out");

    // `?csrf=` works only on the upload routes, whose bodies are files.
    let r = c.http.post(c.url(&format!("/account/notifications?csrf={token}"))).send().await.unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .http
        .post(c.url(&format!("/api/v1/imports/gias?csrf={token}&file_name=empty.csv")))
        .body("")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202, "the upload route takes it");

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
    assert!(h.get("strict-transport-security").is_none(), "no HSTS over plain http");
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
    // With an https public address, browsers are told to use https only.
    let tls = app.other_instance(|c| c.public_url = "https://upward.example.org".into()).await;
    let r = tls.client().get("/login").await;
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000");
    let set = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>();
    assert!(set.iter().all(|c| c.contains("Secure")), "{set:?}");
}
