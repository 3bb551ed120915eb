//! Test support: a real `upward` server on a fresh database (SQLite, or
//! PostgreSQL when one is configured), seeded with the demo partnership.
//!
//! The demo is seeded once per test process into a template (a SQLite file,
//! or a PostgreSQL template database); each test gets its own copy, so tests
//! are independent and fast.
//!
//! PostgreSQL: `UPWARD_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) names a server where test
//! databases may be created. When it cannot be reached the PostgreSQL tests
//! are skipped, unless `REQUIRE_POSTGRES=1`, when they fail.

use crate::demo;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::OnceCell;
use upward_storage::Db;
use upward_web::AppState;
use upward_web::config::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

static SQLITE_TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
static PG_TEMPLATE: OnceCell<Option<String>> = OnceCell::const_new();

fn pg_admin_url() -> String {
    std::env::var("UPWARD_TEST_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn require_postgres() -> bool {
    std::env::var("REQUIRE_POSTGRES").map(|v| v == "1" || v == "true").unwrap_or(false)
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        &upward_web::security::new_token().to_lowercase().replace(['-', '_'], "")[..10]
    )
}

/// URL of a database on the same server as `admin`.
fn pg_url(admin: &str, db: &str) -> String {
    match admin.rfind('/') {
        Some(i) => {
            let (base, rest) = admin.split_at(i);
            let query = rest.find('?').map(|q| &rest[q..]).unwrap_or("");
            format!("{base}/{db}{query}")
        }
        None => format!("{admin}/{db}"),
    }
}

async fn pg_admin_exec(sql: &str) -> Result<(), String> {
    upward_storage::db::postgres_admin(&pg_admin_url(), sql).await.map_err(|e| e.to_string())
}

async fn sqlite_template() -> PathBuf {
    SQLITE_TEMPLATE
        .get_or_init(|| async {
            let path = std::env::temp_dir().join(format!("{}.db", unique("upward_template")));
            let db = Db::connect(&path.to_string_lossy()).await.expect("template database");
            db.migrate().await.expect("migrate template");
            demo::seed(&db).await.expect("seed template");
            db.checkpoint().await.ok();
            db.close().await;
            path
        })
        .await
        .clone()
}

async fn pg_template() -> Option<String> {
    PG_TEMPLATE
        .get_or_init(|| async {
            let name = unique("upward_tmpl");
            if let Err(e) = pg_admin_exec(&format!("CREATE DATABASE {name}")).await {
                if require_postgres() {
                    panic!("REQUIRE_POSTGRES=1 but PostgreSQL at {} cannot be used: {e}", pg_admin_url());
                }
                eprintln!("skipping PostgreSQL tests: {e}");
                return None;
            }
            let db = Db::connect(&pg_url(&pg_admin_url(), &name)).await.expect("template database");
            db.migrate().await.expect("migrate template");
            demo::seed(&db).await.expect("seed template");
            db.close().await;
            Some(name)
        })
        .await
        .clone()
}

/// A running Upward on its own database.
pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub state: AppState,
    mail: upward_web::mail::Catcher,
    cleanup: Cleanup,
    server: tokio::task::JoinHandle<()>,
}

/// A second server on a test app's database (see [`TestApp::other_instance`]).
pub struct OtherInstance {
    pub base: String,
    pub state: AppState,
    server: tokio::task::JoinHandle<()>,
}

impl OtherInstance {
    /// A new browser-like client of this instance.
    pub fn client(&self) -> Client {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Client { base: self.base.clone(), http, jar }
    }
}

impl Drop for OtherInstance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

enum Cleanup {
    File(PathBuf),
    PgDatabase(String),
}

