//! Signing in and out, forgotten passwords, and accepting an invitation.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, SESSION_COOKIE, redirect, redirect_with, set_cookie};
use crate::error::Failure;
use crate::forms::{RawForm, RawQuery};
use crate::layout::Layout;
use crate::mail;
use crate::security::{hash_password, new_token, token_hash, verify_password};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use upward_domain::validate;
use upward_storage::{Who, auth, people};

/// At most this many failed sign-ins per e-mail (and 6x per address) in
/// [`WINDOW`] seconds.
pub const MAX_FAILURES: i64 = 5;
pub const WINDOW: i64 = 15 * 60;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct Login {
    l: Layout,
    email: String,
    next: String,
    error: Option<String>,
    demo: bool,
}

/// Only same-site paths may be a `next` target.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.starts_with("/\\") && !next.contains("://") {
        next.to_string()
    } else {
        "/".to_string()
    }
}

pub async fn login_form(State(state): State<AppState>, ctx: Ctx, RawQuery(q): RawQuery) -> Response {
    if ctx.me.is_some() {
        return redirect(&safe_next(q.get("next")));
    }
    render(&Login {
        l: Layout::new(&ctx, "Sign in"),
        email: String::new(),
        next: safe_next(q.get("next")),
        error: None,
        demo: state.config.demo,
    })
}

pub async fn login(State(state): State<AppState>, ctx: Ctx, RawForm(f): RawForm) -> Result<Response, Failure> {
    let next = safe_next(f.get("next"));
    let email_in = f.get("email").to_string();
    let fail = |msg: &str| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Login {
                l: Layout::new(&ctx, "Sign in"),
                email: email_in.clone(),
                next: next.clone(),
                error: Some(msg.to_string()),
                demo: state.config.demo,
            },
        )
    };
    let email = match validate::email(&email_in) {
        Ok(e) => e,
        Err(m) => return Ok(fail(&m)),
    };
    let (by_email, by_ip) = auth::recent_failures(&state.db, &email, &ctx.ip, WINDOW).await?;
    if by_email >= MAX_FAILURES || by_ip >= MAX_FAILURES * 6 {
        return Ok(fail("Too many sign-in attempts. Wait 15 minutes and try again, or reset your password."));
    }
    let creds = people::credentials(&state.db, &email).await?;
    let password = f.raw("password").to_string();
    let stored = creds.as_ref().and_then(|c| c.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref())).await.unwrap_or(false);
    let active = creds.as_ref().is_some_and(|c| c.status == "active");
    if !ok || !active {
        auth::note_attempt(&state.db, &email, &ctx.ip, false).await?;
        return Ok(fail("The e-mail address or the password is not right. Check them, or reset your password."));
    }
    let Some(c) = creds else { return Ok(fail("The e-mail address or the password is not right.")) };
    auth::clear_failures(&state.db, &email).await?;
    let token = new_token();
    auth::create_session(&state.db, c.person_id, &token_hash(&token), None).await?;
    let mut res = redirect(&next);
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, None, "Lax", ctx.secure));
    Ok(res)
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> Result<Response, Failure> {
    if let Some(t) = crate::ctx::cookie(&headers, SESSION_COOKIE) {
        auth::end_session(&state.db, &token_hash(&t)).await?;
    }
    let mut res = redirect_with("/login", "success", "You have signed out.", ctx.secure);
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", Some(0), "Lax", ctx.secure));
    Ok(res)
}

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct Forgot {
    l: Layout,
    email: String,
    error: Option<String>,
    sent: bool,
}

pub async fn forgot_form(ctx: Ctx) -> Response {
    render(&Forgot { l: Layout::new(&ctx, "Reset your password"), email: String::new(), error: None, sent: false })
}

