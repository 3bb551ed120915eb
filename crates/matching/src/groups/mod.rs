//! Group formation: the maximally diverse grouping problem (MDGP) and its
//! product use, Growing the Top school trios and quads.
//!
//! * [`mdgp`]: the general problem (n elements, labelled groups with size
//!   bounds, maximise the sum of within-group pair values), an exact solver
//!   ([`mdgp_exact`], dynamic programming over subsets: proves optimality for
//!   small `n`), an iterated maxima search ([`mdgp_ims`]) for large `n`, and
//!   upper bounds ([`bound`]: a Lagrangian degree relaxation, shared with
//!   the school groups).
//! * [`schools`]: Growing the Top's model (schools, hard rules, theme
//!   complementarity, travel), with [`schools::evaluate`] for a hand-made
//!   grouping, one-sentence explanations of every pair, and
//!   [`school_solver::solve`] (exact for small cohorts, seeded and time-boxed
//!   local search at national scale).
//! * [`check`]: an independent checker of every hard rule and objective; the
//!   solvers run it on every result in debug builds.
//! * [`io`]: CSV readers for schools, themes and groupings, generic over
//!   [`std::io::BufRead`]: the library never touches the file system;
//!   [`report`] formats a solve or an evaluation as plain text.
//!
//! The web UI's calls: build a [`SchoolInstance`] from [`School`]s, the
//! [`crate::themes::Taxonomy`], [`Rules`] and [`Weights`]; [`solve`] to
//! propose a grouping; [`evaluate`] to score any grouping (a proposal or a
//! hand-edited one) with per-pair reasons ([`schools::PairDetail`]) and
//! broken rules ([`Violation`]); [`SchoolInstance::explain_pair`] for the
//! one-sentence reason between any two schools.

pub mod bound;
pub mod check;
pub mod error;
pub mod io;
pub mod mdgp;
pub mod mdgp_exact;
pub mod mdgp_ims;
pub mod report;
pub mod rng;
pub mod school_solver;
pub mod schools;

pub use error::{GroupsError, ParseError};
pub use mdgp::{MdgpInstance, MdgpOptions, MdgpSolution};
pub use school_solver::{SolveMode, SolveOptions, SolveResult, solve};
pub use schools::{
    Evaluation, Grouping, Phase, PhaseRules, Rules, School, SchoolInstance, Violation, Weights, evaluate,
};
