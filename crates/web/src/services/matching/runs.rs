//! The documents a run keeps, and their format.
//!
//! A run keeps three JSON documents: the instance it was solved on
//! (`input_json`), the solver's proposal (`proposal_json`) and the
//! assignment as edited by hand (`current_json`). Runs are read months
//! after they were written, so the documents carry a format number:
//!
//! - **format 1** (today): a JSON object whose first key is `"format": 1`,
//!   then the fields of the kind's types ([`TeamsRun`], [`GroupsRun`],
//!   [`FacilitatorsRun`]). Assignments that are lists are kept under a key
//!   (`{"format": 1, "groups": [...]}`, `{"format": 1, "assignment": [...]}`).
//! - **format 0**: rows written before documents were numbered. The same
//!   fields without `format`; the groups and facilitators assignments are
//!   bare lists. [`upgrade`] reads them.
//!
//! Changing a stored type changes the format: the golden files in
//! `crates/web/tests/golden/` (read by today's code, and equal to what
//! today's code writes) fail until the format number is bumped and a
//! reader for the old one is added to [`upgrade`].

use super::facilitators::FacInput;
use super::groups::{GroupsInput, GroupsProposal};
use super::teams::TeamsInput;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use upward_domain::matching::RunKind;
use upward_matching::facilitators::{FacAssignment, FacProposal};
use upward_matching::reviews::{Assignment, Proposal};
use upward_storage::matching::Run;

/// The format documents are written in today.
pub const FORMAT: u64 = 1;

/// A review-team run's documents.
#[derive(Debug, Clone, PartialEq)]
pub struct TeamsRun {
    pub input: TeamsInput,
    pub proposal: Proposal,
    pub current: Assignment,
}

/// A groups run's documents.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupsRun {
    pub input: GroupsInput,
    pub proposal: GroupsProposal,
    /// Groups of school ids.
    pub current: Vec<Vec<String>>,
}

/// A facilitators run's documents.
#[derive(Debug, Clone, PartialEq)]
pub struct FacilitatorsRun {
    pub input: FacInput,
    pub proposal: FacProposal,
    pub current: Vec<FacAssignment>,
}

/// A run's documents, by kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Docs {
    Teams(TeamsRun),
    Groups(GroupsRun),
    Facilitators(FacilitatorsRun),
}

/// The stored form of the groups assignment (format 1).
#[derive(Debug, Serialize, Deserialize)]
struct GroupsCurrent {
    groups: Vec<Vec<String>>,
}

/// The stored form of the facilitators assignment (format 1).
#[derive(Debug, Serialize, Deserialize)]
struct FacCurrent {
    assignment: Vec<FacAssignment>,
}

#[derive(Serialize)]
struct Versioned<'a, T> {
    format: u64,
    #[serde(flatten)]
    doc: &'a T,
}

/// A document that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct DocError(pub String);

impl std::fmt::Display for DocError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which of a run's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Input,
    Proposal,
    Current,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Input => "input",
            Part::Proposal => "proposal",
            Part::Current => "current",
        }
    }
}

/// A document of an older format, brought to today's layout (without its
/// `format` key). Format 0 differs only in the bare-list assignments.
pub fn upgrade(kind: RunKind, part: Part, format: u64, doc: Value) -> Value {
    if format >= 1 || part != Part::Current {
        return doc;
    }
    // Format 0: the groups and facilitators assignments were bare lists.
    let key = match kind {
        RunKind::ReviewTeams => return doc,
        RunKind::Groups => "groups",
        RunKind::Facilitators => "assignment",
    };
    if doc.is_array() { serde_json::json!({ key: doc }) } else { doc }
}

fn read<T: DeserializeOwned>(kind: RunKind, part: Part, text: &str) -> Result<T, DocError> {
    let bad = |e: String| DocError(format!("the {} of a {} run cannot be read: {e}", part.name(), kind.code()));
    let mut doc: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let format = match doc.as_object_mut().and_then(|m| m.remove("format")) {
        None => 0,
        Some(f) => f.as_u64().ok_or_else(|| bad(format!("its format is {f}")))?,
    };
    if format > FORMAT {
        return Err(bad(format!("it is in format {format}, newer than this Upward reads ({FORMAT})")));
    }
    serde_json::from_value(upgrade(kind, part, format, doc)).map_err(|e| bad(e.to_string()))
}

fn write<T: Serialize>(doc: &T, pretty: bool) -> String {
    let v = Versioned { format: FORMAT, doc };
    // Our types always serialise (string map keys, finite numbers).
    if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) }.unwrap_or_default()
}

/// The three texts of a run, in the order input, proposal, current.
pub type Texts = [String; 3];

impl Docs {
    pub fn kind(&self) -> RunKind {
        match self {
            Docs::Teams(_) => RunKind::ReviewTeams,
            Docs::Groups(_) => RunKind::Groups,
            Docs::Facilitators(_) => RunKind::Facilitators,
        }
    }

