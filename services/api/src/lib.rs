//! The GraphQL API of `../shared/docs/api-contract.md`, served over HTTP
//! (GraphQL-over-HTTP) and websockets (`graphql-transport-ws`).
//!
//! - [`state`]: what every request shares: the store, the command side, the
//!   read models and the projection driver that keeps them up to date.
//! - [`export`]: funding, pledges, partnerships, proposals and donors as
//!   CSV, JSON or XLSX tables.
//! - [`graphql`]: the schema (scalars, objects, inputs, queries, mutations,
//!   the `fundingChanged` subscription) and the mapping of errors to
//!   `extensions.code`.
//! - [`snapshots`]: read-model snapshots on disk, so a restart does not
//!   replay the log from zero.
//! - [`http`]: the axum router: `/graphql`, `/graphql/ws`, `/graphiql`,
//!   `/export/{table}.{csv,json,xlsx}`, `/healthz`, `/readyz`, with body-size, depth, complexity and time limits.
//! - [`metrics`]: `GET /metrics` (Prometheus text) and the request counters.
//! - [`rebuild`]: `fundtrail rebuild`: the read models folded from the whole
//!   log into a fresh snapshot.

pub mod auth;
pub mod export;
pub mod graphql;
pub mod http;
pub mod metrics;
pub mod rate_limit;
pub mod rebuild;
pub mod response_cache;
pub mod snapshots;
pub mod state;

pub use graphql::{FundtrailSchema, build_schema};
pub use http::{ServeOptions, router};
pub use snapshots::SnapshotConfig;
pub use state::{AppState, Limits};
