//! The fundtrail application as a library: what every face runs on.
//!
//! The GraphQL API (`fundtrail-api`), the web workspace (`fundtrail-web`),
//! the importer (`fundtrail-import`) and the command line (`fundtrail`) are
//! faces; each depends on this crate and none on another face
//! (`docs/architecture.md`, enforced by `tests/tests/architecture.rs`).
//!
//! - [`open`]: a store from one URL or data directory, in one place, for
//!   writing or (beside a running server) for reading only;
//! - [`state`]: [`AppState`], the running application: the store, the
//!   command side, the read models, readiness, read-your-writes;
//! - [`driver`]: the projection driver that folds the log into the read models;
//! - [`snapshots`] and [`rebuild`]: read-model snapshots on disk;
//! - [`auth`]: who a token stands for, today; creating tokens;
//! - [`reads`]: the reads two faces share (an entity's history, events at
//!   positions, the whole log folded for a read-only tool);
//! - [`input`]: the input rules every face applies the same way (ids made
//!   from `commandId`s, lengths, dates and instants);
//! - [`rate_limit`]: one request budget per principal, shared by every face;
//! - [`metrics`]: the process's counters and gauges (served by the API);
//! - [`worklist`]: the worklist as every face reads it;
//! - [`alerts`]: alerts raised from the worklists, their persisted outbox
//!   and the signed outbound webhook.

pub mod alerts;
pub mod auth;
pub mod clock;
pub mod driver;
pub mod input;
pub mod metrics;
pub mod open;
pub mod rate_limit;
pub mod reads;
pub mod rebuild;
pub mod snapshots;
pub mod state;
pub mod worklist;

pub use clock::Clock;
pub use open::StoreLocation;
pub use snapshots::SnapshotConfig;
pub use state::{AppState, FundingChange, Limits};
