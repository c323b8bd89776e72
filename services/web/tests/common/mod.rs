//! The web crate's tests share this: the Côte d'Ivoire demo imported into
//! a fresh embedded store, served in process, with a signed-in session.
#![allow(dead_code)] // each test file uses its part

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use fundtrail_app::auth::{TokenFor, create_token};
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::Role;
use fundtrail_ledger::CommandContext;
use fundtrail_web::{Web, WebOptions};
use tower::ServiceExt;

pub struct Demo {
    pub _dir: tempfile::TempDir,
    pub state: AppState,
    pub web: Web,
    pub router: Router,
}

/// The demo, served with `options`.
pub async fn demo(options: WebOptions) -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let store =
        Arc::new(fundtrail_store_sqlite::SqliteStore::open(dir.path().join("data")).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    state.ready().await;
    let plan =
        fundtrail_import::plan(fundtrail_import::DEMO_FILE_NAME, fundtrail_import::DEMO).unwrap();
    fundtrail_import::apply(&state, &plan, |_, _| {})
        .await
        .unwrap();
    let web = Web::new(state.clone(), options);
    let router = web.routes();
    Demo {
        _dir: dir,
        state,
        web,
        router,
    }
}

impl Demo {
    /// A new token of `role`.
    pub async fn token(&self, role: Role) -> String {
        let request = TokenFor::new(format!("Test {role}"), role);
        create_token(&self.state, &CommandContext::by("test"), request)
            .await
            .unwrap()
            .token
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, HeaderMap, String) {
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 10 << 20)
            .await
            .unwrap();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// `GET path` in English.
    pub async fn get(&self, path: &str, cookie: &str) -> (StatusCode, HeaderMap, String) {
        self.send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .header(header::ACCEPT_LANGUAGE, "en")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Posts `form` (URL-encoded) to `path`.
    pub async fn post(
        &self,
        path: &str,
        cookie: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Signs in; the `Cookie` header value of the session.
    pub async fn sign_in(&self, token: &str) -> String {
        let (status, headers, _) = self
            .post("/login", "", &[("token", token), ("next", "/")])
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let set = headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict"),
            "{set}"
        );
        assert!(!set.contains(&token[3..]), "the cookie is not the token");
        set.split(';').next().unwrap().to_owned()
    }

    /// Signs in with a new token of `role`.
    pub async fn sign_in_as(&self, role: Role) -> String {
        let token = self.token(role).await;
        self.sign_in(&token).await
    }
}

/// The value of a hidden input in a page, if there is one.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let at = html.find(&key)? + key.len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

/// The value of a hidden input in a page (panics when it is missing).
pub fn hidden(html: &str, name: &str) -> String {
    hidden_value(html, name).unwrap_or_else(|| panic!("no {name} in the form"))
}

/// Forms and pages as a signed-in browser sends and reads them.
impl Demo {
    /// Sends a form (`_csrf`, `commandId` and `expectedVersion` taken from
    /// the form at `path`) with `fields`; it must be recorded (303).
    pub async fn submit(&self, path: &str, cookie: &str, fields: &[(&str, &str)]) {
        let (status, html) = self.send_form(path, cookie, fields).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}: {html}");
    }

    /// Sends a form like [`Demo::submit`]; returns the answer, whatever it is.
    pub async fn send_form(
        &self,
        path: &str,
        cookie: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String) {
        let form = self.page(path, cookie, "en").await;
        let mut all: Vec<(String, String)> = ["_csrf", "commandId", "expectedVersion"]
            .into_iter()
            .filter_map(|k| hidden_value(&form, k).map(|v| (k.to_owned(), v)))
            .collect();
        all.extend(
            fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(all)
            .finish();
        let (status, _, html) = self
            .send(
                Request::post(path)
                    .header(header::COOKIE, cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(Body::from(body))
                    .unwrap(),
            )
            .await;
        (status, html)
    }

    /// The page at `path` in `lang` (`fr` or `en`); it must be 200.
    pub async fn page(&self, path: &str, cookie: &str, lang: &str) -> String {
        let (status, _, html) = self
            .send(
                Request::get(path)
                    .header(header::COOKIE, cookie)
                    .header(header::ACCEPT_LANGUAGE, lang)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{path}");
        html
    }
}
