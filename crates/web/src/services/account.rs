//! Accounts: inviting a person, giving a role, sending a password-reset
//! link. One path for the web pages and the JSON API: the domain checks what
//! was typed (`upward_domain::account`), then this checks what needs the
//! database, with messages on the same fields.

use crate::AppState;
use crate::error::{Failure, FieldError};
use crate::mail;
use crate::security::{new_token, token_hash};
use upward_domain::account::{InviteRequest, RoleRequest};
use upward_domain::roles::{Grant, Scope, ScopeKind};
use upward_domain::throttle;
use upward_domain::workflow::PersonStatus;
use upward_storage::people::{NewPerson, Person};
use upward_storage::{Who, audit, auth, hubs, people, schools};

/// How long an invitation link works.
pub const INVITE_VALID_SECS: i64 = 7 * 24 * 3600;
/// How long a password-reset link works.
pub const RESET_VALID_SECS: i64 = 3600;

/// A person just invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invited {
    pub person_id: i64,
    /// Whether the invitation e-mail reached them (not when it failed, nor
    /// when no e-mail server is set up).
    pub emailed: bool,
}

/// Check an invitation, create the person with their roles, and e-mail
/// them their link: the person, roles and link in one transaction, then the
/// e-mail (its live link only in the delivered copy). Field problems come
/// back as `Ok(Err(..))`, nothing created.
pub async fn invite(
    state: &AppState,
    who: &Who,
    inviter: &str,
    req: &InviteRequest,
) -> Result<Result<Invited, Vec<FieldError>>, Failure> {
    let v = match req.validate() {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let mut errors = vec![];
    let school = match v.school_urn {
        Some(urn) => {
            let s = schools::by_urn(&state.db, urn).await?;
            if s.is_none() {
                errors.push(FieldError::new("school_urn", format!("No school has the URN {urn}")));
            }
            s
        }
        None => None,
    };
    if let Some(h) = v.hub
        && hubs::get(&state.db, h).await?.is_none()
    {
        errors.push(FieldError::new("hub", "That Hub does not exist: choose one from the list"));
    }
    if people::id_by_email(&state.db, &v.email).await?.is_some() {
        errors.push(FieldError::new("email", format!("{} is already in Upward", v.email)));
    }
    let mut grants = vec![];
    for role in &v.roles {
        let scope = match role.scope_kind() {
            ScopeKind::Global => Some(Scope::Global),
            ScopeKind::Hub => v.hub.map(Scope::Hub),
            ScopeKind::School => school.as_ref().map(|s| Scope::School(s.id)),
            ScopeKind::Trust => match school.as_ref() {
                Some(s) => match s.trust_id {
                    Some(t) => Some(Scope::Trust(t)),
                    None => {
                        errors.push(FieldError::new(
                            "school_urn",
                            format!("{} is not in a trust, so they cannot be its trust executive", s.name),
                        ));
                        None
                    }
                },
                None => None,
            },
        };
        if let Some(scope) = scope
            && let Ok(g) = Grant::new(*role, scope)
        {
            grants.push(g);
        }
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }

    let token = new_token();
    let mut tx = state.db.begin().await?;
    let np = NewPerson {
        email: v.email.clone(),
        full_name: v.full_name.clone(),
        job_title: v.job_title.clone(),
        school_id: school.as_ref().map(|s| s.id),
        trust_id: school.as_ref().and_then(|s| s.trust_id),
        phone: None,
        status: PersonStatus::Invited,
        password_hash: None,
    };
    let person_id = people::create(&mut tx, who, &np).await?;
    for g in grants {
        people::add_grant(&mut tx, who, person_id, g).await?;
    }
    auth::create_one_time(&mut tx, person_id, "invite", &token_hash(&token), INVITE_VALID_SECS).await?;
    let link = state.config.link(&format!("/invitation/{token}"));
    let home = state.config.link("/");
    let name = v.full_name.clone();
    let message = mail::with_secret_link(&mut tx, person_id, &v.email, "You are invited to Upward", &link, |link| {
        format!(
            "Hello {name},\n\n{inviter} has invited you to Upward, where the partnership runs its peer reviews, programmes and school directory.\n\nChoose a password to finish setting up your account (this link works for seven days):\n\n{link}{}",
            mail::signature(&home)
        )
    })
    .await?;
    tx.commit().await?;
    let emailed = message.deliver(state).await && state.mail.reaches_people();
    Ok(Ok(Invited { person_id, emailed }))
}

/// The grant a role request asks for, once the Hub or school it names is
/// found. Field problems come back as `Ok(Err(..))`.
pub async fn grant(
    state: &AppState,
    person: &Person,
    req: &RoleRequest,
) -> Result<Result<Grant, Vec<FieldError>>, Failure> {
    let v = match req.validate() {
        Ok(v) => v,
        Err(errors) => return Ok(Err(errors)),
    };
    let field = |f: &str, m: String| Ok(Err(vec![FieldError::new(f, m)]));
    let scope = match v.role.scope_kind() {
        ScopeKind::Global => Scope::Global,
        ScopeKind::Hub => {
            let h = v.hub.unwrap_or_default();
            if hubs::get(&state.db, h).await?.is_none() {
                return field("hub", "That Hub does not exist: choose one from the list".into());
            }
            Scope::Hub(h)
        }
        ScopeKind::School => match v.school_urn {
            Some(urn) => match schools::by_urn(&state.db, urn).await? {
                Some(s) => Scope::School(s.id),
                None => return field("school_urn", format!("No school has the URN {urn}")),
            },
            None => match person.school_id {
                Some(id) => Scope::School(id),
                None => return field("school_urn", "Give the URN of the school this person leads".into()),
            },
        },
        ScopeKind::Trust => match person.trust_id {
            Some(t) => Scope::Trust(t),
            None => {
                return field(
                    "role",
                    "This person's school is not in a trust, so they cannot be its trust executive".into(),
                );
            }
        },
    };
    match Grant::new(v.role, scope) {
        Ok(g) => Ok(Ok(g)),
        Err(e) => field("role", e.to_string()),
    }
}

/// Someone asked for a password-reset link for `email` from `ip`. Within
/// the limits (its own, apart from sign-in's), and when the address is an
/// account that is not disabled, make a link and e-mail it: the live link
/// is only in the delivered e-mail, sent in the background so the answer
/// takes as long whether or not the account exists. The caller always says
/// the same thing ("check your e-mail").
pub async fn send_reset_link(state: &AppState, email: &str, ip: &str) -> Result<(), Failure> {
    let (by_account, by_ip) = auth::reset_requests(&state.db, email, ip).await?;
    if !throttle::reset_allowed(by_account, by_ip) {
        return Ok(());
    }
    auth::note_attempt(&state.db, auth::Attempt::Reset, email, ip, false).await?;
    let Some(c) = people::credentials(&state.db, email).await? else { return Ok(()) };
    if c.status == PersonStatus::Disabled {
        return Ok(());
    }
    let token = new_token();
    let mut tx = state.db.begin().await?;
    auth::create_one_time(&mut tx, c.person_id, "reset", &token_hash(&token), RESET_VALID_SECS).await?;
    let link = state.config.link(&format!("/password/reset/{token}"));
    let home = state.config.link("/");
    let name = c.full_name.clone();
    let message = mail::with_secret_link(&mut tx, c.person_id, email, "Reset your Upward password", &link, |link| {
        format!(
            "Hello {name},\n\nSomeone (we hope you) asked to reset your Upward password. Choose a new one here within the next hour:\n\n{link}\n\nIf it was not you, ignore this e-mail: your password has not changed.{}",
            mail::signature(&home)
        )
    })
    .await?;
    audit::record(
        &mut tx,
        &Who::system("password reset"),
        audit::Change::new("person.reset_requested", "person", c.person_id, "Password reset link sent"),
    )
    .await?;
    tx.commit().await?;
    message.deliver_soon(state);
    Ok(())
}

/// Who sends an invitation, as the e-mail names them.
pub fn inviter(ctx: &crate::ctx::Ctx) -> String {
    ctx.me.as_ref().map(|m| m.name.clone()).unwrap_or_else(|| "The central team".into())
}
