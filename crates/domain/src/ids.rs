//! Identifiers, one type per kind of thing, so a school's id cannot be
//! passed where a person's is meant. In a path or a form they read from the
//! digits only (anything else is "not found"); in JSON they are numbers.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! ids {
    ($( $(#[$doc:meta])* $name:ident => $what:literal; )*) => {
        $(
            $(#[$doc])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
            #[serde(transparent)]
            pub struct $name(pub i64);

            impl<'de> Deserialize<'de> for $name {
                fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                    d.deserialize_any(IdVisitor($what)).map($name)
                }
            }

            impl $name {
                pub fn get(self) -> i64 {
                    self.0
                }
            }

            impl Named for $name {
                const WHAT: &'static str = $what;
            }

            impl fmt::Display for $name {
                fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    self.0.fmt(f)
                }
            }

            impl FromStr for $name {
                type Err = String;
                fn from_str(s: &str) -> Result<Self, String> {
                    parse_id(s).map($name).ok_or_else(|| format!("\"{s}\" is not a {}", $what))
                }
            }

            impl From<$name> for i64 {
                fn from(id: $name) -> i64 {
                    id.0
                }
            }
        )*
    };
}

/// What a path parameter names, for "We could not find that ..." when it
/// does not fit.
pub trait Named {
    const WHAT: &'static str;
}

impl Named for String {
    const WHAT: &'static str = "page";
}

/// Several parameters: the last is the thing asked for.
impl<A: Named, B: Named> Named for (A, B) {
    const WHAT: &'static str = B::WHAT;
}

/// Reads an id from a number (JSON) or a string of digits (paths, forms).
struct IdVisitor(&'static str);

impl serde::de::Visitor<'_> for IdVisitor {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the number of a {}", self.0)
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<i64, E> {
        if v > 0 { Ok(v) } else { Err(E::custom(format!("{v} is not the number of a {}", self.0))) }
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v)
            .map_err(|_| E::custom(format!("{v} is not the number of a {}", self.0)))
            .and_then(|v| self.visit_i64(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<i64, E> {
        parse_id(v).ok_or_else(|| E::custom(format!("\"{v}\" is not the number of a {}", self.0)))
    }
}

/// A positive whole number of at most 18 digits, nothing else.
fn parse_id(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

ids! {
    SchoolId => "school";
    /// A school's DfE Unique Reference Number.
    Urn => "school";
    HubId => "Hub";
    TrustId => "trust";
    PersonId => "person";
    GrantId => "role";
    TokenId => "API token";
    ImportId => "import";
    MessageId => "message";
    CycleId => "review cycle";
    ReviewId => "review";
    EventId => "event";
    CohortId => "cohort";
    GroupId => "group";
    RunId => "matching run";
    ThemeId => "theme";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_from_digits_only() {
        assert_eq!("42".parse::<SchoolId>(), Ok(SchoolId(42)));
        for bad in ["", "0", "-1", "+1", "1e3", " 1", "x", "99999999999999999999", "１"] {
            assert!(bad.parse::<PersonId>().is_err(), "{bad}");
        }
        assert_eq!("x".parse::<RunId>().unwrap_err(), "\"x\" is not a matching run");
        assert_eq!(serde_json::to_string(&HubId(3)).unwrap(), "3");
        assert_eq!(serde_json::from_str::<HubId>("3").unwrap(), HubId(3));
        assert_eq!(serde_json::from_str::<HubId>("\"3\"").unwrap(), HubId(3));
        assert!(serde_json::from_str::<HubId>("-5").is_err());
        assert!(serde_json::from_str::<HubId>("\"x\"").is_err());
    }
}
