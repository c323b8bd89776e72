//! Typed store errors.

use uuid::Uuid;

use crate::types::{ExpectedVersion, RecordedCommand};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The stream was not at the expected version; nothing was appended.
    #[error("stream {stream} was expected at {expected} but is at version {actual}")]
    Conflict {
        stream: String,
        expected: ExpectedVersion,
        /// The stream's current version (0: no stream).
        actual: u64,
    },

    /// The command id was already recorded by an earlier append; nothing was
    /// appended. The caller compares fingerprints to tell a retry from a reuse.
    #[error("command {} was already recorded at position {}", .0.command_id, .0.first_position)]
    CommandAlreadyRecorded(Box<RecordedCommand>),

    /// Some of the event ids of an append are stored, but not as this same
    /// append: a retry must resend exactly the same events.
    #[error("event id {event_id} is already stored as part of another append")]
    EventIdReused { event_id: Uuid },

    #[error("invalid append: {0}")]
    InvalidRequest(String),

    /// The store's data does not look like a fundtrail store.
    #[error("corrupt store: {0}")]
    Corrupt(String),

    /// The storage engine failed (I/O, connection, ...). Whether the append
    /// took effect is unknown only when the error says so.
    #[error("storage error: {0}")]
    Backend(String),

    /// The store cannot be reached (its server is down or restarting, the
    /// connection was lost, no connection came within the pool's timeout).
    /// For an append, whether it took effect is unknown: a retry with the
    /// same command id tells, and never records it twice.
    #[error("the store is unavailable: {0}")]
    Unavailable(String),

    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    pub fn backend(e: impl std::fmt::Display) -> Self {
        StoreError::Backend(e.to_string())
    }
}
