//! Review teams.
//!
//! - [`bench`]: the plain reviewer-assignment format of the bench (scores,
//!   conflicts, team size, loads), solved exactly at national scale with a
//!   certificate.
//! - [`model`], [`solve`], [`check`]: the rich model the product uses — Lead
//!   Reviewer and peer places, conflicts, one person per school, one review
//!   a week, loads, travel, preferences weighted by the central team — with
//!   explanations and the live re-scoring used by the web UI.
//!
//! The web UI needs four calls: [`propose`] (solve and explain), [`rescore`]
//! (score breakdown and warnings of a hand-edited assignment),
//! [`explain_unfilled`] (why places are empty) and [`pair_rules`] (why one
//! person may not take one place).

pub mod bench;
pub mod check;
pub mod model;
pub mod solve;

pub use check::{MemberScore, Report, ReviewScore, Warning, pair_rules, rescore};
pub use model::{Assignment, Cycle, LatLon, Person, Review, Role, Rule, Rules, Team, Weights};
pub use solve::{ModelError, Proposal, Status, Unfilled, explain_unfilled, propose};
