//! `GET /metrics` (admins and auditors, or a listener of its own:
//! [`MetricsAccess`]): the counters and gauges of [`fundtrail_app::metrics`],
//! served in the Prometheus text format, and every request counted; what an operator watches, in the Prometheus text format
//! (version 0.0.4; OpenMetrics when the scraper asks for it in `Accept`).
//!
//! | metric | type | labels |
//! |---|---|---|
//! | `fundtrail_http_requests_total` | counter | `route` (the router's pattern, `unmatched` for a 404), `method`, `status` |
//! | `fundtrail_http_request_duration_seconds` | histogram | `route`, `method` |
//! | `fundtrail_commands_total` | counter | `outcome`: `appended`, `replayed` (a known `commandId`), `refused` (an error with a contract code: the domain, access or idempotency said no), `conflict`, `failed` (the store) |
//! | `fundtrail_events_appended_total` | counter | |
//! | `fundtrail_append_conflicts_total` | counter | (a stale `expectedVersion`, or another writer won and retries ran out) |
//! | `fundtrail_store_head_position` | gauge | the last position of the log, read at scrape time |
//! | `fundtrail_projection_position` | gauge | the last position the read models applied |
//! | `fundtrail_projection_lag_events` | gauge | head minus projected position |
//! | `fundtrail_read_models_ready` | gauge | 1 once the read models caught up with the log seen at start (as `/readyz`) |
//! | `fundtrail_build_info` | gauge (1) | `version` |
//!
//! Counters are per process: with several API processes, scrape each one
//! (not through the load balancer) and sum in the queries.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use fundtrail_app::AppState;
use fundtrail_domain::Role;

/// Who may read `GET /metrics` on the API's listener.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Only callers with an admin or auditor token (the default: figures
    /// about the ledger's activity are not for anonymous callers).
    #[default]
    Tokens,
    /// Anyone: for a listener of its own on an operator's network
    /// (`fundtrail serve --metrics-listen`, see [`scrape_router`]).
    Open,
}

/// Adds `GET /metrics` to `app` and counts every request it answers.
pub fn instrument(app: Router, state: AppState, access: MetricsAccess) -> Router {
    let scrape_route = match access {
        MetricsAccess::Open => get(scrape),
        MetricsAccess::Tokens => get(scrape_with_token),
    };
    app.route("/metrics", scrape_route.with_state(state.clone()))
        .layer(axum::middleware::from_fn_with_state(state, track))
}

/// A router with only `GET /metrics`, open to whoever reaches it: serve it
/// on an address only Prometheus reaches (`--metrics-listen`).
pub fn scrape_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(scrape).with_state(state))
}

/// `/metrics` for admins and auditors only.
async fn scrape_with_token(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().map_err(|_| ()));
    let refused = match fundtrail_app::auth::authenticate_header(&state, header) {
        Ok(fundtrail_app::auth::Caller::Principal(p))
            if matches!(p.role, Role::Admin | Role::Auditor) =>
        {
            None
        }
        Ok(fundtrail_app::auth::Caller::Principal(_)) => Some((
            StatusCode::FORBIDDEN,
            "FORBIDDEN: /metrics is for admins and auditors (or serve it with --metrics-listen)\n",
        )),
        _ => Some((
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED: /metrics needs an admin or auditor token (or serve it with --metrics-listen)\n",
        )),
    };
    match refused {
        None => scrape(State(state), headers).await,
        Some((status, text)) => {
            let mut response = (status, text).into_response();
            if status == StatusCode::UNAUTHORIZED {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            response
        }
    }
}

async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    state.metrics().record_request(
        route,
        method,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let head = match state.store().head().await {
        Ok(head) => Some(head.position),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: cannot read the store head");
            None
        }
    };
    let metrics = state.metrics();
    metrics.observe(head, state.applied(), state.is_ready());
    let today = state.clock().today();
    if metrics.worklist_stale(state.applied(), today) {
        // Every roadmap's list is a fold of the read models: off the async
        // workers, and only when an event or the day changed it.
        let state = state.clone();
        let _ = tokio::task::spawn_blocking(move || {
            let model = state.read();
            let at = (model.position(), today);
            let items = model.worklist(fundtrail_projections::worklist::Filter::default(), today);
            state
                .metrics()
                .observe_worklist(at, &fundtrail_domain::worklist::counts(&items));
        })
        .await;
    }
    let openmetrics = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/openmetrics-text"));
    match metrics.encode(openmetrics) {
        Ok(text) => {
            let content_type = if openmetrics {
                "application/openmetrics-text; version=1.0.0; charset=utf-8"
            } else {
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE
            };
            let mut response = (StatusCode::OK, text).into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "cannot encode metrics\n").into_response(),
    }
}
