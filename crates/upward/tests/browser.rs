//! Browser tests: a real headless Chromium, driven through ChromeDriver,
//! against a real `upward` server on SQLite and on PostgreSQL.
//!
//! What people see and do: signing in and out, searching and opening
//! schools, importing GIAS files (with and without JavaScript), exporting,
//! the audit trail, keyboard-only use, a 360 px wide phone, and axe-core on
//! every page visited (no "serious" or "critical" violation is allowed).
//!
//! Needs `chromedriver`, Chromium (`/usr/lib/chromium/chromium`, or
//! `UPWARD_CHROMIUM`) and axe-core (`UPWARD_AXE_JS`, the path of
//! `axe.min.js`). When one is missing the suite is skipped with a message,
//! unless `REQUIRE_BROWSER=1`, when it fails. `scripts/test` installs them.
//! PostgreSQL is used as in the integration suite (`UPWARD_TEST_POSTGRES`,
//! `REQUIRE_POSTGRES=1`).
//!
//! One ChromeDriver serves the whole process and is stopped at the end. Each
//! backend has its own server and two browser sessions, one with JavaScript
//! and one without, used by every scenario in turn; the two backends run
//! side by side. Every page visited is checked by [`Browser::check`]: the
//! skip link comes first, axe-core finds nothing serious, and at 360 px the
//! page does not scroll sideways (tables scroll in their own region).
//! Everything found is printed at the end of each backend's run.
//!
//! A plain `main` (harness = false) so that ChromeDriver's lifetime is the
//! process's. `cargo test --test browser -- sqlite` runs one backend.

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value as Json, json};
use sqlx::Row;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use upward::testing::{Backend, TestApp};

const PASSWORD: &str = upward::demo::PASSWORD;
const ADMIN: &str = "admin@upward.example.org";
const PROGRAMMES: &str = "programmes@upward.example.org";
const HEAD: &str = "head@upward.example.org";
const REVIEWER: &str = "reviewer@upward.example.org";
const APPLICANT: &str = "applicant@upward.example.org";
const WAIT: Duration = Duration::from_secs(30);
/// The narrow window: a small phone.
const PHONE: u32 = 360;
const DESKTOP: (u32, u32) = (1280, 900);

// ---------------------------------------------------------------------------
// The harness
// ---------------------------------------------------------------------------

fn flag(name: &str) -> bool {
    std::env::var(name).map(|v| v == "1" || v == "true").unwrap_or(false)
}

/// What the browser tests need, found on this machine.
struct Tools {
    chromedriver: PathBuf,
    chromium: PathBuf,
    axe_js: String,
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

fn find_tools() -> Result<Tools, String> {
    let chromedriver = std::env::var_os("CHROMEDRIVER")
        .map(PathBuf::from)
        .or_else(|| on_path("chromedriver"))
        .ok_or("chromedriver is not installed (apt-get install chromium-driver)")?;
    // ChromeDriver needs the real binary, not Debian's /usr/bin wrapper script.
    let chromium = std::env::var_os("UPWARD_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from("/usr/lib/chromium/chromium")).filter(|p| p.is_file()))
        .or_else(|| on_path("google-chrome"))
        .ok_or("Chromium is not installed (apt-get install chromium)")?;
    let axe_path = std::env::var_os("UPWARD_AXE_JS")
        .map(PathBuf::from)
        .or_else(|| {
            let home = std::env::var_os("HOME")?;
            Some(Path::new(&home).join(".cache/upward-axe/node_modules/axe-core/axe.min.js")).filter(|p| p.is_file())
        })
        .ok_or("axe-core is not installed (set UPWARD_AXE_JS to axe.min.js; scripts/test installs it)")?;
    let axe_js = std::fs::read_to_string(&axe_path).map_err(|e| format!("cannot read {}: {e}", axe_path.display()))?;
    Ok(Tools { chromedriver, chromium, axe_js })
}

/// ChromeDriver on a free port, in its own process group so that the
/// browsers it starts end with it.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(bin: &Path) -> Driver {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let child = Command::new(bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(20), "chromedriver did not start listening on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, url }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = self.child.id() as i32;
        // SAFETY: kill(2) on the process group this process created.
        unsafe { libc::kill(-group, libc::SIGTERM) };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; anything left in the group is ours.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// Which backends to run, from libtest-like arguments.
fn selected() -> Option<Vec<Backend>> {
    let mut filters = Vec::new();
    let mut args = std::env::args().skip(1);
    let mut exact = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--list" => {
                println!("sqlite: test\npostgres: test");
                return None;
            }
            "--ignored" => return Some(vec![]),
            "--exact" => exact = true,
            "--test-threads" | "--skip" | "--color" | "--format" | "--logfile" | "-Z" | "--shuffle-seed"
            | "--report-time" => {
                let _ = args.next();
            }
            s if s.starts_with('-') => {}
            s => filters.push(s.to_string()),
        }
    }
    let all = [("sqlite", Backend::Sqlite), ("postgres", Backend::Postgres)];
    Some(
        all.into_iter()
            .filter(|(name, _)| {
                filters.is_empty() || filters.iter().any(|f| if exact { name == f } else { name.contains(f.as_str()) })
            })
            .map(|(_, b)| b)
            .collect(),
    )
}

fn main() {
    let Some(backends) = selected() else { return };
    if backends.is_empty() {
        println!("\nrunning 0 tests\n\ntest result: ok. 0 passed; 0 failed\n");
        return;
    }
    let tools = match find_tools() {
        Ok(t) => t,
        Err(why) if flag("REQUIRE_BROWSER") => {
            eprintln!("REQUIRE_BROWSER=1 but the browser tests cannot run: {why}");
            std::process::exit(1);
        }
        Err(why) => {
            println!("skipping the browser tests: {why}");
            return;
        }
    };
    // Two rustls crypto providers are compiled in (ring for e-mail,
    // aws-lc-rs through fantoccini): choose one for the WebDriver client.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let driver = Driver::start(&tools.chromedriver);
    let tools = Arc::new(tools);
    println!(
        "\nrunning {} browser tests: {} scenarios on {} backends (chromedriver at {})",
        SCENARIOS.len() * backends.len(),
        SCENARIOS.len(),
        backends.len(),
        driver.url
    );
    let mut failed = Vec::new();
    let started = Instant::now();
    // The backends run side by side: each has its own server and browsers.
    let runs: Vec<_> = backends
        .into_iter()
        .map(|backend| {
            let (tools, url) = (tools.clone(), driver.url.clone());
            (
                backend,
                rt.spawn(async move {
                    let t = Instant::now();
                    (run_backend(backend, tools, url).await, t.elapsed())
                }),
            )
        })
        .collect();
    for (backend, run) in runs {
        let name = format!("{backend:?}").to_lowercase();
        let (outcome, took) = rt
            .block_on(run)
            .unwrap_or_else(|e| (Outcome::Failed(format!("  panicked: {}", panic_message(e))), Duration::ZERO));
        match outcome {
            Outcome::Passed => {
                println!("browser::{name}: all {} scenarios passed ({:.1} s)", SCENARIOS.len(), took.as_secs_f64())
            }
            Outcome::Skipped => println!("test browser::{name} ... skipped (no PostgreSQL)"),
            Outcome::Failed(why) => {
                println!("browser::{name}: FAILED ({:.1} s)\n{why}", took.as_secs_f64());
                failed.push(name);
            }
        }
    }
    drop(rt);
    drop(driver);
    println!("\nbrowser tests took {:.1} s", started.elapsed().as_secs_f64());
    if failed.is_empty() {
        println!("test result: ok.\n");
    } else {
        println!("test result: FAILED. failures: {}\n", failed.join(", "));
        std::process::exit(101);
    }
}

fn panic_message(e: tokio::task::JoinError) -> String {
    match e.try_into_panic() {
        Ok(p) => p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
        Err(e) => e.to_string(),
    }
}

enum Outcome {
    Passed,
    Skipped,
    Failed(String),
}

