//! Upward's web interface and JSON API.
//!
//! Handlers are thin: they read the request, ask the policy module (through
//! [`ctx::Ctx::require`]), call the storage layer, and render a template or
//! JSON. Every route is declared once in [`routes!`], which builds the router
//! and the [`ROUTES`] table that the permission test walks.

pub mod api;
pub mod config;
pub mod ctx;
pub mod error;
pub mod export;
pub mod forms;
pub mod jobs;
pub mod layout;
pub mod mail;
pub mod pages;
pub mod security;
pub mod services;
mod statics;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::middleware;
use config::Config;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use upward_storage::Db;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// How e-mail leaves (SMTP when configured, otherwise record only).
    pub mail: mail::Transport,
}

impl AppState {
    /// The state for a configuration, with the transport it names.
    pub fn new(db: Db, config: Config) -> AppState {
        let mail = mail::Transport::from_config(&config);
        AppState { db, config: Arc::new(config), mail }
    }

    /// The same, delivering e-mail through `mail` (tests catch it).
    pub fn with_mail(mut self, mail: mail::Transport) -> AppState {
        self.mail = mail;
        self
    }

    /// The one clock (the database's): tests move it to try deadlines.
    pub fn clock(&self) -> &upward_domain::Clock {
        self.db.clock()
    }

    /// Today's date in England.
    pub fn today(&self) -> chrono::NaiveDate {
        self.db.clock().today()
    }
}

/// Who a route is for. Checked (through the policy module) before the
/// handler runs, so no route can forget it and a caller without access
/// learns nothing from the handler; the handler then decides about the one
/// school, person or review asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Public: sign-in pages, help, health, the API's description.
    Anyone,
    /// Whoever holds a secret link (password reset, invitation, calendar
    /// feed): the link is the credential.
    LinkHolder,
    /// Anyone signed in (their own account; pages that decide per item).
    SignedIn,
    /// Members of the partnership (not applicants or shortlisters alone).
    Members,
    /// Those who may list people: the central team, Hub leaders, school
    /// leaders and trust executives (each sees their own people).
    PeopleList,
    /// The central team: admins and programme managers.
    CentralTeam,
    /// Admins only.
    Admin,
}

impl Access {
    /// The policy's action that opens the gate (None: no gate).
    pub fn action(self) -> Option<upward_domain::policy::Action> {
        use upward_domain::policy::Action;
        match self {
            Access::Anyone | Access::LinkHolder => None,
            Access::SignedIn => Some(Action::UseOwnAccount),
            Access::Members => Some(Action::BrowseDirectory),
            Access::PeopleList => Some(Action::ListPeople),
            Access::CentralTeam => Some(Action::UseCentralTeamPages),
            Access::Admin => Some(Action::Administer),
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Access::Anyone => "anyone",
            Access::LinkHolder => "holder of the link",
            Access::SignedIn => "signed in",
            Access::Members => "members",
            Access::PeopleList => "central team, Hub leaders, school leaders, trust executives",
            Access::CentralTeam => "central team",
            Access::Admin => "admin",
        }
    }
}

/// One route: its method, path, and who it is for.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
}

/// The gate in front of a route's handler.
async fn gate(access: Access, req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    if let Some(action) = access.action() {
        let ctx = req.extensions().get::<ctx::Ctx>().cloned();
        let actor = ctx.as_ref().and_then(|c| c.actor.as_ref());
        match upward_domain::policy::authorize(actor, &action) {
            upward_domain::policy::Decision::Allow => {}
            upward_domain::policy::Decision::SignInRequired => return error::Failure::SignInRequired.into_response(),
            upward_domain::policy::Decision::Deny => return error::Failure::Forbidden.into_response(),
        }
    }
    next.run(req).await
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $access:ident; )*) => {
        /// Every route of Upward.
        pub const ROUTES: &[RouteSpec] = &[
            $( RouteSpec { method: stringify!($method), path: $path, access: Access::$access }, )*
        ];
        fn add_routes(r: Router<AppState>) -> Router<AppState> {
            r $( .route($path, axum::routing::$method($handler).route_layer(middleware::from_fn(|req, next| gate(Access::$access, req, next)))) )*
        }
    };
}

