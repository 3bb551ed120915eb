//! The audit trail, the job queue, health, the OpenAPI document, and bad
//! input.

use sqlx::Row;
use upward::testing::{Backend, TestApp};

pub async fn audit_trail_search_and_export(app: &TestApp) {
    let admin = app.signed_in("admin@upward.example.org").await;
    // Make a change and find it.
    let pid: i64 = sqlx::query("SELECT id FROM people WHERE email = 'facilitator@upward.example.org'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let r = admin.post_form(&format!("/people/{pid}/roles"), &[("role", "shortlister")]).await;
    assert_eq!(r.status(), 303);
    let (status, page) = admin.text("/admin/audit?q=shortlister&action=person.role_granted").await;
    assert_eq!(status, 200);
    assert!(page.contains("Role given: Shortlister"));
    assert!(page.contains("admin@upward.example.org"), "who did it");
    let v: serde_json::Value =
        admin.get(&format!("/api/v1/audit?action=person.role_granted&entity_id={pid}")).await.json().await.unwrap();
    let items = v["items"].as_array().unwrap();
    let last = items.iter().find(|e| e["summary"] == "Role given: Shortlister").expect("the change is on record");
    assert_eq!(last["after"]["role"], "shortlister");
    assert!(last["actor"].as_str().unwrap().contains("admin@upward.example.org"));
    // Date filters and bad dates.
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d").to_string();
    let v: serde_json::Value = admin
        .get(&format!("/api/v1/audit?from={today}&to={today}&action=person.role_granted&entity_id={pid}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(v["total"].as_i64().unwrap() >= 1);
    let v: serde_json::Value = admin.get("/api/v1/audit?from=2001-01-01&to=2001-01-02").await.json().await.unwrap();
    assert_eq!(v["total"], 0);
    let (status, page) = admin.text("/admin/audit?from=yesterday").await;
    assert_eq!(status, 200);
    assert!(page.contains("is not a date like"));
    let long = "x".repeat(201);
    let r = admin.get(&format!("/api/v1/audit?q={long}")).await;
    assert_eq!(r.status(), 422, "a search of more than 200 characters is refused");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["fields"][0]["field"], "q");
    for path in ["/api/v1/schools", "/api/v1/people", "/api/v1/outbox"] {
        let r = admin.get(&format!("{path}?q={long}")).await;
        assert_eq!(r.status(), 422, "{path}: a search of more than 200 characters is refused");
    }
    let (status, page) = admin.text(&format!("/schools?q={long}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Search for at most 200 characters"));
    assert_eq!(admin.get(&format!("/api/v1/trusts?q={long}")).await.status(), 200, "trust names are cut to 200");
    // Export.
    let csv = admin.get("/admin/audit?q=shortlister&format=csv").await.text().await.unwrap();
    assert!(csv.starts_with("When (UTC),Who,Action,Entity,Entity id,Summary,Before,After"));
    assert!(csv.contains("person.role_granted"));
    let xlsx = admin.get("/admin/audit?q=shortlister&format=xlsx").await.bytes().await.unwrap();
    assert_eq!(&xlsx[..2], b"PK");
}

pub async fn jobs_are_claimed_once(app: &TestApp) {
    // Queue 40 e-mails, then let 8 workers race for them: each is sent once.
    let mut tx = app.db().begin().await.unwrap();
    for i in 0..40 {
        let m = upward_storage::outbox::NewEmail {
            to_address: "race@example.org",
            to_person_id: None,
            topic: "account",
            subject: &format!("m{i}"),
            body_text: "x",
        };
        upward_storage::outbox::enqueue(&mut tx, &m, false).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut handles = vec![];
    for _ in 0..8 {
        let state = app.state.clone();
        handles.push(tokio::spawn(async move {
            let mut ids = vec![];
            while let Some(job) = upward_storage::jobs::claim(&state.db, 60).await.unwrap() {
                ids.push(job.id);
                upward_storage::jobs::complete(&state.db, job.id).await.unwrap();
            }
            ids
        }));
    }
    let mut all = vec![];
    for h in handles {
        all.extend(h.await.unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "no job was claimed twice");
    assert_eq!(n, 40);
    let left: i64 = sqlx::query("SELECT COUNT(*) FROM jobs WHERE status <> 'done'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    // A failing job is retried later, then given up.
    let mut tx = app.db().begin().await.unwrap();
    upward_storage::jobs::enqueue(&mut tx, "no_such_kind", "{}", 0).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(app.run_jobs().await, 1);
    let (status, err): (String, String) = {
        let r = sqlx::query("SELECT status, last_error FROM jobs WHERE kind = 'no_such_kind'")
            .fetch_one(app.db().pool())
            .await
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!(status, "queued", "retried later");
    assert!(err.contains("unknown job kind"));
}

pub async fn health_and_openapi(app: &TestApp) {
    let c = app.client();
    let (status, body) = c.text("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let doc: serde_json::Value = c.get("/api/openapi.json").await.json().await.unwrap();
    assert_eq!(doc["openapi"].as_str().unwrap().chars().next(), Some('3'));
    // Every API route of the router is in the OpenAPI document.
    for r in upward_web::ROUTES.iter().filter(|r| r.path.starts_with("/api/v1/")) {
        let item = &doc["paths"][r.path];
        assert!(item[r.method].is_object(), "{} {} is not in the OpenAPI document", r.method, r.path);
    }
    let (status, page) = c.text("/api/docs").await;
    assert_eq!(status, 200);
    assert!(page.contains("/api/v1/schools"));
    if app.backend == Backend::Postgres {
        assert_eq!(app.db().backend(), upward_storage::Backend::Postgres);
    }
}

pub async fn bad_input_never_breaks_a_page(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    let nasty = [
        "/schools?q=%27%3B%20DROP%20TABLE%20schools%3B--",
        "/schools?q=%25%25%25_",
        "/schools?page=-5",
        "/schools?page=99999999999999999999",
        "/schools?sort=name%3Bdrop&dir=sideways",
        "/schools/%F0%9F%98%80",
        "/people?hub=NaN&role=emperor",
        "/people/0",
        "/hubs/-1",
        "/trusts/abc",
        "/admin/audit?from=2026-13-45&actor=x",
        "/admin/imports/abc",
        "/api/v1/schools?per_page=100000&page=0",
        "/api/v1/people/abc",
        "/calendar/..%2F..%2Fetc%2Fpasswd",
        "/static/..%2FCargo.toml",
    ];
    for p in nasty {
        let r = c.get(p).await;
        let s = r.status().as_u16();
        assert!(s < 500, "{p} gave {s}");
    }
    let r = c.send(reqwest::Method::POST, "/api/v1/people", Some(serde_json::json!({"email": 5}))).await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"], "invalid");
    let r = c
        .http
        .post(c.url("/api/v1/people"))
        .header("X-CSRF-Token", c.csrf().await)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // The table is still there.
    let n: i64 = sqlx::query("SELECT COUNT(*) FROM schools").fetch_one(app.db().pool()).await.unwrap().get(0);
    assert!(n > 0);
}

/// Two `upward serve` instances on one database: a session made on one is
/// good on the other, and an import started on one is followed on the other.
pub async fn two_instances_share_one_database(app: &TestApp) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other = format!("http://{}", listener.local_addr().unwrap());
    let state = app.state.clone();
    let server = tokio::spawn(async move {
        let _ = upward_web::serve_on(state, listener).await;
    });
    let c = app.signed_in("admin@upward.example.org").await;
    // The same cookie jar, pointed at the other instance.
    let b = c.clone_with_base(&other);
    let (status, page) = b.text("/account").await;
    assert_eq!(status, 200, "the session is in the database, not in the instance");
    assert!(page.contains("admin@upward.example.org"));
    server.abort();
}

/// E-mail goes out by SMTP when configured (to a small SMTP server here).
pub async fn email_is_sent_by_smtp(app: &TestApp) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(String::new()));
    let got = received.clone();
    tokio::spawn(async move {
        let (sock, _) = listener.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut lines = BufReader::new(r).lines();
        w.write_all(b"220 test ESMTP\r\n").await.unwrap();
        let mut in_data = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    w.write_all(b"250 queued\r\n").await.unwrap();
                } else {
                    got.lock().await.push_str(&format!("{line}\n"));
                }
                continue;
            }
            let cmd = line.to_ascii_uppercase();
            let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                b"250 test\r\n"
            } else if cmd.starts_with("DATA") {
                in_data = true;
                b"354 go on\r\n"
            } else if cmd.starts_with("QUIT") {
                w.write_all(b"221 bye\r\n").await.unwrap();
                break;
            } else {
                b"250 ok\r\n"
            };
            w.write_all(reply).await.unwrap();
        }
    });
    let config = upward_web::config::Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        mail_from: "Upward <no-reply@upward.example.org>".into(),
        ..(*app.state.config).clone()
    };
    let state = upward_web::AppState::new(app.state.db.clone(), config);
    let mut tx = app.db().begin().await.unwrap();
    let m = upward_storage::outbox::NewEmail {
        to_address: "head@upward.example.org",
        to_person_id: None,
        topic: "account",
        subject: "Hello by SMTP",
        body_text: "It works.",
    };
    let id = upward_storage::outbox::enqueue(&mut tx, &m, false).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(upward_web::jobs::drain(&state).await.unwrap(), 1);
    let mail = upward_storage::outbox::get(app.db(), id).await.unwrap().unwrap();
    assert_eq!(mail.status, upward_domain::workflow::EmailStatus::Sent, "{:?}", mail.error);
    let text = received.lock().await.clone();
    assert!(text.contains("Subject: Hello by SMTP"), "{text}");
    assert!(text.contains("It works."));
    assert!(text.contains("To: head@upward.example.org"));
}