async fn run_backend(backend: Backend, tools: Arc<Tools>, driver: String) -> Outcome {
    let Some(app) = TestApp::start(backend).await else { return Outcome::Skipped };
    let app = Arc::new(app);
    let tmp = std::env::temp_dir().join(format!(
        "upward-browser-{}-{}",
        std::process::id(),
        format!("{backend:?}").to_lowercase()
    ));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    // ChromeDriver uploads files only from canonical paths.
    let tmp = tmp.canonicalize().expect("temp dir");
    let report = Arc::new(Mutex::new(Report::default()));
    let js = Browser::open(&driver, &tools, &tmp, true, &app.base, report.clone()).await;
    let nojs = Browser::open(&driver, &tools, &tmp, false, &app.base, report.clone()).await;
    let name = format!("{backend:?}").to_lowercase();
    let env = Env { app: app.clone(), b: js.clone(), nojs: nojs.clone(), tmp: tmp.clone() };
    let mut failed = Vec::new();
    for (scenario, run) in SCENARIOS {
        let started = Instant::now();
        let problems_before = report.lock().unwrap().problems().len();
        let result = tokio::spawn(run(env.clone())).await;
        let took = started.elapsed().as_secs_f64();
        let new_problems: Vec<String> = report.lock().unwrap().problems().into_iter().skip(problems_before).collect();
        let why = match result {
            Err(e) => {
                let mut why = format!("    panicked: {}", panic_message(e));
                for b in [&js, &nojs] {
                    if let Ok(url) = b.c.current_url().await {
                        let file = tmp.with_extension(format!("{scenario}.{}.html", if b.js { "js" } else { "nojs" }));
                        if let Ok(src) = b.c.source().await {
                            let _ = std::fs::write(&file, src);
                            why.push_str(&format!(
                                "\n    the {} session was at {url} (page saved to {})",
                                b.label(),
                                file.display()
                            ));
                        }
                    }
                }
                Some(why)
            }
            Ok(()) if !new_problems.is_empty() => Some(format!("    {}", new_problems.join("\n    "))),
            Ok(()) => None,
        };
        match why {
            None => println!("test browser::{name}::{scenario} ... ok ({took:.1} s)"),
            Some(why) => {
                println!("test browser::{name}::{scenario} ... FAILED ({took:.1} s)\n{why}");
                failed.push(format!("{name}::{scenario}"));
            }
        }
    }
    report.lock().unwrap().print(backend);
    let outcome =
        if failed.is_empty() { Outcome::Passed } else { Outcome::Failed(format!("  failed: {}", failed.join(", "))) };
    for b in [js, nojs] {
        let _ = b.c.clone().close().await;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    drop(app);
    outcome
}

// ---------------------------------------------------------------------------
// What the checks found
// ---------------------------------------------------------------------------

/// Violations accepted on purpose: (rule, the page's name, why).
/// (None today: keep it that way.)
const ACCEPTED: &[(&str, &str, &str)] = &[];

fn accepted(page: &str, rule: &str) -> Option<&'static str> {
    ACCEPTED.iter().find(|(r, p, _)| *r == rule && page.starts_with(&format!("{p} ["))).map(|(_, _, why)| *why)
}

#[derive(Default)]
struct Report {
    /// Pages checked with axe, in order.
    pages: Vec<String>,
    /// (page, rule, impact, targets, help)
    violations: Vec<(String, String, String, String, String)>,
    /// Pages wider than a phone, and the like.
    layout: Vec<String>,
    /// How long each page's checks took.
    slowest: Vec<(Duration, String)>,
    /// What fails the tests, in the order found.
    problems: Vec<String>,
}

impl Report {
    /// Everything found, as one block (the backends run side by side).
    fn print(&self, backend: Backend) {
        use std::fmt::Write;
        let mut out = String::new();
        let mut slow = self.slowest.clone();
        slow.sort_by_key(|s| std::cmp::Reverse(s.0));
        let total: Duration = slow.iter().map(|s| s.0).sum();
        let _ = writeln!(
            out,
            "  {backend:?}: axe-core checked {} pages; the checks took {:.1} s in all",
            self.pages.len(),
            total.as_secs_f64()
        );
        for (d, page) in slow.iter().take(3) {
            let _ = writeln!(out, "    slowest: {page}: {:.2} s", d.as_secs_f64());
        }
        for (page, id, impact, targets, help) in &self.violations {
            let _ = writeln!(out, "  {backend:?}: axe: {page}: {id} ({impact}): {help}: {targets}");
            if let Some(why) = accepted(page, id) {
                let _ = writeln!(out, "    accepted: {why}");
            }
        }
        for l in &self.layout {
            let _ = writeln!(out, "  {backend:?}: layout: {l}");
        }
        print!("{out}");
    }

    /// Serious accessibility violations and layout faults found so far, in
    /// the order found (a scenario fails for those found while it ran).
    fn problems(&self) -> Vec<String> {
        self.problems.clone()
    }

    fn violation(&mut self, page: String, id: String, impact: String, targets: String, help: String) {
        if (impact == "serious" || impact == "critical") && accepted(&page, &id).is_none() {
            self.problems.push(format!("{page}: {id} ({impact}) at {targets}"));
        }
        self.violations.push((page, id, impact, targets, help));
    }

    fn layout_fault(&mut self, fault: String) {
        self.problems.push(format!("layout: {fault}"));
        self.layout.push(fault);
    }
}

// ---------------------------------------------------------------------------
// A browser session and what tests do with it
// ---------------------------------------------------------------------------

#[derive(Clone)]
struct Browser {
    c: Client,
    /// ChromeDriver's address and this session's id, for DevTools commands.
    driver: String,
    session: String,
    base: String,
    js: bool,
    axe: Arc<String>,
    report: Arc<Mutex<Report>>,
}