pub async fn forgot(State(state): State<AppState>, ctx: Ctx, RawForm(f): RawForm) -> Result<Response, Failure> {
    let email = match validate::email(f.get("email")) {
        Ok(e) => e,
        Err(m) => {
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &Forgot {
                    l: Layout::new(&ctx, "Reset your password"),
                    email: f.get("email").into(),
                    error: Some(m),
                    sent: false,
                },
            ));
        }
    };
    // Limit how many links one address can be sent.
    let (recent, _) = auth::recent_failures(&state.db, &format!("reset:{email}"), &ctx.ip, 3600).await?;
    if recent < 5 {
        auth::note_attempt(&state.db, &format!("reset:{email}"), &ctx.ip, false).await?;
        if let Some(c) = people::credentials(&state.db, &email).await?
            && c.status != "disabled"
        {
            let token = new_token();
            let mut tx = state.db.begin().await?;
            auth::create_one_time(&mut tx, c.person_id, "reset", &token_hash(&token), 3600).await?;
            let link = state.config.link(&format!("/password/reset/{token}"));
            let body = format!(
                "Hello {},\n\nSomeone (we hope you) asked to reset your Upward password. Choose a new one here within the next hour:\n\n{link}\n\nIf it was not you, ignore this e-mail: your password has not changed.{}",
                c.full_name,
                mail::signature(&state.config.link("/"))
            );
            mail::to_person(
                &state.db,
                &mut tx,
                c.person_id,
                &email,
                mail::ACCOUNT,
                "Reset your Upward password",
                &body,
            )
            .await?;
            upward_storage::audit::record(
                &mut tx,
                &Who::system("password reset"),
                upward_storage::audit::Change::new(
                    "person.reset_requested",
                    "person",
                    c.person_id,
                    "Password reset link sent",
                ),
            )
            .await?;
            tx.commit().await?;
        }
    }
    Ok(render(&Forgot { l: Layout::new(&ctx, "Check your e-mail"), email, error: None, sent: true }))
}

#[derive(Template)]
#[template(path = "auth/set_password.html")]
struct SetPassword {
    l: Layout,
    heading: String,
    intro: String,
    action: String,
    button: String,
    error: Option<String>,
}

fn set_password_page(ctx: &Ctx, invite: bool, token: &str, error: Option<String>) -> SetPassword {
    SetPassword {
        l: Layout::new(ctx, if invite { "Join Upward" } else { "Choose a new password" }),
        heading: if invite { "Join Upward".into() } else { "Choose a new password".into() },
        intro: if invite {
            "You have been invited to Upward. Choose a password to finish setting up your account.".into()
        } else {
            "Choose a new password for your Upward account.".into()
        },
        action: format!("/{}/{token}", if invite { "invitation" } else { "password/reset" }),
        button: if invite { "Create my account".into() } else { "Save my new password".into() },
        error,
    }
}

async fn link_page(state: &AppState, ctx: &Ctx, token: &str, purpose: &str) -> Result<Response, Failure> {
    if auth::peek_one_time(&state.db, &token_hash(token), purpose).await?.is_none() {
        return Ok(expired(ctx, purpose));
    }
    Ok(render(&set_password_page(ctx, purpose == "invite", token, None)))
}

fn expired(ctx: &Ctx, purpose: &str) -> Response {
    let msg = if purpose == "invite" {
        "This invitation link has expired or has been used. Ask the central team for a new one."
    } else {
        "This link has expired or has been used. Ask for a new one below."
    };
    redirect_with(if purpose == "invite" { "/login" } else { "/password/forgot" }, "error", msg, ctx.secure)
}

async fn set_from_link(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    purpose: &str,
    f: &crate::forms::Fields,
) -> Result<Response, Failure> {
    let invite = purpose == "invite";
    if let Err(m) = validate::password(f.raw("password"), f.raw("confirm")) {
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &set_password_page(ctx, invite, token, Some(m))));
    }
    let pw = f.raw("password").to_string();
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|_| Failure::internal("password hashing stopped"))?
        .map_err(Failure::internal)?;
    let mut tx = state.db.begin().await?;
    let Some(person_id) = auth::use_one_time(&mut tx, &token_hash(token), purpose).await? else {
        return Ok(expired(ctx, purpose));
    };
    people::set_password(&mut tx, &Who::person(person_id, "self (by e-mailed link)"), person_id, &hash).await?;
    tx.commit().await?;
    let session = new_token();
    auth::create_session(&state.db, person_id, &token_hash(&session), None).await?;
    let msg = if invite { "Welcome to Upward. Your account is ready." } else { "Your password has been changed." };
    let mut res = redirect_with("/", "success", msg, ctx.secure);
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &session, None, "Lax", ctx.secure));
    Ok(res)
}

pub async fn reset_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    link_page(&state, &ctx, &token, "reset").await
}

pub async fn reset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    set_from_link(&state, &ctx, &token, "reset", &f).await
}

pub async fn invitation_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response, Failure> {
    link_page(&state, &ctx, &token, "invite").await
}

pub async fn accept_invitation(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    RawForm(f): RawForm,
) -> Result<Response, Failure> {
    set_from_link(&state, &ctx, &token, "invite", &f).await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_targets_stay_on_site() {
        assert_eq!(safe_next("/schools?q=x"), "/schools?q=x");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        assert_eq!(safe_next(""), "/");
    }
}