routes! {
    get "/healthz" => pages::home::healthz, Anyone;
    get "/static/{file}" => statics::serve, Anyone;
    get "/" => pages::home::home, SignedIn;
    get "/help" => pages::home::help, Anyone;
    get "/accessibility" => pages::home::accessibility, Anyone;
    get "/login" => pages::auth::login_form, Anyone;
    post "/login" => pages::auth::login, Anyone;
    post "/logout" => pages::auth::logout, Anyone;
    get "/password/forgot" => pages::auth::forgot_form, Anyone;
    post "/password/forgot" => pages::auth::forgot, Anyone;
    get "/password/reset/{token}" => pages::auth::reset_form, LinkHolder;
    post "/password/reset/{token}" => pages::auth::reset, LinkHolder;
    get "/invitation/{token}" => pages::auth::invitation_form, LinkHolder;
    post "/invitation/{token}" => pages::auth::accept_invitation, LinkHolder;
    get "/calendar/{token}" => pages::account::calendar_feed, LinkHolder;
    get "/account" => pages::account::show, SignedIn;
    post "/account/password" => pages::account::change_password, SignedIn;
    post "/account/notifications" => pages::account::save_notifications, SignedIn;
    post "/account/calendar" => pages::account::reset_calendar, SignedIn;
    post "/account/tokens" => pages::account::create_token, SignedIn;
    post "/account/tokens/{id}/revoke" => pages::account::revoke_token, SignedIn;
    get "/schools" => pages::schools::list, Members;
    get "/schools/{urn}" => pages::schools::show, Members;
    get "/hubs" => pages::hubs::list, Members;
    get "/hubs/{id}" => pages::hubs::show, Members;
    get "/trusts" => pages::hubs::trusts, Members;
    get "/trusts/{id}" => pages::hubs::trust, Members;
    get "/people" => pages::people::list, PeopleList;
    get "/people/{id}" => pages::people::show, SignedIn;
    post "/people/{id}/roles" => pages::people::add_role, Admin;
    post "/people/{id}/roles/{grant}/remove" => pages::people::remove_role, Admin;
    get "/people/{id}/matching" => pages::people::matching_form, CentralTeam;
    post "/people/{id}/pools" => pages::people::save_pool, CentralTeam;
    post "/people/{id}/specialisms" => pages::people::save_specialisms, CentralTeam;
    post "/people/{id}/safeguarding" => pages::people::save_safeguarding, CentralTeam;
    post "/people/{id}/unavailable" => pages::people::add_unavailable, CentralTeam;
    post "/people/{id}/unavailable/remove" => pages::people::remove_unavailable, CentralTeam;
    post "/people/{id}/conflicts" => pages::people::add_conflict, CentralTeam;
    post "/people/{id}/conflicts/{urn}/remove" => pages::people::remove_conflict, CentralTeam;
    get "/admin/invite" => pages::people::invite_form, Admin;
    post "/admin/invite" => pages::people::invite, Admin;
    get "/admin/imports" => pages::imports::index, CentralTeam;
    post "/admin/imports/gias" => pages::imports::upload_gias, CentralTeam;
    get "/admin/imports/{id}" => pages::imports::show, CentralTeam;
    get "/admin/audit" => pages::admin::audit, CentralTeam;
    get "/admin/outbox" => pages::admin::outbox, CentralTeam;
    get "/admin/outbox/{id}" => pages::admin::outbox_message, CentralTeam;
    get "/matching" => pages::matching::index, CentralTeam;
    post "/matching/cycles/{id}/propose" => pages::matching::propose_teams, CentralTeam;
    get "/matching/runs/{id}" => pages::matching::run, CentralTeam;
    get "/matching/runs/{id}/reviews/{review}" => pages::matching::team, CentralTeam;
    post "/matching/runs/{id}/reviews/{review}" => pages::matching::edit_team, CentralTeam;
    post "/matching/runs/{id}/groups" => pages::groups::edit_groups, CentralTeam;
    get "/matching/runs/{id}/accept" => pages::matching::confirm_accept, CentralTeam;
    post "/matching/runs/{id}/accept" => pages::matching::accept, CentralTeam;
    get "/matching/runs/{id}/discard" => pages::matching::confirm_discard, CentralTeam;
    post "/matching/runs/{id}/discard" => pages::matching::discard, CentralTeam;
    get "/matching/themes" => pages::themes::list, CentralTeam;
    post "/matching/themes" => pages::themes::add, CentralTeam;
    post "/matching/themes/{id}" => pages::themes::update, CentralTeam;
    get "/matching/cohorts/{id}" => pages::groups::cohort, CentralTeam;
    post "/matching/cohorts/{id}/groups" => pages::groups::propose_groups, CentralTeam;
    post "/matching/cohorts/{id}/facilitators" => pages::groups::propose_facilitators, CentralTeam;
    post "/matching/cohorts/{id}/pairs" => pages::groups::set_pair, CentralTeam;
    get "/api/openapi.json" => api::openapi_json, Anyone;
    get "/api/docs" => api::docs, Anyone;
    get "/api/v1/me" => api::me, SignedIn;
    get "/api/v1/schools" => api::schools, Members;
    get "/api/v1/schools/{urn}" => api::school, Members;
    get "/api/v1/hubs" => api::hubs, Members;
    get "/api/v1/hubs/{id}" => api::hub, Members;
    get "/api/v1/trusts" => api::trusts, Members;
    get "/api/v1/trusts/{id}" => api::trust, Members;
    get "/api/v1/people" => api::people, PeopleList;
    post "/api/v1/people" => api::invite, Admin;
    get "/api/v1/people/{id}" => api::person, SignedIn;
    post "/api/v1/people/{id}/roles" => api::add_role, Admin;
    delete "/api/v1/people/{id}/roles/{grant}" => api::remove_role, Admin;
    get "/api/v1/people/{id}/matching" => api::person_matching::matching, CentralTeam;
    post "/api/v1/people/{id}/pools" => api::person_matching::save_pool, CentralTeam;
    put "/api/v1/people/{id}/specialisms" => api::person_matching::save_specialisms, CentralTeam;
    put "/api/v1/people/{id}/safeguarding" => api::person_matching::save_safeguarding, CentralTeam;
    post "/api/v1/people/{id}/unavailable" => api::person_matching::add_unavailable, CentralTeam;
    delete "/api/v1/people/{id}/unavailable" => api::person_matching::remove_unavailable, CentralTeam;
    post "/api/v1/people/{id}/conflicts" => api::person_matching::add_conflict, CentralTeam;
    delete "/api/v1/people/{id}/conflicts/{urn}" => api::person_matching::remove_conflict, CentralTeam;
    get "/api/v1/imports" => api::imports, CentralTeam;
    post "/api/v1/imports/gias" => api::import_gias, CentralTeam;
    get "/api/v1/imports/{id}" => api::import_run, CentralTeam;
    get "/api/v1/audit" => api::audit, CentralTeam;
    get "/api/v1/outbox" => api::outbox, CentralTeam;
    get "/api/v1/account/notifications" => api::notifications, SignedIn;
    put "/api/v1/account/notifications" => api::set_notifications, SignedIn;
    get "/api/v1/account/tokens" => api::tokens, SignedIn;
    post "/api/v1/account/tokens" => api::create_token, SignedIn;
    delete "/api/v1/account/tokens/{id}" => api::revoke_token, SignedIn;
    get "/api/v1/account/calendar" => api::calendar, SignedIn;
    get "/api/v1/matching/runs/{id}" => api::matching::run, CentralTeam;
    post "/api/v1/matching/cycles/{id}/propose" => api::matching::propose_teams, CentralTeam;
    post "/api/v1/matching/runs/{id}/rescore" => api::matching::rescore, CentralTeam;
    post "/api/v1/matching/runs/{id}/accept" => api::matching::accept, CentralTeam;
}

