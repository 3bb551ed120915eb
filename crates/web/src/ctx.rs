//! The request context: who is signed in, their roles, the CSRF token and
//! any flash message. One middleware builds it for every request, checks
//! CSRF on every state-changing request, and turns failures into pages (or
//! JSON under /api).

use crate::AppState;
use crate::error::{Failure, FailureMarker};
use crate::security::{new_token, same, token_hash};
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::convert::Infallible;
use upward_domain::policy::{Action, Actor, Decision, authorize};
use upward_storage::{Who, auth as store_auth, people};

pub const SESSION_COOKIE: &str = "upward_session";
pub const CSRF_COOKIE: &str = "upward_csrf";
pub const FLASH_COOKIE: &str = "upward_flash";

/// The signed-in person.
#[derive(Debug, Clone)]
pub struct Me {
    pub person_id: i64,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct Flash {
    /// 'success' or 'error'.
    pub kind: String,
    pub text: String,
}

/// What every handler knows about the request.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub actor: Option<Actor>,
    pub me: Option<Me>,
    pub csrf: String,
    pub flash: Option<Flash>,
    pub path: String,
    /// The path with its query string (where to come back to after signing in).
    pub here: String,
    /// Signed in with an API token rather than a session.
    pub via_token: bool,
    pub secure: bool,
    /// The client's address (for sign-in rate limits).
    pub ip: String,
}

impl Ctx {
    /// Ask the policy module; fail with the right error when refused.
    pub fn require(&self, action: Action) -> Result<&Actor, Failure> {
        match authorize(self.actor.as_ref(), &action) {
            Decision::Allow => self.actor.as_ref().ok_or(Failure::SignInRequired),
            Decision::SignInRequired => Err(Failure::SignInRequired),
            Decision::Deny => Err(Failure::Forbidden),
        }
    }

    pub fn can(&self, action: &Action) -> bool {
        authorize(self.actor.as_ref(), action).allowed()
    }

    /// The signed-in person, or a sign-in failure.
    pub fn me(&self) -> Result<&Me, Failure> {
        self.me.as_ref().ok_or(Failure::SignInRequired)
    }

