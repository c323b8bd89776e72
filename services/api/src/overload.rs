//! A global bound on requests in flight, with load shedding (issue #17): past
//! it a request is answered at once with 503, `Retry-After: 1` and a
//! GraphQL-shaped error (`extensions.code` `OVERLOADED`), instead of waiting
//! in a queue that grows without bound. One [`InFlight`] is shared by the API
//! and the web pages; the probes (`/healthz`, `/readyz`) and `/metrics` stay
//! outside it. On the API it sits outside the per-caller rate limit and the
//! request log: a shed request costs no budget and no log line.
//!
//! A semaphore middleware rather than tower's `ConcurrencyLimitLayer`: axum
//! applies a layer to each route separately, which would give every route a
//! bound of its own. A slot is held from the request's arrival until its
//! response is ready (reading the body included, streaming it out not);
//! a websocket holds one only for its upgrade.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Response, StatusCode, header};
use axum::middleware::Next;
use serde_json::json;
use tokio::sync::Semaphore;

/// The slots shared by every limited route. Cheap to clone.
#[derive(Debug, Clone)]
pub struct InFlight {
    slots: Arc<Semaphore>,
    max: usize,
}

impl InFlight {
    /// At most `max` requests at once (at least 1).
    pub fn new(max: usize) -> InFlight {
        let max = max.clamp(1, Semaphore::MAX_PERMITS);
        InFlight {
            slots: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// The bound.
    pub fn max(&self) -> usize {
        self.max
    }

    /// Requests in flight now.
    pub fn busy(&self) -> usize {
        self.max - self.slots.available_permits()
    }

    /// `router` with every route counted against these slots.
    pub fn limit<S: Clone + Send + Sync + 'static>(&self, router: Router<S>) -> Router<S> {
        router.layer(axum::middleware::from_fn_with_state(self.clone(), shed))
    }
}

/// The middleware: a free slot, or 503 at once.
pub async fn shed(
    State(in_flight): State<InFlight>,
    request: Request,
    next: Next,
) -> Response<Body> {
    match in_flight.slots.clone().try_acquire_owned() {
        Ok(slot) => {
            let response = next.run(request).await;
            drop(slot);
            response
        }
        Err(_) => {
            tracing::debug!(max = in_flight.max, "request shed: every slot is busy");
            refusal()
        }
    }
}

/// The refusal: 503 with `Retry-After: 1` and a GraphQL-shaped error body.
pub fn refusal() -> Response<Body> {
    let body = json!({ "errors": [{
        "message": "the server is overloaded: retry in 1 s",
        "extensions": { "code": "OVERLOADED" },
    }] });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::RETRY_AFTER, header::HeaderValue::from_static("1"));
    response
}
