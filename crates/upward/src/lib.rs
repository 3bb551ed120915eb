//! The `upward` program: its command line ([`cli`]) and the demo
//! partnership ([`demo`]). The binary is a thin `main` over [`cli::main`];
//! the integration tests use [`demo`] and [`testing`] to stand up real
//! servers on SQLite and PostgreSQL.

pub mod cli;
pub mod demo;
pub mod match_groups;
pub mod match_reviews;
pub mod testing;
