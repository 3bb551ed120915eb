//! The migrations, embedded in the binary and applied in order.

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// SHA-256 of the file (line endings normalised): recorded when the
    /// migration is applied, and checked at every start, so a released
    /// migration that was edited is caught instead of silently skipped.
    pub fn checksum(&self) -> String {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(self.sql.replace("\r\n", "\n").as_bytes()))
    }
}

pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "platform", sql: include_str!("../migrations/0001_platform.sql") },
    Migration { version: 2, name: "matching", sql: include_str!("../migrations/0002_matching.sql") },
    Migration {
        version: 3,
        name: "school search index",
        sql: include_str!("../migrations/0003_school_search_index.sql"),
    },
    Migration { version: 4, name: "security", sql: include_str!("../migrations/0004_security.sql") },
    Migration { version: 5, name: "matching runs", sql: include_str!("../migrations/0005_matching_runs.sql") },
    Migration { version: 6, name: "people", sql: include_str!("../migrations/0006_people.sql") },
    Migration { version: 7, name: "workflow states", sql: include_str!("../migrations/0007_workflow_states.sql") },
    Migration { version: 8, name: "more workflow states", sql: include_str!("../migrations/0008_more_states.sql") },
];
