//! Importing the GIAS extract: from the web (with a bad row, then good
//! files), from the API, and from the command line.

use sqlx::Row;
use std::time::Duration;
use upward::testing::{Backend, TestApp};
use upward_domain::workflow::ImportStatus;

const SAMPLE_2021: &[u8] = include_bytes!("../../../gias/tests/data/gias_sample.csv");
const UPDATE_2021: &[u8] = include_bytes!("../../../gias/tests/data/gias_update.csv");
const SAMPLE_2025: &[u8] = include_bytes!("../../../gias/tests/data/establishments_2025.csv");

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(app.db().pool()).await.unwrap().get(0)
}

/// A 2025-layout file in GIAS's own encoding (Windows-1252, CRLF).
fn generated(rows: u64, bad: Option<(u64, &str)>) -> Vec<u8> {
    let mut out = Vec::new();
    let opts = upward_gias::generate::GenerateOptions {
        rows,
        seed: 7,
        bad: bad.map(|(row, column)| upward_gias::generate::BadCell { row, column: column.to_string() }),
    };
    upward_gias::generate::generate(&opts, &mut out).unwrap();
    out
}

async fn upload(c: &upward::testing::Client, name: &str, bytes: Vec<u8>) -> i64 {
    let token = c.csrf().await;
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    let r = c.http.post(c.url(&format!("/admin/imports/gias?csrf={token}"))).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 303, "upload accepted");
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    loc.rsplit('/').next().unwrap().parse().unwrap()
}

