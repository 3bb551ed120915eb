//! Signing in and out, forgotten passwords, and accepting an invitation.

use super::{render, render_status};
use crate::AppState;
use crate::ctx::{Ctx, SESSION_COOKIE, redirect, redirect_with, set_cookie};
use crate::error::Failure;
use crate::forms::{Form, Query};
use crate::layout::Layout;
use crate::security::{hash_password, new_token, token_hash, verify_password};
use crate::services::account as accounts;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde::Deserialize;
use upward_domain::throttle::{self, Verdict};
use upward_domain::validate;
use upward_domain::workflow::PersonStatus;
use upward_storage::{auth, people};

/// The longest password read (longer ones are refused unread).
const MAX_PASSWORD: usize = 1024;
/// The longest link token read from a path (ours are 43 characters).
const MAX_LINK_TOKEN: usize = 100;
/// The longest `next` address kept.
const MAX_NEXT: usize = 2048;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct Login {
    l: Layout,
    email: String,
    next: String,
    error: Option<String>,
    demo: bool,
}

/// Where to go after signing in: only a path on this site. Anything a
/// browser could read as another host (`//host`, `/\host`, a control
/// character or space a browser strips, a backslash it turns into a slash,
/// dot segments, or any of these percent-encoded) sends you home instead.
pub fn safe_next(next: &str) -> String {
    fn path_ok(path: &str) -> bool {
        !path.contains("//")
            && !path.contains('\\')
            && !path.split('/').any(|seg| seg == "." || seg == "..")
            && !path.chars().any(|c| c.is_control() || c.is_whitespace())
    }
    let ok = next.len() <= MAX_NEXT
        && next.starts_with('/')
        && next.bytes().all(|b| b.is_ascii_graphic())
        && !next.contains('\\')
        && {
            let path = next.split(['?', '#']).next().unwrap_or("");
            let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
            path_ok(path) && path_ok(&decoded) && !decoded.starts_with("//")
        };
    if ok { next.to_string() } else { "/".to_string() }
}

#[derive(Debug, Default, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(State(state): State<AppState>, ctx: Ctx, Query(q): Query<NextQuery>) -> Response {
    if ctx.me.is_some() {
        return redirect(&safe_next(&q.next));
    }
    render(&Login {
        l: Layout::new(&ctx, "Sign in"),
        email: String::new(),
        next: safe_next(&q.next),
        error: None,
        demo: state.config.demo,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(State(state): State<AppState>, ctx: Ctx, Form(f): Form<LoginForm>) -> Result<Response, Failure> {
    let next = safe_next(&f.next);
    let fail = |msg: &str| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &Login {
                l: Layout::new(&ctx, "Sign in"),
                email: validate::shorten(f.email.trim(), 254),
                next: next.clone(),
                error: Some(msg.to_string()),
                demo: state.config.demo,
            },
        )
    };
    let email = match validate::email(&f.email) {
        Ok(e) => e,
        Err(m) => return Ok(fail(&m)),
    };
    let history = auth::sign_in_history(&state.db, &email, &ctx.ip).await?;
    if let Verdict::Wait(secs) = throttle::sign_in(&history, state.db.now()) {
        return Ok(fail(&format!(
            "Too many sign-in attempts. Wait {} and try again, or reset your password.",
            throttle::wait_words(secs)
        )));
    }
    let creds = people::credentials(&state.db, &email).await?;
    let password = f.password;
    let stored = creds.as_ref().and_then(|c| c.password_hash.clone());
    let ok = password.len() <= MAX_PASSWORD
        && tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref())).await.unwrap_or(false);
    let active = creds.as_ref().is_some_and(|c| c.status == PersonStatus::Active);
    let Some(c) = creds.filter(|_| ok && active) else {
        auth::note_attempt(&state.db, auth::Attempt::SignIn, &email, &ctx.ip, false).await?;
        return Ok(fail("The e-mail address or the password is not right. Check them, or reset your password."));
    };
    auth::signed_in_from(&state.db, &email, &ctx.ip).await?;
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

#[derive(Debug, Default, Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

pub async fn forgot(State(state): State<AppState>, ctx: Ctx, Form(f): Form<ForgotForm>) -> Result<Response, Failure> {
    let email = match validate::email(&f.email) {
        Ok(e) => e,
        Err(m) => {
            return Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &Forgot {
                    l: Layout::new(&ctx, "Reset your password"),
                    email: validate::shorten(f.email.trim(), 254),
                    error: Some(m),
                    sent: false,
                },
            ));
        }
    };
    accounts::send_reset_link(&state, &email, &ctx.ip).await?;
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
    if token.len() > MAX_LINK_TOKEN || auth::peek_one_time(&state.db, &token_hash(token), purpose).await?.is_none() {
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

#[derive(Debug, Default, Deserialize)]
pub struct NewPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn set_from_link(
    state: &AppState,
    ctx: &Ctx,
    token: &str,
    purpose: &str,
    f: NewPasswordForm,
) -> Result<Response, Failure> {
    let invite = purpose == "invite";
    if token.len() > MAX_LINK_TOKEN {
        return Ok(expired(ctx, purpose));
    }
    if let Err(m) = validate::password(&f.password, &f.confirm) {
        return Ok(render_status(StatusCode::UNPROCESSABLE_ENTITY, &set_password_page(ctx, invite, token, Some(m))));
    }
    let pw = f.password;
    let hash = tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|_| Failure::internal("password hashing stopped"))?
        .map_err(Failure::internal)?;
    let mut tx = state.db.begin().await?;
    let Some(person_id) = auth::use_one_time(&mut tx, &token_hash(token), purpose).await? else {
        return Ok(expired(ctx, purpose));
    };
    // Every other session ends and every API token is revoked (on the
    // audit trail): whoever had the old password is out.
    people::set_password(&mut tx, &upward_storage::Who::person(person_id, "self (by e-mailed link)"), person_id, &hash)
        .await?;
    tx.commit().await?;
    let session = new_token();
    auth::create_session(&state.db, person_id, &token_hash(&session), None).await?;
    let msg = if invite {
        "Welcome to Upward. Your account is ready."
    } else {
        "Your password has been changed. You have been signed out everywhere else, and your API tokens no longer work."
    };
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
    Form(f): Form<NewPasswordForm>,
) -> Result<Response, Failure> {
    set_from_link(&state, &ctx, &token, "reset", f).await
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
    Form(f): Form<NewPasswordForm>,
) -> Result<Response, Failure> {
    set_from_link(&state, &ctx, &token, "invite", f).await
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_targets_stay_on_site() {
        for good in ["/schools?q=x", "/", "/people/5#roles", "/schools?q=st%20marys&page=2", "/a/b.c/d?x=//y"] {
            assert_eq!(safe_next(good), good, "{good}");
        }
        let nasty = [
            "",
            "schools",
            "//evil.example",
            "///evil.example",
            "https://evil.example",
            "http:evil.example",
            "/\\evil.example",
            "\\evil.example",
            "/\t/evil.example",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{b}/evil.example",
            "/\u{a0}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{feff}/evil.example",
            "/%09/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5C/evil.example",
            "/%5cevil.example",
            "/.//evil.example",
            "/..//evil.example",
            "/%2e%2e//evil.example",
            "/%2E/%2E%2E//evil.example",
            "/x/../../evil",
            "/schools\\..\\evil",
            "/\u{2215}\u{2215}evil.example",
            "/schools?q=a b",
            "/schools?q=\t",
        ];
        for bad in nasty {
            assert_eq!(safe_next(bad), "/", "{bad:?} must not be a next target");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(5000))), "/", "too long");
    }
}
