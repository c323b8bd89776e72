//! PostgreSQL for the suite: the store crate's shared test support (a fresh
//! schema per test from `FUNDTRAIL_TEST_PG_URL`, dropped afterwards; fails
//! under CI when unreachable, skips with `SKIPPED:` elsewhere).

pub use fundtrail_store_postgres::testing::{Schema, url};
