//! Support for fundtrail's end-to-end suite (`tests/e2e`): a real server on a
//! free port, over a fresh store of either backend, and the clients that talk
//! to it the way users do.
//!
//! - [`server`]: [`Backend`], [`Storage`] (a fresh embedded store directory or
//!   PostgreSQL schema per test) and [`TestServer`] (the API in process, on
//!   `127.0.0.1:0`).
//! - [`client`]: a small GraphQL-over-HTTP client ([`Client::gql`],
//!   [`Client::data`]) and [`expect_code`].
//! - [`ws`]: a `graphql-transport-ws` client for subscriptions.
//! - [`process`]: the `fundtrail` command as a child process (graceful
//!   shutdown, restart).
//! - [`pg`]: a fresh PostgreSQL schema per test, dropped afterwards; skips
//!   (printing `SKIPPED:`) when PostgreSQL is unreachable, fails under CI.
//! - [`pg_cluster`]: a PostgreSQL server of the test's own, to stop abruptly
//!   and restart.
//! - [`seed`]: the organisations, roadmaps and priorities most tests start from.

pub mod client;
pub mod pg;
pub mod pg_cluster;
pub mod process;
pub mod seed;
pub mod server;
pub mod ws;

pub use client::{Client, errors_of, expect_code, expect_no_errors};
pub use server::{Backend, Storage, TestServer};
pub use ws::WsClient;

/// True when running under CI (`CI` set and not `false`/`0`).
pub use fundtrail_store_postgres::testing::in_ci;
