//! The hash chain: each event's hash covers its content and the previous
//! event's hash, in global order, so that altering, removing or reordering a
//! stored event breaks the chain at that position.

use sha2::{Digest, Sha256};

use crate::types::{EventMetadata, RecordedEvent};

/// A SHA-256 digest, shown as lower-case hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EventHash(pub [u8; 32]);

impl EventHash {
    /// The "previous hash" of the first event.
    pub const ZERO: EventHash = EventHash([0; 32]);

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(EventHash)
    }

    pub fn from_hex(text: &str) -> Option<Self> {
        let bytes = hex::decode(text).ok()?;
        Self::from_slice(&bytes)
    }
}

impl std::fmt::Debug for EventHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EventHash({})", self.to_hex())
    }
}

impl std::fmt::Display for EventHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// Everything the hash covers, borrowed.
pub struct HashInput<'a> {
    pub previous: &'a EventHash,
    pub position: u64,
    pub stream_id: &'a str,
    pub version: u64,
    pub event_id: &'a uuid::Uuid,
    pub event_type: &'a str,
    pub schema_version: u16,
    pub payload: &'a str,
    pub recorded_at_micros: i64,
    pub metadata: &'a EventMetadata,
}

impl HashInput<'_> {
    /// Fields are length-prefixed so that no two different events encode alike.
    pub fn digest(&self) -> EventHash {
        let mut h = Sha256::new();
        h.update(b"fundtrail-event-v1");
        h.update(self.previous.0);
        h.update(self.position.to_be_bytes());
        put_str(&mut h, self.stream_id);
        h.update(self.version.to_be_bytes());
        h.update(self.event_id.as_bytes());
        put_str(&mut h, self.event_type);
        h.update(self.schema_version.to_be_bytes());
        put_str(&mut h, self.payload);
        h.update(self.recorded_at_micros.to_be_bytes());
        put_str(&mut h, &self.metadata.actor);
        put_opt(
            &mut h,
            self.metadata.command_id.as_deref().map(str::as_bytes),
        );
        put_opt(
            &mut h,
            self.metadata
                .correlation_id
                .as_ref()
                .map(|u| &u.as_bytes()[..]),
        );
        put_opt(
            &mut h,
            self.metadata
                .causation_id
                .as_ref()
                .map(|u| &u.as_bytes()[..]),
        );
        EventHash(h.finalize().into())
    }
}

fn put_str(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_be_bytes());
    h.update(s.as_bytes());
}

fn put_opt(h: &mut Sha256, v: Option<&[u8]>) {
    match v {
        None => h.update([0u8]),
        Some(bytes) => {
            h.update([1u8]);
            h.update((bytes.len() as u64).to_be_bytes());
            h.update(bytes);
        }
    }
}

/// The hash a stored event should have after `previous`.
pub fn expected_hash(previous: &EventHash, event: &RecordedEvent) -> EventHash {
    HashInput {
        previous,
        position: event.position,
        stream_id: &event.stream_id,
        version: event.version,
        event_id: &event.event_id,
        event_type: &event.event_type,
        schema_version: event.schema_version,
        payload: &event.payload,
        recorded_at_micros: event.recorded_at.timestamp_micros(),
        metadata: &event.metadata,
    }
    .digest()
}
