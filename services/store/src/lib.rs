//! The one event-store contract of fundtrail.
//!
//! Every backend (the embedded SQLite store, PostgreSQL, KurrentDB) implements
//! the small traits of [`traits`] and passes the conformance suite in
//! `fundtrail-store-conformance`. What every backend must compute the same way
//! lives here, once: the hash chain ([`hash`]), the planning of a group of
//! appends against what is already stored ([`plan`]), catch-up-then-live
//! subscriptions ([`subscription`]), chain verification ([`verify`]), the
//! checks of a restore from a backup ([`restore`]) and the backup file itself
//! ([`backup`]: writing one from any store, restoring one into any
//! [`EventRestorer`]). Every backend has one writer; the hand-off of appends
//! to it, and their grouping, is [`writer_queue`].
//!
//! What each backend crate offers (its modules are the same: `store`,
//! `writer`, `reader`, `restore`, `testing`, and extras named as such):
//!
//! | Backend | Crate | Shared by processes | Restore ([`EventRestorer`]) |
//! |---|---|---|---|
//! | embedded (SQLite) | `fundtrail-store-sqlite` | no (one process holds the directory) | yes, all or nothing per batch |
//! | PostgreSQL | `fundtrail-store-postgres` | yes | yes, all or nothing per batch |
//! | KurrentDB | `fundtrail-store-kurrentdb` | yes | yes; a batch larger than one append (`max_group_bytes`) goes in several appends, each all or nothing, and a command must come with a batch that holds one of its events (KurrentDB cannot change a written event) |

pub mod backup;
pub mod error;
pub mod hash;
pub mod plan;
pub mod restore;
pub mod subscription;
pub mod traits;
pub mod types;
pub mod verify;
pub mod writer_queue;

pub use error::StoreError;
pub use hash::EventHash;
pub use restore::EventRestorer;
pub use traits::{EventAppender, EventReader, EventStore, EventSubscriber};
pub use types::{
    AppendOutcome, AppendRequest, CommandStamp, Direction, EventMetadata, ExpectedVersion, Head,
    NewEvent, RecordedCommand, RecordedEvent,
};
pub use verify::{VerifyBreak, VerifyReport};
