//! The shared PostgreSQL test support (`fundtrail_store_postgres::testing`).

pub use fundtrail_store_postgres::testing::Schema;
