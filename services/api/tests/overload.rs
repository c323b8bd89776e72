//! Issue #17: past `max_in_flight` requests at once, the API sheds load: 503
//! at once with `Retry-After: 1` and `extensions.code` `OVERLOADED`, while
//! the admitted requests answer normally and the probes stay outside the
//! bound; once the slots free up, the server answers as before.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode, header};
use fundtrail_api::overload::InFlight;
use fundtrail_api::{ServeOptions, build_schema, router};
use fundtrail_app::{AppState, Limits};
use fundtrail_import::{DEMO, DEMO_FILE_NAME, apply, plan};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::SqliteStore;
use serde_json::Value;
use tokio::sync::mpsc;
use tower::ServiceExt;

async fn demo(max_in_flight: usize) -> (tempfile::TempDir, AppState, InFlight, Router) {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn EventStore> = Arc::new(SqliteStore::open(dir.path()).unwrap());
    let state = AppState::start(store, Limits::default()).await.unwrap();
    let plan = plan(DEMO_FILE_NAME, DEMO).unwrap();
    assert!(apply(&state, &plan, |_, _| {}).await.unwrap().is_complete());
    let in_flight = InFlight::new(max_in_flight);
    let options = ServeOptions {
        auth: fundtrail_app::auth::AuthPolicy { public_read: true },
        in_flight: Some(in_flight.clone()),
        ..ServeOptions::default()
    };
    let app = router(build_schema(state.clone()), state.clone(), options);
    (dir, state, in_flight, app)
}

struct Answer {
    status: StatusCode,
    retry_after: Option<String>,
    body: Vec<u8>,
    took: Duration,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// 503, `Retry-After: 1`, `{"errors":[{"message":…,"extensions":{"code":"OVERLOADED"}}]}`.
    fn assert_shed(&self) {
        assert_eq!(self.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(self.retry_after.as_deref(), Some("1"));
        let body = self.json();
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "OVERLOADED",
            "{body}"
        );
        assert!(body["errors"][0]["message"].is_string(), "{body}");
    }
}

async fn send(app: &Router, request: Request<Body>) -> Answer {
    let started = Instant::now();
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        retry_after,
        body,
        took: started.elapsed(),
    }
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

const FUNDING: &str = r#"{"query":"{ fundingByPriority(roadmapId: \"civ-2023\") { total { pledged { amount } } } }"}"#;

/// A `POST /graphql` whose body arrives only when `send` is told to: it
/// holds its slot while the server waits for the body.
fn held_request() -> (Request<Body>, mpsc::Sender<Result<Bytes, std::io::Error>>) {
    let (tx, rx) = mpsc::channel(1);
    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let request = Request::post("/graphql")
        .header(header::CONTENT_TYPE, "application/json")
        .body(body)
        .unwrap();
    (request, tx)
}

async fn until_busy(in_flight: &InFlight, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while in_flight.busy() < n {
        assert!(Instant::now() < deadline, "{n} slots never filled");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_every_slot_busy_requests_are_shed_and_probes_still_answer() {
    let (_dir, _state, in_flight, app) = demo(2).await;
    assert_eq!(in_flight.max(), 2);
    let mut held = Vec::new();
    for _ in 0..2 {
        let (request, body) = held_request();
        let app = app.clone();
        held.push((tokio::spawn(async move { send(&app, request).await }), body));
    }
    until_busy(&in_flight, 2).await;

    // Every kind of API request is refused at once, before any work.
    for request in [
        get("/export/funding.csv?roadmap=civ-2023"),
        Request::post("/graphql")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(FUNDING))
            .unwrap(),
        get("/graphql?query=%7B%20roadmaps%20%7B%20id%20%7D%20%7D"),
    ] {
        let answer = send(&app, request).await;
        answer.assert_shed();
        assert!(answer.took < Duration::from_secs(1));
    }
    // The probes are outside the bound.
    assert_eq!(send(&app, get("/healthz")).await.status, StatusCode::OK);
    assert_eq!(send(&app, get("/readyz")).await.status, StatusCode::OK);

    // The held requests finish normally once their bodies arrive.
    for (task, body) in held {
        body.send(Ok(Bytes::from_static(FUNDING.as_bytes())))
            .await
            .unwrap();
        drop(body);
        let answer = task.await.unwrap();
        assert_eq!(answer.status, StatusCode::OK);
        assert!(answer.json()["errors"].is_null(), "{}", answer.json());
    }
    assert_eq!(in_flight.busy(), 0);
    let after = send(&app, get("/export/funding.csv?roadmap=civ-2023")).await;
    assert_eq!(after.status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_burst_of_heavy_requests_is_admitted_up_to_the_bound_and_the_rest_shed() {
    let (_dir, _state, in_flight, app) = demo(2).await;
    let burst = 64;
    let tasks: Vec<_> = (0..burst)
        .map(|i| {
            let app = app.clone();
            tokio::spawn(async move {
                let request = if i % 2 == 0 {
                    get("/export/funding.csv?roadmap=civ-2023")
                } else {
                    // Unique text: the answer cache cannot serve it.
                    let query = format!(
                        r#"{{"query":"{{ fundingByPriority(roadmapId: \"civ-2023\") {{ total {{ pledged {{ amount }} }} }} }} # {i}"}}"#
                    );
                    Request::post("/graphql")
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(Body::from(query))
                        .unwrap()
                };
                send(&app, request).await
            })
        })
        .collect();
    let mut admitted = Vec::new();
    let mut shed = 0;
    for task in tasks {
        let answer = task.await.unwrap();
        match answer.status {
            StatusCode::OK => {
                assert!(answer.json()["errors"].is_null() || answer.body[0] != b'{');
                admitted.push(answer.took);
            }
            _ => {
                answer.assert_shed();
                shed += 1;
            }
        }
    }
    admitted.sort();
    let p99 = admitted[((admitted.len() - 1) as f64 * 0.99).round() as usize];
    eprintln!(
        "burst of {burst} with max_in_flight 2: {} answered 200 (p99 {:.1} ms), {shed} shed with 503",
        admitted.len(),
        p99.as_secs_f64() * 1e3
    );
    assert!(shed > 0, "a burst of {burst} never found both slots busy");
    assert!(!admitted.is_empty());
    assert_eq!(admitted.len() + shed, burst);
    assert_eq!(in_flight.busy(), 0);
    // Afterwards the server answers normally.
    let after = send(&app, get("/export/funding.csv?roadmap=civ-2023")).await;
    assert_eq!(after.status, StatusCode::OK);
}
