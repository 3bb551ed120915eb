//! Failures and how they look: a plain-English page, or JSON under /api.
//! Nothing here shows internal details; a database error is logged with an
//! id and the person sees the id.

use crate::AppState;
use crate::ctx::{Ctx, redirect};
use crate::layout::Layout;
use askama::Template;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;
use upward_storage::StoreError;

pub use upward_domain::validate::FieldError;

#[derive(Debug, Clone)]
pub enum Failure {
    SignInRequired,
    BadToken,
    Forbidden,
    NotFound(String),
    BadRequest(String),
    Invalid(Vec<FieldError>),
    Conflict(String),
    CsrfFailed,
    TooLarge,
    MethodNotAllowed,
    /// Signed in with an API token, for something only a signed-in person
    /// may do (make tokens, change the password).
    NeedsSession,
    /// The database is busy with another change: try again in a moment.
    Busy,
    /// Something went wrong inside Upward. Made only by [`Failure::internal`],
    /// which logs what happened with a reference; people see the reference.
    Internal(Reference),
}

/// The reference of a logged internal failure ("a1b2c3d4").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference(String);

impl Reference {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Reference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Carried on a response so the context middleware can render the failure
/// with the person's navigation.
#[derive(Debug, Clone)]
pub struct FailureMarker(pub Failure);

impl Failure {
    /// An internal failure: `what` (details for the log, never shown) is
    /// logged with a new reference, which is what people see.
    pub fn internal(what: impl std::fmt::Display) -> Failure {
        let reference =
            crate::security::new_token().chars().filter(char::is_ascii_alphanumeric).take(8).collect::<String>();
        tracing::error!(reference = %reference, error = %what, "internal failure");
        Failure::Internal(Reference(reference))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Failure::SignInRequired | Failure::BadToken => StatusCode::UNAUTHORIZED,
            Failure::Forbidden | Failure::CsrfFailed => StatusCode::FORBIDDEN,
            Failure::NotFound(_) => StatusCode::NOT_FOUND,
            Failure::BadRequest(_) => StatusCode::BAD_REQUEST,
            Failure::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Failure::Conflict(_) => StatusCode::CONFLICT,
            Failure::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Failure::NeedsSession => StatusCode::FORBIDDEN,
            Failure::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Failure::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Failure::SignInRequired => "sign_in_required",
            Failure::BadToken => "bad_token",
            Failure::Forbidden => "forbidden",
            Failure::NotFound(_) => "not_found",
            Failure::BadRequest(_) => "bad_request",
            Failure::Invalid(_) => "invalid",
            Failure::Conflict(_) => "conflict",
            Failure::CsrfFailed => "csrf_failed",
            Failure::TooLarge => "too_large",
            Failure::MethodNotAllowed => "method_not_allowed",
            Failure::NeedsSession => "session_required",
            Failure::Busy => "busy",
            Failure::Internal(_) => "internal",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            Failure::SignInRequired => "Please sign in",
            Failure::BadToken => "That API token is not valid",
            Failure::Forbidden => "You do not have access to this page",
            Failure::NotFound(_) => "Page not found",
            Failure::BadRequest(_) | Failure::Invalid(_) => "There is a problem with the request",
            Failure::Conflict(_) => "That cannot be done",
            Failure::CsrfFailed => "This form has expired",
            Failure::TooLarge => "That is too large",
            Failure::MethodNotAllowed => "That cannot be done here",
            Failure::NeedsSession => "Sign in to Upward to do this",
            Failure::Busy => "Upward is busy, try again in a moment",
            Failure::Internal(_) => "Sorry, something went wrong",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Failure::SignInRequired => "Sign in to see this page.".into(),
            Failure::BadToken => {
                "The API token was not recognised, or it was revoked. Make a new one on your account page.".into()
            }
            Failure::Forbidden => {
                "Your roles do not include this. If you think they should, ask your central team.".into()
            }
            Failure::NotFound(what) => {
                format!("We could not find that {what}. Check the address, or go back and try again.")
            }
            Failure::BadRequest(m) | Failure::Conflict(m) => m.clone(),
            Failure::Invalid(errors) => {
                errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
            }
            Failure::CsrfFailed => "For your security, forms expire. Go back, reload the page, and try again.".into(),
            Failure::TooLarge => format!(
                "Upward accepts files of up to {} MB, and other requests of up to {} KB.",
                crate::UPLOAD_LIMIT / (1024 * 1024),
                crate::BODY_LIMIT / 1024
            ),
            Failure::MethodNotAllowed => "This address does not accept that kind of request.".into(),
            Failure::NeedsSession => "An API token cannot make API tokens, calendar addresses or passwords. Sign in to Upward in a browser and do it on your account page.".into(),
            Failure::Busy => "Another change was being saved at the same moment. Nothing was changed: please try again in a few seconds.".into(),
            Failure::Internal(id) => format!(
                "The problem has been logged (reference {id}). Please try again; if it happens again, tell the central team the reference."
            ),
        }
    }

