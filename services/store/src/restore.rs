//! Restoring already-recorded events: what `fundtrail restore` writes through.
//!
//! An append gives events their version, position, time and hash; a restore
//! takes them as another store recorded them (a backup) and writes them
//! unchanged, so that the restored ledger has the same positions, the same
//! `recorded_at` and metadata and therefore the same hash chain. Every backend
//! that can be a restore target implements [`EventRestorer`]; what must be
//! checked before writing is the same everywhere and lives here
//! ([`check_batch`]).
//!
//! This is a trait of its own, beside [`crate::EventStore`], so that the
//! append contract stays as it is and a backend that cannot restore (yet)
//! still is a store.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;

use crate::error::StoreError;
use crate::hash::expected_hash;
use crate::types::{Head, RecordedCommand, RecordedEvent, to_micros};

#[async_trait]
pub trait EventRestorer: Send + Sync {
    /// Writes `events` (which must continue the log: the next positions, each
    /// event hashing to its recorded hash after the previous one, stream
    /// versions without gaps, times never decreasing) and `commands` (whose
    /// positions must be at or below the new head) in one transaction,
    /// exactly as given. All or nothing; returns the new head.
    ///
    /// Meant for an empty store filled from a backup while no one else
    /// appends: an append that slips in between two batches makes the next
    /// batch fail (its first position is taken) rather than interleave.
    async fn restore_batch(
        &self,
        events: &[RecordedEvent],
        commands: &[RecordedCommand],
    ) -> Result<Head, StoreError>;
}

/// The distinct streams of `events`, in first-seen order: the backend looks
/// up their current versions for [`check_batch`].
pub fn batch_streams(events: &[RecordedEvent]) -> Vec<String> {
    let mut seen = HashSet::new();
    events
        .iter()
        .filter(|e| seen.insert(e.stream_id.as_str()))
        .map(|e| e.stream_id.clone())
        .collect()
}

fn refused(why: String) -> Result<Head, StoreError> {
    Err(StoreError::InvalidRequest(format!("restore: {why}")))
}

/// Checks that `events` and `commands` can be written after `head`, given
/// the current `versions` of the batch's streams (absent: no event yet), and
/// returns the head after them. `versions` ends at the streams' new versions.
pub fn check_batch(
    head: Head,
    events: &[RecordedEvent],
    commands: &[RecordedCommand],
    versions: &mut HashMap<String, u64>,
) -> Result<Head, StoreError> {
    let mut next = head;
    let mut ids = HashSet::with_capacity(events.len());
    for event in events {
        let position = next.position + 1;
        if event.position != position {
            return refused(format!(
                "position {} does not continue the log at {} (an empty store, or the next batch, is expected)",
                event.position, next.position
            ));
        }
        if event.stream_id.is_empty() || event.event_type.is_empty() {
            return refused(format!(
                "the event at position {position} has no stream or no type"
            ));
        }
        let version = versions.entry(event.stream_id.clone()).or_insert(0);
        if event.version != *version + 1 {
            return refused(format!(
                "the event at position {position} is version {} of stream {}, which is at version {}",
                event.version, event.stream_id, version
            ));
        }
        *version = event.version;
        if !ids.insert(event.event_id) {
            return refused(format!(
                "event id {} appears twice in one batch",
                event.event_id
            ));
        }
        let micros = to_micros(event.recorded_at);
        if micros < next.recorded_at_micros {
            return refused(format!(
                "the event at position {position} was recorded before the one ahead of it"
            ));
        }
        if serde_json::from_str::<serde::de::IgnoredAny>(&event.payload).is_err() {
            return refused(format!(
                "the payload of the event at position {position} is not JSON"
            ));
        }
        if expected_hash(&next.hash, event) != event.hash {
            return refused(format!(
                "the event at position {position} does not hash to its recorded hash after the previous one"
            ));
        }
        next = Head {
            position,
            hash: event.hash,
            recorded_at_micros: micros,
        };
    }
    let mut command_ids = HashSet::with_capacity(commands.len());
    for command in commands {
        if command.command_id.is_empty() || command.stream_id.is_empty() {
            return refused("a command has no id or no stream".into());
        }
        if !command_ids.insert(command.command_id.as_str()) {
            return refused(format!(
                "command {} appears twice in one batch",
                command.command_id
            ));
        }
        if command.first_position == 0
            || command.first_position > command.last_position
            || command.last_position > next.position
        {
            return refused(format!(
                "command {} covers positions {}..={}, not within the restored log (head {})",
                command.command_id, command.first_position, command.last_position, next.position
            ));
        }
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::{EventHash, HashInput};
    use crate::types::{EventMetadata, from_micros};
    use uuid::Uuid;

    fn chain(n: u64) -> Vec<RecordedEvent> {
        let mut previous = EventHash::ZERO;
        (1..=n)
            .map(|position| {
                let mut e = RecordedEvent {
                    position,
                    stream_id: format!("s-{}", position % 2),
                    version: position.div_ceil(2),
                    event_id: Uuid::now_v7(),
                    event_type: "Happened".into(),
                    schema_version: 1,
                    payload: format!("{{\"n\":{position}}}"),
                    metadata: EventMetadata::by("tester"),
                    recorded_at: from_micros(1_000 + position as i64),
                    hash: EventHash::ZERO,
                };
                e.hash = HashInput {
                    previous: &previous,
                    position,
                    stream_id: &e.stream_id,
                    version: e.version,
                    event_id: &e.event_id,
                    event_type: &e.event_type,
                    schema_version: e.schema_version,
                    payload: &e.payload,
                    recorded_at_micros: to_micros(e.recorded_at),
                    metadata: &e.metadata,
                }
                .digest();
                previous = e.hash;
                e
            })
            .collect()
    }

    #[test]
    fn a_chain_from_an_empty_store_passes_in_batches() {
        let events = chain(6);
        let mut versions = HashMap::new();
        let head = check_batch(Head::EMPTY, &events[..4], &[], &mut versions).unwrap();
        assert_eq!(head.position, 4);
        let command = RecordedCommand {
            command_id: "c1".into(),
            fingerprint: "f".into(),
            stream_id: "s-1".into(),
            first_position: 5,
            last_position: 5,
            recorded_at: events[4].recorded_at,
        };
        let head = check_batch(head, &events[4..], &[command], &mut versions).unwrap();
        assert_eq!(head.position, 6);
        assert_eq!(head.hash, events[5].hash);
        assert_eq!(versions["s-0"], 3);
    }

    #[test]
    fn gaps_altered_events_and_stray_commands_are_refused() {
        let events = chain(4);
        let fresh = HashMap::new;
        let gap = [events[0].clone(), events[2].clone()];
        assert!(check_batch(Head::EMPTY, &gap, &[], &mut fresh()).is_err());
        let mut altered = events.clone();
        altered[1].payload = "{\"n\":99}".into();
        assert!(check_batch(Head::EMPTY, &altered, &[], &mut fresh()).is_err());
        // Stream s-1 already has an event: version 1 cannot come again.
        let mut versions = HashMap::from([("s-1".to_owned(), 1)]);
        assert!(check_batch(Head::EMPTY, &events, &[], &mut versions).is_err());
        let stray = RecordedCommand {
            command_id: "c".into(),
            fingerprint: "f".into(),
            stream_id: "s-1".into(),
            first_position: 3,
            last_position: 9,
            recorded_at: events[2].recorded_at,
        };
        let err = check_batch(Head::EMPTY, &events, &[stray], &mut fresh()).unwrap_err();
        assert!(err.to_string().contains("not within"), "{err}");
    }
}