impl TestApp {
    /// Start an app on a copy of the seeded demo. None when the backend is
    /// PostgreSQL and none is available (and it is not required).
    pub async fn start(backend: Backend) -> Option<TestApp> {
        let (db, cleanup) = match backend {
            Backend::Sqlite => {
                let template = sqlite_template().await;
                let path = std::env::temp_dir().join(format!("{}.db", unique("upward_test")));
                std::fs::copy(&template, &path).expect("copy the template database");
                (Db::connect(&path.to_string_lossy()).await.expect("test database"), Cleanup::File(path))
            }
            Backend::Postgres => {
                let template = pg_template().await?;
                let name = unique("upward_test");
                let mut last = String::new();
                for attempt in 0..20 {
                    match pg_admin_exec(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await {
                        Ok(()) => {
                            last.clear();
                            break;
                        }
                        Err(e) => {
                            last = e;
                            tokio::time::sleep(std::time::Duration::from_millis(100 * (attempt + 1))).await;
                        }
                    }
                }
                assert!(last.is_empty(), "could not create a test database: {last}");
                (Db::connect(&pg_url(&pg_admin_url(), &name)).await.expect("test database"), Cleanup::PgDatabase(name))
            }
        };
        db.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("address");
        let base = format!("http://{addr}");
        let config = Config { public_url: base.clone(), demo: true, run_jobs: false, ..Config::default() };
        let mail = upward_web::mail::Catcher::default();
        let state = AppState::new(db, config).with_mail(upward_web::mail::Transport::Catcher(mail.clone()));
        let s = state.clone();
        let server = tokio::spawn(async move {
            let _ = upward_web::serve_on(s, listener).await;
        });
        Some(TestApp { backend, base, state, mail, cleanup, server })
    }

    /// Every e-mail delivered so far (the real messages, with their live
    /// links; the outbox keeps copies without them).
    pub fn mail(&self) -> Vec<upward_web::mail::Delivered> {
        self.mail.all()
    }

    /// The newest e-mail delivered to an address, waiting a little for one
    /// sent in the background (a password-reset link is).
    pub async fn mail_to(&self, address: &str) -> Option<upward_web::mail::Delivered> {
        for _ in 0..50 {
            if let Some(m) = self.mail.latest_to(address) {
                return Some(m);
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        None
    }

    /// Another server on this app's database, configured by `change` (an
    /// https public address, trusted proxies, …), catching its e-mail here
    /// too (unless `change` names an SMTP server). Stops when the returned
    /// handle is dropped.
    pub async fn other_instance(&self, change: impl FnOnce(&mut Config)) -> OtherInstance {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let mut config = (*self.state.config).clone();
        change(&mut config);
        let smtp = config.smtp_url.is_some();
        let mut state = AppState::new(self.state.db.clone(), config);
        if !smtp {
            state = state.with_mail(upward_web::mail::Transport::Catcher(self.mail.clone()));
        }
        let s = state.clone();
        let server = tokio::spawn(async move {
            let _ = upward_web::serve_on(s, listener).await;
        });
        OtherInstance { base, state, server }
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// This app's clock: move it to try deadlines, expiries and lock-outs.
    pub fn clock(&self) -> &upward_domain::Clock {
        self.state.db.clock()
    }

    /// A new browser-like client (its own cookies), not following redirects.
    pub fn client(&self) -> Client {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let http = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Client { base: self.base.clone(), http, jar }
    }

    /// A client signed in as `email` (demo password).
    pub async fn signed_in(&self, email: &str) -> Client {
        let c = self.client();
        let r = c.login(email, demo::PASSWORD).await;
        assert_eq!(r.status(), 303, "sign-in as {email} failed");
        c
    }

    /// Run the background jobs that are due (e-mail).
    pub async fn run_jobs(&self) -> usize {
        upward_web::jobs::drain(&self.state).await.expect("jobs")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        match &self.cleanup {
            Cleanup::File(p) => {
                let _ = std::fs::remove_file(p);
                let _ = std::fs::remove_file(p.with_extension("db-wal"));
                let _ = std::fs::remove_file(p.with_extension("db-shm"));
            }
            Cleanup::PgDatabase(name) => {
                let name = name.clone();
                let db = self.state.db.clone();
                // Close the pool and drop the database from a helper thread
                // (Drop cannot await).
                let _ = std::thread::spawn(move || {
                    if let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() {
                        rt.block_on(async {
                            db.close().await;
                            let _ = pg_admin_exec(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        });
                    }
                })
                .join();
            }
        }
    }
}

/// An HTTP client with its own cookie jar.
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    jar: Arc<reqwest::cookie::Jar>,
}

impl Client {
    /// The same cookies (the same browser), talking to another instance.
    pub fn clone_with_base(&self, base: &str) -> Client {
        let http = reqwest::Client::builder()
            .cookie_provider(self.jar.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Client { base: base.to_string(), http, jar: self.jar.clone() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The CSRF token from the cookie (fetching a page first if needed).
    pub async fn csrf(&self) -> String {
        use reqwest::cookie::CookieStore;
        let url: reqwest::Url = self.base.parse().expect("url");
        for _ in 0..2 {
            if let Some(h) = self.jar.cookies(&url) {
                let s = h.to_str().unwrap_or("").to_string();
                if let Some(v) = s.split(';').map(str::trim).find_map(|kv| kv.strip_prefix("upward_csrf=")) {
                    return v.to_string();
                }
            }
            let _ = self.http.get(self.url("/healthz")).send().await;
        }
        String::new()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn text(&self, path: &str) -> (u16, String) {
        let r = self.get(path).await;
        let s = r.status().as_u16();
        (s, r.text().await.unwrap_or_default())
    }

    /// POST a form, adding the CSRF token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        self.http.post(self.url(path)).form(&all).send().await.expect("POST")
    }

    /// A request with the CSRF header set (for the JSON API from a session).
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let token = self.csrf().await;
        let mut req = self.http.request(method, self.url(path)).header("X-CSRF-Token", token);
        if let Some(j) = json {
            req = req.json(&j);
        }
        req.send().await.expect("request")
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.get("/login").await;
        self.post_form("/login", &[("email", email), ("password", password), ("next", "/")]).await
    }
}

/// Run an async test body against SQLite and, when available, PostgreSQL.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident => $body:path;)*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let app = $crate::testing::TestApp::start($crate::testing::Backend::Sqlite).await.expect("sqlite app");
                    $body(&app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(app) = $crate::testing::TestApp::start($crate::testing::Backend::Postgres).await else { return };
                    $body(&app).await;
                }
            )*
        }
    };
}