    /// Who to name on the audit trail.
    pub fn who(&self) -> Who {
        match &self.me {
            Some(m) => Who::person(m.person_id, format!("{} <{}>", m.name, m.email)),
            None => Who::system("anonymous"),
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Ctx, Infallible> {
        Ok(parts.extensions.get::<Ctx>().cloned().unwrap_or_else(|| Ctx {
            actor: None,
            me: None,
            csrf: String::new(),
            flash: None,
            path: parts.uri.path().to_string(),
            here: parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default(),
            via_token: false,
            secure: false,
            ip: String::new(),
        }))
    }
}

/// Read one cookie from the request headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A Set-Cookie value with Upward's attributes.
pub fn set_cookie(name: &str, value: &str, max_age: Option<i64>, same_site: &str, secure: bool) -> HeaderValue {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite={same_site}");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

async fn load_actor(state: &AppState, person_id: i64) -> Option<(Actor, Me)> {
    let person = people::actor(&state.db, person_id).await.ok()??;
    Some((Actor::new(person_id, person.grants), Me { person_id, name: person.full_name, email: person.email }))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// The middleware.
pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let secure = state.config.secure_cookies()
        || parts.headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) == Some("https");

    // Who is asking: an API token, or a session cookie.
    let bearer = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let mut via_token = false;
    let mut person_id = None;
    if let Some(t) = bearer {
        match store_auth::api_token_person(&state.db, &token_hash(&t)).await {
            Ok(Some(p)) => {
                person_id = Some(p);
                via_token = true;
            }
            Ok(None) => return Failure::BadToken.respond(is_api(&path)),
            Err(e) => return Failure::from(e).respond(is_api(&path)),
        }
    } else if let Some(t) = cookie(&parts.headers, SESSION_COOKIE) {
        match store_auth::session_person(&state.db, &token_hash(&t)).await {
            Ok(p) => person_id = p,
            Err(e) => return Failure::from(e).respond(is_api(&path)),
        }
    }
    let (actor, me) = match person_id {
        Some(p) => match load_actor(&state, p).await {
            Some((a, m)) => (Some(a), Some(m)),
            None => (None, None),
        },
        None => (None, None),
    };

    // CSRF: a token in a cookie, echoed by every state-changing request
    // (form field, X-CSRF-Token header, or ?csrf= for file uploads).
    let cookie_token = cookie(&parts.headers, CSRF_COOKIE).filter(|t| t.len() >= 32);
    let new_csrf = cookie_token.is_none();
    let csrf = cookie_token.clone().unwrap_or_else(new_token);
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body = body;
    if unsafe_method && !via_token {
        if let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            let origin_host = origin.split("://").nth(1).unwrap_or("");
            if origin != "null" && origin_host != host {
                return Failure::CsrfFailed.respond(is_api(&path));
            }
        }
        let mut sent =
            parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string).or_else(|| {
                parts.uri.query().and_then(|q| {
                    form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned())
                })
            });
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if sent.is_none() && is_form {
            let bytes = match to_bytes(body, 4 * 1024 * 1024).await {
                Ok(b) => b,
                Err(_) => return Failure::TooLarge.respond(is_api(&path)),
            };
            sent = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
            body = Body::from(bytes);
        }
        let ok = matches!((&cookie_token, &sent), (Some(c), Some(s)) if same(c, s));
        if !ok {
            return Failure::CsrfFailed.respond(is_api(&path));
        }
    }

    let flash = cookie(&parts.headers, FLASH_COOKIE).and_then(|v| {
        let decoded = percent_encoding::percent_decode_str(&v).decode_utf8().ok()?.into_owned();
        let (kind, text) = decoded.split_once(':')?;
        Some(Flash { kind: kind.to_string(), text: text.to_string() })
    });
    let had_flash = flash.is_some();

    let ip = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "local".into());
    let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| path.clone());
    let ctx = Ctx { actor, me, csrf: csrf.clone(), flash, path: path.clone(), here, via_token, secure, ip };
    parts.extensions.insert(ctx.clone());
    let req = Request::from_parts(parts, body);
    let mut res = next.run(req).await;

    // A handler's failure (or an extractor's plain-text rejection) becomes a
    // proper page or JSON error.
    if let Some(f) = res.extensions_mut().remove::<FailureMarker>() {
        res = crate::error::render_failure(&state, &ctx, f.0, is_api(&path));
    } else if res.status().is_client_error()
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("text/plain"))
    {
        let status = res.status();
        let text =
            String::from_utf8_lossy(&to_bytes(res.into_body(), 64 * 1024).await.unwrap_or_default()).into_owned();
        let failure = match status {
            StatusCode::NOT_FOUND => Failure::NotFound("page".into()),
            StatusCode::PAYLOAD_TOO_LARGE => Failure::TooLarge,
            StatusCode::METHOD_NOT_ALLOWED => Failure::MethodNotAllowed,
            _ => Failure::BadRequest(text),
        };
        res = crate::error::render_failure(&state, &ctx, failure, is_api(&path));
    }
    let h = res.headers_mut();
    if new_csrf {
        h.append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &csrf, None, "Strict", secure));
    }
    if had_flash && !h.get_all(header::SET_COOKIE).iter().any(|v| v.to_str().unwrap_or("").starts_with(FLASH_COOKIE)) {
        h.append(header::SET_COOKIE, set_cookie(FLASH_COOKIE, "", Some(0), "Lax", secure));
    }
    if ctx.me.is_some() || path.starts_with("/api/") {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// A redirect (303 See Other) with a message shown on the next page.
pub fn redirect_with(to: &str, kind: &str, text: &str, secure: bool) -> Response {
    let v = percent_encoding::utf8_percent_encode(&format!("{kind}:{text}"), percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let mut res = redirect(to);
    res.headers_mut().append(header::SET_COOKIE, set_cookie(FLASH_COOKIE, &v, Some(60), "Lax", secure));
    res
}

/// A redirect (303 See Other).
pub fn redirect(to: &str) -> Response {
    let mut res = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}
