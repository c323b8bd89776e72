//! What goes into the store and what comes out of it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::EventHash;

/// The version a writer expects its stream to be at.
///
/// Versions count the events of one stream: the first event is version 1, and
/// a stream that has no event is at version 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedVersion {
    /// Append whatever the stream holds.
    Any,
    /// The stream must not exist yet (version 0).
    NoStream,
    /// The stream must be exactly at this version (`Exact(0)` equals `NoStream`).
    Exact(u64),
}

impl ExpectedVersion {
    /// Whether a stream at `actual` satisfies this expectation.
    pub fn accepts(self, actual: u64) -> bool {
        match self {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual == 0,
            ExpectedVersion::Exact(v) => actual == v,
        }
    }
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any version"),
            ExpectedVersion::NoStream => f.write_str("no stream"),
            ExpectedVersion::Exact(v) => write!(f, "version {v}"),
        }
    }
}

/// Reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Forward,
    Backward,
}

/// Who recorded an event, through which command, and in which causal chain.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventMetadata {
    /// The authenticated principal (or `import:<file>`, `system`, ...).
    pub actor: String,
    /// The client's `commandId`, when it sent one.
    pub command_id: Option<String>,
    pub correlation_id: Option<Uuid>,
    pub causation_id: Option<Uuid>,
}

impl EventMetadata {
    pub fn by(actor: impl Into<String>) -> Self {
        EventMetadata {
            actor: actor.into(),
            ..Default::default()
        }
    }
}

/// An event to append. The store gives it its version, position, time and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// Unique over the store: appending an id that is already stored is a retry.
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: u16,
    /// The event's JSON, stored and hashed byte for byte as given.
    pub payload: String,
}

impl NewEvent {
    /// An event with a fresh time-ordered id (UUIDv7 keeps the id index append-only).
    pub fn new(event_type: impl Into<String>, schema_version: u16, payload: String) -> Self {
        NewEvent {
            event_id: Uuid::now_v7(),
            event_type: event_type.into(),
            schema_version,
            payload,
        }
    }
}

/// Marks an append as the effect of one client command, so that a retried
/// `commandId` can be recognised after a restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandStamp {
    pub command_id: String,
    /// A digest of the command's input: the same id with another input is an
    /// idempotency conflict, decided by the caller.
    pub fingerprint: String,
}

/// One atomic append to one stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendRequest {
    pub stream_id: String,
    pub expected: ExpectedVersion,
    pub events: Vec<NewEvent>,
    pub metadata: EventMetadata,
    pub command: Option<CommandStamp>,
}

impl AppendRequest {
    pub fn new(
        stream_id: impl Into<String>,
        expected: ExpectedVersion,
        events: Vec<NewEvent>,
    ) -> Self {
        AppendRequest {
            stream_id: stream_id.into(),
            expected,
            events,
            metadata: EventMetadata::by("system"),
            command: None,
        }
    }

    pub fn with_metadata(mut self, metadata: EventMetadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// Records the command with the events; `metadata.command_id` follows it.
    pub fn with_command(mut self, command: CommandStamp) -> Self {
        self.metadata.command_id = Some(command.command_id.clone());
        self.command = Some(command);
        self
    }

    /// Checks what can be checked without the store, payloads included.
    pub fn validate(&self) -> Result<(), StoreError> {
        self.validate_shape()?;
        for event in &self.events {
            if serde_json::from_str::<serde::de::IgnoredAny>(&event.payload).is_err() {
                return Err(StoreError::InvalidRequest(format!(
                    "the payload of event {} is not JSON",
                    event.event_id
                )));
            }
        }
        Ok(())
    }

    /// The checks that need no parsing: a stream, at least one event, distinct
    /// event ids, no empty type or command id.
    pub fn validate_shape(&self) -> Result<(), StoreError> {
        let invalid = |why: String| Err(StoreError::InvalidRequest(why));
        if self.stream_id.is_empty() {
            return invalid("the stream id is empty".into());
        }
        if self.events.is_empty() {
            return invalid(format!("no event to append to stream {}", self.stream_id));
        }
        let mut ids = std::collections::HashSet::with_capacity(self.events.len());
        for event in &self.events {
            if event.event_type.is_empty() {
                return invalid("an event type is empty".into());
            }
            if !ids.insert(event.event_id) {
                return invalid(format!(
                    "event id {} appears twice in one append",
                    event.event_id
                ));
            }
        }
        if let Some(command) = &self.command
            && command.command_id.is_empty()
        {
            return invalid("the command id is empty".into());
        }
        Ok(())
    }
}

/// What an acknowledged append stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppendOutcome {
    pub stream_id: String,
    /// Version of the first appended event (stream versions start at 1).
    pub first_version: u64,
    /// Version of the stream after the append.
    pub last_version: u64,
    pub first_position: u64,
    pub last_position: u64,
    pub recorded_at: DateTime<Utc>,
    /// True when every event id was already stored: nothing was appended and
    /// this is the original result.
    pub replayed: bool,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEvent {
    /// Global position: 1, 2, 3, ... over the whole store, without gaps.
    pub position: u64,
    pub stream_id: String,
    /// Version in its stream: 1, 2, 3, ...
    pub version: u64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: u16,
    pub payload: String,
    pub metadata: EventMetadata,
    /// The store's clock when the event was appended; never decreases along positions.
    pub recorded_at: DateTime<Utc>,
    /// Covers this event's content and the previous event's hash.
    pub hash: EventHash,
}

/// A command recorded with the events it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedCommand {
    pub command_id: String,
    pub fingerprint: String,
    pub stream_id: String,
    pub first_position: u64,
    pub last_position: u64,
    pub recorded_at: DateTime<Utc>,
}

/// The end of the log: the last position and its hash (position 0 and the
/// zero hash for an empty store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    pub position: u64,
    pub hash: EventHash,
    pub recorded_at_micros: i64,
}

impl Head {
    pub const EMPTY: Head = Head {
        position: 0,
        hash: EventHash::ZERO,
        recorded_at_micros: 0,
    };
}

/// Microseconds since the Unix epoch, the precision every backend keeps.
pub fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_micros(micros).unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}