impl Browser {
    async fn open(
        driver: &str,
        tools: &Tools,
        tmp: &Path,
        js: bool,
        base: &str,
        report: Arc<Mutex<Report>>,
    ) -> Browser {
        let profile = tmp.join(if js { "profile-js" } else { "profile-nojs" });
        let mut options = json!({
            "binary": tools.chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--lang=en-GB",
                format!("--user-data-dir={}", profile.display()),
                format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
            ],
        });
        if !js {
            options["prefs"] = json!({"profile": {"managed_default_content_settings": {"javascript": 2}}});
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": options,
            "pageLoadStrategy": "normal",
            "timeouts": {"script": 120_000, "pageLoad": 60_000, "implicit": 0},
        });
        let caps = match caps {
            Json::Object(m) => m,
            _ => unreachable!(),
        };
        let c = ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps)
            .connect(driver)
            .await
            .unwrap_or_else(|e| panic!("cannot start Chromium through chromedriver: {e}"));
        let session = c.session_id().await.expect("session id").expect("a session");
        Browser {
            c,
            driver: driver.to_string(),
            session,
            base: base.to_string(),
            js,
            axe: Arc::new(tools.axe_js.clone()),
            report,
        }
    }

    fn label(&self) -> &'static str {
        if self.js { "JavaScript" } else { "no-JavaScript" }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn goto(&self, path: &str) {
        self.c.goto(&self.url(path)).await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
    }

    async fn path(&self) -> String {
        let u = self.c.current_url().await.expect("current URL");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_string(),
        }
    }

    /// Run a script in the page, retrying for a while if the page is
    /// between documents (a refresh, a navigation).
    async fn exec(&self, script: &str, args: Vec<Json>) -> Json {
        let started = Instant::now();
        loop {
            match self.c.execute(script, args.clone()).await {
                Ok(v) => return v,
                Err(e) if started.elapsed() > Duration::from_secs(10) => panic!("script failed: {e}\n{script}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {}: {e}", self.path().await),
        }
    }

    async fn wait(&self, css: &str) -> fantoccini::elements::Element {
        match self.c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("{css} did not appear on {} ({e})", self.path().await),
        }
    }

    async fn has(&self, css: &str) -> bool {
        self.c.find(Locator::Css(css)).await.is_ok()
    }

    async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    /// Wait until the element's text contains `want`; returns the text.
    async fn wait_text(&self, css: &str, want: &str) -> String {
        let started = Instant::now();
        loop {
            let got = match self.c.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if got.contains(want) {
                return got;
            }
            if started.elapsed() > WAIT {
                panic!("{css} never said {want:?} on {} (it says {got:?})", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// After an upload: wait until the import's page shows its result. With
    /// JavaScript the page updates itself; without, the person asks for the
    /// progress with the page's link, as often as they like.
    async fn until_import_done(&self) {
        let started = Instant::now();
        loop {
            if self.has(".flash-success").await || self.has(".error-summary").await {
                return;
            }
            if !self.js
                && let Ok(link) = self.c.find(Locator::LinkText("See the progress now")).await
            {
                let _ = link.click().await;
            }
            if started.elapsed() > WAIT {
                panic!("the import never finished on {}", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Mark the current document, so that [`Browser::loaded`] can tell when
    /// the next one has replaced it.
    async fn mark(&self) {
        self.exec("document.documentElement.setAttribute('data-test-old', '')", vec![]).await;
    }

    /// Wait for a new document (see [`Browser::mark`]) to finish loading.
    async fn loaded(&self) {
        let started = Instant::now();
        loop {
            let r = self
                .c
                .execute("return !document.documentElement.hasAttribute('data-test-old') && document.readyState === 'complete'", vec![])
                .await;
            if let Ok(Json::Bool(true)) = r {
                return;
            }
            if started.elapsed() > WAIT {
                panic!("no new page after {WAIT:?}; still at {}", self.path().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Click and wait for the page it leads to.
    async fn click(&self, css: &str) {
        self.mark().await;
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.loaded().await;
    }

    /// Follow the link with this exact text.
    async fn click_link(&self, text: &str) {
        self.mark().await;
        let a = match self.c.find(Locator::LinkText(text)).await {
            Ok(a) => a,
            Err(e) => panic!("no link {text:?} on {}: {e}", self.path().await),
        };
        a.click().await.unwrap_or_else(|e| panic!("click {text:?}: {e}"));
        self.loaded().await;
    }

    async fn fill(&self, css: &str, value: &str) {
        let e = self.find(css).await;
        e.clear().await.expect("clear");
        e.send_keys(value).await.expect("type");
    }

    async fn h1(&self) -> String {
        self.text("h1").await
    }

    async fn sign_in(&self, email: &str) {
        self.c.delete_all_cookies().await.expect("clear cookies");
        self.goto("/login").await;
        self.wait("#email").await;
        self.fill("#email", email).await;
        self.fill("#password", PASSWORD).await;
        self.click("form[action='/login'] button[type=submit]").await;
        let h1 = self.h1().await;
        assert!(h1.starts_with("Welcome, "), "signed in as {email}, the home page says {h1:?}");
    }

    async fn sign_out(&self) {
        self.click("form[action='/logout'] button").await;
        assert_eq!(self.h1().await, "Sign in to Upward");
        self.wait_text(".flash", "You have signed out.").await;
    }

    // --- keyboard ---------------------------------------------------------

    async fn press(&self, key: Key) {
        let k: char = key.into();
        let a = KeyActions::new("keyboard".into()).then(KeyAction::Down { value: k }).then(KeyAction::Up { value: k });
        self.c.perform_actions(a).await.expect("key press");
    }

    async fn type_keys(&self, text: &str) {
        let mut a = KeyActions::new("keyboard".into());
        for ch in text.chars() {
            a = a.then(KeyAction::Down { value: ch }).then(KeyAction::Up { value: ch });
        }
        self.c.perform_actions(a).await.expect("typing");
    }

    /// A description of the focused element, e.g. `a[href=/schools] Schools`.
    async fn focused(&self) -> String {
        let v = self
            .exec(
                "const e = document.activeElement; if (!e || e === document.body) return 'body'; \
                 let d = e.tagName.toLowerCase(); if (e.id) d += '#' + e.id; \
                 if (e.getAttribute('href')) d += '[href=' + e.getAttribute('href') + ']'; \
                 return d + ' ' + (e.innerText || e.value || '').trim().split('\\n')[0];",
                vec![],
            )
            .await;
        v.as_str().unwrap_or_default().to_string()
    }

    /// Press Tab until the focused element matches `css` (at most `max` presses).
    async fn tab_to(&self, css: &str, max: usize) {
        for _ in 0..max {
            self.press(Key::Tab).await;
            let hit = self.exec("return document.activeElement.matches(arguments[0])", vec![json!(css)]).await;
            if hit == Json::Bool(true) {
                return;
            }
        }
        panic!("{max} presses of Tab never reached {css} on {}", self.path().await);
    }

    /// Tab through the whole page: every stop shows where focus is, and
    /// focus leaves the page at the end (no trap).
    async fn tab_through(&self, page: &str) {
        self.exec("document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0)", vec![]).await;
        let stops = self
            .exec(
                "return [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex=\"-1\"])')] \
                 .filter(e => !e.disabled && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== 'hidden').length",
                vec![],
            )
            .await
            .as_u64()
            .unwrap_or(0) as usize;
        let mut seen = 0;
        let mut first = Json::Null;
        for i in 0..stops + 3 {
            self.press(Key::Tab).await;
            let v = self
                .exec(
                    "const e = document.activeElement; if (!e || e === document.body || e === document.documentElement) return null; \
                     const s = getComputedStyle(e); \
                     return {visible: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none', \
                             tag: e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' ' + (e.innerText || e.value || '').trim().slice(0, 40)}",
                    vec![],
                )
                .await;
            let back_to_start = i > 0 && v["tag"] == first["tag"];
            if v.is_null() || back_to_start {
                assert!(i >= stops.saturating_sub(2), "{page}: focus left the page after {i} of {stops} stops");
                return;
            }
            if i == 0 {
                first = v.clone();
            }
            seen += 1;
            if v["visible"] != Json::Bool(true) {
                self.report.lock().unwrap().layout_fault(format!("{page}: no visible focus on {}", v["tag"]));
            }
        }
        panic!(
            "{page}: Tab pressed {} times over {stops} stops ({seen} seen) and focus never left the page: a keyboard trap?",
            stops + 3
        );
    }

    // --- checks on every page ---------------------------------------------

    /// axe-core on this page, then its layout at 360 px.
    async fn check(&self, name: &str) {
        let started = Instant::now();
        let name = format!("{name} [{}]", self.path().await);
        let first = self
            .exec(
                "const f = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]:not([tabindex=\"-1\"])')] \
                 .filter(e => !e.disabled && e.getClientRects().length > 0)[0]; return f ? f.outerHTML.slice(0, 80) : null",
                vec![],
            )
            .await;
        if !first.as_str().unwrap_or("").contains("skip-link") {
            self.report
                .lock()
                .unwrap()
                .layout
                .push(format!("{name}: the first thing Tab reaches is not the skip link but {first}"));
        }
        self.axe(&name).await;
        self.phone_layout(&name).await;
        self.report.lock().unwrap().slowest.push((started.elapsed(), name));
    }

    /// axe-core's violations on this page: [{id, impact, help, targets}].
    async fn axe_run(&self) -> Vec<Json> {
        let loaded = self.exec("return typeof window.axe !== 'undefined'", vec![]).await;
        if loaded != Json::Bool(true) {
            if !self.js {
                // With JavaScript off, WebDriver's scripts still run and
                // promises settle, but timers never fire: axe's few
                // setTimeout calls become promise callbacks.
                self.exec(
                    "window.setTimeout = function (f) { const a = [].slice.call(arguments, 2); \
                         Promise.resolve().then(() => { if (typeof f === 'function') f.apply(null, a); }); return 0; }; \
                     window.clearTimeout = function () {};",
                    vec![],
                )
                .await;
            }
            self.exec(&self.axe, vec![]).await;
        }
        let out = self
            .c
            .execute_async(
                "const done = arguments[arguments.length - 1]; \
                 axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'], resultTypes: ['violations']}) \
                 .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, \
                     targets: v.nodes.map(n => n.target.join(' ')).slice(0, 8).join(', ') + (v.nodes.length > 8 ? ', …' : '')})))) \
                 .catch(e => done({error: String(e)}));",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("axe: {e}"));
        if let Some(err) = out.get("error") {
            panic!("axe failed: {err}");
        }
        out.as_array().cloned().unwrap_or_default()
    }

    async fn axe(&self, name: &str) {
        let found = self.axe_run().await;
        let mut r = self.report.lock().unwrap();
        r.pages.push(name.to_string());
        for v in found {
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            r.violation(name.to_string(), s("id"), s("impact"), s("targets"), s("help"));
        }
    }

    /// A Chrome DevTools command, through ChromeDriver.
    async fn cdp(&self, cmd: &str, params: Json) -> Json {
        let r = reqwest::Client::new()
            .post(format!("{}/session/{}/goog/cdp/execute", self.driver, self.session))
            .json(&json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{cmd}: {e}"));
        assert!(r.status().is_success(), "{cmd}: {}", r.status());
        r.json().await.unwrap_or(Json::Null)
    }

    /// The page's width at 360 px: {inner, client, scroll, wide: [culprits],
    /// tables: [problems]}. (A headless window cannot be narrower than
    /// 500 px, so the phone's viewport is emulated.)
    async fn phone_measure(&self) -> Json {
        let width = self.exec("return window.innerWidth", vec![]).await;
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": PHONE, "height": 800, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
        let started = Instant::now();
        let v = loop {
            let v = self
                .exec(
                    "const d = document.documentElement; \
                     const describe = e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' \"' + (e.textContent || '').trim().slice(0, 40) + '\"'; \
                     const clipped = e => { const p = getComputedStyle(e).position; if (p === 'absolute' || p === 'fixed') return false; \
                         for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true; \
                         return false; }; \
                     const wide = new Set(); \
                     if (d.scrollWidth > d.clientWidth) { \
                     for (const e of document.body.querySelectorAll('*')) { \
                         if (e.getClientRects().length && e.getBoundingClientRect().right > d.clientWidth + 1 && !clipped(e)) wide.add(e); } \
                     const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT); \
                     for (let n = walk.nextNode(); n; n = walk.nextNode()) { \
                         const r = document.createRange(); r.selectNodeContents(n); \
                         if (r.getBoundingClientRect().right > d.clientWidth + 1 && !clipped(n.parentElement)) wide.add(n.parentElement); } } \
                     const culprits = [...wide].filter(e => ![...wide].some(o => o !== e && e.contains(o))).slice(0, 5).map(describe); \
                     const tables = [...document.querySelectorAll('table')].map(t => { \
                         const w = t.closest('.table-wrap'); \
                         if (!w) return 'a table outside a scrolling region'; \
                         const s = getComputedStyle(w).overflowX; \
                         if (s !== 'auto' && s !== 'scroll') return 'a table region that does not scroll'; \
                         if (w.getBoundingClientRect().right > d.clientWidth + 1) return 'a table region wider than the page'; \
                         return null; }).filter(x => x); \
                     const regions = [...document.querySelectorAll('.table-wrap')].map(w => ({scrolls: w.scrollWidth > w.clientWidth, focusable: w.tabIndex >= 0})); \
                     return {inner: window.innerWidth, client: d.clientWidth, scroll: d.scrollWidth, wide: culprits, tables: tables, regions: regions};",
                    vec![],
                )
                .await;
            if v["inner"].as_u64() == Some(PHONE as u64) {
                break v;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "the window did not narrow to {PHONE} px: {v}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({})).await;
        // Back to the full width before anything is clicked: a click aimed
        // at the phone layout would miss.
        let started = Instant::now();
        while self.exec("return window.innerWidth", vec![]).await != width {
            assert!(started.elapsed() < Duration::from_secs(10), "the window did not widen again to {width} px");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        v
    }

    /// At 360 px: no sideways scrolling of the page; tables scroll inside
    /// their own region.
    async fn phone_layout(&self, name: &str) {
        let v = self.phone_measure().await;
        let (client, scroll) = (v["client"].as_u64().unwrap_or(0), v["scroll"].as_u64().unwrap_or(0));
        let mut r = self.report.lock().unwrap();
        if scroll > client {
            r.layout_fault(format!(
                "{name}: at {PHONE} px the page scrolls sideways ({scroll} px wide in {client} px); too wide: {}",
                v["wide"]
            ));
        }
        for t in v["tables"].as_array().cloned().unwrap_or_default() {
            r.layout_fault(format!("{name}: at {PHONE} px, {}", t.as_str().unwrap_or("")));
        }
    }

    /// The session cookie, for fetching what a link points to.
    async fn cookie_header(&self) -> String {
        let cookies = self.c.get_all_cookies().await.expect("cookies");
        cookies.iter().map(|c| format!("{}={}", c.name(), c.value())).collect::<Vec<_>>().join("; ")
    }
}

// ---------------------------------------------------------------------------
// Data
// ---------------------------------------------------------------------------

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query(sql).fetch_one(app.db().pool()).await.unwrap_or_else(|e| panic!("{sql}: {e}")).get(0)
}

async fn full_name(app: &TestApp, email: &str) -> String {
    sqlx::query("SELECT full_name FROM people WHERE email = $1")
        .bind(email)
        .fetch_one(app.db().pool())
        .await
        .expect("person")
        .get(0)
}

/// "1,234" as 1234.
fn number(s: &str) -> i64 {
    s.chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// The numbers in "Showing 1–25 of 480 schools".
fn showing(s: &str) -> (i64, i64, i64) {
    let nums: Vec<i64> = s
        .split(|c: char| !(c.is_ascii_digit() || c == ','))
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()))
        .map(number)
        .collect();
    assert!(nums.len() >= 3, "not a results count: {s:?}");
    (nums[0], nums[1], nums[2])
}

fn gias_data(name: &str) -> PathBuf {
    // ChromeDriver wants a canonical path (no "..").
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../gias/tests/data").join(name).canonicalize().expect("test data")
}

/// A 2,000-row GIAS file with a bad number of pupils on row 1,234.
fn bad_gias_file(dir: &Path) -> PathBuf {
    let path = dir.join("edubasealldata20250422.csv");
    let mut out = std::fs::File::create(&path).expect("temp file");
    let opts = upward_gias::generate::GenerateOptions {
        rows: 2000,
        seed: 7,
        bad: Some(upward_gias::generate::BadCell { row: 1234, column: "NumberOfPupils".into() }),
    };
    upward_gias::generate::generate(&opts, &mut out).expect("generate");
    path
}

// ---------------------------------------------------------------------------
// The scenarios
// ---------------------------------------------------------------------------

/// What each scenario gets: the app, the browser with JavaScript, the one
/// without, and a folder for files.
#[derive(Clone)]
struct Env {
    app: Arc<TestApp>,
    b: Browser,
    nojs: Browser,
    tmp: PathBuf,
}

type Run = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;
type Scenario = (&'static str, fn(Env) -> Run);

/// The scenarios, in the order they run; each is reported by name
/// (`test browser::sqlite::NAME ... ok`).
const SCENARIOS: &[Scenario] = &[
    ("checks_find_planted_faults", |e| Box::pin(async move { checks_find_planted_faults(&e.b).await })),
    ("sign_in_and_out", |e| Box::pin(async move { sign_in_and_out(&e.app, &e.b).await })),
    ("keyboard_only", |e| Box::pin(async move { keyboard_only(&e.app, &e.b).await })),
    ("search_schools", |e| Box::pin(async move { search_schools(&e.app, &e.b).await })),
    ("export_csv", |e| Box::pin(async move { export_csv(&e.app, &e.b).await })),
    ("import_gias_files", |e| Box::pin(async move { imports(&e.app, &e.b, &e.tmp).await })),
    ("audit_trail", |e| Box::pin(async move { audit_trail(&e.app, &e.b).await })),
    ("every_page_as_the_admin", |e| Box::pin(async move { admin_pages(&e.app, &e.b).await })),
    ("matching", |e| Box::pin(async move { matching(&e.app, &e.b).await })),
    ("other_roles", |e| Box::pin(async move { other_roles(&e.app, &e.b).await })),
    ("without_javascript", |e| Box::pin(async move { without_javascript(&e.app, &e.nojs).await })),
];

/// The checks themselves: axe and the phone layout check find faults planted
/// in a page (a checker that finds nothing proves nothing).
async fn checks_find_planted_faults(b: &Browser) {
    b.goto("/help").await;
    b.wait("h1").await;
    b.exec(
        "const m = document.querySelector('main'); \
         const img = document.createElement('img'); img.src = '/static/favicon.svg'; m.appendChild(img); \
         const p = document.createElement('p'); p.textContent = 'Faint text'; p.style.color = '#d8d8d8'; m.appendChild(p); \
         const w = document.createElement('div'); w.textContent = 'Too wide'; w.style.width = '600px'; m.appendChild(w);",
        vec![],
    )
    .await;
    let found: Vec<String> = b
        .axe_run()
        .await
        .iter()
        .map(|v| format!("{} {}", v["id"].as_str().unwrap_or(""), v["impact"].as_str().unwrap_or("")))
        .collect();
    assert!(found.contains(&"image-alt critical".to_string()), "axe finds an image without alt text: {found:?}");
    assert!(found.contains(&"color-contrast serious".to_string()), "axe finds faint text: {found:?}");
    let v = b.phone_measure().await;
    assert!(v["scroll"].as_u64() > v["client"].as_u64(), "the layout check finds a page too wide for a phone: {v}");
    assert!(v["wide"].to_string().contains("Too wide"), "and names what is too wide: {v}");
}

/// A wrong password is refused with a message; the right one leads home;
/// signing out ends the session.
async fn sign_in_and_out(app: &TestApp, b: &Browser) {
    b.goto("/").await;
    b.wait("#email").await;
    assert!(b.path().await.starts_with("/login"), "signed out, / leads to the sign-in page");
    b.check("sign in").await;
    b.fill("#email", ADMIN).await;
    b.fill("#password", "not-the-password").await;
    b.click("form[action='/login'] button[type=submit]").await;
    let msg = b.text(".error-summary").await;
    assert!(msg.contains("The e-mail address or the password is not right"), "{msg}");
    assert_eq!(b.find("#email").await.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    assert_eq!(
        b.find("#email").await.prop("value").await.unwrap().as_deref(),
        Some(ADMIN),
        "the e-mail address is kept"
    );
    b.check("sign in, wrong password").await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert_eq!(b.path().await, "/");
    let name = full_name(app, ADMIN).await;
    assert_eq!(b.h1().await, format!("Welcome, {}", name.split(' ').next().unwrap()));
    assert_eq!(b.text(".who-name").await, name, "the header names who is signed in");
    b.check("home (admin)").await;
    b.sign_out().await;
    b.check("signed out").await;
    b.goto("/schools").await;
    assert!(b.path().await.starts_with("/login"), "after signing out the session is gone");
}

const MEMBERS_OPEN: &str = "membership = 'member' AND status IN ('open', 'proposed_to_close')";

/// A member school with performance data and a Hub: (URN, name, Hub).
async fn profiled_school(app: &TestApp) -> (i64, String, String) {
    let r = sqlx::query(
        "SELECT s.urn, s.name, h.name FROM schools s JOIN hubs h ON h.id = s.hub_id \
         WHERE s.membership = 'member' AND s.status = 'open' AND EXISTS (SELECT 1 FROM school_performance p WHERE p.school_id = s.id) \
         ORDER BY s.urn LIMIT 1",
    )
    .fetch_one(app.db().pool())
    .await
    .expect("a school with performance data");
    (r.get(0), r.get(1), r.get(2))
}

/// The value beside a label in a list of facts.
async fn fact(b: &Browser, label: &str) -> String {
    let xpath = format!("//dl[contains(@class, 'facts')]//dt[normalize-space() = '{label}']/following-sibling::dd[1]");
    match b.c.find(Locator::XPath(&xpath)).await {
        Ok(e) => e.text().await.expect("text"),
        Err(_) => panic!("no fact {label:?} on {}", b.path().await),
    }
}

/// The texts of one column of the schools table.
async fn column(b: &Browser, n: usize) -> Vec<String> {
    let v = b
        .exec("return [...document.querySelectorAll('table.schools tbody tr')].map(r => r.cells[arguments[0]].innerText.trim())", vec![json!(n)])
        .await;
    v.as_array().expect("rows").iter().map(|x| x.as_str().unwrap_or("").to_string()).collect()
}

fn pupils(cells: &[String]) -> Vec<i64> {
    cells.iter().filter(|c| !c.is_empty()).map(|c| number(c)).collect()
}

/// Keyboard only: the skip link comes first; signing in and searching
/// for a school need only Tab, typing and Enter; no page traps focus.
async fn keyboard_only(app: &TestApp, b: &Browser) {
    b.goto("/login").await;
    b.wait("#email").await;
    b.press(Key::Tab).await;
    let f = b.focused().await;
    assert_eq!(f, "a[href=#main] Skip to main content", "the first Tab reaches the skip link");
    let seen = b.exec("const r = document.activeElement.getBoundingClientRect(); return r.left >= 0 && r.top >= 0 && r.width > 0 && r.bottom <= innerHeight", vec![]).await;
    assert_eq!(seen, Json::Bool(true), "the focused skip link is on screen");
    b.press(Key::Enter).await;
    assert!(b.focused().await.starts_with("main#main"), "the skip link moves focus to the main content");
    b.press(Key::Tab).await;
    assert!(b.focused().await.starts_with("input#email"), "then the e-mail address, not {}", b.focused().await);
    b.type_keys(HEAD).await;
    b.press(Key::Tab).await;
    assert!(b.focused().await.starts_with("input#password"));
    b.type_keys(PASSWORD).await;
    b.mark().await;
    b.press(Key::Enter).await;
    b.loaded().await;
    assert_eq!(b.path().await, "/", "Enter in the password field signs in");
    assert!(b.h1().await.starts_with("Welcome, "));

    b.tab_to("nav a[href='/schools']", 15).await;
    b.mark().await;
    b.press(Key::Enter).await;
    b.loaded().await;
    assert_eq!(b.path().await, "/schools");
    b.tab_to("#q", 20).await;
    let (urn, name, _) = profiled_school(app).await;
    b.type_keys(&urn.to_string()).await;
    b.mark().await;
    b.press(Key::Enter).await;
    b.loaded().await;
    assert_eq!(showing(&b.text("#result-count").await), (1, 1, 1), "the URN finds one school");
    b.tab_to("table.schools tbody a", 40).await;
    b.mark().await;
    b.press(Key::Enter).await;
    b.loaded().await;
    assert_eq!(b.h1().await, name);
    b.tab_through("school profile").await;
    b.goto("/schools?q=primary").await;
    b.tab_through("schools list").await;
    b.goto("/account").await;
    b.tab_through("account").await;
}

/// Search, filter, sort, page, and open a school's profile.
async fn search_schools(app: &TestApp, b: &Browser) {
    b.goto("/schools").await;
    let members = count(app, &format!("SELECT COUNT(*) FROM schools WHERE {MEMBERS_OPEN}")).await;
    assert_eq!(showing(&b.text("#result-count").await), (1, 25, members));
    b.check("schools").await;

    b.fill("#q", "primary").await;
    b.click(".search-row button").await;
    let found =
        count(app, &format!("SELECT COUNT(*) FROM schools WHERE {MEMBERS_OPEN} AND search_text LIKE '%primary%'"))
            .await;
    assert!(found > 50, "the demo has many primary schools ({found})");
    assert_eq!(showing(&b.text("#result-count").await), (1, 25, found));
    assert_eq!(column(b, 0).await.len(), 25);

    // A filter: only primary-phase schools.
    if b.find("details.filters").await.attr("open").await.unwrap().is_none() {
        b.find("details.filters summary").await.click().await.expect("open the filters");
    }
    b.find("#phase").await.select_by_value("primary").await.expect("choose a phase");
    b.click("details.filters button[type=submit]").await;
    let primary = count(
        app,
        &format!(
            "SELECT COUNT(*) FROM schools WHERE {MEMBERS_OPEN} AND search_text LIKE '%primary%' AND phase = 'primary'"
        ),
    )
    .await;
    assert!(primary > 25 && primary <= found);
    assert_eq!(showing(&b.text("#result-count").await), (1, 25, primary));
    assert!(column(b, 1).await.iter().all(|p| p == "Primary"), "every row is a primary school");
    assert!(b.find("details.filters").await.attr("open").await.unwrap().is_some(), "the filters stay open");
    b.check("schools, searched and filtered").await;

    // Sort by pupils: first ascending, then descending.
    b.click("th a[href*='sort=pupils']").await;
    assert_eq!(b.find("th[aria-sort=ascending]").await.text().await.unwrap().trim_end_matches([' ', '▲']), "Pupils");
    let up = pupils(&column(b, 4).await);
    assert!(up.windows(2).all(|w| w[0] <= w[1]), "ascending: {up:?}");
    b.click("th a[href*='sort=pupils']").await;
    assert!(b.has("th[aria-sort=descending]").await);
    let down = pupils(&column(b, 4).await);
    assert!(down.windows(2).all(|w| w[0] >= w[1]), "descending: {down:?}");
    let most = count(app, &format!("SELECT MAX(pupils) FROM schools WHERE {MEMBERS_OPEN} AND search_text LIKE '%primary%' AND phase = 'primary'")).await;
    assert_eq!(down[0], most, "the largest school comes first");
    // On a phone the table scrolls inside its own region, which the
    // keyboard can reach.
    let phone = b.phone_measure().await;
    assert!(phone["scroll"].as_u64() <= phone["client"].as_u64(), "{phone}");
    assert_eq!(
        phone["regions"][0],
        json!({"scrolls": true, "focusable": true}),
        "the table scrolls in its region: {phone}"
    );

    // Page 2 continues the order.
    b.click("a[rel=next]").await;
    assert!(b.path().await.contains("page=2"));
    assert_eq!(showing(&b.text("#result-count").await), (26, 50.min(primary), primary));
    assert!(b.text(".pager").await.contains("Page 2 of"));
    let next = pupils(&column(b, 4).await);
    assert!(next[0] <= *down.last().unwrap(), "page 2 carries on where page 1 stopped");
    b.check("schools, page 2").await;

    // A school's profile.
    let (urn, name, hub) = profiled_school(app).await;
    b.fill("#q", &urn.to_string()).await;
    b.find("#phase").await.select_by_value("").await.expect("any phase");
    b.click(".search-row button").await;
    b.click("table.schools tbody a").await;
    assert_eq!(b.path().await, format!("/schools/{urn}"));
    assert_eq!(b.h1().await, name);
    assert_eq!(fact(b, "URN").await, urn.to_string());
    assert_eq!(fact(b, "Hub").await, hub);
    let perf = b.find("section[aria-labelledby=perf-h]").await;
    let head = perf.find(Locator::Css("thead")).await.expect("table head").text().await.unwrap();
    assert!(head.contains("School") && head.contains("National") && head.contains("Difference"), "{head}");
    let rows = perf.find_all(Locator::Css("tbody tr")).await.unwrap().len();
    assert!(rows > 0, "the performance table has rows");
    b.check("school profile").await;
}

/// The CSV link of a search downloads exactly the schools found.
async fn export_csv(app: &TestApp, b: &Browser) {
    b.goto("/schools?q=primary&phase=primary").await;
    let (_, _, total) = showing(&b.text("#result-count").await);
    let href = b.find(".exports a[href*='format=csv']").await.attr("href").await.unwrap().expect("a CSV link");
    let r = reqwest::Client::new()
        .get(b.url(&href))
        .header("Cookie", b.cookie_header().await)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), 200, "the CSV downloads with the browser's session");
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
    assert!(ct.starts_with("text/csv"), "{ct}");
    let body = r.text().await.unwrap();
    let mut rd = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&headers[..3], ["URN", "Name", "Phase"], "header row");
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len() as i64, total, "one row a school");
    assert!(rows.iter().all(|r| &r[2] == "Primary"));
    let urns: Vec<i64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    let held = count(
        app,
        &format!(
            "SELECT COUNT(*) FROM schools WHERE {MEMBERS_OPEN} AND phase = 'primary' AND urn IN ({})",
            urns.iter().map(|u| u.to_string()).collect::<Vec<_>>().join(",")
        ),
    )
    .await;
    assert_eq!(held, total, "every row is a school that matches");
    // Without the session there is no download.
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(b.url(&href))
        .send()
        .await
        .unwrap();
    assert_ne!(r.status(), 200);
}

fn upload_button() -> &'static str {
    "form[action^='/admin/imports/gias'] button[type=submit]"
}

/// Import a bad file (the file, row and field are named; nothing
/// changes), then a good one (its report), and follow a running import.
async fn imports(app: &TestApp, b: &Browser, tmp: &Path) {
    b.sign_in(PROGRAMMES).await;
    let before = count(app, "SELECT COUNT(*) FROM schools").await;
    b.click_link("Imports").await;
    assert_eq!(b.h1().await, "Imports");
    b.check("imports").await;

    let bad = bad_gias_file(tmp);
    b.find("#file").await.send_keys(bad.to_str().unwrap()).await.expect("choose the file");
    b.click(upload_button()).await;
    b.until_import_done().await;
    let said = b.wait_text(".error-summary", "The file was not imported").await;
    assert!(
        said.contains(
            "edubasealldata20250422.csv, row 1,234 (line 1,235), field NumberOfPupils: \"12x\" is not a whole number"
        ),
        "the file, row and field are named: {said}"
    );
    assert!(said.contains("Nothing in Upward has changed"));
    assert_eq!(count(app, "SELECT COUNT(*) FROM schools").await, before, "a refused file changes nothing");
    b.check("import refused").await;

    // The sample's URNs: a few are held already.
    let held =
        count(app, "SELECT COUNT(*) FROM schools WHERE urn BETWEEN 100000 AND 100047 OR urn BETWEEN 402384 AND 402436")
            .await;
    b.goto("/admin/imports").await;
    b.find("#file").await.send_keys(gias_data("gias_sample.csv").to_str().unwrap()).await.expect("choose the file");
    b.click(upload_button()).await;
    b.until_import_done().await;
    b.wait_text(".flash-success", "Imported.").await;
    assert_eq!(b.h1().await, "Import of gias_sample.csv");
    let added = number(&fact(b, "Added").await);
    let changed = number(&fact(b, "Changed").await);
    assert_eq!(fact(b, "Rows in the file").await, "99 (139 columns)");
    assert_eq!(added, 99 - held, "every school of the file not held yet is added");
    assert_eq!(added + changed + number(&fact(b, "Unchanged").await), 99, "every row is accounted for");
    assert_eq!(count(app, "SELECT COUNT(*) FROM schools").await, before + added, "the added schools are there");
    b.check("import succeeded").await;

    b.goto("/admin/imports").await;
    let recent = b.text("section[aria-labelledby=recent-h] table").await;
    assert!(recent.contains("gias_sample.csv") && recent.contains("Imported"), "{recent}");
    assert!(recent.contains("edubasealldata20250422.csv") && recent.contains("Refused or failed"), "{recent}");
    b.check("imports, with recent runs").await;

    followed_import(app, b).await;
}

/// A running import's page follows it to the end: by polling with
/// JavaScript; without, the person asks for the progress (no timed refresh,
/// WCAG 2.2.1).
async fn followed_import(app: &TestApp, b: &Browser) {
    use upward_storage::imports;
    let db = app.db();
    let pm: i64 = sqlx::query("SELECT id FROM people WHERE email = $1")
        .bind(PROGRAMMES)
        .fetch_one(db.pool())
        .await
        .unwrap()
        .get(0);
    let file = format!("followed-{}.csv", b.label());
    let id = imports::start(db, "gias", &file, Some(pm), Some(10_000)).await.unwrap();
    imports::progress(db, id, 1_000, 2_500, Some("Reading and checking every row")).await.unwrap();
    b.goto(&format!("/admin/imports/{id}")).await;
    b.wait("[data-import-run]").await;
    b.wait_text(".import-message", "1,000 rows so far").await;
    assert_eq!(b.exec("return document.getElementById('import-bar').value", vec![]).await, json!(25));
    assert!(!b.has("meta[http-equiv=refresh]").await, "no page refreshes itself");
    if b.js {
        b.check("import running").await;
        b.mark().await;
    } else {
        let note =
            b.c.find(Locator::LinkText("See the progress now")).await.expect("the no-script way to see progress");
        assert!(note.is_displayed().await.unwrap());
        b.check("import running, without JavaScript").await;
        b.mark().await;
    }
    imports::progress(db, id, 4_000, 5_000, Some("Reading and checking every row")).await.unwrap();
    if b.js {
        b.wait_text(".import-message", "4,000 rows so far").await;
        let same_page = b.exec("return document.documentElement.hasAttribute('data-test-old')", vec![]).await;
        assert_eq!(same_page, Json::Bool(true), "with JavaScript, progress arrives without reloading the page");
        assert_eq!(b.exec("return document.getElementById('import-bar').value", vec![]).await, json!(50));
    } else {
        b.click_link("See the progress now").await;
        b.wait_text(".import-message", "4,000 rows so far").await;
        assert_eq!(b.exec("return document.getElementById('import-bar').value", vec![]).await, json!(50));
    }
    let report = upward_web::services::gias::Report {
        file_name: file.clone(),
        summary: "4,000 schools in the file: 3 new, 2 changed, 3,995 unchanged.".into(),
        rows: 4_000,
        columns: 139,
        added: 3,
        changed: 2,
        closed: 0,
        unchanged: 3_995,
        not_in_file: 0,
        added_sample: vec![],
        changed_sample: vec![],
        closed_sample: vec![],
        warnings: vec![],
        warnings_total: 0,
    };
    imports::finish(db, id, true, &report.summary, Some(&serde_json::to_value(&report).unwrap())).await.unwrap();
    if !b.js {
        b.click_link("See the progress now").await;
    }
    b.wait_text(".flash-success", "Imported.").await;
    assert_eq!(fact(b, "Added").await, "3");
    assert_eq!(fact(b, "Changed").await, "2");
}

/// The audit trail shows the import and finds it by its words.
async fn audit_trail(app: &TestApp, b: &Browser) {
    b.goto("/admin/imports").await;
    b.click_link("gias_sample.csv").await;
    b.click_link("See it on the audit trail").await;
    assert_eq!(b.path().await, "/admin/audit?action=import.gias");
    let imports = count(app, "SELECT COUNT(*) FROM audit_log WHERE action = 'import.gias'").await;
    assert_eq!(number(&b.text("#result-count").await), imports);
    let table = b.text("table.audit").await;
    assert!(table.contains("Imported gias_sample.csv"), "{table}");
    b.check("audit trail, imports").await;

    b.click_link("Clear").await;
    assert_eq!(b.path().await, "/admin/audit");
    b.check("audit trail").await;
    b.fill("#q", "gias_sample.csv").await;
    b.click("form[action='/admin/audit'] button[type=submit]").await;
    let want = count(app, "SELECT COUNT(*) FROM audit_log WHERE LOWER(summary) LIKE '%gias_sample.csv%'").await;
    assert!(want > 1);
    assert_eq!(number(&b.text("#result-count").await), want, "the search finds every record of the import");
    let rows = b.c.find_all(Locator::Css("table.audit tbody tr")).await.unwrap();
    for r in &rows {
        assert!(r.text().await.unwrap().contains("gias_sample.csv"));
    }
    // Before and after, on demand.
    b.find("table.audit details summary").await.click().await.unwrap();
    assert!(b.find("table.audit details pre").await.is_displayed().await.unwrap());
    b.check("audit trail, searched, details open").await;
}

/// Every kind of page, as the central team's admin.
async fn admin_pages(app: &TestApp, b: &Browser) {
    b.sign_in(ADMIN).await;
    // Every link of the navigation leads somewhere.
    let nav =
        b.exec("return [...document.querySelectorAll('header a')].map(a => a.getAttribute('href'))", vec![]).await;
    let http = reqwest::Client::new();
    for href in nav.as_array().unwrap().iter().filter_map(|h| h.as_str()) {
        let r = http.get(b.url(href)).header("Cookie", b.cookie_header().await).send().await.unwrap();
        assert_eq!(r.status(), 200, "the navigation's link to {href}");
    }
    b.goto("/schools?phase=secondary").await;
    assert!(b.find("details.filters").await.attr("open").await.unwrap().is_some());
    b.check("schools, filters open").await;
    let (urn, _, _) = profiled_school(app).await;
    b.goto(&format!("/schools/{urn}")).await;
    b.check("school profile (admin)").await;
    // On a phone the performance table's key columns (measure, school,
    // national) are in view: its region does not scroll sideways.
    let phone = b.phone_measure().await;
    let perf = b
        .exec(
            "return [...document.querySelectorAll('.table-wrap')].findIndex(w => w.querySelector('table.perf'))",
            vec![],
        )
        .await;
    let i = perf.as_i64().expect("the school has a performance table");
    assert!(i >= 0, "the school has a performance table");
    assert_eq!(phone["regions"][i as usize]["scrolls"], false, "at 360 px the performance table fits: {phone}");
    b.click("dd a[href^='/hubs/']").await;
    assert!(b.text(".facts").await.contains("Senior Partner"));
    b.check("Hub").await;
    b.click_link("Hubs").await;
    let hubs = count(app, "SELECT COUNT(*) FROM hubs").await;
    assert_eq!(b.c.find_all(Locator::Css("table a[href^='/hubs/']")).await.unwrap().len() as i64, hubs);
    b.check("Hubs").await;
    b.click_link("Trusts").await;
    b.check("trusts").await;
    b.click("table a[href^='/trusts/']").await;
    b.check("trust").await;
    b.click_link("People").await;
    b.check("people").await;
    b.goto("/people?role=lead_reviewer").await;
    b.click("table a[href^='/people/']").await;
    b.check("person (admin, can give roles)").await;
    // What matching uses: the central team's page, and a form refused with
    // its problems beside the fields.
    b.click("a[href$='/matching'].button").await;
    b.check("what matching uses").await;
    b.fill("#conflicts-school_urn", "12").await;
    b.click("form[action$='/conflicts'] button").await;
    assert!(b.text(".error-summary").await.contains("Nothing was saved"));
    b.check("what matching uses, with errors").await;

    // Account, with a new API token that works.
    b.click_link("My account").await;
    b.check("account").await;
    b.fill("#token-name", "Browser test").await;
    b.click("form[action='/account/tokens'] button").await;
    let token = b.find("#new-token").await.prop("value").await.unwrap().expect("the new token");
    assert!(token.starts_with("upw_"));
    let me: Json =
        reqwest::Client::new().get(b.url("/api/v1/me")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(me["person"]["email"], ADMIN, "{me}");
    b.check("account, new API token").await;

    // Inviting: errors, then an invitation in the outbox.
    b.click_link("Invite a person").await;
    b.check("invite").await;
    b.click("form[action='/admin/invite'] button[type=submit]").await;
    let errors = b.text(".error-summary").await;
    assert!(errors.contains("There is a problem"), "{errors}");
    assert_eq!(b.find("#full_name").await.attr("aria-invalid").await.unwrap().as_deref(), Some("true"));
    b.check("invite, with errors").await;
    b.fill("#full_name", "Brenda Browser").await;
    b.fill("#email", "brenda.browser@example.org").await;
    b.find("input[name=role][value=reviewer]").await.click().await.unwrap();
    b.click("form[action='/admin/invite'] button[type=submit]").await;
    b.wait_text(".flash", "Invitation sent to brenda.browser@example.org").await;
    assert_eq!(b.h1().await, "Brenda Browser");
    b.check("person, just invited").await;
    app.run_jobs().await;
    b.click_link("Outbox").await;
    b.check("outbox").await;
    b.click_link("You are invited to Upward").await;
    assert!(b.text(".facts").await.contains("brenda.browser@example.org"));
    b.check("message").await;

    // Errors, help and the API.
    b.goto("/schools/999999999").await;
    assert_eq!(b.h1().await, "Page not found");
    b.check("404, a school").await;
    b.goto("/no/such/page").await;
    b.check("404").await;
    b.goto("/help").await;
    b.check("help").await;
    b.goto("/api/docs").await;
    b.check("API docs").await;
    b.goto("/accessibility").await;
    b.check("accessibility").await;
    b.sign_out().await;
    b.goto("/password/forgot").await;
    b.check("forgotten password").await;
    b.goto("/no/such/page").await;
    b.check("404, signed out").await;
}

/// Matching: propose review teams, open a team, change it by hand; propose
/// groups, move a school, accept, propose facilitators; the themes page.
async fn matching(app: &TestApp, b: &Browser) {
    b.sign_in(PROGRAMMES).await;
    b.click_link("Matching").await;
    assert_eq!(b.h1().await, "Matching");
    b.check("matching").await;
    // Review teams: a proposal made over the API (a short window keeps the
    // browser test quick), then inspected and changed here.
    let cycle = count(app, "SELECT id FROM cycles WHERE name = '2026-27'").await;
    let pm: i64 = count(app, &format!("SELECT id FROM people WHERE email = '{PROGRAMMES}'")).await;
    let token = format!("upw_browser_matching_{}", b.label());
    let mut tx = app.db().begin().await.unwrap();
    upward_storage::auth::create_api_token(
        &mut tx,
        &upward_storage::Who::system("test"),
        pm,
        "browser",
        &upward_web::security::token_hash(&token),
        "upw_brow",
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let body = json!({"from": "2027-06-07", "rules": {"same_hub_is_conflict": false, "recent_cycles": 2, "time_limit_secs": 1.0, "max_mip_triples": 2000}});
    let r = reqwest::Client::new()
        .post(b.url(&format!("/api/v1/matching/cycles/{cycle}/propose")))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text().await);
    let run: Json = r.json().await.unwrap();
    let id = run["id"].as_i64().unwrap();
    b.goto(&format!("/matching/runs/{id}")).await;
    assert!(b.h1().await.starts_with("Review teams for 2026-27"));
    b.check("review teams").await;
    b.click("table.teams td a").await;
    assert!(b.h1().await.starts_with("Team for "));
    b.check("a review team, with candidates").await;
    let before = b.text(".facts").await;
    b.click("form button[value=peer]").await;
    b.wait(".flash").await;
    assert_ne!(b.text(".facts").await, before, "the team was re-scored");
    b.check("a review team, after a change").await;
    // Groups for the cohort: proven optimal for 21 schools.
    b.goto("/matching").await;
    b.click_link("Growing the Top 2026-27").await;
    b.check("cohort").await;
    b.click("form[action$='/groups'] button[type=submit]").await;
    b.wait_text(".facts", "Proven optimal").await;
    b.check("groups").await;
    let first = b.find(".move-form select").await;
    first.select_by_value("2").await.unwrap();
    b.click(".move-form button").await;
    b.wait_text("#warn-h", "Broken rules").await;
    b.check("groups, with broken rules").await;
    // Accepting asks first, on a page of its own; accepting broken rules
    // takes a tick in the box that says so.
    b.click("form[action$='/accept'] button").await;
    assert!(b.h1().await.starts_with("Accept these 7 groups?"));
    b.check("accept groups: the confirmation").await;
    b.find("#accept_broken").await.click().await.expect("tick the box");
    b.click("form[action$='/accept'] button").await;
    b.wait_text(".flash", "groups accepted").await;
    b.goto(&format!("/matching/cohorts/{}", count(app, "SELECT id FROM cohorts ORDER BY id LIMIT 1").await)).await;
    b.click("form[action$='/facilitators'] button").await;
    b.wait(".facts").await;
    assert!(b.h1().await.starts_with("Facilitators for"));
    b.check("facilitators").await;
    b.goto("/matching/themes?try=Sixth+form+progress").await;
    assert!(b.text(".tagged").await.contains("sixth form"));
    b.check("themes, with the tagger tried").await;
    b.sign_out().await;
}

/// The navigation of other roles: every page in it, and a refusal.
async fn other_roles(app: &TestApp, b: &Browser) {
    for who in [HEAD, REVIEWER, APPLICANT] {
        b.sign_in(who).await;
        let role = who.split('@').next().unwrap();
        b.check(&format!("home ({role})")).await;
        let links: Vec<String> = b
            .exec("return [...document.querySelectorAll('nav.main-nav a')].map(a => a.getAttribute('href'))", vec![])
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        for href in links.iter().filter(|h| *h != "/") {
            b.goto(href).await;
            assert!(!b.h1().await.is_empty());
            b.check(&format!("{href} ({role})")).await;
        }
        if who == HEAD {
            let urn: i64 =
                sqlx::query("SELECT s.urn FROM people p JOIN schools s ON s.id = p.school_id WHERE p.email = $1")
                    .bind(HEAD)
                    .fetch_one(app.db().pool())
                    .await
                    .unwrap()
                    .get(0);
            b.goto("/").await;
            b.click(&format!("main a[href='/schools/{urn}']")).await;
            b.check("own school (head)").await;
        }
        b.goto("/admin/audit").await;
        assert_eq!(b.h1().await, "You do not have access to this page");
        b.check(&format!("403 ({role})")).await;
        b.sign_out().await;
    }
}

/// Without JavaScript: sign in, search, open a profile, import a file
/// and follow an import to its end.
async fn without_javascript(app: &TestApp, b: &Browser) {
    b.goto("/login").await;
    assert!(b.has("#email").await);
    b.fill("#email", PROGRAMMES).await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert!(b.h1().await.starts_with("Welcome, "));
    b.check("home, without JavaScript").await;

    b.click_link("Schools").await;
    let (urn, name, _) = profiled_school(app).await;
    b.fill("#q", &name).await;
    b.click(".search-row button").await;
    let (_, _, n) = showing(&b.text("#result-count").await);
    assert!(n >= 1);
    b.check("schools, without JavaScript").await;
    b.click(&format!("table.schools a[href='/schools/{urn}']")).await;
    assert_eq!(b.h1().await, name);
    b.check("school profile, without JavaScript").await;

    b.click_link("Imports").await;
    b.find("#file").await.send_keys(gias_data("gias_update.csv").to_str().unwrap()).await.unwrap();
    b.click(upload_button()).await;
    b.until_import_done().await;
    b.wait_text(".flash-success", "Imported.").await;
    assert_eq!(fact(b, "Changed").await, "1");
    let name: String =
        sqlx::query("SELECT name FROM schools WHERE urn = 100000").fetch_one(app.db().pool()).await.unwrap().get(0);
    assert_eq!(name, "The Aldgate School 2", "the change is saved");
    b.check("import succeeded, without JavaScript").await;
    followed_import(app, b).await;
    b.sign_out().await;
}
