//! The embedded event store: one directory on disk, no server.
//!
//! SQLite in WAL mode with `synchronous = FULL`: an append is acknowledged
//! only after its transaction is fsynced. One writer thread owns the write
//! connection and commits every append waiting at that moment in one
//! transaction (group commit), so concurrent clients share fsyncs; readers use
//! their own connections and never block the writer. See
//! `docs/adr/001-embedded-store-sqlite.md`.
//!
//! Modules (the same in every backend crate): `store` (the trait
//! implementation and opening), `writer` (group commit, fed by
//! `fundtrail_store::writer_queue`), `reader` (queries and row mapping),
//! `restore` (writing a backup's events as they were recorded), `testing`
//! (feature `testing`: a store in a temporary directory) and `sql/` (the SQL,
//! kept in files); the extra: `readonly` (`SqliteReader`, a read-only view
//! for tools beside a running server).

mod reader;
mod readonly;
mod restore;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod writer;

pub use readonly::SqliteReader;
pub use store::{SqliteOptions, SqliteStore};

/// The database file inside the store directory.
pub const DATABASE_FILE: &str = "events.sqlite3";
