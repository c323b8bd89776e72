//! Planning a group of appends against what the store already holds.
//!
//! Every backend appends through a single writer at a time (a writer thread
//! for SQLite, a row lock on the ledger head for PostgreSQL) that takes all the
//! appends waiting at that moment and commits them in one transaction: group
//! commit. Before writing, the backend looks up the few facts the group depends
//! on ([`batch_keys`] says which), and [`plan_batch`] decides, in memory and
//! the same way for every backend, what each append does: replay an earlier
//! result, fail with a conflict, or take the next versions, positions and hashes.
//! One append's failure never affects another's.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use crate::error::StoreError;
use crate::hash::HashInput;
use crate::types::{
    AppendOutcome, AppendRequest, ExpectedVersion, Head, RecordedCommand, RecordedEvent,
    from_micros,
};

/// The keys a group of appends depends on.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct BatchKeys {
    pub streams: Vec<String>,
    pub event_ids: Vec<Uuid>,
    pub command_ids: Vec<String>,
}

pub fn batch_keys<'a>(requests: impl IntoIterator<Item = &'a AppendRequest>) -> BatchKeys {
    let mut keys = BatchKeys::default();
    let mut streams = HashSet::new();
    let mut commands = HashSet::new();
    for request in requests {
        if streams.insert(request.stream_id.as_str()) {
            keys.streams.push(request.stream_id.clone());
        }
        keys.event_ids
            .extend(request.events.iter().map(|e| e.event_id));
        if let Some(command) = &request.command
            && commands.insert(command.command_id.as_str())
        {
            keys.command_ids.push(command.command_id.clone());
        }
    }
    keys
}

/// Where an already stored event sits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEventRef {
    pub stream_id: String,
    pub version: u64,
    pub position: u64,
    pub recorded_at_micros: i64,
}

/// What the backend found for the [`BatchKeys`]: the current version of every
/// stream (absent = 0), the stored events among the ids, the recorded commands
/// among the command ids.
#[derive(Debug, Default)]
pub struct KnownFacts {
    pub stream_versions: HashMap<String, u64>,
    pub events: HashMap<Uuid, StoredEventRef>,
    pub commands: HashMap<String, RecordedCommand>,
}

/// The facts an optimistic group starts from, without looking up event ids or
/// commands: the store's unique indexes on event id, (stream, version) and
/// command id arbitrate instead (see `docs/adr/004-optimistic-appends.md`).
///
/// A stream whose version `cached` does not know is assumed empty when its
/// first request in the group expects an empty stream (`NoStream` or
/// `Exact(0)`): if it is not, writing its version 1 violates the unique
/// (stream, version) index. The other unknown streams are returned for the
/// backend to read.
pub fn optimistic_facts(
    requests: &[AppendRequest],
    cached: impl Fn(&str) -> Option<u64>,
) -> (KnownFacts, Vec<String>) {
    let mut facts = KnownFacts::default();
    let mut decided = HashSet::new();
    let mut unknown = Vec::new();
    for request in requests {
        if !decided.insert(request.stream_id.as_str()) {
            continue;
        }
        match cached(&request.stream_id) {
            Some(version) => {
                facts
                    .stream_versions
                    .insert(request.stream_id.clone(), version);
            }
            None if matches!(
                request.expected,
                ExpectedVersion::NoStream | ExpectedVersion::Exact(0)
            ) =>
            {
                facts.stream_versions.insert(request.stream_id.clone(), 0);
            }
            None => unknown.push(request.stream_id.clone()),
        }
    }
    (facts, unknown)
}

/// Whether a plan made from [`optimistic_facts`] must be made again from full
/// facts ([`batch_keys`] looked up). A refused append may be a retry whose
/// stored events answer first (a replay is decided before the version check),
/// and an assumed-empty stream is only proven empty by writing its version 1:
/// so any refusal sends the whole group down the full path. An optimistic
/// plan without refusals writes every append (or replays one written earlier
/// in the same group), so the unique indexes check every assumption it made.
pub fn needs_full_facts(plan: &Plan) -> bool {
    plan.outcomes.iter().any(Result::is_err)
}

/// What to write, and what to answer each append.
#[derive(Debug)]
pub struct Plan {
    /// New events in position order, hashes chained from the old head.
    pub events: Vec<RecordedEvent>,
    pub commands: Vec<RecordedCommand>,
    /// One per request, in request order.
    pub outcomes: Vec<Result<AppendOutcome, StoreError>>,
    /// The head after the new events.
    pub head: Head,
}

/// Decides a group of appends. `now_micros` is the store's clock; recorded
/// times never go backwards along positions, even if the clock does.
pub fn plan_batch(
    head: Head,
    now_micros: i64,
    requests: &[AppendRequest],
    facts: &mut KnownFacts,
) -> Plan {
    let recorded_at_micros = now_micros.max(head.recorded_at_micros);
    let mut plan = Plan {
        events: Vec::with_capacity(requests.iter().map(|r| r.events.len()).sum()),
        commands: Vec::new(),
        outcomes: Vec::with_capacity(requests.len()),
        head,
    };
    for request in requests {
        let outcome = plan_one(&mut plan, recorded_at_micros, request, facts);
        plan.outcomes.push(outcome);
    }
    plan
}

