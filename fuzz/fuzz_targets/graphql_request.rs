//! Arbitrary bytes as a GraphQL-over-HTTP request through the real axum
//! router (`fundtrail_api::router`), in process, over an `AppState` on a
//! temporary embedded store that holds a small world (organisations, a
//! roadmap, priorities, a committed pledge), so mutations can succeed.
//!
//! The first byte picks the request's shape, the rest is its body:
//! - 0..=5: `POST /graphql`, `application/json`, with an admin token;
//! - 6: `GET /graphql?query=<the rest>`, with an admin token;
//! - 7: `POST`, accepting `application/graphql-response+json`, anonymous
//!   (the server refuses, before or after reading the body).
//!
//! Asserted: no panic; a status below 500, or 503/504 (overloaded, not
//! broken); an answer that says it is JSON parses as JSON; every error the
//! schema answers with carries one of the contract's codes (so never
//! `INTERNAL_SERVER_ERROR`).

#![no_main]

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, header};
use fundtrail_app::auth::{TokenFor, create_token};
use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::Role;
use fundtrail_ledger::CommandContext;
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct App {
    runtime: tokio::runtime::Runtime,
    router: Router,
    bearer: String,
}

/// A directory for the store: on tmpfs when there is one (no fsync cost),
/// named after this process; those of fuzzers that have exited are removed.
fn store_dir() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    let base = if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    };
    if let Ok(entries) = std::fs::read_dir(&base) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name.strip_prefix("fundtrail-fuzz-graphql-")
                && !PathBuf::from(format!("/proc/{pid}")).exists()
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let dir = base.join(format!("fundtrail-fuzz-graphql-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const WORLD: &[&str] = &[
    r#"mutation { registerOrganisation(input: { id: "giz", name: "GIZ", kind: BILATERAL_AGENCY, country: "DEU" }) { id } }"#,
    r#"mutation { registerOrganisation(input: { id: "civ-gov", name: "Gouvernement", kind: GOVERNMENT, country: "CIV" }) { id } }"#,
    r#"mutation { createRoadmap(input: { id: "civ", country: "CIV", title: "Feuille de route", periodStart: "2023-01-01", periodEnd: "2025-12-31", currency: "XOF" }) { id } }"#,
    r#"mutation { definePriority(input: { id: "civ-p1", roadmapId: "civ", rank: 1, title: "Coordination" }) { id } }"#,
    r#"mutation { definePriority(input: { id: "civ-p2", roadmapId: "civ", rank: 2, title: "Data" }) { id } }"#,
    r#"mutation { setFundingRequirement(input: { priorityId: "civ-p1", amount: { amount: "10000000", currency: "XOF" } }) { id } }"#,
    r#"mutation { pledge(input: { id: "p1", donorId: "giz", recipientId: "civ-gov", roadmapId: "civ", kind: CASH, amount: { amount: "1000", currency: "EUR" }, allocations: [{ priorityId: "civ-p1", amount: "600" }, { priorityId: "civ-p2", amount: "400" }], pledgedOn: "2024-01-10" }) { id } }"#,
    r#"mutation { commitPledge(input: { pledgeId: "p1", committedOn: "2024-01-20" }) { id } }"#,
];

static APP: LazyLock<App> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let (router, bearer) = runtime.block_on(async {
        let store: Arc<dyn EventStore> =
            Arc::new(SqliteStore::open(store_dir()).expect("open the embedded store"));
        let state = AppState::start(store, Limits::default())
            .await
            .expect("start the API state");
        let token = create_token(
            &state,
            &CommandContext::by("fuzz-setup"),
            TokenFor::new("fuzz-admin", Role::Admin),
        )
        .await
        .expect("record the admin token")
        .token;
        let router = router(build_schema(state.clone()), state, ServeOptions::default());
        let bearer = format!("Bearer {token}");
        for mutation in WORLD {
            let body = serde_json::json!({ "query": mutation }).to_string();
            let request = Request::post("/graphql")
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::AUTHORIZATION, &bearer)
                .body(Body::from(body))
                .expect("a request");
            let response = router.clone().oneshot(request).await.expect("an answer");
            let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
                .await
                .expect("a body");
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("\"errors\""), "{mutation}: {text}");
        }
        (router, bearer)
    });
    App {
        runtime,
        router,
        bearer,
    }
});

/// The contract's error codes (`../shared/docs/api-contract.md`).
const CODES: &[&str] = &[
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "CONCURRENCY_CONFLICT",
    "IDEMPOTENCY_CONFLICT",
    "INVALID_STATE",
    "UNAUTHENTICATED",
    "FORBIDDEN",
];

/// `text` percent-encoded for a query string.
fn encoded(text: &[u8]) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn request(app: &App, data: &[u8]) -> Request<Body> {
    let (shape, body) = match data.split_first() {
        Some((shape, body)) => (shape % 8, body),
        None => (0, data),
    };
    let builder = match shape {
        6 => Request::get(format!("/graphql?query={}", encoded(body)))
            .header(header::AUTHORIZATION, &app.bearer),
        7 => Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/graphql-response+json"),
        _ => Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::AUTHORIZATION, &app.bearer),
    };
    let body = if shape == 6 {
        Body::empty()
    } else {
        Body::from(body.to_vec())
    };
    builder.body(body).expect("a request")
}

fuzz_target!(|data: &[u8]| {
    let app = &*APP;
    let request = request(app, data);
    app.runtime.block_on(async {
        let response = app
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("the router always answers");
        let status = response.status().as_u16();
        let json = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        assert!(
            status < 500 || status == 503 || status == 504,
            "status {status} for {:?}: {}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(&bytes)
        );
        if !json {
            return;
        }
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "a JSON answer that is not JSON ({e}): {}",
                String::from_utf8_lossy(&bytes)
            )
        });
        // What the schema answers (200, or 400 for graphql-response+json)
        // carries a contract code on every error, never a server failure.
        if status == 200 || body.get("data").is_some() {
            for error in body["errors"].as_array().into_iter().flatten() {
                let code = error["extensions"]["code"].as_str().unwrap_or("(none)");
                assert!(
                    CODES.contains(&code),
                    "error code {code} for {:?}: {body}",
                    String::from_utf8_lossy(data)
                );
            }
        }
    });
});
