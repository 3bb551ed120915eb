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
}

/// One route: its method, path, and who it is for (as documentation; the
/// decision itself is made by the handler through the policy module).
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: &'static str,
}

macro_rules! routes {
    ($( $method:ident $path:literal => $handler:path, $access:literal; )*) => {
        /// Every route of Upward.
        pub const ROUTES: &[RouteSpec] = &[
            $( RouteSpec { method: stringify!($method), path: $path, access: $access }, )*
        ];
        fn add_routes(r: Router<AppState>) -> Router<AppState> {
            r $( .route($path, axum::routing::$method($handler)) )*
        }
    };
}

routes! {
    get "/healthz" => pages::home::healthz, "anyone";
    get "/static/{file}" => statics::serve, "anyone";
    get "/" => pages::home::home, "signed in";
    get "/help" => pages::home::help, "anyone";
    get "/accessibility" => pages::home::accessibility, "anyone";
    get "/login" => pages::auth::login_form, "anyone";
    post "/login" => pages::auth::login, "anyone";
    post "/logout" => pages::auth::logout, "signed in";
    get "/password/forgot" => pages::auth::forgot_form, "anyone";
    post "/password/forgot" => pages::auth::forgot, "anyone";
    get "/password/reset/{token}" => pages::auth::reset_form, "holder of a reset link";
    post "/password/reset/{token}" => pages::auth::reset, "holder of a reset link";
    get "/invitation/{token}" => pages::auth::invitation_form, "holder of an invitation";
    post "/invitation/{token}" => pages::auth::accept_invitation, "holder of an invitation";
    get "/calendar/{token}" => pages::account::calendar_feed, "holder of a calendar feed address";
    get "/account" => pages::account::show, "signed in";
    post "/account/password" => pages::account::change_password, "signed in";
    post "/account/notifications" => pages::account::save_notifications, "signed in";
    post "/account/calendar" => pages::account::reset_calendar, "signed in";
    post "/account/tokens" => pages::account::create_token, "signed in";
    post "/account/tokens/{id}/revoke" => pages::account::revoke_token, "signed in";
    get "/schools" => pages::schools::list, "members";
    get "/schools/{urn}" => pages::schools::show, "members";
    get "/hubs" => pages::hubs::list, "members";
    get "/hubs/{id}" => pages::hubs::show, "members";
    get "/trusts" => pages::hubs::trusts, "members";
    get "/trusts/{id}" => pages::hubs::trust, "members";
    get "/people" => pages::people::list, "central team, Hub leaders, school leaders, trust executives";
    get "/people/{id}" => pages::people::show, "those who may see the person";
    post "/people/{id}/roles" => pages::people::add_role, "admin";
    post "/people/{id}/roles/{grant}/remove" => pages::people::remove_role, "admin";
    get "/admin/invite" => pages::people::invite_form, "admin";
    post "/admin/invite" => pages::people::invite, "admin";
    get "/admin/imports" => pages::imports::index, "central team";
    post "/admin/imports/gias" => pages::imports::upload_gias, "central team";
    get "/admin/imports/{id}" => pages::imports::show, "central team";
    get "/admin/audit" => pages::admin::audit, "central team";
    get "/admin/outbox" => pages::admin::outbox, "central team";
    get "/admin/outbox/{id}" => pages::admin::outbox_message, "central team";
    get "/matching" => pages::matching::index, "central team";
    post "/matching/cycles/{id}/propose" => pages::matching::propose_teams, "central team";
    get "/matching/runs/{id}" => pages::matching::run, "central team";
    get "/matching/runs/{id}/reviews/{review}" => pages::matching::team, "central team";
    post "/matching/runs/{id}/reviews/{review}" => pages::matching::edit_team, "central team";
    post "/matching/runs/{id}/groups" => pages::groups::edit_groups, "central team";
    post "/matching/runs/{id}/accept" => pages::matching::accept, "central team";
    post "/matching/runs/{id}/discard" => pages::matching::discard, "central team";
    get "/matching/themes" => pages::themes::list, "central team";
    post "/matching/themes" => pages::themes::add, "central team";
    post "/matching/themes/{id}" => pages::themes::update, "central team";
    get "/matching/cohorts/{id}" => pages::groups::cohort, "central team";
    post "/matching/cohorts/{id}/groups" => pages::groups::propose_groups, "central team";
    post "/matching/cohorts/{id}/facilitators" => pages::groups::propose_facilitators, "central team";
    post "/matching/cohorts/{id}/pairs" => pages::groups::set_pair, "central team";
    get "/api/openapi.json" => api::openapi_json, "anyone";
    get "/api/docs" => api::docs, "anyone";
    get "/api/v1/me" => api::me, "signed in";
    get "/api/v1/schools" => api::schools, "members";
    get "/api/v1/schools/{urn}" => api::school, "members";
    get "/api/v1/hubs" => api::hubs, "members";
    get "/api/v1/hubs/{id}" => api::hub, "members";
    get "/api/v1/trusts" => api::trusts, "members";
    get "/api/v1/trusts/{id}" => api::trust, "members";
    get "/api/v1/people" => api::people, "central team, Hub leaders, school leaders, trust executives";
    post "/api/v1/people" => api::invite, "admin";
    get "/api/v1/people/{id}" => api::person, "those who may see the person";
    post "/api/v1/people/{id}/roles" => api::add_role, "admin";
    delete "/api/v1/people/{id}/roles/{grant}" => api::remove_role, "admin";
    get "/api/v1/imports" => api::imports, "central team";
    post "/api/v1/imports/gias" => api::import_gias, "central team";
    get "/api/v1/imports/{id}" => api::import_run, "central team";
    get "/api/v1/audit" => api::audit, "central team";
    get "/api/v1/outbox" => api::outbox, "central team";
    get "/api/v1/account/notifications" => api::notifications, "signed in";
    put "/api/v1/account/notifications" => api::set_notifications, "signed in";
    get "/api/v1/account/tokens" => api::tokens, "signed in";
    post "/api/v1/account/tokens" => api::create_token, "signed in";
    delete "/api/v1/account/tokens/{id}" => api::revoke_token, "signed in";
    get "/api/v1/account/calendar" => api::calendar, "signed in";
    get "/api/v1/matching/runs/{id}" => api::matching::run, "central team";
    post "/api/v1/matching/cycles/{id}/propose" => api::matching::propose_teams, "central team";
    post "/api/v1/matching/runs/{id}/rescore" => api::matching::rescore, "central team";
    post "/api/v1/matching/runs/{id}/accept" => api::matching::accept, "central team";
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
    connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The whole application.
pub fn app(state: AppState) -> Router {
    add_routes(Router::new())
        .fallback(pages::home::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), ctx::context))
        .layer(axum::extract::DefaultBodyLimit::max(200 * 1024 * 1024))
        .layer(SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
        ))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .with_state(state)
}

/// Serve until Ctrl-C (or SIGTERM), running the job worker when configured.
pub async fn serve(state: AppState, addr: std::net::SocketAddr) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    serve_on(state, listener).await
}

pub async fn serve_on(state: AppState, listener: tokio::net::TcpListener) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = if state.config.run_jobs {
        Some(tokio::spawn(jobs::run_worker(state.clone(), stop_rx)))
    } else {
        None
    };
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
