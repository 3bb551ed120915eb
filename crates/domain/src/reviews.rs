//! Reviews: the kinds of review and the stages a review moves through,
//! from the request to the released report.

use crate::workflow;

workflow! {
    /// The stage of a review. A school asks for a review (requested); the
    /// central team confirms the dates (booked) and the team (planned); the
    /// review happens (in progress); the Lead Reviewer writes the report
    /// (reporting), the central team quality-assures it, and it is released
    /// to the school. A review can be cancelled until it starts.
    ReviewStatus, "review" {
        Requested = "requested", "Requested" => [Booked, Cancelled],
        Booked = "booked", "Booked" => [Planned, Cancelled],
        Planned = "planned", "Planned" => [Booked, InProgress, Cancelled],
        InProgress = "in_progress", "In progress" => [Reporting],
        Reporting = "reporting", "Report being written" => [QualityAssurance],
        QualityAssurance = "quality_assurance", "Report in quality assurance" => [Reporting, Released],
        Released = "released", "Report released" => [],
        Cancelled = "cancelled", "Cancelled" => [],
    }
}

/// The kinds of review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewKind {
    /// The three-day Quality Assurance Review of a school.
    Qa,
    /// A shorter review of one subject, phase or topic.
    Spotlight,
    /// A review of a multi-academy trust.
    TrustPeerReview,
}

impl ReviewKind {
    pub const ALL: [ReviewKind; 3] = [ReviewKind::Qa, ReviewKind::Spotlight, ReviewKind::TrustPeerReview];

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Qa => "qa",
            ReviewKind::Spotlight => "spotlight",
            ReviewKind::TrustPeerReview => "trust_peer_review",
        }
    }

    pub fn parse(s: &str) -> Option<ReviewKind> {
        ReviewKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReviewKind::Qa => "QA Review",
            ReviewKind::Spotlight => "Spotlight Review",
            ReviewKind::TrustPeerReview => "Trust Peer Review",
        }
    }
}

/// A place on a review team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TeamRole {
    /// The Lead Reviewer.
    Lead,
    /// A peer reviewer.
    Peer,
}

impl TeamRole {
    pub const ALL: [TeamRole; 2] = [TeamRole::Lead, TeamRole::Peer];

    pub fn as_str(self) -> &'static str {
        match self {
            TeamRole::Lead => "lead",
            TeamRole::Peer => "peer",
        }
    }

    pub fn parse(s: &str) -> Option<TeamRole> {
        TeamRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TeamRole::Lead => "Lead Reviewer",
            TeamRole::Peer => "peer reviewer",
        }
    }
}

impl ReviewStatus {
    /// Still ahead and not yet staffed or started: matching may propose a
    /// team for it.
    pub fn needs_team(self) -> bool {
        matches!(self, ReviewStatus::Booked | ReviewStatus::Planned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflow::{State, transition};

    #[test]
    fn a_review_moves_from_request_to_release() {
        let mut s = ReviewStatus::Requested;
        for next in [
            ReviewStatus::Booked,
            ReviewStatus::Planned,
            ReviewStatus::InProgress,
            ReviewStatus::Reporting,
            ReviewStatus::QualityAssurance,
            ReviewStatus::Released,
        ] {
            s = transition(s, next).unwrap();
        }
        assert!(s.is_final());
        assert_eq!(
            transition(ReviewStatus::Released, ReviewStatus::Reporting).unwrap_err().0,
            "This review is at “Report released”: it cannot move to “Report being written”."
        );
        assert!(transition(ReviewStatus::InProgress, ReviewStatus::Cancelled).is_err());
        assert_eq!(ReviewStatus::parse("in_progress"), Some(ReviewStatus::InProgress));
        assert_eq!(ReviewKind::parse("qa"), Some(ReviewKind::Qa));
        assert_eq!(ReviewKind::parse("QA"), None);
    }
}
