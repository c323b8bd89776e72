//! The GraphQL API of `../shared/docs/api-contract.md`, served over HTTP
//! (GraphQL-over-HTTP) and websockets (`graphql-transport-ws`).
//!
//! It is one face of the application in `fundtrail-app` ([`fundtrail_app::AppState`]:
//! the store, the command side, the read models); exports are `fundtrail-export`'s,
//! served here by a thin handler.
//!
//! - [`graphql`]: the schema (scalars, objects, inputs, queries, mutations,
//!   the `fundingChanged` subscription) and the mapping of errors to
//!   `extensions.code`.
//! - [`http`]: the axum router: `/graphql`, `/graphql/ws`, `/graphiql`,
//!   `/export/{table}.{csv,json,xlsx}`, `/healthz`, `/readyz`, with body-size, depth, complexity and time limits.
//! - [`graphiql`]: `/graphiql` and its assets, compiled in, under a strict
//!   content-security policy.
//! - [`metrics`]: `GET /metrics` (Prometheus text) and the request counters.
//! - [`overload`]: the global bound on requests in flight (503 past it).

pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod overload;
pub mod rate_limit;
pub mod response_cache;
pub mod test_clock;
pub mod websocket;

pub use graphql::{FundtrailSchema, build_schema};
pub use http::{ServeOptions, router};
