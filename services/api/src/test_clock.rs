//! A test-only way to move the server's clock (`fundtrail serve
//! --test-clock`, hidden from `--help`): `POST /test/clock?days=N` moves
//! every "today" of the server N days forward (due dates, ageing, overdue
//! tranches, token expiry), so that a browser test sees a tranche become
//! overdue without waiting. Admins only; never mounted otherwise, and the
//! server warns at start when it is.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::TimeDelta;
use fundtrail_app::AppState;
use fundtrail_app::auth::{self, Caller};

/// The route, over `state`'s clock.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/test/clock", post(advance))
        .with_state(state)
}

async fn advance(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|v| v.to_str().map_err(|_| ()));
    match auth::authenticate_header(&state, header) {
        Ok(Caller::Principal(p)) if p.may_manage_tokens() => {}
        Ok(_) => return (StatusCode::FORBIDDEN, "admins only\n").into_response(),
        Err(e) => return (StatusCode::UNAUTHORIZED, format!("{e}\n")).into_response(),
    }
    let Some(days) = params
        .get("days")
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| (0..=36_500).contains(d))
    else {
        return (
            StatusCode::BAD_REQUEST,
            "days: a whole number of days from 0 to 36500 (the clock only moves forward)\n",
        )
            .into_response();
    };
    state.clock().advance(TimeDelta::days(days));
    tracing::warn!(days, today = %state.clock().today(), "test clock moved forward");
    (StatusCode::OK, format!("{}\n", state.clock().today())).into_response()
}