    /// A response without the person's context (from the middleware itself).
    pub fn respond(self, api: bool) -> Response {
        if api {
            return json(&self);
        }
        retry_after(&self, (self.status(), Html(simple_page(&self))).into_response())
    }
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Failure {
        match e {
            StoreError::NotFound(what) => Failure::NotFound(what),
            StoreError::Conflict(m) => Failure::Conflict(m),
            e if e.is_busy() => {
                tracing::warn!(error = %e, "the database was busy");
                Failure::Busy
            }
            other => Failure::internal(format!("storage: {other}")),
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(FailureMarker(self));
        res
    }
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<FieldError>,
}

fn json(f: &Failure) -> Response {
    let fields = match f {
        Failure::Invalid(v) => v.clone(),
        _ => vec![],
    };
    retry_after(f, (f.status(), Json(ErrorBody { error: f.code(), message: f.message(), fields })).into_response())
}

/// "Busy" says when to try again.
fn retry_after(f: &Failure, mut res: Response) -> Response {
    if matches!(f, Failure::Busy) {
        res.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("5"));
    }
    res
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    heading: String,
    message: String,
    signed_in: bool,
}

fn simple_page(f: &Failure) -> String {
    let l = Layout::bare(f.title());
    ErrorPage { l, heading: f.title().into(), message: f.message(), signed_in: false }
        .render()
        .unwrap_or_else(|_| f.message())
}

/// Render a failure for a person (HTML) or a program (JSON).
pub fn render_failure(_state: &AppState, ctx: &Ctx, f: Failure, api: bool) -> Response {
    if api {
        return json(&f);
    }
    if matches!(f, Failure::SignInRequired) && ctx.me.is_none() {
        let next = percent_encoding::utf8_percent_encode(&ctx.here, percent_encoding::NON_ALPHANUMERIC).to_string();
        return redirect(&format!("/login?next={next}"));
    }
    let l = Layout::new(ctx, f.title());
    let page = ErrorPage { l, heading: f.title().into(), message: f.message(), signed_in: ctx.me.is_some() };
    let res = match page.render() {
        Ok(html) => (f.status(), Html(html)).into_response(),
        Err(_) => (f.status(), f.message()).into_response(),
    };
    retry_after(&f, res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_failures_show_a_reference_never_the_details() {
        let f = Failure::internal("database error: relation \"people\" does not exist at 10.0.0.7");
        let Failure::Internal(r) = &f else { panic!("not internal") };
        assert_eq!(r.as_str().len(), 8);
        assert!(r.as_str().chars().all(|c| c.is_ascii_alphanumeric()));
        let shown = f.message();
        assert!(shown.contains(r.as_str()), "{shown}");
        assert!(!shown.contains("people") && !shown.contains("10.0.0.7"), "{shown}");
        assert_eq!(f.status(), StatusCode::INTERNAL_SERVER_ERROR);
        // Two failures, two references.
        let Failure::Internal(r2) = Failure::internal("x") else { panic!() };
        assert_ne!(r, &r2);
        // A storage error the person can act on keeps its words; others do not.
        let f = Failure::from(StoreError::Conflict("That e-mail address is already used by Ada".into()));
        assert_eq!(f.message(), "That e-mail address is already used by Ada");
        let f = Failure::from(StoreError::Corrupt("reviews.status = 'x'".into()));
        assert!(!f.message().contains("reviews.status"), "{}", f.message());
    }
}
