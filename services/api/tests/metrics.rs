//! `GET /metrics`: the Prometheus text parses, and the counters move with
//! commands and requests.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use fundtrail_api::metrics::MetricsAccess;
use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::{AppState, Limits};
use fundtrail_import::{DEMO, DEMO_FILE_NAME, apply, plan};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;
use tower::ServiceExt;

/// One sample: the metric name, its labels, its value.
#[derive(Debug, Clone, PartialEq)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

/// A strict reader of the Prometheus text format (0.0.4) as exposed here:
/// `# HELP` and `# TYPE` before a family's samples, `name{k="v",...} value`.
fn parse(text: &str) -> (HashMap<String, String>, Vec<Sample>) {
    let mut types = HashMap::new();
    let mut helped = std::collections::HashSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        if line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(valid_name(name), "HELP of a bad name: {line}");
            helped.insert(name.to_owned());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let (name, kind) = (parts.next().unwrap(), parts.next().unwrap());
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(helped.contains(name), "TYPE before HELP: {line}");
            types.insert(name.to_owned(), kind.to_owned());
            continue;
        }
        assert!(!line.starts_with('#'), "an unknown comment: {line}");
        let (series, value) = line.rsplit_once(' ').expect("a value");
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("not a number: {line}")),
        };
        let (name, labels) = match series.split_once('{') {
            None => (series, Vec::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("a closing brace");
                let labels = body
                    .split("\",")
                    .filter(|p| !p.is_empty())
                    .map(|pair| {
                        let (k, v) = pair.split_once("=\"").expect("key=\"value\"");
                        assert!(valid_name(k), "bad label name in {line}");
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                (name, labels)
            }
        };
        assert!(valid_name(name), "bad metric name: {line}");
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|s| name.strip_suffix(s).filter(|f| types.contains_key(*f)))
            .unwrap_or(name);
        assert!(
            types.contains_key(family),
            "a sample before its TYPE: {line}"
        );
        samples.push(Sample {
            name: name.to_owned(),
            labels,
            value,
        });
    }
    (types, samples)
}

fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples
        .iter()
        .find(|s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|s| s.value)
}

async fn scrape(app: &axum::Router, accept: Option<&str>) -> (String, String) {
    let mut request = Request::get("/metrics");
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (content_type, String::from_utf8(body.to_vec()).unwrap())
}

