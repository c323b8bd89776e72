//! Per-caller request rates on the API's routes: one bucket per
//! authenticated principal, shared with the web pages and with each
//! websocket operation ([`fundtrail_app::rate_limit`]); callers without a
//! valid principal are counted by address.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, Response, StatusCode, header};
use axum::middleware::Next;
use fundtrail_app::AppState;
use fundtrail_app::auth::{self, Caller};
use fundtrail_app::rate_limit::{CallerKey, CallerLimiter, retry_after_secs};
use serde_json::json;

/// What the limiting middleware needs.
#[derive(Clone)]
pub struct Limiting {
    pub limiter: Arc<CallerLimiter>,
    pub state: AppState,
}

/// The bucket of a request: its principal when its token is valid (however
/// the header is spelled), else its address.
pub fn caller_key(state: &AppState, headers: &HeaderMap, address: Option<SocketAddr>) -> CallerKey {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().map_err(|_| ()));
    let principal = match auth::authenticate_header(state, header) {
        Ok(Caller::Principal(p)) => Some(p.name),
        _ => None,
    };
    CallerKey::of(principal.as_deref(), address.map(|a| a.ip()))
}

/// The middleware: counts the request against its caller's bucket.
pub async fn limit(
    State(limiting): State<Limiting>,
    request: Request,
    next: Next,
) -> Response<Body> {
    let address = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let key = caller_key(&limiting.state, request.headers(), address);
    match limiting.limiter.check(&key) {
        Ok(()) => next.run(request).await,
        Err(wait) => refusal(retry_after_secs(wait)),
    }
}

/// The refusal: 429 with `Retry-After` and a GraphQL-shaped error body.
pub fn refusal(retry_after: u64) -> Response<Body> {
    let message = format!("too many requests from this caller: retry in {retry_after} s");
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "RATE_LIMITED" } }] });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(value) = header::HeaderValue::from_str(&retry_after.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
