//! The one policy module: every permission decision in Upward is made here.
//!
//! Handlers describe what the caller wants to do as an [`Action`] on a
//! resource they have already loaded (its Hub, school and trust), and call
//! [`authorize`]. Lists are filtered by the [`Visibility`] this module
//! computes, which the storage layer turns into a `WHERE` clause. Nothing
//! here does I/O, so every rule is unit-tested below.

use crate::roles::{Grant, Role, Scope};
use serde::Serialize;

/// The signed-in person, with every role they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub person_id: i64,
    pub grants: Vec<Grant>,
}

impl Actor {
    pub fn new(person_id: i64, grants: Vec<Grant>) -> Actor {
        Actor { person_id, grants }
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Admin or programme manager.
    pub fn is_central(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_central())
    }

    pub fn is_admin(&self) -> bool {
        self.has_role(Role::Admin)
    }

    /// Hubs this person leads or manages.
    pub fn hubs(&self) -> Vec<i64> {
        self.scoped(|g| match (g.role, g.scope) {
            (Role::SeniorPartner | Role::HubManager, Scope::Hub(h)) => Some(h),
            _ => None,
        })
    }

    /// Schools this person leads.
    pub fn schools(&self) -> Vec<i64> {
        self.scoped(|g| match (g.role, g.scope) {
            (Role::SchoolLeader, Scope::School(s)) => Some(s),
            _ => None,
        })
    }

    /// Trusts this person is an executive of.
    pub fn trusts(&self) -> Vec<i64> {
        self.scoped(|g| match (g.role, g.scope) {
            (Role::TrustExecutive, Scope::Trust(t)) => Some(t),
            _ => None,
        })
    }

    fn scoped(&self, f: impl Fn(&Grant) -> Option<i64>) -> Vec<i64> {
        let mut v: Vec<i64> = self.grants.iter().filter_map(f).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// A member of the partnership: anyone but a pure applicant or shortlister.
    pub fn is_member(&self) -> bool {
        self.grants.iter().any(|g| !matches!(g.role, Role::Applicant | Role::Shortlister))
    }
}

/// Where a school sits, as far as permissions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SchoolRef {
    pub id: i64,
    pub hub_id: Option<i64>,
    pub trust_id: Option<i64>,
}

/// Where a person sits, as far as permissions care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PersonRef {
    pub id: i64,
    pub school: Option<SchoolRef>,
    pub trust_id: Option<i64>,
}

/// What someone asks to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Action {
    /// See and change one's own account: password, API tokens, calendar
    /// feed, notification settings.
    UseOwnAccount,
    /// List schools, Hubs and trusts, open a school, Hub or trust profile.
    BrowseDirectory,
    /// Open one school's profile.
    ViewSchool(SchoolRef),
    /// Open one Hub's page.
    ViewHub(i64),
    /// List people (filtered by [`people_visibility`]).
    ListPeople,
    /// Open one person's profile: roles, pools, specialisms.
    ViewPerson(PersonRef),
    /// Safeguarding (DBS) and contract details of a person.
    ViewPersonConfidential(PersonRef),
    /// Change what matching uses about a person: their pools (status,
    /// loads, fee), specialisms, dates they cannot do and declared
    /// conflicts of interest.
    EditPersonForMatching(PersonRef),
    /// Change a person's safeguarding record (DBS check, certificate,
    /// training): the central team only, not the person themself.
    EditPersonConfidential(PersonRef),
    /// Invite a person by e-mail.
    InvitePeople,
    /// Give or take away roles.
    ManageRoles,
    /// Import GIAS or performance data.
    ImportData,
    /// Search and export the audit trail.
    ViewAudit,
    /// Read the e-mail outbox.
    ViewOutbox,
    /// See matching proposals (review teams, groups, facilitators).
    ViewMatching,
    /// Propose, change and accept matches.
    RunMatching,
    /// Open the central team's pages at all (each page then asks for what
    /// it shows or changes).
    UseCentralTeamPages,
    /// Open the admins' pages at all.
    Administer,
}

