//! Reading requests: typed paths, forms and queries.
//!
//! - [`Path<T>`]: path parameters as id types (`Path<RunId>`); anything
//!   that is not an id is "not found" (404), never a 400 or a 500.
//! - [`Form<T>`] and [`Query<T>`]: a urlencoded body or query string read
//!   into a serde struct (repeated fields into a `Vec`). Fields people type
//!   are `String`s in these structs; the area's domain types then check
//!   them once, for the pages and the API alike, and say in plain English
//!   what is wrong (see `upward_domain::validate`).
//! - [`RawForm`] and [`RawQuery`]: name–value pairs, for the pages not yet
//!   moved to typed forms.

use crate::AppState;
use crate::error::{Failure, FieldError};
use axum::body::to_bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::convert::Infallible;
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

/// Name–value pairs from a form body or a query string.
#[derive(Debug, Clone, Default)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn parse(bytes: &[u8]) -> Fields {
        Fields(form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())).collect())
    }

    /// The first value of a field, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).unwrap_or("")
    }

    /// The first value, untrimmed (passwords).
    pub fn raw(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// The value if not blank.
    pub fn opt(&self, name: &str) -> Option<String> {
        let v = self.get(name);
        if v.is_empty() { None } else { Some(v.to_string()) }
    }

    /// Every value of a repeated field (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "1" | "true" | "yes")
    }

    /// A whole number, or a message naming the field.
    pub fn int(&self, name: &str, label: &str, errors: &mut Vec<FieldError>) -> Option<i64> {
        let v = self.get(name);
        if v.is_empty() {
            return None;
        }
        match v.replace(',', "").parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                errors.push(FieldError {
                    field: name.into(),
                    message: format!("{label} must be a whole number, not \"{v}\""),
                });
                None
            }
        }
    }

    /// The query string without the given fields (for sort and page links).
    pub fn without(&self, names: &[&str]) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.0 {
            if !names.contains(&k.as_str()) && !v.is_empty() && k != "csrf" {
                s.append_pair(k, v);
            }
        }
        s.finish()
    }
}

/// A urlencoded form body as name–value pairs.
pub struct RawForm(pub Fields);

impl FromRequest<AppState> for RawForm {
    type Rejection = Failure;
    async fn from_request(req: Request, _: &AppState) -> Result<RawForm, Failure> {
        let bytes = to_bytes(req.into_body(), FORM_LIMIT).await.map_err(|_| Failure::TooLarge)?;
        Ok(RawForm(Fields::parse(&bytes)))
    }
}

/// The query string as name–value pairs.
pub struct RawQuery(pub Fields);

impl FromRequestParts<AppState> for RawQuery {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<RawQuery, Infallible> {
        Ok(RawQuery(Fields::parse(parts.uri.query().unwrap_or("").as_bytes())))
    }
}

/// A page number as typed in an address ("2"); anything else is page 1.
pub fn page_number(v: &str) -> i64 {
    v.trim().parse::<i64>().ok().filter(|p| *p >= 1 && *p < 1_000_000).unwrap_or(1)
}

/// A page size as typed in an address, from 1 to 500 (default 50).
pub fn per_page_number(v: &str) -> i64 {
    v.trim().parse::<i64>().ok().unwrap_or(50).clamp(1, 500)
}

/// A page number from the query string.
pub fn page_of(q: &Fields) -> i64 {
    page_number(q.get("page"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        let f = Fields::parse(b"a=+1+&b=x&b=y&c=on&n=1%2C234&bad=x1&csrf=zz&page=2");
        assert_eq!(f.get("a"), "1");
        assert_eq!(f.raw("a"), " 1 ");
        assert_eq!(f.all("b"), vec!["x", "y"]);
        assert!(f.checked("c"));
        assert!(!f.checked("zz"));
        let mut e = vec![];
        assert_eq!(f.int("n", "Pupils", &mut e), Some(1234));
        assert_eq!(f.int("bad", "Pupils", &mut e), None);
        assert_eq!(e[0].message, "Pupils must be a whole number, not \"x1\"");
        assert_eq!(f.without(&["page", "b"]), "a=+1+&c=on&n=1%2C234&bad=x1");
        assert_eq!(page_of(&f), 2);
    }
}
