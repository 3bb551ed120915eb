//! Accounts: inviting a person, giving a role, e-mail settings and API
//! token names. One check for each, used by the web forms and the JSON API
//! alike, so the API accepts exactly what the forms accept.
//!
//! These checks need no database. What does (the school with that URN
//! exists, the e-mail address is not taken, the Hub exists) the web layer
//! checks after, with messages on the same fields.

use crate::roles::{Role, ScopeKind};
use crate::validate::{self, FieldError};

/// Notification topics a person can switch on or off. Account e-mails
/// (invitations, password resets) always go.
pub const TOPICS: &[(&str, &str)] = &[
    ("reviews", "Reviews I am on or host: bookings, changes, reports"),
    ("programmes", "Programmes and visits I take part in"),
    ("events", "Events: invitations and reminders"),
    ("directory", "Support requests and introductions from other schools"),
    ("digest", "A weekly digest of the partnership's news"),
];

/// The longest full name and job title.
pub const MAX_NAME: usize = 120;
pub const MAX_JOB_TITLE: usize = 120;
/// The longest name of an API token.
pub const MAX_TOKEN_NAME: usize = 80;

/// An invitation as typed into the form or sent to the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InviteRequest {
    pub email: String,
    pub full_name: String,
    pub job_title: String,
    /// Their school's URN (needed for the school leader and trust
    /// executive roles).
    pub school_urn: String,
    /// Role codes, e.g. "school_leader".
    pub roles: Vec<String>,
    /// The Hub's id, for the Senior Partner and Hub Manager roles.
    pub hub: String,
}

/// An invitation that passed every check that needs no database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidInvite {
    pub email: String,
    pub full_name: String,
    pub job_title: Option<String>,
    pub school_urn: Option<i64>,
    /// Each role once, in the order given.
    pub roles: Vec<Role>,
    /// Only when a role needs it.
    pub hub: Option<i64>,
}

impl InviteRequest {
    /// Check every field; all the problems at once, each naming its field.
    pub fn validate(&self) -> Result<ValidInvite, Vec<FieldError>> {
        let mut errors = vec![];
        let email = validate::email(&self.email).map_err(|m| errors.push(FieldError::new("email", m))).ok();
        let full_name = validate::required_text("the person's full name", &self.full_name, MAX_NAME)
            .map_err(|m| errors.push(FieldError::new("full_name", m)))
            .ok();
        let job_title = validate::optional_text("the job title", &self.job_title, MAX_JOB_TITLE)
            .map_err(|m| errors.push(FieldError::new("job_title", m)))
            .ok()
            .flatten();
        let school_urn = match self.school_urn.trim() {
            "" => None,
            u => validate::urn(u).map_err(|m| errors.push(FieldError::new("school_urn", m))).ok(),
        };
        let roles = roles(&self.roles, &mut errors);
        let mut hub = None;
        for role in &roles {
            match role.scope_kind() {
                ScopeKind::Hub if hub.is_none() => match validate::chosen_id(&self.hub) {
                    Some(h) => hub = Some(h),
                    None if !errors.iter().any(|e| e.field == "hub") => {
                        errors.push(FieldError::new("hub", format!("Choose the Hub for the role {}", role.label())))
                    }
                    None => {}
                },
                ScopeKind::School | ScopeKind::Trust
                    if self.school_urn.trim().is_empty() && !errors.iter().any(|e| e.field == "school_urn") =>
                {
                    errors.push(FieldError::new(
                        "school_urn",
                        if role.scope_kind() == ScopeKind::School {
                            "Give the URN of the school they lead"
                        } else {
                            "A trust executive needs a school in their trust; give its URN"
                        },
                    ))
                }
                _ => {}
            }
        }
        match (email, full_name, errors.is_empty()) {
            (Some(email), Some(full_name), true) => {
                Ok(ValidInvite { email, full_name, job_title, school_urn, roles, hub })
            }
            _ => Err(errors),
        }
    }
}

/// Role codes into roles: each once; an unknown one is named.
fn roles(codes: &[String], errors: &mut Vec<FieldError>) -> Vec<Role> {
    let mut out: Vec<Role> = vec![];
    if codes.len() > Role::ALL.len() * 2 {
        errors.push(FieldError::new("role", format!("Choose at most {} roles", Role::ALL.len())));
        return out;
    }
    for code in codes.iter().filter(|c| !c.trim().is_empty()) {
        match code.parse::<Role>() {
            Ok(r) if !out.contains(&r) => out.push(r),
            Ok(_) => {}
            Err(_) => {
                errors.push(FieldError::new("role", format!("\"{}\" is not a role", validate::shorten(code, 40))))
            }
        }
    }
    out
}

