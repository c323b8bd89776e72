//! What the writer and the per-stream reads need to know about the ledger,
//! kept in memory: for each position its stream, version, time and a check
//! of its hash; for each stream its positions in version order; each event
//! id's position; each recorded command.
//!
//! KurrentDB has no index on what fundtrail looks up before an append (an
//! event id anywhere in the log, a command id, a fundtrail stream's version
//! when all events live in one ledger stream), so every store keeps this
//! mirror of the ledger. It only ever grows by reading the ledger in revision
//! order ([`LedgerIndex::apply`]), never from what a writer meant to write:
//! what it says is what KurrentDB holds up to its head.

use std::collections::HashMap;
use std::sync::Arc;

use fundtrail_store::plan::{KnownFacts, StoredEventRef, batch_keys};
use fundtrail_store::{AppendRequest, Direction, EventHash, Head, RecordedCommand, RecordedEvent};
use uuid::Uuid;

use crate::mapping::{Decoded, position_of};

struct Entry {
    stream: Arc<str>,
    version: u64,
    recorded_at_micros: i64,
    /// The first 8 bytes of the stored hash: enough to tell whether the
    /// event at this position is the one a writer planned.
    check: u64,
}

fn check_of(hash: &EventHash) -> u64 {
    u64::from_be_bytes(hash.0[..8].try_into().expect("8 bytes"))
}

#[derive(Default)]
pub(crate) struct LedgerIndex {
    head: Option<Head>,
    /// Position `p` is at `entries[p - 1]`.
    entries: Vec<Entry>,
    by_event: HashMap<Uuid, u64>,
    /// A stream's positions, version 1 first.
    streams: HashMap<Arc<str>, Vec<u64>>,
    commands: HashMap<String, RecordedCommand>,
}

impl LedgerIndex {
    /// The last applied event (the empty head before any).
    pub(crate) fn head(&self) -> Head {
        self.head.unwrap_or(Head::EMPTY)
    }

