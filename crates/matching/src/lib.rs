//! Upward's matching engine: who reviews which school, which schools form a
//! Growing the Top group, which facilitator chairs it. Pure library: no I/O,
//! no database. Every solver says whether its answer is proven optimal, and
//! every answer can be explained and re-scored after a hand edit.

pub mod facilitators;
pub mod flow;
pub mod groups;
pub mod reviews;
pub mod themes;