/// A role to give to a person already in Upward, as typed or sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleRequest {
    pub role: String,
    pub hub: String,
    /// The school, for a school leader (default: the person's own school).
    pub school_urn: String,
}

/// A role request that passed every check that needs no database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValidRole {
    pub role: Role,
    /// Only for a Hub role.
    pub hub: Option<i64>,
    /// Only for a school role, when given.
    pub school_urn: Option<i64>,
}

impl RoleRequest {
    pub fn validate(&self) -> Result<ValidRole, Vec<FieldError>> {
        let role = match self.role.parse::<Role>() {
            Ok(r) => r,
            Err(_) if self.role.trim().is_empty() => return Err(vec![FieldError::new("role", "Choose a role")]),
            Err(_) => {
                return Err(vec![FieldError::new(
                    "role",
                    format!("\"{}\" is not a role", validate::shorten(self.role.trim(), 40)),
                )]);
            }
        };
        let mut valid = ValidRole { role, hub: None, school_urn: None };
        match role.scope_kind() {
            ScopeKind::Hub => match validate::chosen_id(&self.hub) {
                Some(h) => valid.hub = Some(h),
                None => {
                    return Err(vec![FieldError::new("hub", format!("Choose the Hub this {} leads", role.label()))]);
                }
            },
            ScopeKind::School if !self.school_urn.trim().is_empty() => {
                valid.school_urn =
                    Some(validate::urn(&self.school_urn).map_err(|m| vec![FieldError::new("school_urn", m)])?)
            }
            _ => {}
        }
        Ok(valid)
    }
}

/// E-mail settings from the account form: the topics ticked (the rest are
/// off).
pub fn topics_ticked(ticked: &[String]) -> Result<Vec<(String, bool)>, Vec<FieldError>> {
    if ticked.len() > TOPICS.len() {
        return Err(vec![FieldError::new("topic", format!("There are only {} topics to choose from", TOPICS.len()))]);
    }
    let errors: Vec<FieldError> = ticked
        .iter()
        .filter(|t| !TOPICS.iter().any(|(code, _)| code == t))
        .map(|t| FieldError::new("topic", format!("\"{}\" is not a topic", validate::shorten(t, 40))))
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(TOPICS.iter().map(|(code, _)| (code.to_string(), ticked.iter().any(|t| t == code))).collect())
}