/// The largest request body of an upload route ([`UPLOAD_ROUTES`]).
pub const UPLOAD_LIMIT: usize = 200 * 1024 * 1024;
/// The largest request body anywhere else.
pub const BODY_LIMIT: usize = 1024 * 1024;
/// The routes that take a file (and may carry the CSRF token as `?csrf=`).
pub const UPLOAD_ROUTES: &[&str] = &["/admin/imports/gias", "/api/v1/imports/gias"];

pub fn is_upload_route(path: &str) -> bool {
    UPLOAD_ROUTES.contains(&path)
}

/// Every request body is limited: large only for uploads, small elsewhere.
/// A body that says it is too large is refused before it is read; one that
/// turns out too large fails when it is read.
async fn limit_body(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let path = req.uri().path();
    let api = path.starts_with("/api/");
    let limit = if is_upload_route(path) { UPLOAD_LIMIT } else { BODY_LIMIT };
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return error::Failure::TooLarge.respond(api);
    }
    let (parts, body) = req.into_parts();
    let body = axum::body::Body::new(http_body_util::Limited::new(body, limit));
    next.run(axum::extract::Request::from_parts(parts, body)).await
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The whole application.
pub fn app(state: AppState) -> Router {
    let https = state.config.public_url.starts_with("https://");
    let router = add_routes(Router::new())
        .fallback(pages::home::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), ctx::context))
        .layer(axum::extract::DefaultBodyLimit::max(UPLOAD_LIMIT))
        .layer(middleware::from_fn(limit_body))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new());
    // Served over https: browsers are told to use nothing else for a year.
    let router = if https {
        router.layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ))
    } else {
        router
    };
    router.with_state(state)
}

/// Serve until Ctrl-C (or SIGTERM), running the job worker when configured.
pub async fn serve(state: AppState, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    serve_on(state, listener).await
}

pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker =
        if state.config.run_jobs { Some(tokio::spawn(jobs::run_worker(state.clone(), stop_rx))) } else { None };
    let _ = upward_storage::imports::fail_abandoned(&state.db, 6 * 3600).await;
    axum::serve(listener, app(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown())
        .await?;
    let _ = stop_tx.send(true);
    if let Some(w) = worker {
        let _ = w.await;
    }
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