    /// Read a run's documents (any format up to today's).
    pub fn read(kind: RunKind, input: &str, proposal: &str, current: &str) -> Result<Docs, DocError> {
        Ok(match kind {
            RunKind::ReviewTeams => Docs::Teams(TeamsRun {
                input: read(kind, Part::Input, input)?,
                proposal: read(kind, Part::Proposal, proposal)?,
                current: read(kind, Part::Current, current)?,
            }),
            RunKind::Groups => Docs::Groups(GroupsRun {
                input: read(kind, Part::Input, input)?,
                proposal: read(kind, Part::Proposal, proposal)?,
                current: read::<GroupsCurrent>(kind, Part::Current, current)?.groups,
            }),
            RunKind::Facilitators => Docs::Facilitators(FacilitatorsRun {
                input: read(kind, Part::Input, input)?,
                proposal: read(kind, Part::Proposal, proposal)?,
                current: read::<FacCurrent>(kind, Part::Current, current)?.assignment,
            }),
        })
    }

    /// The documents of a stored run.
    pub fn of(run: &Run) -> Result<Docs, DocError> {
        Docs::read(run.kind, &run.input_json, &run.proposal_json, &run.current_json)
    }

    /// The texts to store (`pretty`: indented, for the golden files).
    pub fn texts(&self, pretty: bool) -> Texts {
        match self {
            Docs::Teams(r) => [write(&r.input, pretty), write(&r.proposal, pretty), write(&r.current, pretty)],
            Docs::Groups(r) => [
                write(&r.input, pretty),
                write(&r.proposal, pretty),
                write(&GroupsCurrent { groups: r.current.clone() }, pretty),
            ],
            Docs::Facilitators(r) => [
                write(&r.input, pretty),
                write(&r.proposal, pretty),
                write(&FacCurrent { assignment: r.current.clone() }, pretty),
            ],
        }
    }

    /// The text of the current assignment only (after a hand edit).
    pub fn current_text(&self) -> String {
        let [_, _, current] = self.texts(false);
        current
    }

    /// Has the assignment been changed by hand since the solver proposed it?
    pub fn edited(&self) -> bool {
        match self {
            Docs::Teams(r) => r.current != r.proposal.assignment,
            Docs::Groups(r) => r.current != r.proposal.groups,
            Docs::Facilitators(r) => r.current != r.proposal.assignment,
        }
    }

    /// The current assignment in the run's own form, as the API shows and
    /// takes it: `{"teams": [...]}`, a list of lists of school ids, or
    /// `[{"group", "facilitator"}]`.
    pub fn current_value(&self) -> Value {
        match self {
            Docs::Teams(r) => serde_json::to_value(&r.current),
            Docs::Groups(r) => serde_json::to_value(&r.current),
            Docs::Facilitators(r) => serde_json::to_value(&r.current),
        }
        .unwrap_or_default()
    }

    /// The solver's proposal, as the API shows it.
    pub fn proposal_value(&self) -> Value {
        match self {
            Docs::Teams(r) => serde_json::to_value(&r.proposal),
            Docs::Groups(r) => serde_json::to_value(&r.proposal),
            Docs::Facilitators(r) => serde_json::to_value(&r.proposal),
        }
        .unwrap_or_default()
    }
}

/// A stored run with its documents read.
#[derive(Debug, Clone)]
pub struct LoadedRun {
    pub run: Run,
    pub docs: Docs,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_0_lists_are_read_and_newer_formats_refused() {
        let v = upgrade(RunKind::Groups, Part::Current, 0, serde_json::json!([["1", "2", "3"]]));
        assert_eq!(v, serde_json::json!({"groups": [["1", "2", "3"]]}));
        let v = upgrade(RunKind::Facilitators, Part::Current, 0, serde_json::json!([]));
        assert_eq!(v, serde_json::json!({"assignment": []}));
        let g: GroupsCurrent = read(RunKind::Groups, Part::Current, "[[\"1\",\"2\"]]").unwrap();
        assert_eq!(g.groups, vec![vec!["1".to_string(), "2".to_string()]]);
        let g: GroupsCurrent = read(RunKind::Groups, Part::Current, "{\"format\":1,\"groups\":[]}").unwrap();
        assert!(g.groups.is_empty());
        let e = read::<GroupsCurrent>(RunKind::Groups, Part::Current, "{\"format\":2,\"groups\":[]}").unwrap_err();
        assert!(e.0.contains("format 2, newer than this Upward reads (1)"), "{e}");
        let e = read::<GroupsCurrent>(RunKind::Groups, Part::Current, "{\"format\":\"x\"}").unwrap_err();
        assert!(e.0.contains("the current of a groups run cannot be read"), "{e}");
    }

    #[test]
    fn the_format_comes_first() {
        let t = write(&GroupsCurrent { groups: vec![vec!["7".into()]] }, false);
        assert_eq!(t, "{\"format\":1,\"groups\":[[\"7\"]]}");
    }
}