/// E-mail settings from the API: some topics, each on or off, each once.
pub fn topic_settings(settings: &[(String, bool)]) -> Result<Vec<(String, bool)>, Vec<FieldError>> {
    if settings.len() > TOPICS.len() {
        return Err(vec![FieldError::new(
            "topic",
            format!("Send at most {} settings, one per topic (there are {} topics)", TOPICS.len(), TOPICS.len()),
        )]);
    }
    let mut errors = vec![];
    let mut out: Vec<(String, bool)> = vec![];
    for (topic, on) in settings {
        if !TOPICS.iter().any(|(code, _)| code == topic) {
            errors.push(FieldError::new("topic", format!("\"{}\" is not a topic", validate::shorten(topic, 40))));
        } else if out.iter().any(|(t, _)| t == topic) {
            errors.push(FieldError::new("topic", format!("The topic \"{topic}\" is given twice")));
        } else {
            out.push((topic.clone(), *on));
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

/// The name of a new API token.
pub fn token_name(input: &str) -> Result<String, Vec<FieldError>> {
    validate::required_text("a name for the token", input, MAX_TOKEN_NAME).map_err(|m| vec![FieldError::new("name", m)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> InviteRequest {
        InviteRequest {
            email: "Ada@School.example.org".into(),
            full_name: " Ada Lovelace ".into(),
            job_title: "".into(),
            school_urn: "100000".into(),
            roles: vec!["school_leader".into(), "hub_manager".into(), "school_leader".into()],
            hub: "3".into(),
        }
    }

    fn fields(e: &[FieldError]) -> Vec<&str> {
        e.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_good_invitation() {
        let v = invite().validate().unwrap();
        assert_eq!(v.email, "ada@school.example.org");
        assert_eq!(v.full_name, "Ada Lovelace");
        assert_eq!(v.job_title, None);
        assert_eq!(v.school_urn, Some(100000));
        assert_eq!(v.roles, vec![Role::SchoolLeader, Role::HubManager], "each role once");
        assert_eq!(v.hub, Some(3));
    }

    #[test]
    fn a_hub_must_be_a_real_choice() {
        for hub in ["-5", "0", "x", "", "1.5"] {
            let e = InviteRequest { hub: hub.into(), ..invite() }.validate().unwrap_err();
            assert_eq!(fields(&e), vec!["hub"], "{hub}");
            assert_eq!(e[0].message, "Choose the Hub for the role Hub Manager");
        }
        // Without a Hub role the Hub is not needed.
        let v = InviteRequest { hub: "-5".into(), roles: vec!["reviewer".into()], ..invite() }.validate().unwrap();
        assert_eq!(v.hub, None);
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let e = InviteRequest {
            email: "not-an-email".into(),
            full_name: "".into(),
            job_title: "x".repeat(121),
            school_urn: "12x".into(),
            roles: vec!["emperor".into(), "hub_manager".into()],
            hub: "".into(),
        }
        .validate()
        .unwrap_err();
        assert_eq!(fields(&e), vec!["email", "full_name", "job_title", "school_urn", "role", "hub"]);
        assert!(e[0].message.contains("is not an e-mail address"));
        assert!(e[1].message.contains("full name"));
        assert!(e[3].message.contains("is not a URN"));
        assert!(e[4].message.contains("\"emperor\" is not a role"));
    }

    #[test]
    fn long_and_many_inputs_are_refused() {
        let e = InviteRequest { full_name: "x".repeat(100_000), ..invite() }.validate().unwrap_err();
        assert_eq!(fields(&e), vec!["full_name"]);
        assert!(e[0].message.contains("at most 120"));
        let e = InviteRequest { roles: vec!["reviewer".into(); 1000], ..invite() }.validate().unwrap_err();
        assert_eq!(fields(&e), vec!["role"]);
        let e = InviteRequest { full_name: "Ada\r\nBcc: x".into(), ..invite() }.validate().unwrap_err();
        assert!(e[0].message.contains("one line"));
    }

    #[test]
    fn school_roles_need_a_school() {
        let e = InviteRequest { school_urn: "".into(), roles: vec!["trust_executive".into()], ..invite() }
            .validate()
            .unwrap_err();
        assert_eq!(e[0].field, "school_urn");
        assert!(e[0].message.contains("trust executive"));
        let e = InviteRequest { school_urn: " ".into(), roles: vec!["school_leader".into()], ..invite() }
            .validate()
            .unwrap_err();
        assert_eq!(e[0].message, "Give the URN of the school they lead");
    }

    #[test]
    fn roles_to_give() {
        let r = RoleRequest { role: "hub_manager".into(), hub: "4".into(), school_urn: "".into() };
        assert_eq!(r.validate().unwrap(), ValidRole { role: Role::HubManager, hub: Some(4), school_urn: None });
        let e = RoleRequest { hub: "-5".into(), ..r.clone() }.validate().unwrap_err();
        assert_eq!(e[0].message, "Choose the Hub this Hub Manager leads");
        let e = RoleRequest { role: "x".repeat(10_000), ..r.clone() }.validate().unwrap_err();
        assert!(e[0].message.len() < 80);
        let v = RoleRequest { role: "school_leader".into(), hub: "".into(), school_urn: "".into() }.validate().unwrap();
        assert_eq!(v.school_urn, None, "the person's own school");
        let e = RoleRequest { role: "school_leader".into(), hub: "".into(), school_urn: "1e5".into() }
            .validate()
            .unwrap_err();
        assert_eq!(e[0].field, "school_urn");
        assert_eq!(RoleRequest::default().validate().unwrap_err()[0].message, "Choose a role");
    }

    #[test]
    fn email_settings() {
        let on = topics_ticked(&["events".into()]).unwrap();
        assert_eq!(on.len(), TOPICS.len());
        assert!(on.iter().all(|(t, e)| *e == (t == "events")));
        assert!(topics_ticked(&["x".into()]).is_err());
        assert!(topics_ticked(&vec!["events".to_string(); 6]).is_err());

        let s = topic_settings(&[("digest".into(), false)]).unwrap();
        assert_eq!(s, vec![("digest".to_string(), false)]);
        let e = topic_settings(&[("digest".into(), false), ("digest".into(), true)]).unwrap_err();
        assert!(e[0].message.contains("given twice"));
        let many: Vec<(String, bool)> = (0..600_000).map(|_| ("digest".to_string(), true)).collect();
        let e = topic_settings(&many).unwrap_err();
        assert_eq!(e.len(), 1, "one message, not 600,000");
        assert!(topic_settings(&[("nope".into(), true)]).unwrap_err()[0].message.contains("not a topic"));
    }

    #[test]
    fn token_names() {
        assert_eq!(token_name(" Hub dashboard ").unwrap(), "Hub dashboard");
        assert_eq!(token_name("").unwrap_err()[0].field, "name");
        assert!(token_name(&"x".repeat(81)).is_err());
        assert!(token_name("a\tb").is_err());
    }
}