/// The database itself refuses a workflow state the code does not know,
/// and takes every one it does (the migration's CHECK lists and the enums
/// agree).
pub async fn workflow_states_are_checked_by_the_database(app: &TestApp) {
    use upward_domain::reviews::{ReviewKind, ReviewStatus, TeamRole};
    use upward_domain::workflow::{EmailStatus, ImportStatus, JobStatus, PersonStatus, PoolStatus, State};
    let db = app.db().pool();
    let exec = |sql: String| async move { sqlx::query(&sql).execute(db).await };
    let review: i64 = sqlx::query("SELECT MIN(id) FROM reviews").fetch_one(db).await.unwrap().get(0);
    exec("INSERT INTO jobs (kind, payload, status, run_at, created_at) VALUES ('x', '{}', 'queued', 0, 0)".into())
        .await
        .unwrap();
    exec("INSERT INTO import_runs (kind, file_name, started_at, status) VALUES ('gias', 'x.csv', 0, 'running')".into())
        .await
        .unwrap();
    exec("INSERT INTO outbox (created_at, to_address, topic, subject, body_text, status) VALUES (0, 'a@b.org', 'x', 'x', 'x', 'queued')".into())
        .await
        .unwrap();
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        ("reviews", "status", ReviewStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("reviews", "kind", ReviewKind::ALL.iter().map(|s| s.as_str()).collect()),
        ("import_runs", "status", ImportStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("jobs", "status", JobStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("outbox", "status", EmailStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("people", "status", PersonStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("pool_memberships", "status", PoolStatus::ALL.iter().map(|s| s.as_str()).collect()),
        ("review_team", "role", TeamRole::ALL.iter().map(|s| s.as_str()).collect()),
        ("schools", "membership", vec!["member", "former", "none"]),
    ];
    for (table, column, values) in cases {
        let one = match table {
            "reviews" => format!("id = {review}"),
            // Tables without an id column of their own: one row.
            "pool_memberships" | "review_team" => {
                format!("id = (SELECT MIN(id) FROM {table})")
            }
            _ => format!("id = (SELECT MAX(id) FROM {table})"),
        };
        for v in &values {
            exec(format!("UPDATE {table} SET {column} = '{v}' WHERE {one}"))
                .await
                .unwrap_or_else(|e| panic!("{table}.{column} = {v}: {e}"));
        }
        let bad = exec(format!("UPDATE {table} SET {column} = 'nonsense' WHERE {one}")).await;
        assert!(bad.is_err(), "{table}.{column} took a value no enum has");
        let msg = bad.unwrap_err().to_string();
        assert!(msg.contains("check"), "{table}.{column}: {msg}");
        let bad = exec(format!("UPDATE {table} SET {column} = UPPER({column}) WHERE {one}")).await;
        assert!(bad.is_err(), "{table}.{column} took an upper-case value");
    }
    // Inserting is checked too.
    let bad =
        exec("INSERT INTO jobs (kind, payload, status, run_at, created_at) VALUES ('x', '{}', 'later', 0, 0)".into())
            .await;
    assert!(bad.is_err());
}

/// Send `request` over a plain socket; the answer's head and first bytes.
async fn raw_response(addr: &str, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
    sock.write_all(request).await.unwrap();
    let mut buf = vec![0u8; 16 * 1024];
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, sock.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got);
        if text.contains("\r\n\r\n") && text.contains('}') {
            break;
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// An API token for a demo person, made directly in the database.
async fn token_for(app: &TestApp, email: &str) -> String {
    let pid: i64 = sqlx::query("SELECT id FROM people WHERE email = $1")
        .bind(email)
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let token = format!("upw_test_{}", upward_web::security::new_token());
    let mut tx = app.db().begin().await.unwrap();
    upward_storage::auth::create_api_token(
        &mut tx,
        &upward_storage::Who::system("test"),
        pid,
        "test",
        &upward_web::security::token_hash(&token),
        &token[..8],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    token
}

/// Finding 3: a huge request is refused at once (413, or 422 when it fits
/// the limit but not the rules) and changes nothing, while another person's
/// write goes through; when the database is busy with someone else's change,
/// the answer is 503 "busy, try again" with Retry-After, never a 500.
pub async fn huge_requests_are_refused_and_busy_is_503(app: &TestApp) {
    let http = reqwest::Client::new();
    let token = token_for(app, "hub.manager@upward.example.org").await;
    let other = app.signed_in("head@upward.example.org").await;
    let url = format!("{}/api/v1/account/notifications", app.base);
    let huge = serde_json::to_vec(&vec![serde_json::json!({"topic": "digest", "email": false}); 600_000]).unwrap();
    assert!(huge.len() > 10_000_000);
    // The huge PUT is refused from its headers, before its body is read
    // (sent over a plain socket: the refusal comes back while the body
    // would still be on its way) …
    let started = std::time::Instant::now();
    let addr = app.base.trim_start_matches("http://").to_string();
    let head = format!(
        "PUT /api/v1/account/notifications HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        huge.len()
    );
    let refused = tokio::spawn(async move { raw_response(&addr, head.as_bytes()).await });
    // … while another person's write goes through.
    let normal = other.post_form("/account/notifications", &[("topic", "events")]).await;
    assert_eq!(normal.status(), 303, "the other person's write succeeds");
    let answer = refused.await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(answer.contains("\"error\":\"too_large\""), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused quickly: {:?}", started.elapsed());
    // Under the size limit but over the rules: 422, one message.
    let many = serde_json::json!(vec![serde_json::json!({"topic": "digest", "email": false}); 5_000]);
    let r = http.put(&url).bearer_auth(&token).json(&many).send().await.unwrap();
    assert_eq!(r.status(), 422);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["fields"].as_array().unwrap().len(), 1);
    let digest_rows: i64 = sqlx::query(
        "SELECT COUNT(*) FROM notification_settings n JOIN people p ON p.id = n.person_id WHERE p.email = 'hub.manager@upward.example.org'",
    )
    .fetch_one(app.db().pool())
    .await
    .unwrap()
    .get(0);
    assert_eq!(digest_rows, 0, "nothing changed");
    // A big form is refused too (forms are small).
    let r = other.post_form("/account/notifications", &[("topic", &"x".repeat(300_000))]).await;
    assert_eq!(r.status(), 413);

    // Someone else's change holds the lock: the request waits a moment, then
    // says Upward is busy.
    let one = serde_json::json!([{"topic": "digest", "email": false}]);
    assert_eq!(http.put(&url).bearer_auth(&token).json(&one).send().await.unwrap().status(), 200);
    let pid: i64 = sqlx::query("SELECT id FROM people WHERE email = 'hub.manager@upward.example.org'")
        .fetch_one(app.db().pool())
        .await
        .unwrap()
        .get(0);
    let mut tx = app.db().begin().await.unwrap();
    sqlx::query("UPDATE notification_settings SET email = 1 WHERE person_id = $1")
        .bind(pid)
        .execute(&mut *tx)
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let r = http.put(&url).bearer_auth(&token).json(&one).send().await.unwrap();
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["retry-after"], "5");
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "busy");
    assert!(v["message"].as_str().unwrap().contains("try again"));
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    // The same for a page.
    let r = other.post_form("/account/notifications", &[("topic", "events")]).await;
    if app.backend == Backend::Sqlite {
        assert_eq!(r.status(), 503);
        assert!(r.text().await.unwrap().contains("Upward is busy, try again in a moment"));
    }
    tx.rollback().await.unwrap();
    assert_eq!(http.put(&url).bearer_auth(&token).json(&one).send().await.unwrap().status(), 200, "then it works");
}

/// Finding 7: an upload that fails leaves no file behind.
pub async fn upload_temp_files_are_removed_on_error(app: &TestApp) {
    use tokio::io::AsyncWriteExt;
    let dir =
        std::env::temp_dir().join(format!("upward-uploads-{}", &upward_web::security::token_hash(&app.base)[..12]));
    let d = dir.clone();
    let inst = app.other_instance(move |c| c.upload_dir = Some(d)).await;
    let left = || std::fs::read_dir(&dir).map(|r| r.count()).unwrap_or(0);
    let settle = || async {
        for _ in 0..40 {
            if left() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    let pm = inst.client();
    assert_eq!(pm.login("programmes@upward.example.org", upward::demo::PASSWORD).await.status(), 303);
    // A form upload cut short (no closing boundary).
    let csrf = pm.csrf().await;
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"gias.csv\"\r\nContent-Type: text/csv\r\n\r\nURN,EstablishmentName\r\n100000,Half a row";
    let r = pm
        .http
        .post(pm.url(&format!("/admin/imports/gias?csrf={csrf}")))
        .header("content-type", "multipart/form-data; boundary=XyZ")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("did not arrive whole"));
    settle().await;
    assert_eq!(left(), 0, "the half-received file is gone");
    // An API upload whose connection drops half-way.
    let token = token_for(app, "programmes@upward.example.org").await;
    let addr = inst.base.trim_start_matches("http://").to_string();
    let mut sock = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "POST /api/v1/imports/gias?file_name=cut.csv HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/csv\r\nContent-Length: 100000\r\n\r\nURN,EstablishmentName\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(left(), 1, "the upload is being received");
    drop(sock);
    settle().await;
    assert_eq!(left(), 0, "the half-received file is gone");
    // A whole upload is imported, then its file is gone too.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/imports/gias?file_name=tiny.csv", inst.base))
        .bearer_auth(&token)
        .body("not a GIAS file\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let v: serde_json::Value = r.json().await.unwrap();
    let id = v["id"].as_i64().unwrap();
    for _ in 0..100 {
        let status: String = sqlx::query("SELECT status FROM import_runs WHERE id = $1")
            .bind(id)
            .fetch_one(app.db().pool())
            .await
            .unwrap()
            .get(0);
        if status != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    settle().await;
    assert_eq!(left(), 0);
    let _ = std::fs::remove_dir(&dir);
}

/// A database failure while finding who is signed in is a failure (with a
/// reference), not "signed out".
pub async fn a_database_failure_is_not_signed_out(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    assert_eq!(c.get("/account").await.status(), 200);
    sqlx::query("ALTER TABLE role_grants RENAME TO role_grants_away").execute(app.db().pool()).await.unwrap();
    let r = c.get("/account").await;
    let status = r.status().as_u16();
    let page = r.text().await.unwrap();
    sqlx::query("ALTER TABLE role_grants_away RENAME TO role_grants").execute(app.db().pool()).await.unwrap();
    assert_eq!(status, 500, "not a redirect to sign in");
    assert!(page.contains("Sorry, something went wrong"));
    assert!(page.contains("reference"));
    assert!(!page.contains("role_grants"), "no internals shown");
    let r = c.get("/api/v1/me").await;
    assert_eq!(r.status(), 200, "and then it works again");
}
