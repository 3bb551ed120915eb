//! Upward's domain: the partnership's vocabulary, validation and the one
//! policy module that makes every permission decision. No I/O.

pub mod clock;
pub mod ids;
pub mod people;
pub mod policy;
pub mod roles;
pub mod school;
pub mod text;
pub mod validate;

pub use clock::Clock;
pub use policy::{Action, Actor, Decision, PersonRef, SchoolRef, Visibility, authorize};
pub use roles::{Grant, Role, Scope, ScopeKind};
