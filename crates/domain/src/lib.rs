//! Upward's domain: the partnership's vocabulary, validation and the one
//! policy module that makes every permission decision. No I/O.

pub mod account;
pub mod calendar;
pub mod clock;
pub mod ids;
pub mod matching;
pub mod people;
pub mod policy;
pub mod reviews;
pub mod roles;
pub mod safeguarding;
pub mod school;
pub mod text;
pub mod throttle;
pub mod validate;
pub mod workflow;

pub use clock::Clock;
pub use policy::{Action, Actor, Decision, PersonRef, SchoolRef, Visibility, authorize};
pub use roles::{Grant, Role, Scope, ScopeKind};
