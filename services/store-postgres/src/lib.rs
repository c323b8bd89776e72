//! The PostgreSQL event store: one shared database for several fundtrail
//! processes.
//!
//! Appends are planned in Rust exactly as in the embedded store
//! (`fundtrail_store::plan`) and written by one statement that moves the
//! ledger head with a compare-and-set, inserts the events and notifies
//! subscribers. Appends are therefore serialised on one row: positions have no
//! gaps, and a reader never sees position N+1 before N (the next writer cannot
//! move the head before the previous one has committed). Within a process,
//! appends waiting at the same moment go in one statement (group commit). See
//! `docs/adr/002-gap-free-positions.md`.
//!
//! Modules (the same in every backend crate): `store` (the trait
//! implementation and connecting), `writer` (group commit, fed by
//! `fundtrail_store::writer_queue`), `reader` (queries and row mapping),
//! `restore` (writing a backup's events as they were recorded), `testing`
//! (feature `testing`: a fresh schema per test) and `sql/` and `migrations/`
//! (the SQL, kept in files); no extras.

mod reader;
mod restore;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod writer;

pub use store::{PostgresOptions, PostgresStore};
