//! The store's contract, in small traits: reading, appending and subscribing
//! are separate so that code asks for no more than it uses.

use async_trait::async_trait;

use crate::error::StoreError;
use crate::subscription::EventStream;
use crate::types::{AppendOutcome, AppendRequest, Direction, Head, RecordedCommand, RecordedEvent};
use crate::verify::{VerifyReport, verify_chain};

#[async_trait]
pub trait EventReader: Send + Sync {
    /// Events of one stream from `from_version` (inclusive) in `direction`,
    /// at most `limit`. Backward from `u64::MAX` reads from the stream's end.
    async fn read_stream(
        &self,
        stream_id: &str,
        from_version: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// Events of the whole store from `from_position` (inclusive) in
    /// `direction`, at most `limit`. Backward from `u64::MAX` reads from the end.
    async fn read_all(
        &self,
        from_position: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError>;

    /// The stream's current version (0 when it has no event).
    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError>;

    /// The last position and hash.
    async fn head(&self) -> Result<Head, StoreError>;

    /// A command recorded with `AppendRequest::command`, if any.
    async fn find_command(&self, command_id: &str) -> Result<Option<RecordedCommand>, StoreError>;
}

#[async_trait]
pub trait EventAppender: Send + Sync {
    /// Appends all the events or none. Returns once the events are durable.
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError>;
}

pub trait EventSubscriber: Send + Sync {
    /// Every event from `from_position` (inclusive) in position order: first
    /// those already stored, then new ones as they are appended. Never skips
    /// or reorders; ends only on an error or when the store closes.
    fn subscribe_all(&self, from_position: u64) -> EventStream;
}

#[async_trait]
pub trait EventStore: EventReader + EventAppender + EventSubscriber {
    /// A short name for logs and benchmark lines (`embedded`, `postgres`, ...).
    fn backend(&self) -> &'static str;

    /// Walks the hash chain over the whole log.
    async fn verify(&self) -> Result<VerifyReport, StoreError> {
        verify_chain(self).await
    }
}