fn plan_one(
    plan: &mut Plan,
    recorded_at_micros: i64,
    request: &AppendRequest,
    facts: &mut KnownFacts,
) -> Result<AppendOutcome, StoreError> {
    // Payloads were checked by `AppendRequest::validate` when the append was
    // submitted; the shape is checked again because the arithmetic below needs it.
    request.validate_shape()?;
    if let Some(outcome) = replayed(request, facts)? {
        return Ok(outcome);
    }
    if let Some(command) = &request.command
        && let Some(recorded) = facts.commands.get(&command.command_id)
    {
        return Err(StoreError::CommandAlreadyRecorded(Box::new(
            recorded.clone(),
        )));
    }
    let actual = facts
        .stream_versions
        .get(&request.stream_id)
        .copied()
        .unwrap_or(0);
    if !request.expected.accepts(actual) {
        return Err(StoreError::Conflict {
            stream: request.stream_id.clone(),
            expected: request.expected,
            actual,
        });
    }

    let first_position = plan.head.position + 1;
    let mut previous = plan.head.hash;
    for (offset, event) in request.events.iter().enumerate() {
        let position = first_position + offset as u64;
        let version = actual + 1 + offset as u64;
        let hash = HashInput {
            previous: &previous,
            position,
            stream_id: &request.stream_id,
            version,
            event_id: &event.event_id,
            event_type: &event.event_type,
            schema_version: event.schema_version,
            payload: &event.payload,
            recorded_at_micros,
            metadata: &request.metadata,
        }
        .digest();
        previous = hash;
        facts.events.insert(
            event.event_id,
            StoredEventRef {
                stream_id: request.stream_id.clone(),
                version,
                position,
                recorded_at_micros,
            },
        );
        plan.events.push(RecordedEvent {
            position,
            stream_id: request.stream_id.clone(),
            version,
            event_id: event.event_id,
            event_type: event.event_type.clone(),
            schema_version: event.schema_version,
            payload: event.payload.clone(),
            metadata: request.metadata.clone(),
            recorded_at: from_micros(recorded_at_micros),
            hash,
        });
    }
    let count = request.events.len() as u64;
    let last_position = first_position + count - 1;
    plan.head = Head {
        position: last_position,
        hash: previous,
        recorded_at_micros,
    };
    facts
        .stream_versions
        .insert(request.stream_id.clone(), actual + count);
    if let Some(command) = &request.command {
        let recorded = RecordedCommand {
            command_id: command.command_id.clone(),
            fingerprint: command.fingerprint.clone(),
            stream_id: request.stream_id.clone(),
            first_position,
            last_position,
            recorded_at: from_micros(recorded_at_micros),
        };
        facts
            .commands
            .insert(command.command_id.clone(), recorded.clone());
        plan.commands.push(recorded);
    }
    Ok(AppendOutcome {
        stream_id: request.stream_id.clone(),
        first_version: actual + 1,
        last_version: actual + count,
        first_position,
        last_position,
        recorded_at: from_micros(recorded_at_micros),
        replayed: false,
    })
}

