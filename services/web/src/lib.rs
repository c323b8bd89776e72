//! # fundtrail-web
//!
//! The web workspace served by `fundtrail serve` beside the GraphQL API, for
//! officers, auditors and viewers, in French and English:
//!
//! - `/` the roadmap dashboard (required, committed, disbursed per priority,
//!   pledges apart, gap and coverage, in a chosen currency, for the two
//!   clocks `on` and `asOf`), with its SVG chart ([`chart`]);
//! - `/donors` the donor map, `/organisations/{id}` each organisation;
//! - `/pipeline` proposals and partnerships by status;
//! - `/pledges/{id}`, `/partnerships/{id}`, `/proposals/{id}`,
//!   `/roadmaps/{id}`, `/priorities/{id}` with their full history;
//! - `/audit` the audit trail and the hash-chain check (auditors, admins);
//! - `/new/...` and `/{entity}/{id}/{action}` the forms for the main
//!   commands ([`forms`]), run through the same command side as GraphQL
//!   ([`fundtrail_app::AppState::execute`]), with `commandId` and
//!   `expectedVersion`.
//!
//! Sign-in takes an API token once and keeps a server-side session
//! ([`session`]). Pages are HTML rendered on the server ([`maud`]); the CSS
//! and a small script are embedded in the binary ([`assets`]). Every response
//! says how long the server took in `Server-Timing: app;dur=…`.

pub mod assets;
pub mod chart;
pub mod forms;
pub mod i18n;
pub mod layout;
pub mod session;
pub mod views;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use fundtrail_app::AppState;
use fundtrail_domain::access::Principal;

use crate::i18n::Lang;
use crate::session::{Sessions, SignedIn};
use fundtrail_app::rate_limit::{CallerKey, CallerLimiter, Limiter, retry_after_secs};

/// How the pages are served.
#[derive(Debug, Clone, Default)]
pub struct WebOptions {
    /// Anonymous visitors may read (the server's `--public-read`); they never see forms.
    pub public_read: bool,
    /// The store is the temporary demo: the sign-in page says where the token is.
    pub demo: bool,
    /// Requests per caller, shared with the API (`None`: no limit): a
    /// signed-in principal's pages and forms take from its own budget,
    /// anyone else's from its address's.
    pub rate_limit: Option<Arc<CallerLimiter>>,
}

/// Sign-in attempts allowed per address and per token: this many at once,
/// then one every [`SIGN_IN_PERIOD`].
pub const SIGN_IN_BURST: u32 = 10;
pub const SIGN_IN_PERIOD: std::time::Duration = std::time::Duration::from_secs(6);

/// What every page handler shares. Cheap to clone.
#[derive(Clone)]
pub struct Web {
    pub app: AppState,
    pub sessions: Arc<Sessions>,
    pub options: WebOptions,
    /// Sign-in attempts, by address and by token ([`SIGN_IN_BURST`]).
    pub sign_ins: Arc<Limiter<SignInKey>>,
}

/// Whose sign-in attempts a bucket counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SignInKey {
    Address(Option<std::net::IpAddr>),
    /// The SHA-256 of the token tried (never the token).
    Token(String),
}

impl Web {
    pub fn new(app: AppState, options: WebOptions) -> Web {
        Web {
            app,
            sessions: Arc::new(Sessions::default()),
            options,
            sign_ins: Limiter::with_quota(SIGN_IN_PERIOD, SIGN_IN_BURST),
        }
    }

    /// The pages, to merge into the server's router.
    pub fn routes(&self) -> Router {
        Router::new()
            .route("/", get(views::dashboard::page))
            .route("/login", get(views::login::form).post(views::login::submit))
            .route("/login/once/{key}", get(views::login::once))
            .route("/logout", post(views::login::logout))
            .route("/lang/{code}", get(views::login::switch_language))
            .route("/donors", get(views::donors::page))
            .route("/organisations/{id}", get(views::organisation::page))
            .route("/pipeline", get(views::pipeline::page))
            .route("/worklist", get(views::worklist::page))
            .route("/roadmaps/{id}", get(views::entity::roadmap))
            .route("/priorities/{id}", get(views::entity::priority))
            .route("/pledges/{id}", get(views::entity::pledge))
            .route("/partnerships/{id}", get(views::entity::partnership))
            .route("/proposals/{id}", get(views::entity::proposal))
            .route("/audit", get(views::audit::page))
            .merge(forms::routes())
            .route("/assets/{file}", get(assets::serve))
            .with_state(self.clone())
            .layer(middleware::from_fn_with_state(self.clone(), rate_limited))
            .layer(DefaultBodyLimit::max(64 * 1024))
            .layer(middleware::from_fn(server_timing))
    }

    /// A link that signs in with `token` once (for `serve --demo`, printed
    /// on the terminal beside the token); the token is not in the link.
    pub fn one_time_login_path(&self, token: &str) -> String {
        format!("/login/once/{}", self.sessions.one_time_key(token))
    }
}

