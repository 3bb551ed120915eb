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

/// The signed-in person and their roles; None when the person is gone. A
/// database failure is a failure, not "signed out".
async fn load_actor(state: &AppState, person_id: i64) -> Result<Option<(Actor, Me)>, upward_storage::StoreError> {
    Ok(people::actor(&state.db, person_id).await?.map(|person| {
        (Actor::new(person_id, person.grants), Me { person_id, name: person.full_name, email: person.email })
    }))
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// May a change come from this Origin? Only from Upward's own public
/// address. (The demo, which has no public address of its own, also takes
/// this machine by another of its names: `localhost` for `127.0.0.1`.)
pub fn origin_allowed(origin: &str, config: &crate::config::Config, host: Option<&str>) -> bool {
    if origin.eq_ignore_ascii_case("null") {
        return false;
    }
    let origin = crate::config::origin_of(origin);
    if origin == config.origin() {
        return true;
    }
    let Some((_, authority)) = origin.split_once("://") else { return false };
    let name =
        authority.rsplit_once(':').map(|(h, p)| if p.ends_with(']') { authority } else { h }).unwrap_or(authority);
    let loopback = matches!(name, "localhost" | "127.0.0.1" | "[::1]");
    config.demo && loopback && host.is_some_and(|h| authority.eq_ignore_ascii_case(h))
}

/// The CSRF token sent with a request: the X-CSRF-Token header, a form
/// field, or (on the upload routes only, whose bodies are files) `?csrf=`.
async fn sent_csrf(parts: &Parts, body: Body, path: &str) -> Result<(Option<String>, Body), Failure> {
    let mut sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    if sent.is_none() && crate::is_upload_route(path) {
        sent = parts
            .uri
            .query()
            .and_then(|q| form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned()));
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if sent.is_some() || !is_form {
        return Ok((sent, body));
    }
    let bytes = to_bytes(body, crate::BODY_LIMIT).await.map_err(|_| Failure::TooLarge)?;
    let sent = form_urlencoded::parse(&bytes).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
    Ok((sent, Body::from(bytes)))
}

/// The session cookie a response sets, if it sets one ("" when it ends
/// the session).
fn session_set_by(res: &Response) -> Option<String> {
    res.headers().get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
        v.strip_prefix(SESSION_COOKIE)
            .and_then(|rest| rest.strip_prefix('='))
            .map(|rest| rest.split(';').next().unwrap_or("").to_string())
    })
}

