//! Errors of the group-formation engine.

use thiserror::Error;

/// A problem with input data, naming where it is: the source (a file name
/// or any label the caller gives), the 1-based line and the field.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{source_name}, line {line}, field `{field}`: {message}")]
pub struct ParseError {
    /// The name of the input (e.g. the file name the caller read).
    pub source_name: String,
    /// 1-based line number (0 when the problem is with the input as a whole).
    pub line: usize,
    /// The column or field concerned.
    pub field: String,
    /// What is wrong, in plain English.
    pub message: String,
}

impl ParseError {
    pub(crate) fn new(source: &str, line: usize, field: &str, message: impl Into<String>) -> Self {
        ParseError { source_name: source.to_string(), line, field: field.to_string(), message: message.into() }
    }
}

/// A problem that makes an instance impossible to solve as posed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum GroupsError {
    /// The group size bounds cannot hold the elements.
    #[error("{0}")]
    Infeasible(String),
    /// The instance is malformed (e.g. a matrix of the wrong size).
    #[error("invalid instance: {0}")]
    Invalid(String),
    /// A grouping given for evaluation does not fit the instance.
    #[error("invalid grouping: {0}")]
    BadGrouping(String),
}
