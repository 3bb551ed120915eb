//! A small SQL builder: fragments with `?` markers and their values.
//!
//! The markers become `$1, $2, ...` in order of appearance, which both
//! SQLite and PostgreSQL accept. Values are always bound, never spliced into
//! the text.

use crate::db::Backend;
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

/// A value bound to a query. Booleans are stored as 0/1 integers on both
/// databases.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Float(Option<f64>),
    Text(Option<String>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Int(Some(v as i64))
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::Float(Some(v))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Arg {
        Arg::Float(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Arg {
        Arg::Text(v.clone())
    }
}

#[derive(Debug, Clone, Default)]
pub struct Sql {
    raw: String,
    text: String,
    args: Vec<Arg>,
    markers: usize,
}

impl Sql {
    pub fn new(fragment: &str) -> Sql {
        let mut s = Sql::default();
        s.push(fragment);
        s
    }

    /// Append a fragment; each `?` in it becomes the next `$n`.
    pub fn push(&mut self, fragment: &str) -> &mut Sql {
        self.raw.push_str(fragment);
        for ch in fragment.chars() {
            if ch == '?' {
                self.markers += 1;
                self.text.push('$');
                self.text.push_str(&self.markers.to_string());
            } else {
                self.text.push(ch);
            }
        }
        self
    }

    /// Bind the value of the next marker.
    pub fn bind(mut self, v: impl Into<Arg>) -> Sql {
        self.args.push(v.into());
        self
    }

    pub fn arg(&mut self, v: impl Into<Arg>) -> &mut Sql {
        self.args.push(v.into());
        self
    }

    /// Append a fragment with one `?` and its value.
    pub fn push_bind(&mut self, fragment: &str, v: impl Into<Arg>) -> &mut Sql {
        self.push(fragment);
        self.arg(v)
    }

    /// Append another builder's text and values.
    pub fn append(&mut self, other: &Sql) -> &mut Sql {
        self.push(&other.raw);
        self.args.extend(other.args.iter().cloned());
        self
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        self.build(&self.text)
    }

    /// The query in the form that binds fastest on `backend`: plain `?`
    /// markers on SQLite. Use it for statements with many values (bulk
    /// inserts). sqlx binds each `$n` of a SQLite statement by asking SQLite
    /// for the parameter's name, which walks a list of all the names, so a
    /// statement with n named parameters costs O(n²) to bind: a 250-row,
    /// 36-column insert (9,000 parameters) took about 0.1 s just to bind.
    /// Anonymous `?` parameters have no names and bind in order.
    pub fn query_on(&self, backend: Backend) -> Query<'_, Any, AnyArguments<'_>> {
        match backend {
            Backend::Sqlite => self.build(&self.raw),
            Backend::Postgres => self.build(&self.text),
        }
    }

    fn build<'s>(&'s self, text: &'s str) -> Query<'s, Any, AnyArguments<'s>> {
        debug_assert_eq!(self.markers, self.args.len(), "markers and values differ in: {}", self.text);
        let mut q = sqlx::query(text);
        for a in &self.args {
            q = match a {
                Arg::Int(v) => q.bind(*v),
                // sqlx 0.8.6's Any driver sends a NULL f64 to PostgreSQL as a
                // float4 parameter (it swaps Real and Double for NULLs), and
                // PostgreSQL keeps that type in the prepared statement that
                // sqlx caches: the next run of the same SQL with a number in
                // that place then fails with "incorrect binary data format".
                // A NULL f32 goes as float8, the column type.
                Arg::Float(None) => q.bind(None::<f32>),
                Arg::Float(Some(v)) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
            };
        }
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Execute;

    #[test]
    fn markers_are_numbered_in_order() {
        let mut s = Sql::new("SELECT * FROM t WHERE a = ?");
        s.arg(1i64);
        s.push_bind(" AND b LIKE ?", "x%");
        assert_eq!(s.text(), "SELECT * FROM t WHERE a = $1 AND b LIKE $2");
        assert_eq!(s.query_on(Backend::Sqlite).sql(), "SELECT * FROM t WHERE a = ? AND b LIKE ?");
        assert_eq!(s.query_on(Backend::Postgres).sql(), "SELECT * FROM t WHERE a = $1 AND b LIKE $2");
    }
}