/// The pages of `app`, for `fundtrail serve` (see [`Web::routes`]).
pub fn routes(app: AppState, options: WebOptions) -> (Router, Web) {
    let web = Web::new(app, options);
    (web.routes(), web)
}

/// The client's address, when the server knows it.
pub fn address_of(request_extensions: &axum::http::Extensions) -> Option<std::net::IpAddr> {
    request_extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Counts every page and form against its caller's budget (the principal
/// signed in, else the address), shared with the API: 429 past it.
async fn rate_limited(State(web): State<Web>, request: Request, next: Next) -> Response {
    let Some(limiter) = web.options.rate_limit.clone() else {
        return next.run(request).await;
    };
    let principal = web
        .sessions
        .signed_in(&web.app, request.headers())
        .map(|s| s.principal.name);
    let key = CallerKey::of(principal.as_deref(), address_of(request.extensions()));
    match limiter.check(&key) {
        Ok(()) => next.run(request).await,
        Err(wait) => too_many(retry_after_secs(wait)),
    }
}

/// 429 with `Retry-After`, in plain words.
pub fn too_many(retry_after: u64) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        format!("Too many requests: try again in {retry_after} s. / Trop de requêtes : réessayez dans {retry_after} s.\n"),
    )
        .into_response();
    if let Ok(value) = header::HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Adds `Server-Timing: app;dur=<ms>` (time spent in the server) and the
/// pages' security headers.
async fn server_timing(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let mut response = next.run(request).await;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.2}")) {
        headers.insert("server-timing", v);
    }
    let is_html = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if is_html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                 form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The request as pages see it: language, who is signed in, where it is.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub user: Option<SignedIn>,
    /// Path and query of the request (the language switch comes back here).
    pub here: String,
    pub public_read: bool,
}

// The refusals are the handlers' whole answer (a redirect or a 403 page),
// returned once per request: boxing them buys nothing.
#[allow(clippy::result_large_err)]
impl Ctx {
    pub fn new(web: &Web, headers: &HeaderMap, uri: &Uri) -> Ctx {
        Ctx {
            lang: Lang::of_request(headers),
            user: web.sessions.signed_in(&web.app, headers),
            here: uri
                .path_and_query()
                .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            public_read: web.options.public_read,
        }
    }

    pub fn principal(&self) -> Option<&Principal> {
        self.user.as_ref().map(|u| &u.principal)
    }

    pub fn may_record(&self) -> bool {
        self.principal().is_some_and(Principal::may_record)
    }

    pub fn may_audit(&self) -> bool {
        self.principal().is_some_and(Principal::may_read_audit)
    }

    /// Readers: a signed-in principal, or anyone on a public-read server;
    /// others are sent to the sign-in page and brought back.
    pub fn require_reader(&self) -> Result<(), Response> {
        if self.user.is_some() || self.public_read {
            Ok(())
        } else {
            Err(to_login(&self.here))
        }
    }

    /// Officers and admins (the forms).
    pub fn require_recorder(&self) -> Result<&SignedIn, Response> {
        match &self.user {
            None => Err(to_login(&self.here)),
            Some(u) if u.principal.may_record() => Ok(u),
            Some(_) => Err(views::refused(
                self,
                self.lang.t(
                    "Recording facts needs an officer or administrator token.",
                    "Saisir des faits demande un jeton de chargé de saisie ou d'administrateur.",
                ),
            )),
        }
    }

    /// Auditors and admins (the audit trail).
    pub fn require_auditor(&self) -> Result<(), Response> {
        match &self.user {
            None => Err(to_login(&self.here)),
            Some(u) if u.principal.may_read_audit() => Ok(()),
            Some(_) => Err(views::refused(
                self,
                self.lang.t(
                    "The audit trail is for auditors and administrators.",
                    "La piste d'audit est réservée aux auditeurs et aux administrateurs.",
                ),
            )),
        }
    }
}

/// To the sign-in page, then back to `here`.
pub fn to_login(here: &str) -> Response {
    let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
    Redirect::to(&format!("/login?next={next}")).into_response()
}

/// A local path to come back to (never another site): a path of this
/// server as a browser will read it. Browsers drop tabs and line breaks
/// from a URL and read `\\` as `/`, so `/\t/evil.example` would lead to
/// `//evil.example`, another host: anything that is not plainly a local
/// path (`/` then not `/` or `\\`, printable, no `\\` at all) becomes `/`.
pub fn local_path(raw: Option<&str>) -> String {
    let Some(p) = raw else {
        return "/".to_owned();
    };
    let plain = p.starts_with('/')
        && !p.starts_with("//")
        && !p.contains('\\')
        && !p.chars().any(|c| c.is_control() || c.is_whitespace());
    if plain { p.to_owned() } else { "/".to_owned() }
}

/// `303 See Other` to `to` (after a form).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response()
}

/// A query string's parameters (repeated keys kept in order).
pub fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

/// The first non-empty value of `key`.
pub fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, v)| k == key && !v.trim().is_empty())
        .map(|(_, v)| v.trim())
}

/// Percent-encodes a query value.
pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
