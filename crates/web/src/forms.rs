//! Lenient form and query parsing: every field is text until a handler
//! checks it and says, in plain English, what is wrong.

use crate::AppState;
use crate::error::{FieldError, Failure};
use axum::body::to_bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use std::convert::Infallible;

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
                errors.push(FieldError { field: name.into(), message: format!("{label} must be a whole number, not \"{v}\"") });
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

/// A urlencoded form body.
pub struct Form(pub Fields);

impl FromRequest<AppState> for Form {
    type Rejection = Failure;
    async fn from_request(req: Request, _: &AppState) -> Result<Form, Failure> {
        let bytes = to_bytes(req.into_body(), 4 * 1024 * 1024).await.map_err(|_| Failure::TooLarge)?;
        Ok(Form(Fields::parse(&bytes)))
    }
}

/// The query string.
pub struct Query(pub Fields);

impl FromRequestParts<AppState> for Query {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Query, Infallible> {
        Ok(Query(Fields::parse(parts.uri.query().unwrap_or("").as_bytes())))
    }
}

/// A page number from the query string.
pub fn page_of(q: &Fields) -> i64 {
    q.get("page").parse::<i64>().ok().filter(|p| *p >= 1 && *p < 1_000_000).unwrap_or(1)
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
