//! HTML pages, one module per area.

pub mod account;
pub mod admin;
pub mod auth;
pub mod groups;
pub mod home;
pub mod hubs;
pub mod imports;
pub mod matching;
pub mod people;
pub mod schools;
pub mod themes;

use crate::error::Failure;
use askama::Template;
use axum::response::{Html, IntoResponse, Response};

/// Render a template, or fail politely.
pub fn render(t: &impl Template) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => Failure::internal(format!("template: {e}")).into_response(),
    }
}

/// Render with a status (forms with errors answer 422 so tools notice).
pub fn render_status(status: axum::http::StatusCode, t: &impl Template) -> Response {
    let mut r = render(t);
    *r.status_mut() = status;
    r
}
