//! Review teams: the bench-format solver ([`bench`]) and the rich model the
//! product uses.

pub mod bench;