/// A retried append (same event ids) answers with its original result, as long
/// as it is the very same append: same stream, same ids in the same order.
fn replayed(
    request: &AppendRequest,
    facts: &KnownFacts,
) -> Result<Option<AppendOutcome>, StoreError> {
    let stored: Vec<Option<&StoredEventRef>> = request
        .events
        .iter()
        .map(|e| facts.events.get(&e.event_id))
        .collect();
    let Some(Some(first)) = stored.first() else {
        // The first id is new: any other stored id is a reuse.
        if let Some(index) = stored.iter().position(Option::is_some) {
            return Err(StoreError::EventIdReused {
                event_id: request.events[index].event_id,
            });
        }
        return Ok(None);
    };
    for (offset, (event, found)) in request.events.iter().zip(&stored).enumerate() {
        let same_append = found.is_some_and(|f| {
            f.stream_id == request.stream_id
                && f.version == first.version + offset as u64
                && f.position == first.position + offset as u64
        });
        if !same_append {
            return Err(StoreError::EventIdReused {
                event_id: event.event_id,
            });
        }
    }
    let count = request.events.len() as u64;
    Ok(Some(AppendOutcome {
        stream_id: request.stream_id.clone(),
        first_version: first.version,
        last_version: first.version + count - 1,
        first_position: first.position,
        last_position: first.position + count - 1,
        recorded_at: from_micros(first.recorded_at_micros),
        replayed: true,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::expected_hash;
    use crate::types::{CommandStamp, ExpectedVersion, NewEvent};

    fn request(stream: &str, expected: ExpectedVersion, n: usize) -> AppendRequest {
        let events = (0..n)
            .map(|i| NewEvent::new("Happened", 1, format!("{{\"i\":{i}}}")))
            .collect();
        AppendRequest::new(stream, expected, events)
    }

    #[test]
    fn a_group_chains_hashes_and_positions_across_requests() {
        let mut facts = KnownFacts::default();
        let requests = [
            request("a", ExpectedVersion::NoStream, 2),
            request("b", ExpectedVersion::Any, 1),
        ];
        let plan = plan_batch(Head::EMPTY, 10, &requests, &mut facts);
        assert_eq!(
            plan.events.iter().map(|e| e.position).collect::<Vec<_>>(),
            [1, 2, 3]
        );
        let mut previous = crate::EventHash::ZERO;
        for event in &plan.events {
            assert_eq!(event.hash, expected_hash(&previous, event));
            previous = event.hash;
        }
        assert_eq!(plan.head.position, 3);
        assert_eq!(plan.head.hash, previous);
    }

    #[test]
    fn a_conflict_fails_only_its_own_request() {
        let mut facts = KnownFacts::default();
        facts.stream_versions.insert("a".into(), 4);
        let requests = [
            request("a", ExpectedVersion::Exact(3), 1),
            request("b", ExpectedVersion::NoStream, 1),
        ];
        let plan = plan_batch(Head::EMPTY, 10, &requests, &mut facts);
        assert_eq!(
            plan.outcomes[0],
            Err(StoreError::Conflict {
                stream: "a".into(),
                expected: ExpectedVersion::Exact(3),
                actual: 4
            })
        );
        let second = plan.outcomes[1].as_ref().unwrap();
        assert_eq!((second.first_position, second.first_version), (1, 1));
        assert_eq!(plan.events.len(), 1);
    }

    #[test]
    fn the_same_request_twice_in_a_group_is_replayed() {
        let mut facts = KnownFacts::default();
        let once = request("a", ExpectedVersion::NoStream, 2);
        let plan = plan_batch(Head::EMPTY, 10, &[once.clone(), once], &mut facts);
        assert_eq!(plan.events.len(), 2);
        let (first, second) = (
            plan.outcomes[0].as_ref().unwrap(),
            plan.outcomes[1].as_ref().unwrap(),
        );
        assert!(!first.replayed && second.replayed);
        assert_eq!((second.first_position, second.last_position), (1, 2));
    }

    #[test]
    fn a_recorded_command_is_refused_with_its_record() {
        let mut facts = KnownFacts::default();
        let stamp = CommandStamp {
            command_id: "c1".into(),
            fingerprint: "f".into(),
        };
        let first = request("a", ExpectedVersion::Any, 1).with_command(stamp.clone());
        let second = request("a", ExpectedVersion::Any, 1).with_command(stamp);
        let plan = plan_batch(Head::EMPTY, 10, &[first, second], &mut facts);
        assert!(plan.outcomes[0].is_ok());
        match &plan.outcomes[1] {
            Err(StoreError::CommandAlreadyRecorded(recorded)) => {
                assert_eq!(recorded.first_position, 1)
            }
            other => panic!("expected CommandAlreadyRecorded, got {other:?}"),
        }
    }

    #[test]
    fn optimistic_facts_assume_empty_only_where_the_first_request_expects_it() {
        let requests = [
            request("new", ExpectedVersion::NoStream, 1),
            request("new", ExpectedVersion::Exact(1), 1),
            request("cached", ExpectedVersion::Exact(3), 1),
            request("any", ExpectedVersion::Any, 1),
            request("later", ExpectedVersion::Exact(2), 1),
        ];
        let (facts, unknown) = optimistic_facts(&requests, |s| (s == "cached").then_some(3));
        assert_eq!(facts.stream_versions.get("new"), Some(&0));
        assert_eq!(facts.stream_versions.get("cached"), Some(&3));
        assert_eq!(unknown, ["any", "later"]);
        assert!(facts.events.is_empty() && facts.commands.is_empty());
    }

    #[test]
    fn any_refusal_sends_an_optimistic_group_down_the_full_path() {
        let (mut facts, _) =
            optimistic_facts(&[request("a", ExpectedVersion::NoStream, 1)], |_| None);
        let ok = plan_batch(
            Head::EMPTY,
            10,
            &[request("a", ExpectedVersion::NoStream, 1)],
            &mut facts,
        );
        assert!(!needs_full_facts(&ok));
        let refused = plan_batch(
            ok.head,
            10,
            &[request("a", ExpectedVersion::NoStream, 1)],
            &mut facts,
        );
        assert!(needs_full_facts(&refused));
    }

    #[test]
    fn recorded_time_never_goes_backwards() {
        let mut facts = KnownFacts::default();
        let head = Head {
            position: 7,
            hash: crate::EventHash::ZERO,
            recorded_at_micros: 1_000,
        };
        let plan = plan_batch(
            head,
            500,
            &[request("a", ExpectedVersion::Any, 1)],
            &mut facts,
        );
        assert_eq!(plan.events[0].recorded_at.timestamp_micros(), 1_000);
        assert_eq!(plan.events[0].position, 8);
    }
}
