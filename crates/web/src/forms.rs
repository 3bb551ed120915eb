//! Reading requests: typed paths, forms and queries.
//!
//! - [`Path<T>`]: path parameters as id types (`Path<RunId>`); anything
//!   that is not an id is "not found" (404), never a 400 or a 500.
//! - [`Form<T>`] and [`Query<T>`]: a urlencoded body or query string read
//!   into a serde struct (repeated fields into a `Vec`). Fields people type
//!   are `String`s in these structs; the area's domain types then check
//!   them once, for the pages and the API alike, and say in plain English
//!   what is wrong (see `upward_domain::validate`).

use crate::AppState;
use crate::error::Failure;
use axum::body::to_bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use upward_domain::ids::Named;

/// The largest form body read (uploads have their own routes and limits).
pub const FORM_LIMIT: usize = 256 * 1024;

/// Typed path parameters: `Path(id): Path<RunId>`, or a tuple for several.
/// A value that does not fit is "not found".
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send + Named> FromRequestParts<AppState> for Path<T> {
    type Rejection = Failure;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Path<T>, Failure> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(_) => Err(Failure::NotFound(T::WHAT.into())),
        }
    }
}

/// A urlencoded form body read into `T`.
pub struct Form<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Form<T> {
    type Rejection = Failure;
    async fn from_request(req: Request, _: &AppState) -> Result<Form<T>, Failure> {
        let bytes = to_bytes(req.into_body(), FORM_LIMIT).await.map_err(|_| Failure::TooLarge)?;
        serde_html_form::from_bytes(&bytes).map(Form).map_err(|e| unreadable("form", e))
    }
}

/// The query string read into `T`.
pub struct Query<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for Query<T> {
    type Rejection = Failure;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Query<T>, Failure> {
        serde_html_form::from_str(parts.uri.query().unwrap_or("")).map(Query).map_err(|e| unreadable("address", e))
    }
}

/// Only a hand-made request sends what a struct cannot hold (a letter where
/// a choice's number goes): say what, without internals.
fn unreadable(what: &str, e: serde_html_form::de::Error) -> Failure {
    Failure::BadRequest(format!(
        "The {what} sent something Upward cannot read ({e}). Go back, reload the page and try again."
    ))
}

/// A page number as typed in an address ("2"); anything else is page 1.
pub fn page_number(v: &str) -> i64 {
    v.trim().parse::<i64>().ok().filter(|p| *p >= 1 && *p < 1_000_000).unwrap_or(1)
}

/// A page size as typed in an address, from 1 to 500 (default 50).
pub fn per_page_number(v: &str) -> i64 {
    v.trim().parse::<i64>().ok().unwrap_or(50).clamp(1, 500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_forgiving() {
        assert_eq!(page_number("2"), 2);
        assert_eq!(page_number(" 3 "), 3);
        for bad in ["", "0", "-1", "x", "99999999999"] {
            assert_eq!(page_number(bad), 1, "{bad}");
        }
        assert_eq!(per_page_number(""), 50);
        assert_eq!(per_page_number("9999"), 500);
        assert_eq!(per_page_number("0"), 1);
    }

    #[test]
    fn typed_forms_take_repeated_fields_and_ignore_unknown_ones() {
        #[derive(serde::Deserialize, Default)]
        #[serde(default)]
        struct F {
            name: String,
            topic: Vec<String>,
        }
        let f: F = serde_html_form::from_str("name=+Ada+&topic=a&topic=b&csrf=zz").unwrap();
        assert_eq!(f.name, " Ada ");
        assert_eq!(f.topic, vec!["a", "b"]);
    }
}
