//! Hostile documents through the real router, in process: refused at once
//! with `BAD_USER_INPUT` and `extensions.limit`, and answers that stay small.
//! (The end-to-end corpus of bad input is `tests/tests/e2e/hostile.rs`;
//! inputs the fuzzers found are kept here as regressions.)

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fundtrail_api::graphql::limits::{MAX_ALIASES, MAX_SELECTIONS};
use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::auth::{TokenFor, create_token};
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::Role;
use fundtrail_ledger::CommandContext;
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;
use serde_json::{Value, json};
use tower::ServiceExt;

struct App {
    _dir: tempfile::TempDir,
    router: Router,
    token: String,
}

/// The router over a fresh embedded store, with an admin token.
async fn app() -> App {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    let token = create_token(
        &state,
        &CommandContext::by("hostile-setup"),
        TokenFor::new("admin", Role::Admin),
    )
    .await
    .unwrap()
    .token;
    let router = router(build_schema(state.clone()), state, ServeOptions::default());
    App {
        _dir: dir,
        router,
        token,
    }
}

impl App {
    /// POSTs `body` as JSON; the status and the parsed answer.
    async fn post(&self, body: &[u8]) -> (StatusCode, Value) {
        let request = Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .body(Body::from(body.to_vec()))
            .unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, body)
    }

    async fn query(&self, query: &str) -> (StatusCode, Value) {
        self.post(json!({ "query": query }).to_string().as_bytes())
            .await
    }
}

fn first_error(body: &Value) -> &Value {
    &body["errors"][0]
}

/// Each fragment spreads the next one twice: 2^22 fields once expanded.
/// async-graphql's depth check walked them all (16 s in a debug build,
/// doubling with each fragment); now the document is refused before that.
#[tokio::test]
async fn fragments_that_double_are_refused_at_once() {
    let app = app().await;
    let mut query = String::from("query { ...F0 }\n");
    for i in 0..22 {
        query.push_str(&format!(
            "fragment F{i} on Query {{ ...F{n} ...F{n} }}\n",
            n = i + 1
        ));
    }
    query.push_str("fragment F22 on Query { __typename }\n");
    let started = Instant::now();
    let (status, body) = app.query(&query).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.get("data").is_none(), "a request error: {body}");
    assert_eq!(first_error(&body)["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(first_error(&body)["extensions"]["limit"], "selections");

    // Deeper than the recursion limit, and a cycle.
    let mut query = String::from("query { ...F0 }\n");
    for i in 0..40 {
        query.push_str(&format!("fragment F{i} on Query {{ ...F{} }}\n", i + 1));
    }
    query.push_str("fragment F40 on Query { __typename }\n");
    let (_, body) = app.query(&query).await;
    assert_eq!(first_error(&body)["extensions"]["limit"], "depth", "{body}");
    let (_, body) = app
        .query("query { ...A } fragment A on Query { ...A ...A }")
        .await;
    assert_eq!(
        first_error(&body)["extensions"]["limit"],
        "fragmentCycle",
        "{body}"
    );
}

/// `__typename` costs nothing in complexity: 20,000 aliases of it were
/// answered in full.
#[tokio::test]
async fn aliases_and_selections_are_bounded() {
    let app = app().await;
    let aliases = |n: usize| {
        let fields: Vec<String> = (0..n).map(|i| format!("a{i}: __typename")).collect();
        format!("{{ {} }}", fields.join(" "))
    };
    let (status, body) = app.query(&aliases(MAX_ALIASES)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["a0"], "Query", "{body}");
    for query in [
        aliases(MAX_ALIASES + 1),
        aliases(20_000),
        format!("{{ {} }}", "roadmaps { id } ".repeat(MAX_SELECTIONS)),
    ] {
        let (status, body) = app.query(&query).await;
        assert_eq!(status, StatusCode::OK);
        let error = first_error(&body);
        assert_eq!(error["extensions"]["code"], "BAD_USER_INPUT", "{body}");
        assert!(
            error["message"].as_str().unwrap().contains("at most")
                || error["message"].as_str().unwrap().contains("more than"),
            "{error}"
        );
        assert_eq!(body["errors"].as_array().unwrap().len(), 1);
    }
}

/// A 500 KB document of unknown arguments drew one error each (50,000,
/// a 10 MB answer); a syntax error quoted the whole line (all
/// of a one-line query, twice its size with the caret line), and the
/// document was parsed three times to say so.
#[tokio::test]
async fn answers_to_bad_documents_stay_small() {
    let app = app().await;
    let arguments: Vec<String> = (0..50_000).map(|i| format!("a{i}: 1")).collect();
    let (status, body) = app
        .query(&format!("{{ roadmaps({}) {{ id }} }}", arguments.join(" ")))
        .await;
    assert_eq!(status, StatusCode::OK);
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 101, "100 errors and a count of the others");
    assert_eq!(errors[100]["message"], "... and 49900 more errors");
    assert!(
        errors
            .iter()
            .all(|e| e["extensions"]["code"] == "BAD_USER_INPUT")
    );

    let query = format!("{{ roadmaps {{ id {} }}", "x ".repeat(100_000));
    let (status, body) = app.query(&query).await;
    assert_eq!(status, StatusCode::OK);
    let message = first_error(&body)["message"].as_str().unwrap();
    assert!(message.len() <= 1_004, "{} bytes", message.len());
    assert!(body.to_string().len() < 10_000);
}
