//! Roles and the scope each one is held in.
//!
//! A person may hold several grants at once (a headteacher who is also a
//! trained reviewer and a facilitator). Each grant is a role in a scope: the
//! whole partnership, one Hub, one school or one trust.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Central team administrator: everything, including people and roles.
    Admin,
    /// Central team programme manager: runs programmes, matching, imports.
    ProgrammeManager,
    /// Leads a Hub.
    SeniorPartner,
    /// Manages a Hub day to day.
    HubManager,
    /// Headteacher or senior leader of a school.
    SchoolLeader,
    /// Executive of a multi-academy trust.
    TrustExecutive,
    /// Trained peer reviewer.
    Reviewer,
    /// Lead Reviewer (QA Review or Trust Peer Review).
    LeadReviewer,
    /// Growing the Top facilitator.
    Facilitator,
    /// Applicant to become a facilitator or Lead Reviewer.
    Applicant,
    /// Scores anonymised applications.
    Shortlister,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Admin,
        Role::ProgrammeManager,
        Role::SeniorPartner,
        Role::HubManager,
        Role::SchoolLeader,
        Role::TrustExecutive,
        Role::Reviewer,
        Role::LeadReviewer,
        Role::Facilitator,
        Role::Applicant,
        Role::Shortlister,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProgrammeManager => "programme_manager",
            Role::SeniorPartner => "senior_partner",
            Role::HubManager => "hub_manager",
            Role::SchoolLeader => "school_leader",
            Role::TrustExecutive => "trust_executive",
            Role::Reviewer => "reviewer",
            Role::LeadReviewer => "lead_reviewer",
            Role::Facilitator => "facilitator",
            Role::Applicant => "applicant",
            Role::Shortlister => "shortlister",
        }
    }

    /// Plain-English name shown to users.
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Central team admin",
            Role::ProgrammeManager => "Programme manager",
            Role::SeniorPartner => "Senior Partner",
            Role::HubManager => "Hub Manager",
            Role::SchoolLeader => "School leader",
            Role::TrustExecutive => "Trust executive",
            Role::Reviewer => "Peer reviewer",
            Role::LeadReviewer => "Lead Reviewer",
            Role::Facilitator => "Facilitator",
            Role::Applicant => "Applicant",
            Role::Shortlister => "Shortlister",
        }
    }

    /// The kind of scope this role is granted in.
    pub fn scope_kind(self) -> ScopeKind {
        match self {
            Role::SeniorPartner | Role::HubManager => ScopeKind::Hub,
            Role::SchoolLeader => ScopeKind::School,
            Role::TrustExecutive => ScopeKind::Trust,
            _ => ScopeKind::Global,
        }
    }

    pub fn is_central(self) -> bool {
        matches!(self, Role::Admin | Role::ProgrammeManager)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role '{0}' (expected one of: admin, programme_manager, senior_partner, hub_manager, school_leader, trust_executive, reviewer, lead_reviewer, facilitator, applicant, shortlister)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL.into_iter().find(|r| r.as_str() == norm).ok_or_else(|| UnknownRole(s.to_string()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    Global,
    Hub,
    School,
    Trust,
}

impl ScopeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Global => "global",
            ScopeKind::Hub => "hub",
            ScopeKind::School => "school",
            ScopeKind::Trust => "trust",
        }
    }
    pub fn parse(s: &str) -> Option<ScopeKind> {
        match s {
            "global" => Some(ScopeKind::Global),
            "hub" => Some(ScopeKind::Hub),
            "school" => Some(ScopeKind::School),
            "trust" => Some(ScopeKind::Trust),
            _ => None,
        }
    }
}

/// Where a role applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    Global,
    Hub(i64),
    School(i64),
    Trust(i64),
}

impl Scope {
    pub fn kind(self) -> ScopeKind {
        match self {
            Scope::Global => ScopeKind::Global,
            Scope::Hub(_) => ScopeKind::Hub,
            Scope::School(_) => ScopeKind::School,
            Scope::Trust(_) => ScopeKind::Trust,
        }
    }
    pub fn id(self) -> Option<i64> {
        match self {
            Scope::Global => None,
            Scope::Hub(i) | Scope::School(i) | Scope::Trust(i) => Some(i),
        }
    }
    pub fn from_parts(kind: ScopeKind, id: Option<i64>) -> Option<Scope> {
        match (kind, id) {
            (ScopeKind::Global, _) => Some(Scope::Global),
            (ScopeKind::Hub, Some(i)) => Some(Scope::Hub(i)),
            (ScopeKind::School, Some(i)) => Some(Scope::School(i)),
            (ScopeKind::Trust, Some(i)) => Some(Scope::Trust(i)),
            _ => None,
        }
    }
}

/// One role held in one scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Grant {
    pub role: Role,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    #[error("the role {role} is held in a {expected}, not in a {given}")]
    WrongScope { role: Role, expected: &'static str, given: &'static str },
}

impl Grant {
    /// A grant whose scope fits its role.
    pub fn new(role: Role, scope: Scope) -> Result<Grant, GrantError> {
        let expected = role.scope_kind();
        if expected != scope.kind() {
            let name = |k: ScopeKind| match k {
                ScopeKind::Global => "the whole partnership",
                ScopeKind::Hub => "Hub",
                ScopeKind::School => "school",
                ScopeKind::Trust => "trust",
            };
            return Err(GrantError::WrongScope { role, expected: name(expected), given: name(scope.kind()) });
        }
        Ok(Grant { role, scope })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert_eq!("Hub Manager".parse::<Role>().unwrap(), Role::HubManager);
        assert_eq!("lead-reviewer".parse::<Role>().unwrap(), Role::LeadReviewer);
        let err = "headmaster".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("headmaster"));
    }

    #[test]
    fn a_grant_must_fit_its_role() {
        assert!(Grant::new(Role::HubManager, Scope::Hub(3)).is_ok());
        assert!(Grant::new(Role::Admin, Scope::Global).is_ok());
        let e = Grant::new(Role::SchoolLeader, Scope::Hub(1)).unwrap_err();
        assert_eq!(e.to_string(), "the role School leader is held in a school, not in a Hub");
        assert!(Grant::new(Role::Admin, Scope::School(1)).is_err());
    }
}
