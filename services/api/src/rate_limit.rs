//! Per-caller request rates (tower_governor): one bucket per token (keyed by
//! a digest of the `Authorization` header, never the token itself), one per
//! client address for callers without a token.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response, StatusCode, header};
use serde_json::json;
use sha2::{Digest, Sha256};
use tower_governor::GovernorError;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::KeyExtractor;

/// How many requests one caller may send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second (at least 1).
    pub per_second: u32,
    /// Requests allowed at once above the rate (at least 1).
    pub burst: u32,
}

/// Who a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallerKey {
    Token([u8; 16]),
    Address(IpAddr),
    /// No token and no known address (a server without connect info).
    Unknown,
}

#[derive(Debug, Clone, Copy)]
pub struct CallerKeyExtractor;

impl KeyExtractor for CallerKeyExtractor {
    type Key = CallerKey;

    fn extract<T>(&self, req: &Request<T>) -> Result<CallerKey, GovernorError> {
        if let Some(value) = req.headers().get(header::AUTHORIZATION) {
            let digest = Sha256::digest(value.as_bytes());
            let mut key = [0u8; 16];
            key.copy_from_slice(&digest[..16]);
            return Ok(CallerKey::Token(key));
        }
        Ok(req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(CallerKey::Unknown, |c| CallerKey::Address(c.0.ip())))
    }
}

pub type Config = GovernorConfig<CallerKeyExtractor, governor::middleware::NoOpMiddleware>;

/// The governor configuration for `limit`, and a task that forgets idle
/// buckets every minute.
pub fn config(limit: RateLimit) -> Arc<Config> {
    let period = Duration::from_nanos(1_000_000_000 / u64::from(limit.per_second.max(1)));
    let config = GovernorConfigBuilder::default()
        .key_extractor(CallerKeyExtractor)
        .period(period)
        .burst_size(limit.burst.max(1))
        .finish()
        .expect("a positive period and burst");
    let config = Arc::new(config);
    let limiter = config.limiter().clone();
    if let Ok(handle) = tokio::runtime::Handle::try_current() {
        handle.spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                limiter.retain_recent();
            }
        });
    }
    config
}

/// The refusal: 429 with `Retry-After` and a GraphQL-shaped error body.
pub fn refusal(error: GovernorError) -> Response<Body> {
    let (status, wait, message) = match error {
        GovernorError::TooManyRequests { wait_time, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            Some(wait_time.max(1)),
            format!(
                "too many requests from this caller: retry in {} s",
                wait_time.max(1)
            ),
        ),
        GovernorError::UnableToExtractKey => (
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "the request could not be attributed to a caller".to_owned(),
        ),
        GovernorError::Other { code, msg, .. } => {
            (code, None, msg.unwrap_or_else(|| "refused".to_owned()))
        }
    };
    let body =
        json!({ "errors": [{ "message": message, "extensions": { "code": "RATE_LIMITED" } }] });
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Some(wait) = wait
        && let Ok(value) = header::HeaderValue::from_str(&wait.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