    /// How many ledger events are applied: the next revision to read.
    pub(crate) fn next_revision(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Applies the next ledger event; one already applied is skipped (two
    /// readers may catch up over the same range). Events must come in
    /// revision order without gaps.
    pub(crate) fn apply(&mut self, decoded: &Decoded) -> Result<(), String> {
        let next = self.next_revision();
        if decoded.revision < next {
            return Ok(());
        }
        if decoded.revision > next {
            return Err(format!(
                "ledger revision {} read while {next} was expected next",
                decoded.revision
            ));
        }
        let event = &decoded.event;
        // The position is where the event is (its revision), which is what an
        // append's expected revision refers to.
        let position = position_of(decoded.revision);
        let stream = match self.streams.get_key_value(event.stream_id.as_str()) {
            Some((key, _)) => key.clone(),
            None => Arc::from(event.stream_id.as_str()),
        };
        self.streams
            .entry(stream.clone())
            .or_default()
            .push(position);
        let recorded_at_micros = event.recorded_at.timestamp_micros();
        self.entries.push(Entry {
            stream,
            version: event.version,
            recorded_at_micros,
            check: check_of(&event.hash),
        });
        self.by_event.insert(event.event_id, position);
        if let Some(command) = &decoded.command {
            self.commands
                .insert(command.command_id.clone(), command.clone());
        }
        self.head = Some(Head {
            position,
            hash: event.hash,
            recorded_at_micros,
        });
        Ok(())
    }

    /// The stream's version: how many of its events the ledger holds.
    pub(crate) fn stream_version(&self, stream: &str) -> u64 {
        self.streams.get(stream).map_or(0, |p| p.len() as u64)
    }

    /// Whether the ledger holds an event with this id.
    pub(crate) fn has_event(&self, event_id: &Uuid) -> bool {
        self.by_event.contains_key(event_id)
    }

    pub(crate) fn command(&self, command_id: &str) -> Option<RecordedCommand> {
        self.commands.get(command_id).cloned()
    }

    /// The positions of a stream's events from `from_version` (inclusive) in
    /// `direction`, at most `limit` (backward from `u64::MAX`: from the end).
    pub(crate) fn stream_positions(
        &self,
        stream: &str,
        from_version: u64,
        direction: Direction,
        limit: usize,
    ) -> Vec<u64> {
        let Some(positions) = self.streams.get(stream) else {
            return Vec::new();
        };
        let count = positions.len() as u64;
        match direction {
            Direction::Forward => {
                let first = from_version.max(1);
                if first > count {
                    return Vec::new();
                }
                positions[(first - 1) as usize..]
                    .iter()
                    .take(limit)
                    .copied()
                    .collect()
            }
            Direction::Backward => {
                let last = from_version.min(count);
                positions[..last as usize]
                    .iter()
                    .rev()
                    .take(limit)
                    .copied()
                    .collect()
            }
        }
    }

    /// The head and the facts a group of appends depends on, exactly as the
    /// ledger holds them up to that head.
    pub(crate) fn facts(&self, requests: &[AppendRequest]) -> (Head, KnownFacts) {
        let keys = batch_keys(requests);
        let mut facts = KnownFacts::default();
        for stream in keys.streams {
            let version = self.stream_version(&stream);
            facts.stream_versions.insert(stream, version);
        }
        for id in keys.event_ids {
            if let Some(&position) = self.by_event.get(&id) {
                let entry = &self.entries[(position - 1) as usize];
                facts.events.insert(
                    id,
                    StoredEventRef {
                        stream_id: entry.stream.to_string(),
                        version: entry.version,
                        position,
                        recorded_at_micros: entry.recorded_at_micros,
                    },
                );
            }
        }
        for command_id in keys.command_ids {
            if let Some(command) = self.commands.get(&command_id) {
                facts.commands.insert(command_id, command.clone());
            }
        }
        (self.head(), facts)
    }

    /// Whether the ledger holds exactly these events at their positions.
    /// False when other events with the same ids were there first: KurrentDB
    /// answers an append of event ids it already holds after the expected
    /// revision as a success without writing (its idempotent writes).
    pub(crate) fn holds(&self, events: &[RecordedEvent]) -> bool {
        events.iter().all(|event| {
            event
                .position
                .checked_sub(1)
                .and_then(|i| self.entries.get(i as usize))
                .is_some_and(|entry| {
                    entry.check == check_of(&event.hash)
                        && self.by_event.get(&event.event_id) == Some(&event.position)
                })
        })
    }
}

/// Consecutive runs in ascending positions: `(first, length)`, so that a
/// stream's events that were appended together are read in one request.
pub(crate) fn runs(ascending: &[u64]) -> Vec<(u64, usize)> {
    let mut runs: Vec<(u64, usize)> = Vec::new();
    for &position in ascending {
        match runs.last_mut() {
            Some((first, length)) if *first + *length as u64 == position => *length += 1,
            _ => runs.push((position, 1)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundtrail_store::plan::plan_batch;
    use fundtrail_store::{CommandStamp, ExpectedVersion, NewEvent, StoreError};

    fn request(stream: &str, expected: ExpectedVersion, n: usize) -> AppendRequest {
        let events = (0..n)
            .map(|i| NewEvent::new("Happened", 1, format!("{{\"i\":{i}}}")))
            .collect();
        AppendRequest::new(stream, expected, events)
    }

    /// Plans `requests` after the index's head and applies the result as if
    /// it had been read back from the ledger.
    fn append(index: &mut LedgerIndex, requests: &[AppendRequest]) -> Vec<RecordedEvent> {
        let (head, mut facts) = index.facts(requests);
        let plan = plan_batch(head, 1_000, requests, &mut facts);
        let commands: HashMap<u64, &RecordedCommand> = plan
            .commands
            .iter()
            .map(|c| (c.first_position, c))
            .collect();
        for event in &plan.events {
            index
                .apply(&Decoded {
                    revision: event.position - 1,
                    event: event.clone(),
                    command: commands.get(&event.position).map(|c| (*c).clone()),
                })
                .unwrap();
        }
        plan.events
    }

    #[test]
    fn the_index_answers_the_planner_s_questions() {
        let mut index = LedgerIndex::default();
        assert_eq!(index.head(), Head::EMPTY);
        let stamp = CommandStamp {
            command_id: "c1".into(),
            fingerprint: "f".into(),
        };
        let first = request("a", ExpectedVersion::NoStream, 2).with_command(stamp.clone());
        let written = append(
            &mut index,
            &[first.clone(), request("b", ExpectedVersion::Any, 1)],
        );
        assert_eq!(index.head().position, 3);
        assert_eq!(index.head().hash, written[2].hash);
        assert_eq!(index.next_revision(), 3);
        assert_eq!(
            (index.stream_version("a"), index.stream_version("b")),
            (2, 1)
        );
        assert_eq!(index.stream_version("none"), 0);
        let recorded = index.command("c1").expect("the command is recorded");
        assert_eq!(
            (
                recorded.first_position,
                recorded.last_position,
                recorded.stream_id.as_str()
            ),
            (1, 2, "a")
        );

        // A retry, a conflict and a reused command, planned on the index.
        let requests = [
            first,
            request("a", ExpectedVersion::Exact(1), 1),
            request("c", ExpectedVersion::NoStream, 1).with_command(stamp),
        ];
        let (head, mut facts) = index.facts(&requests);
        let plan = plan_batch(head, 2_000, &requests, &mut facts);
        let replay = plan.outcomes[0].as_ref().unwrap();
        assert!(replay.replayed);
        assert_eq!((replay.first_position, replay.last_position), (1, 2));
        assert_eq!(
            plan.outcomes[1],
            Err(StoreError::Conflict {
                stream: "a".into(),
                expected: ExpectedVersion::Exact(1),
                actual: 2
            })
        );
        assert!(matches!(
            plan.outcomes[2],
            Err(StoreError::CommandAlreadyRecorded(_))
        ));
        assert!(plan.events.is_empty());
    }

    #[test]
    fn holds_tells_the_planned_events_from_others_with_the_same_ids() {
        let mut index = LedgerIndex::default();
        let requests = [request("a", ExpectedVersion::Any, 2)];
        let stored = append(&mut index, &requests);
        assert!(index.holds(&stored));

        // The same ids planned again at a later time: other hashes.
        let (_, mut facts) = LedgerIndex::default().facts(&requests);
        let other = plan_batch(Head::EMPTY, 5_000, &requests, &mut facts);
        assert_eq!(
            other.events.iter().map(|e| e.event_id).collect::<Vec<_>>(),
            stored.iter().map(|e| e.event_id).collect::<Vec<_>>()
        );
        assert!(!index.holds(&other.events));
        // Beyond the head: not held.
        let (head, mut facts) = index.facts(&[request("b", ExpectedVersion::Any, 1)]);
        let later = plan_batch(
            head,
            6_000,
            &[request("b", ExpectedVersion::Any, 1)],
            &mut facts,
        );
        assert!(!index.holds(&later.events));
    }

    #[test]
    fn applying_skips_what_is_known_and_refuses_a_gap() {
        let mut index = LedgerIndex::default();
        let stored = append(&mut index, &[request("a", ExpectedVersion::Any, 3)]);
        let again = Decoded {
            revision: 1,
            event: stored[1].clone(),
            command: None,
        };
        index.apply(&again).unwrap();
        assert_eq!(index.next_revision(), 3);
        let gap = Decoded {
            revision: 5,
            event: stored[2].clone(),
            command: None,
        };
        assert!(index.apply(&gap).unwrap_err().contains("revision 5"));
    }

    #[test]
    fn a_stream_s_positions_by_version_in_both_directions() {
        let mut index = LedgerIndex::default();
        append(&mut index, &[request("a", ExpectedVersion::Any, 2)]);
        append(&mut index, &[request("b", ExpectedVersion::Any, 1)]);
        append(&mut index, &[request("a", ExpectedVersion::Any, 3)]);
        // "a" is at positions 1, 2, 4, 5, 6 (versions 1..=5).
        let forward = |from, limit| index.stream_positions("a", from, Direction::Forward, limit);
        let backward = |from, limit| index.stream_positions("a", from, Direction::Backward, limit);
        assert_eq!(forward(1, 100), [1, 2, 4, 5, 6]);
        assert_eq!(forward(0, 2), [1, 2]);
        assert_eq!(forward(3, 2), [4, 5]);
        assert!(forward(6, 10).is_empty());
        assert!(forward(1, 0).is_empty());
        assert_eq!(backward(u64::MAX, 2), [6, 5]);
        assert_eq!(backward(3, 10), [4, 2, 1]);
        assert!(backward(0, 10).is_empty());
        assert!(
            index
                .stream_positions("nope", 1, Direction::Forward, 10)
                .is_empty()
        );
    }

    #[test]
    fn consecutive_positions_are_read_together() {
        assert_eq!(runs(&[]), []);
        assert_eq!(runs(&[4]), [(4, 1)]);
        assert_eq!(runs(&[1, 2, 4, 5, 6, 9]), [(1, 2), (4, 3), (9, 1)]);
    }
}