async fn get(app: &axum::Router, path: &str) -> StatusCode {
    app.clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap()
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_with_commands_and_requests_and_the_text_parses() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    let app = router(
        build_schema(state.clone()),
        state.clone(),
        ServeOptions {
            metrics: MetricsAccess::Open,
            ..ServeOptions::default()
        },
    );

    let (content_type, before) = scrape(&app, None).await;
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let (types, samples) = parse(&before);
    assert_eq!(types["fundtrail_projection_lag_events"], "gauge");
    assert_eq!(types["fundtrail_events_appended_total"], "counter");
    assert_eq!(
        value(&samples, "fundtrail_events_appended_total", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "fundtrail_store_head_position", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(
            &samples,
            "fundtrail_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        Some(1.0)
    );

    // Mutations: the demo report through the ledger, then once more (every
    // step then answers as already done: no new event).
    let plan = plan(DEMO_FILE_NAME, DEMO).unwrap();
    let summary = apply(&state, &plan, |_, _| {}).await.unwrap();
    assert!(summary.is_complete());
    let appended = summary.events_appended as f64;
    assert!(appended > 100.0);
    apply(&state, &plan, |_, _| {}).await.unwrap();
    // Requests: a probe, a miss.
    assert_eq!(get(&app, "/healthz").await, StatusCode::OK);
    assert_eq!(get(&app, "/nowhere").await, StatusCode::NOT_FOUND);

    let (_, after) = scrape(&app, None).await;
    let (types, samples) = parse(&after);
    // Families with a label appear once they have a sample.
    assert_eq!(types["fundtrail_http_requests_total"], "counter");
    assert_eq!(
        types["fundtrail_http_request_duration_seconds"],
        "histogram"
    );
    assert_eq!(types["fundtrail_commands_total"], "counter");
    assert_eq!(
        value(&samples, "fundtrail_events_appended_total", &[]),
        Some(appended)
    );
    let commands = value(
        &samples,
        "fundtrail_commands_total",
        &[("outcome", "appended")],
    )
    .expect("appended commands counted");
    assert!(commands > 50.0, "{commands}");
    assert_eq!(
        value(&samples, "fundtrail_store_head_position", &[]),
        Some(appended)
    );
    assert_eq!(
        value(&samples, "fundtrail_projection_position", &[]),
        Some(appended)
    );
    assert_eq!(
        value(&samples, "fundtrail_projection_lag_events", &[]),
        Some(0.0)
    );
    assert_eq!(
        value(&samples, "fundtrail_read_models_ready", &[]),
        Some(1.0)
    );
    // The worklist by kind: the demo's 8 priorities state no requirement,
    // and no tranche is overdue.
    assert_eq!(types["fundtrail_worklist_items"], "gauge");
    assert_eq!(
        value(
            &samples,
            "fundtrail_worklist_items",
            &[("kind", "NO_REQUIREMENT")]
        ),
        Some(8.0)
    );
    assert_eq!(
        value(
            &samples,
            "fundtrail_worklist_items",
            &[("kind", "OVERDUE_TRANCHE")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            &samples,
            "fundtrail_http_requests_total",
            &[("route", "/healthz"), ("method", "GET"), ("status", "200")]
        ),
        Some(1.0)
    );
    assert_eq!(
        value(
            &samples,
            "fundtrail_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ),
        Some(1.0)
    );
    // The first scrape was counted too, under its own route.
    assert_eq!(
        value(
            &samples,
            "fundtrail_http_requests_total",
            &[("route", "/metrics"), ("status", "200")]
        ),
        Some(1.0)
    );
    // Histogram buckets are cumulative and end at +Inf = count.
    let buckets: Vec<&Sample> = samples
        .iter()
        .filter(|s| {
            s.name == "fundtrail_http_request_duration_seconds_bucket"
                && s.labels.contains(&("route".into(), "/healthz".into()))
        })
        .collect();
    assert!(buckets.len() > 5);
    assert!(buckets.windows(2).all(|w| w[0].value <= w[1].value));
    let last = buckets.last().unwrap();
    assert!(last.labels.contains(&("le".into(), "+Inf".into())));
    assert_eq!(
        Some(last.value),
        value(
            &samples,
            "fundtrail_http_request_duration_seconds_count",
            &[("route", "/healthz")]
        )
    );

    // OpenMetrics for a scraper that asks for it.
    let (content_type, open) =
        scrape(&app, Some("application/openmetrics-text;version=1.0.0")).await;
    assert!(content_type.starts_with("application/openmetrics-text"));
    assert!(open.ends_with("# EOF\n"), "{open}");
}

/// By default `/metrics` on the API's listener answers admins and auditors
/// only; anonymous callers get 401 and other roles 403 (it used to answer
/// anyone, `--public-read` or not).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_admins_and_auditors_unless_served_apart() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    let app = router(
        build_schema(state.clone()),
        state.clone(),
        ServeOptions::default(),
    );
    let context = fundtrail_ledger::CommandContext::by("test");
    let mut tokens = Vec::new();
    for role in [
        fundtrail_domain::Role::Viewer,
        fundtrail_domain::Role::Officer,
        fundtrail_domain::Role::Auditor,
        fundtrail_domain::Role::Admin,
    ] {
        let request = fundtrail_app::auth::TokenFor::new(format!("m {role}"), role);
        let created = fundtrail_app::auth::create_token(&state, &context, request)
            .await
            .unwrap();
        tokens.push(created.token);
    }
    let status = |token: Option<String>| {
        let app = app.clone();
        async move {
            let mut request = Request::get("/metrics");
            if let Some(token) = token {
                request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            app.oneshot(request.body(Body::empty()).unwrap())
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(status(None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(status(Some(tokens[0].clone())).await, StatusCode::FORBIDDEN);
    assert_eq!(status(Some(tokens[1].clone())).await, StatusCode::FORBIDDEN);
    assert_eq!(status(Some(tokens[2].clone())).await, StatusCode::OK);
    assert_eq!(status(Some(tokens[3].clone())).await, StatusCode::OK);
    // A listener of its own serves them to its scraper.
    let apart = fundtrail_api::metrics::scrape_router(state.clone());
    let (_, text) = scrape(&apart, None).await;
    assert!(text.contains("fundtrail_build_info"), "{text}");
}
