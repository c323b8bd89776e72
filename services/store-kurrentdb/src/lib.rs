//! The KurrentDB event store: fundtrail's ledger in one KurrentDB stream,
//! shared by several fundtrail processes.
//!
//! Every fundtrail event is one event of the ledger stream
//! (`fundtrail-ledger` unless configured otherwise), so the ledger's revision
//! is the global position: gap-free, in one order for every reader. Appends
//! are planned in Rust exactly as in the other backends
//! (`fundtrail_store::plan`: versions, positions, the hash chain, replays of
//! retried event ids, recorded commands) and written in one append that
//! expects the ledger at the head they were planned after. A writer in
//! another process that appended first makes that append fail with
//! `WrongExpectedVersion`; the group is then planned again after catching up.
//! What KurrentDB cannot look up (an event id anywhere, a command id, a
//! fundtrail stream's version) each store keeps in memory, mirrored from the
//! ledger ([`index`]). See `docs/kurrentdb.md`.
//!
//! Modules (the same in every backend crate): `store` (the trait
//! implementation and connecting), `writer` (group commit, fed by
//! `fundtrail_store::writer_queue`), `reader` (reads and the index's
//! catch-up), `restore` (appending a backup's events as they were recorded)
//! and `testing` (feature `testing`: a ledger stream per test, and an
//! in-memory model of KurrentDB's streams); the extras: `mapping` (pure
//! conversions to and from KurrentDB's types), `index` (the in-memory
//! mirror) and `client` (the three operations on the ledger stream, through
//! the `kurrentdb` client or the model).

mod client;
mod index;
mod mapping;
mod reader;
mod restore;
mod store;
#[cfg(feature = "testing")]
pub mod testing;
mod writer;

pub use store::{DEFAULT_LEDGER_STREAM, KurrentOptions, KurrentStore};