/// The middleware.
pub async fn context(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let api = is_api(&path);
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
    let mut session = None;
    if let Some(t) = bearer {
        match store_auth::api_token_person(&state.db, &token_hash(&t)).await {
            Ok(Some(p)) => {
                person_id = Some(p);
                via_token = true;
            }
            Ok(None) => return Failure::BadToken.respond(api),
            Err(e) => return Failure::from(e).respond(api),
        }
    } else if let Some(t) = cookie(&parts.headers, SESSION_COOKIE) {
        match store_auth::session_person(&state.db, &token_hash(&t)).await {
            Ok(p) => {
                person_id = p;
                session = p.map(|_| t);
            }
            Err(e) => return Failure::from(e).respond(api),
        }
    }
    let (actor, me) = match person_id {
        Some(p) => match load_actor(&state, p).await {
            Ok(Some((a, m))) => (Some(a), Some(m)),
            Ok(None) => (None, None),
            Err(e) => return Failure::from(e).respond(api),
        },
        None => (None, None),
    };

    // CSRF: every state-changing request made with cookies echoes a token.
    // A signed-in person's is derived from their session (bound to it, new
    // at every sign-in); before signing in it is a random one kept in a
    // cookie. Also checked: the Origin, against Upward's public address.
    let cookie_token = cookie(&parts.headers, CSRF_COOKIE).filter(|t| t.len() >= 32);
    let csrf = match (&session, &me) {
        (Some(t), Some(_)) => crate::security::csrf_for_session(t),
        _ => cookie_token.clone().unwrap_or_else(new_token),
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let mut body = body;
    if unsafe_method && !via_token {
        if let Some(origin) = parts.headers.get(header::ORIGIN) {
            let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok());
            if !origin.to_str().is_ok_and(|o| origin_allowed(o, &state.config, host)) {
                return Failure::CsrfFailed.respond(api);
            }
        }
        let sent = match sent_csrf(&parts, body, &path).await {
            Ok((sent, b)) => {
                body = b;
                sent
            }
            Err(f) => return f.respond(api),
        };
        if !sent.is_some_and(|s| same(&csrf, &s)) {
            return Failure::CsrfFailed.respond(api);
        }
    }

    let flash = cookie(&parts.headers, FLASH_COOKIE).and_then(|v| {
        let decoded = percent_encoding::percent_decode_str(&v).decode_utf8().ok()?.into_owned();
        let (kind, text) = decoded.split_once(':')?;
        Some(Flash { kind: kind.to_string(), text: text.to_string() })
    });
    let had_flash = flash.is_some();

    let peer = parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    let forwarded: Vec<&str> =
        parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let ip = crate::config::client_ip(peer, &forwarded, &state.config.trusted_proxies);
    let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| path.clone());
    let ctx = Ctx { actor, me, csrf: csrf.clone(), flash, path: path.clone(), here, via_token, secure, ip };
    parts.extensions.insert(ctx.clone());
    let req = Request::from_parts(parts, body);
    let mut res = next.run(req).await;

    // A handler's failure (or an extractor's plain-text rejection) becomes a
    // proper page or JSON error.
    if let Some(f) = res.extensions_mut().remove::<FailureMarker>() {
        res = crate::error::render_failure(&state, &ctx, f.0, api);
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
        res = crate::error::render_failure(&state, &ctx, failure, api);
    }
    // The CSRF cookie carries the token forms echo: a new one whenever a
    // session starts (signing in) or ends (signing out).
    let next_csrf = match session_set_by(&res) {
        Some(t) if !t.is_empty() => Some(crate::security::csrf_for_session(&t)),
        Some(_) => Some(new_token()),
        None if cookie_token.as_deref() != Some(csrf.as_str()) && !via_token => Some(csrf.clone()),
        None => None,
    };
    let h = res.headers_mut();
    if let Some(t) = next_csrf {
        h.append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &t, None, "Strict", secure));
    }
    if had_flash && !h.get_all(header::SET_COOKIE).iter().any(|v| v.to_str().unwrap_or("").starts_with(FLASH_COOKIE)) {
        h.append(header::SET_COOKIE, set_cookie(FLASH_COOKIE, "", Some(0), "Lax", secure));
    }
    if ctx.me.is_some() || api {
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

#[cfg(test)]
mod tests {
    use super::origin_allowed;
    use crate::config::Config;

    #[test]
    fn changes_come_only_from_the_public_address() {
        let c = Config { public_url: "https://upward.example.org".into(), ..Config::default() };
        assert!(origin_allowed("https://upward.example.org", &c, Some("upward.example.org")));
        assert!(origin_allowed("https://UPWARD.example.org:443", &c, None));
        for bad in ["https://evil.example", "http://upward.example.org", "https://upward.example.org.evil", "null", ""]
        {
            assert!(!origin_allowed(bad, &c, Some("upward.example.org")), "{bad}");
        }
        // The Host header is not the test: a rebound name matches it.
        assert!(!origin_allowed("https://evil.example", &c, Some("evil.example")));
        // The demo takes its own machine by another name, nothing else.
        let demo = Config { public_url: "http://127.0.0.1:8080".into(), demo: true, ..Config::default() };
        assert!(origin_allowed("http://localhost:8080", &demo, Some("localhost:8080")));
        assert!(!origin_allowed("http://localhost:8080", &demo, Some("127.0.0.1:8080")));
        assert!(!origin_allowed("http://evil.example", &demo, Some("evil.example")));
        assert!(!origin_allowed(
            "http://localhost:8080",
            &Config { demo: false, ..demo.clone() },
            Some("localhost:8080")
        ));
    }
}
