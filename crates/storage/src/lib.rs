//! All of Upward's SQL. Handlers and domain code never write SQL; they call
//! the functions here. Every function that changes state takes a [`Tx`] and a
//! [`Who`] and writes its audit record in that same transaction.

pub mod audit;
pub mod auth;
pub mod db;
pub mod error;
pub mod hubs;
pub mod imports;
pub mod jobs;
pub mod matching;
pub mod migrations;
pub mod outbox;
pub mod people;
pub mod programmes;
pub mod schools;
pub mod search;
pub mod sql;
mod util;

pub use audit::Who;
pub use db::{Backend, Db, Tx};
pub use error::StoreError;
pub use util::{Page, fold, paging};
