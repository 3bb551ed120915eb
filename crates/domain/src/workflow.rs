//! Workflow states: each thing that moves through stages (a review, an
//! import, a job) has an enum of its states and the moves allowed between
//! them. The database keeps the state as text with a CHECK constraint
//! listing the same values; a storage test compares the two.

use std::fmt;

/// A state of a workflow.
pub trait State: Copy + Eq + fmt::Debug + 'static {
    /// Every state, in order.
    const ALL: &'static [Self];
    /// What the thing is called in messages ("review").
    const THING: &'static str;
    /// The value kept in the database.
    fn as_str(self) -> &'static str;
    /// Plain English for people.
    fn label(self) -> &'static str;
    /// The states this one may move to.
    fn next(self) -> &'static [Self];

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }

    /// No way on from here.
    fn is_final(self) -> bool {
        self.next().is_empty()
    }
}

/// A move that is not allowed, in plain English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAllowed(pub String);

impl fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Move from `from` to `to`, if the workflow allows it.
pub fn transition<S: State>(from: S, to: S) -> Result<S, NotAllowed> {
    if from.next().contains(&to) {
        Ok(to)
    } else if from == to {
        Err(NotAllowed(format!("This {} is already at “{}”.", S::THING, to.label())))
    } else {
        Err(NotAllowed(format!("This {} is at “{}”: it cannot move to “{}”.", S::THING, from.label(), to.label())))
    }
}

/// The values of a state for a CHECK constraint: `'a', 'b', 'c'`.
pub fn sql_values<S: State>() -> String {
    S::ALL.iter().map(|s| format!("'{}'", s.as_str())).collect::<Vec<_>>().join(", ")
}

/// Declare a workflow: its states (value, label) and the moves.
#[macro_export]
macro_rules! workflow {
    (
        $(#[$doc:meta])*
        $name:ident, $thing:literal {
            $( $(#[$sdoc:meta])* $state:ident = $value:literal, $label:literal => [$($to:ident),*] ),* $(,)?
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$sdoc])* $state ),*
        }

        impl $crate::workflow::State for $name {
            const ALL: &'static [Self] = &[$($name::$state),*];
            const THING: &'static str = $thing;
            fn as_str(self) -> &'static str {
                match self { $($name::$state => $value),* }
            }
            fn label(self) -> &'static str {
                match self { $($name::$state => $label),* }
            }
            fn next(self) -> &'static [Self] {
                match self { $($name::$state => &[$($name::$to),*]),* }
            }
        }

        impl $name {
            /// The value kept in the database.
            pub fn as_str(self) -> &'static str {
                $crate::workflow::State::as_str(self)
            }
            /// Plain English for people.
            pub fn label(self) -> &'static str {
                $crate::workflow::State::label(self)
            }
            pub fn parse(s: &str) -> Option<Self> {
                <Self as $crate::workflow::State>::parse(s)
            }
        }

        /// The first state: where a new one starts.
        impl Default for $name {
            fn default() -> Self {
                <Self as $crate::workflow::State>::ALL[0]
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::workflow::State::label(*self))
            }
        }
    };
}

workflow! {
    /// A data import (GIAS extract, performance tables).
    ImportStatus, "import" {
        Running = "running", "Running" => [Succeeded, Failed],
        Succeeded = "succeeded", "Imported" => [],
        Failed = "failed", "Refused or failed" => [],
    }
}

workflow! {
    /// A background job (sending an e-mail). A failed attempt goes back to
    /// the queue until its attempts run out.
    JobStatus, "job" {
        Queued = "queued", "Queued" => [Running],
        Running = "running", "Running" => [Done, Queued, Failed, Running],
        Done = "done", "Done" => [],
        Failed = "failed", "Failed" => [],
    }
}

workflow! {
    /// An e-mail in the outbox. Queued ones are sent by the job worker;
    /// account e-mails carrying a secret link are sent at once by the
    /// request that made them ("sending") and never queued.
    EmailStatus, "e-mail" {
        Queued = "queued", "Waiting to be sent" => [Sent, Recorded, Failed, Queued],
        Sending = "sending", "Being sent" => [Sent, Recorded, Failed],
        Sent = "sent", "Sent" => [],
        Recorded = "recorded", "In the outbox (no e-mail server)" => [],
        Failed = "failed", "Could not be sent" => [],
        Suppressed = "suppressed", "Not sent: switched off by the person" => [],
    }
}

workflow! {
    /// A person's account: invited (no password yet), active, or disabled
    /// by an admin (and enabled again).
    PersonStatus, "account" {
        Invited = "invited", "Invited, not yet joined" => [Active, Disabled],
        Active = "active", "Active" => [Disabled],
        Disabled = "disabled", "Disabled" => [Active],
    }
}

workflow! {
    /// A person's membership of a pool (reviewers, Lead Reviewers,
    /// facilitators): only active members are matched.
    PoolStatus, "pool membership" {
        Active = "active", "Active" => [Paused, Left],
        Paused = "paused", "Paused (not matched for now)" => [Active, Left],
        Left = "left", "Left the pool" => [Active],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_table() {
        assert_eq!(transition(ImportStatus::Running, ImportStatus::Succeeded), Ok(ImportStatus::Succeeded));
        assert_eq!(
            transition(ImportStatus::Succeeded, ImportStatus::Running).unwrap_err().0,
            "This import is at “Imported”: it cannot move to “Running”."
        );
        assert_eq!(
            transition(ImportStatus::Succeeded, ImportStatus::Succeeded).unwrap_err().0,
            "This import is already at “Imported”."
        );
        assert!(ImportStatus::Failed.is_final());
        assert_eq!(JobStatus::parse("queued"), Some(JobStatus::Queued));
        assert_eq!(JobStatus::parse("Queued"), None);
        assert_eq!(sql_values::<ImportStatus>(), "'running', 'succeeded', 'failed'");
    }

    /// Every state can be reached from the first, and every state's moves
    /// stay inside the workflow (a typo in a table shows here).
    #[test]
    fn every_state_is_reachable() {
        fn check<S: State>() {
            let mut seen = vec![S::ALL[0]];
            let mut i = 0;
            while i < seen.len() {
                for n in seen[i].next() {
                    if !seen.contains(n) {
                        seen.push(*n);
                    }
                }
                i += 1;
            }
            assert_eq!(seen.len(), S::ALL.len(), "{}: unreachable states", S::THING);
        }
        check::<ImportStatus>();
        check::<JobStatus>();
        check::<PersonStatus>();
        check::<PoolStatus>();
        check::<crate::reviews::ReviewStatus>();
    }
}