impl Action {
    /// Short name used in logs and the route table.
    pub fn name(&self) -> &'static str {
        match self {
            Action::UseOwnAccount => "use_own_account",
            Action::BrowseDirectory => "browse_directory",
            Action::ViewSchool(_) => "view_school",
            Action::ViewHub(_) => "view_hub",
            Action::ListPeople => "list_people",
            Action::ViewPerson(_) => "view_person",
            Action::ViewPersonConfidential(_) => "view_person_confidential",
            Action::EditPersonForMatching(_) => "edit_person_for_matching",
            Action::EditPersonConfidential(_) => "edit_person_confidential",
            Action::InvitePeople => "invite_people",
            Action::ManageRoles => "manage_roles",
            Action::ImportData => "import_data",
            Action::ViewAudit => "view_audit",
            Action::ViewOutbox => "view_outbox",
            Action::ViewMatching => "view_matching",
            Action::RunMatching => "run_matching",
            Action::UseCentralTeamPages => "use_central_team_pages",
            Action::Administer => "administer",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allow,
    /// Nobody is signed in; signing in may help.
    SignInRequired,
    /// Signed in, but this person may not do this.
    Deny,
}

impl Decision {
    pub fn allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Decide whether `actor` (None when nobody is signed in) may do `action`.
pub fn authorize(actor: Option<&Actor>, action: &Action) -> Decision {
    let Some(a) = actor else {
        return Decision::SignInRequired;
    };
    if allow(a, action) { Decision::Allow } else { Decision::Deny }
}

fn allow(a: &Actor, action: &Action) -> bool {
    if a.is_admin() {
        return true;
    }
    match action {
        Action::UseOwnAccount => true,
        Action::BrowseDirectory => a.is_member(),
        Action::ViewSchool(_) => a.is_member(),
        Action::ViewHub(_) => a.is_member(),
        Action::ListPeople => {
            a.is_central() || !a.hubs().is_empty() || !a.schools().is_empty() || !a.trusts().is_empty()
        }
        Action::ViewPerson(p) => p.id == a.person_id || people_visibility(a).includes(p),
        Action::ViewPersonConfidential(p) => p.id == a.person_id || a.is_central(),
        Action::EditPersonForMatching(_) | Action::EditPersonConfidential(_) => a.is_central(),
        Action::InvitePeople | Action::ManageRoles | Action::Administer => false, // admin only
        Action::ImportData
        | Action::ViewAudit
        | Action::ViewOutbox
        | Action::ViewMatching
        | Action::RunMatching
        | Action::UseCentralTeamPages => a.is_central(),
    }
}

/// Which people a person may see in lists and profiles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Visibility {
    All,
    /// Only people of these Hubs' schools, these schools or these trusts,
    /// plus the person themself.
    Some {
        self_id: i64,
        hubs: Vec<i64>,
        schools: Vec<i64>,
        trusts: Vec<i64>,
    },
}

impl Visibility {
    pub fn includes(&self, p: &PersonRef) -> bool {
        match self {
            Visibility::All => true,
            Visibility::Some { self_id, hubs, schools, trusts } => {
                if p.id == *self_id {
                    return true;
                }
                let s = p.school;
                let in_hub = s.and_then(|s| s.hub_id).is_some_and(|h| hubs.contains(&h));
                let in_school = s.is_some_and(|s| schools.contains(&s.id));
                let trust = p.trust_id.or(s.and_then(|s| s.trust_id));
                let in_trust = trust.is_some_and(|t| trusts.contains(&t));
                in_hub || in_school || in_trust
            }
        }
    }
}

/// The people `a` may see.
pub fn people_visibility(a: &Actor) -> Visibility {
    if a.is_central() {
        return Visibility::All;
    }
    Visibility::Some { self_id: a.person_id, hubs: a.hubs(), schools: a.schools(), trusts: a.trusts() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(id: i64, grants: &[(Role, Scope)]) -> Actor {
        Actor::new(id, grants.iter().map(|&(r, s)| Grant::new(r, s).unwrap()).collect())
    }

    fn school(id: i64, hub: i64, trust: Option<i64>) -> SchoolRef {
        SchoolRef { id, hub_id: Some(hub), trust_id: trust }
    }

    fn person(id: i64, s: Option<SchoolRef>) -> PersonRef {
        PersonRef { id, school: s, trust_id: s.and_then(|s| s.trust_id) }
    }

    #[test]
    fn nobody_signed_in_must_sign_in_for_everything() {
        for action in [Action::UseOwnAccount, Action::BrowseDirectory, Action::ViewAudit] {
            assert_eq!(authorize(None, &action), Decision::SignInRequired);
        }
    }

    #[test]
    fn admin_may_do_everything() {
        let a = actor(1, &[(Role::Admin, Scope::Global)]);
        for action in [Action::InvitePeople, Action::ManageRoles, Action::ViewAudit, Action::ImportData] {
            assert_eq!(authorize(Some(&a), &action), Decision::Allow);
        }
    }

    #[test]
    fn programme_manager_runs_data_but_not_roles() {
        let a = actor(1, &[(Role::ProgrammeManager, Scope::Global)]);
        assert!(authorize(Some(&a), &Action::ImportData).allowed());
        assert!(authorize(Some(&a), &Action::RunMatching).allowed());
        assert!(authorize(Some(&a), &Action::ViewAudit).allowed());
        assert_eq!(authorize(Some(&a), &Action::ManageRoles), Decision::Deny);
        assert_eq!(authorize(Some(&a), &Action::InvitePeople), Decision::Deny);
    }

    #[test]
    fn hub_manager_sees_people_of_their_hub_only() {
        let a = actor(7, &[(Role::HubManager, Scope::Hub(3))]);
        let inside = person(10, Some(school(100, 3, None)));
        let outside = person(11, Some(school(101, 4, None)));
        assert!(authorize(Some(&a), &Action::ListPeople).allowed());
        assert!(authorize(Some(&a), &Action::ViewPerson(inside)).allowed());
        assert_eq!(authorize(Some(&a), &Action::ViewPerson(outside)), Decision::Deny);
        // DBS details are the central team's and the person's own.
        assert_eq!(authorize(Some(&a), &Action::ViewPersonConfidential(inside)), Decision::Deny);
        assert_eq!(authorize(Some(&a), &Action::ImportData), Decision::Deny);
    }

    #[test]
    fn school_leader_sees_their_school_and_trust_exec_their_trust() {
        let head = actor(5, &[(Role::SchoolLeader, Scope::School(100))]);
        let exec = actor(6, &[(Role::TrustExecutive, Scope::Trust(9))]);
        let colleague = person(10, Some(school(100, 3, Some(9))));
        let other_trust_school = person(11, Some(school(102, 3, Some(9))));
        let elsewhere = person(12, Some(school(103, 3, None)));
        assert!(authorize(Some(&head), &Action::ViewPerson(colleague)).allowed());
        assert!(!authorize(Some(&head), &Action::ViewPerson(other_trust_school)).allowed());
        assert!(authorize(Some(&exec), &Action::ViewPerson(other_trust_school)).allowed());
        assert!(!authorize(Some(&exec), &Action::ViewPerson(elsewhere)).allowed());
    }

    #[test]
    fn reviewers_see_the_directory_and_themselves_but_no_people_list() {
        let r = actor(5, &[(Role::Reviewer, Scope::Global)]);
        assert!(authorize(Some(&r), &Action::BrowseDirectory).allowed());
        assert!(!authorize(Some(&r), &Action::ListPeople).allowed());
        let me = person(5, None);
        assert!(authorize(Some(&r), &Action::ViewPerson(me)).allowed());
        assert!(authorize(Some(&r), &Action::ViewPersonConfidential(me)).allowed());
        assert!(!authorize(Some(&r), &Action::ViewPerson(person(6, None))).allowed());
    }

    #[test]
    fn applicants_and_shortlisters_do_not_see_the_directory() {
        for role in [Role::Applicant, Role::Shortlister] {
            let a = actor(5, &[(role, Scope::Global)]);
            assert!(authorize(Some(&a), &Action::UseOwnAccount).allowed());
            assert!(!authorize(Some(&a), &Action::BrowseDirectory).allowed());
            assert!(!authorize(Some(&a), &Action::ViewSchool(school(1, 1, None))).allowed());
        }
        // ...unless they also hold a member role.
        let both = actor(5, &[(Role::Applicant, Scope::Global), (Role::SchoolLeader, Scope::School(1))]);
        assert!(authorize(Some(&both), &Action::BrowseDirectory).allowed());
    }

    #[test]
    fn only_the_central_team_edits_what_matching_uses() {
        let colleague = person(10, Some(school(100, 3, Some(9))));
        let pm = actor(1, &[(Role::ProgrammeManager, Scope::Global)]);
        let admin = actor(2, &[(Role::Admin, Scope::Global)]);
        for a in [&pm, &admin] {
            assert!(authorize(Some(a), &Action::EditPersonForMatching(colleague)).allowed());
            assert!(authorize(Some(a), &Action::EditPersonConfidential(colleague)).allowed());
            assert!(authorize(Some(a), &Action::ViewPersonConfidential(colleague)).allowed());
        }
        // Hub leaders, the person's head and trust executive see the profile
        // but change nothing, and do not see the DBS record.
        for leader in [
            actor(7, &[(Role::HubManager, Scope::Hub(3))]),
            actor(8, &[(Role::SeniorPartner, Scope::Hub(3))]),
            actor(5, &[(Role::SchoolLeader, Scope::School(100))]),
            actor(6, &[(Role::TrustExecutive, Scope::Trust(9))]),
        ] {
            assert!(authorize(Some(&leader), &Action::ViewPerson(colleague)).allowed());
            assert_eq!(authorize(Some(&leader), &Action::EditPersonForMatching(colleague)), Decision::Deny);
            assert_eq!(authorize(Some(&leader), &Action::EditPersonConfidential(colleague)), Decision::Deny);
            assert_eq!(authorize(Some(&leader), &Action::ViewPersonConfidential(colleague)), Decision::Deny);
        }
        // The person sees their own DBS record but cannot change it (nor
        // their pools).
        let me = actor(10, &[(Role::Reviewer, Scope::Global)]);
        assert!(authorize(Some(&me), &Action::ViewPersonConfidential(colleague)).allowed());
        assert_eq!(authorize(Some(&me), &Action::EditPersonConfidential(colleague)), Decision::Deny);
        assert_eq!(authorize(Some(&me), &Action::EditPersonForMatching(colleague)), Decision::Deny);
        assert_eq!(authorize(None, &Action::EditPersonForMatching(colleague)), Decision::SignInRequired);
    }

    #[test]
    fn visibility_of_a_person_without_a_school_is_their_trust() {
        let exec = actor(6, &[(Role::TrustExecutive, Scope::Trust(9))]);
        let trust_ceo = PersonRef { id: 20, school: None, trust_id: Some(9) };
        assert!(people_visibility(&exec).includes(&trust_ceo));
        let head = actor(5, &[(Role::SchoolLeader, Scope::School(100))]);
        assert!(!people_visibility(&head).includes(&trust_ceo));
    }
}