async fn wait(app: &TestApp, id: i64) -> upward_storage::imports::ImportRun {
    for _ in 0..600 {
        let run = upward_storage::imports::get(app.db(), id).await.unwrap().unwrap();
        if run.status != ImportStatus::Running {
            return run;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("import {id} did not finish");
}

pub async fn gias_bad_file_changes_nothing(app: &TestApp) {
    let c = app.signed_in("programmes@upward.example.org").await;
    let schools = count(app, "SELECT COUNT(*) FROM schools").await;
    let audit = count(app, "SELECT COUNT(*) FROM audit_log WHERE entity_kind = 'school'").await;

    // A bad value on row 1,234 of a 2,000-row file.
    let id = upload(&c, "edubasealldata20250422.csv", generated(2000, Some((1234, "NumberOfPupils")))).await;
    let run = wait(app, id).await;
    assert_eq!(run.status, ImportStatus::Failed);
    let (status, page) = c.text(&format!("/admin/imports/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("The file was not imported"));
    assert!(page.contains("edubasealldata20250422.csv, row 1,234 (line 1,235), field NumberOfPupils: &#34;12x&#34; is not a whole number"), "{page}");
    assert!(page.contains("Nothing in Upward has changed"));
    // Other kinds of bad file.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("URN,EstablishmentName\r\n".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let id = upload(&c, "unicode.csv", utf16).await;
    let run = wait(app, id).await;
    assert_eq!(run.status, ImportStatus::Failed);
    assert!(run.message.as_deref().unwrap().contains("unicode.csv"), "{:?}", run.message);
    assert!(run.message.as_deref().unwrap().to_lowercase().contains("utf-16"), "{:?}", run.message);
    let id = upload(&c, "schools.csv", b"URN,EstablishmentName,Town\r\n100000,Somewhere,Leeds\r\n".to_vec()).await;
    let run = wait(app, id).await;
    assert_eq!(run.status, ImportStatus::Failed);
    let msg = run.message.unwrap();
    assert!(msg.contains("schools.csv has no column named") && msg.contains("TypeOfEstablishment (name)"), "{msg}");
    // A real workbook: Upward's own Excel export.
    let xlsx = c.get("/schools?format=xlsx").await.bytes().await.unwrap().to_vec();
    let id = upload(&c, "workbook.xlsx", xlsx).await;
    let run = wait(app, id).await;
    assert!(run.message.unwrap().contains("Excel"), "an Excel file is named as such");

    // Nothing changed anywhere.
    assert_eq!(count(app, "SELECT COUNT(*) FROM schools").await, schools);
    assert_eq!(count(app, "SELECT COUNT(*) FROM audit_log WHERE entity_kind = 'school'").await, audit);

    // From the command line: a non-zero exit, the message, nothing changed.
    if app.backend == Backend::Sqlite {
        let dir = std::env::temp_dir().join(format!("upward-cli-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let bad = dir.join("bad.csv");
        std::fs::write(&bad, generated(1500, Some((1234, "NumberOfPupils")))).unwrap();
        let db = dir.join("cli.db");
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_upward"))
            .args(["import", "gias"])
            .arg(&bad)
            .arg("--database")
            .arg(&db)
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bad.csv, row 1,234 (line 1,235), field NumberOfPupils: \"12x\" is not a whole number"),
            "{err}"
        );
        assert!(err.contains("Nothing was imported"));
        let good = dir.join("good.csv");
        std::fs::write(&good, generated(1500, None)).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_upward"))
            .args(["import", "gias"])
            .arg(&good)
            .arg("--database")
            .arg(&db)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(said.contains("1,500 schools in the file: 1,500 new"), "{said}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

pub async fn gias_import_adds_updates_and_closes(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    let before = count(app, "SELECT COUNT(*) FROM schools").await;
    let held =
        count(app, "SELECT COUNT(*) FROM schools WHERE urn BETWEEN 100000 AND 100047 OR urn BETWEEN 402384 AND 402436")
            .await;
    let id = upload(&c, "gias_sample.csv", SAMPLE_2021.to_vec()).await;
    let run = wait(app, id).await;
    assert_eq!(run.status, ImportStatus::Succeeded, "{:?}", run.message);
    let report = run.report.unwrap();
    assert_eq!(report["rows"], 99);
    assert_eq!(report["columns"], 139);
    assert_eq!(report["added"].as_i64().unwrap(), 99 - held);
    assert_eq!(count(app, "SELECT COUNT(*) FROM schools").await, before + 99 - held);
    let (_, page) = c.text(&format!("/admin/imports/{id}")).await;
    assert!(page.contains("Imported."));
    let name: String =
        sqlx::query("SELECT name FROM schools WHERE urn = 100000").fetch_one(app.db().pool()).await.unwrap().get(0);
    assert_eq!(name, "The Aldgate School");

    // A refresh: GIAS's own quoting, one name changed.
    let id = upload(&c, "gias_update.csv", UPDATE_2021.to_vec()).await;
    let run = wait(app, id).await;
    assert_eq!(run.status, ImportStatus::Succeeded);
    let report = run.report.unwrap();
    assert_eq!(report["changed"], 1);
    assert_eq!(report["added"], 0);
    let name: String =
        sqlx::query("SELECT name FROM schools WHERE urn = 100000").fetch_one(app.db().pool()).await.unwrap().get(0);
    assert_eq!(name, "The Aldgate School 2");
    let e = sqlx::query("SELECT before_json, after_json, summary FROM audit_log WHERE action = 'school.updated' AND entity_id = '100000'").fetch_one(app.db().pool()).await.unwrap();
    let before_json: String = e.get(0);
    let after_json: String = e.get(1);
    assert!(before_json.contains("The Aldgate School\""), "{before_json}");
    assert!(after_json.contains("The Aldgate School 2"), "{after_json}");

    // The school closes.
    let text = String::from_utf8(UPDATE_2021.to_vec()).unwrap();
    let mut rows: Vec<Vec<String>> = text.lines().map(split_quoted).collect();
    let h = rows[0].clone();
    let at = |n: &str| h.iter().position(|c| c.trim_matches('"') == n).unwrap();
    rows[1][at("EstablishmentStatus (name)")] = "\"Closed\"".into();
    rows[1][at("EstablishmentStatus (code)")] = "2".into();
    rows[1][at("CloseDate")] = "\"31-08-2026\"".into();
    let closing = rows.iter().map(|r| r.join(",")).collect::<Vec<_>>().join("\r\n") + "\r\n";
    let id = upload(&c, "gias_closing.csv", closing.into_bytes()).await;
    let run = wait(app, id).await;
    assert_eq!(run.status, ImportStatus::Succeeded, "{:?}", run.report);
    assert_eq!(run.report.unwrap()["closed"], 1);
    let status: String =
        sqlx::query("SELECT status FROM schools WHERE urn = 100000").fetch_one(app.db().pool()).await.unwrap().get(0);
    assert_eq!(status, "closed");
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'school.closed' AND entity_id = '100000'").await,
        1
    );
    let (_, page) = c.text("/schools?q=100000&status=closed&scope=all").await;
    assert!(page.contains("The Aldgate School 2"));
}

/// A file of several hundred rows is saved in several statements; blank and
/// filled-in numbers (FSM, coordinates) fall in the same places of different
/// statements, which once failed on PostgreSQL ("incorrect binary data
/// format in bind parameter").
pub async fn gias_import_of_many_rows(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    let before = count(app, "SELECT COUNT(*) FROM schools").await;
    let file = generated(1200, None);
    let text = String::from_utf8_lossy(&file).into_owned();
    let urns: Vec<i64> =
        text.lines().skip(1).map(|l| l.split(',').next().unwrap().trim_matches('"').parse().unwrap()).collect();
    let held = count(
        app,
        &format!(
            "SELECT COUNT(*) FROM schools WHERE urn IN ({})",
            urns.iter().map(|u| u.to_string()).collect::<Vec<_>>().join(",")
        ),
    )
    .await;
    let id = upload(&c, "edubasealldata20250601.csv", file).await;
    let run = wait(app, id).await;
    assert_eq!(run.status, ImportStatus::Succeeded, "{:?}", run.message);
    let report = run.report.unwrap();
    assert_eq!(report["rows"], 1200);
    assert_eq!(count(app, "SELECT COUNT(*) FROM schools").await, before + 1200 - held);
    let blank = count(
        app,
        &format!(
            "SELECT COUNT(*) FROM schools WHERE fsm_pct IS NULL AND urn IN ({})",
            urns.iter().map(|u| u.to_string()).collect::<Vec<_>>().join(",")
        ),
    )
    .await;
    assert!(blank > 0 && blank < 1200, "the file has blank and filled-in FSM figures ({blank} blank)");
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'school.added' AND summary LIKE '%edubasealldata20250601.csv'").await,
        report["added"].as_i64().unwrap()
    );
}

/// Split one CSV line, keeping each field's quotes as they were.
fn split_quoted(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    for ch in line.trim_end_matches('\r').chars() {
        match ch {
            '"' => {
                quoted = !quoted;
                cur.push(ch);
            }
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(ch),
        }
    }
    out.push(cur);
    out
}

pub async fn gias_import_over_the_api(app: &TestApp) {
    let c = app.signed_in("admin@upward.example.org").await;
    let r = c
        .send(reqwest::Method::POST, "/api/v1/account/tokens", Some(serde_json::json!({"name": "import robot"})))
        .await;
    assert_eq!(r.status(), 201);
    let token = r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/api/v1/imports/gias?file_name=establishments_2025.csv", app.base))
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(SAMPLE_2025.to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    wait(app, id).await;
    let v: serde_json::Value = http
        .get(format!("{}/api/v1/imports/{id}", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "succeeded", "{v}");
    assert_eq!(v["report"]["columns"], 135);
    assert_eq!(v["report"]["rows"], 3);
    assert_eq!(v["percent"], 100);
}
