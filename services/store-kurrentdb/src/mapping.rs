//! Pure conversions between fundtrail's store types and KurrentDB's: global
//! positions and ledger revisions, the ledger's expected state, what one
//! ledger event carries (payload and metadata JSON), and the client's errors.
//! Nothing here talks to a server, so all of it is unit-tested.
//!
//! Every fundtrail event is one event of the ledger stream (see
//! `docs/kurrentdb.md`):
//! - global position `p` (1, 2, ...) is ledger revision `p - 1` (0, 1, ...);
//! - the KurrentDB event id is the fundtrail event id, the KurrentDB event
//!   type is the fundtrail event type, the data is the payload byte for byte;
//! - the event's metadata JSON carries the rest: stream id, version (1, 2,
//!   ... in its stream), position, schema version, recorded-at, hash, actor,
//!   command id, `$correlationId` / `$causationId` (KurrentDB's own names),
//!   and on the first event of an append that recorded a command, the
//!   command's fingerprint and last position (and its first position when a
//!   restore had to mark a later event of it).

use fundtrail_store::types::from_micros;
use fundtrail_store::{EventHash, EventMetadata, Head, RecordedCommand, RecordedEvent, StoreError};
use kurrentdb::{CurrentRevision, GrpcConnectionError, StreamPosition, StreamState};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::client::{LedgerRead, LedgerWrite};

/// The format of the metadata JSON, written in its `fundtrail` field.
pub(crate) const METADATA_FORMAT: u32 = 1;

/// gRPC's status code `INVALID_ARGUMENT` (the client reports it as a `tonic::Code`).
const GRPC_INVALID_ARGUMENT: i32 = 3;

/// KurrentDB stores revisions as signed 64-bit numbers.
const MAX_REVISION: u64 = i64::MAX as u64;

/// The ledger revision of global position `position` (none for 0).
pub(crate) fn revision_of(position: u64) -> Option<u64> {
    position.checked_sub(1)
}

/// The global position of ledger revision `revision`.
pub(crate) fn position_of(revision: u64) -> u64 {
    revision + 1
}

/// What the ledger stream must be at for an append planned after `head`:
/// no stream before the first event, else exactly the head's revision.
pub(crate) fn ledger_state(head_position: u64) -> StreamState {
    match revision_of(head_position) {
        None => StreamState::NoStream,
        Some(revision) => StreamState::StreamRevision(revision),
    }
}

/// The head position a `WrongExpectedVersion` reports the ledger at.
pub(crate) fn head_of(current: CurrentRevision) -> u64 {
    match current {
        CurrentRevision::NoStream => 0,
        CurrentRevision::Current(revision) => position_of(revision),
    }
}

/// Where a read of the ledger starts for `read_all(from_position, ...)`;
/// `None` when nothing can be there.
pub(crate) fn read_start(from_position: u64, backward: bool) -> Option<StreamPosition<u64>> {
    if backward {
        match revision_of(from_position)? {
            revision if revision >= MAX_REVISION => Some(StreamPosition::End),
            // The server starts a backward read past the end at the end.
            revision => Some(StreamPosition::Position(revision)),
        }
    } else {
        let revision = revision_of(from_position.max(1))?;
        (revision < MAX_REVISION).then_some(StreamPosition::Position(revision))
    }
}

/// The metadata JSON of one ledger event. Keys it does not know are
/// ignored (a tool may add its own); what a key means is fixed by `format`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LedgerMetadata {
    #[serde(rename = "fundtrail")]
    format: u32,
    stream: String,
    version: u64,
    position: u64,
    schema_version: u16,
    /// Microseconds since the Unix epoch (the store's clock).
    recorded_at: i64,
    /// Lower-case hex SHA-256 (ADR 003).
    hash: String,
    actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command_id: Option<String>,
    #[serde(
        rename = "$correlationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    correlation_id: Option<Uuid>,
    #[serde(
        rename = "$causationId",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    causation_id: Option<Uuid>,
    /// On the first event of an append that recorded a command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command: Option<CommandMark>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommandMark {
    id: String,
    fingerprint: String,
    last_position: u64,
    /// Only when the mark is not on the command's first event: a restore
    /// whose batch starts inside the command's events marks the batch's
    /// first event (`crate::restore`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    first_position: Option<u64>,
}

/// The metadata JSON of `event`, with `command` when the event is the first
/// of the append that recorded it (or, in a restore, the first of them that
/// the restored batch holds).
pub(crate) fn encode_metadata(event: &RecordedEvent, command: Option<&RecordedCommand>) -> Vec<u8> {
    let metadata = LedgerMetadata {
        format: METADATA_FORMAT,
        stream: event.stream_id.clone(),
        version: event.version,
        position: event.position,
        schema_version: event.schema_version,
        recorded_at: event.recorded_at.timestamp_micros(),
        hash: event.hash.to_hex(),
        actor: event.metadata.actor.clone(),
        command_id: event.metadata.command_id.clone(),
        correlation_id: event.metadata.correlation_id,
        causation_id: event.metadata.causation_id,
        command: command.map(|c| CommandMark {
            id: c.command_id.clone(),
            fingerprint: c.fingerprint.clone(),
            last_position: c.last_position,
            first_position: (c.first_position != event.position).then_some(c.first_position),
        }),
    };
    serde_json::to_vec(&metadata).expect("the ledger metadata serialises")
}

/// The payload as a JSON value whose serialisation is exactly the payload's
/// bytes, or `None` when serde_json would not give them back unchanged
/// (surrounding whitespace): such a payload is sent as binary data instead,
/// still byte for byte.
fn exact_json(payload: &str) -> Option<Box<serde_json::value::RawValue>> {
    serde_json::value::RawValue::from_string(payload.to_owned())
        .ok()
        .filter(|raw| raw.get() == payload)
}

/// A ledger event's data: the payload's bytes, as JSON when they are kept
/// exactly that way, else as binary.
#[derive(Debug, Clone)]
pub(crate) enum LedgerData {
    Json(Box<serde_json::value::RawValue>),
    Binary(Vec<u8>),
}

impl LedgerData {
    #[cfg(any(test, feature = "testing"))]
    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            LedgerData::Json(raw) => raw.get().as_bytes(),
            LedgerData::Binary(bytes) => bytes,
        }
    }
}

/// The ledger event for a planned event: its id, type, payload and metadata.
pub(crate) fn ledger_write(
    event: &RecordedEvent,
    command: Option<&RecordedCommand>,
) -> LedgerWrite {
    let data = match exact_json(&event.payload) {
        Some(raw) => LedgerData::Json(raw),
        None => LedgerData::Binary(event.payload.clone().into_bytes()),
    };
    LedgerWrite {
        id: event.event_id,
        event_type: event.event_type.clone(),
        data,
        metadata: encode_metadata(event, command),
    }
}

/// A ledger event turned back into a fundtrail event, with the command it
/// recorded (on the first event of such an append).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// The ledger revision it was read at.
    pub revision: u64,
    pub event: RecordedEvent,
    pub command: Option<RecordedCommand>,
}

/// Decodes one ledger event. The event keeps the position recorded (and
/// hashed) in its metadata: it equals `revision + 1` unless the ledger was
/// rewritten, which `verify` then reports.
pub(crate) fn decode(record: &LedgerRead) -> Result<Decoded, StoreError> {
    let corrupt = |why: String| {
        StoreError::Corrupt(format!(
            "ledger revision {} (event {}): {why}",
            record.revision, record.id
        ))
    };
    let metadata: LedgerMetadata = serde_json::from_slice(&record.metadata)
        .map_err(|e| corrupt(format!("not fundtrail metadata: {e}")))?;
    if metadata.format != METADATA_FORMAT {
        return Err(corrupt(format!(
            "metadata format {} (this fundtrail reads {METADATA_FORMAT})",
            metadata.format
        )));
    }
    let payload = String::from_utf8(record.data.to_vec())
        .map_err(|_| corrupt("the payload is not UTF-8".into()))?;
    let hash = EventHash::from_hex(&metadata.hash)
        .ok_or_else(|| corrupt(format!("hash {:?} is not 32 hex bytes", metadata.hash)))?;
    let recorded_at = from_micros(metadata.recorded_at);
    let command = metadata.command.map(|mark| RecordedCommand {
        command_id: mark.id,
        fingerprint: mark.fingerprint,
        stream_id: metadata.stream.clone(),
        first_position: mark.first_position.unwrap_or(metadata.position),
        last_position: mark.last_position,
        recorded_at,
    });
    let event = RecordedEvent {
        position: metadata.position,
        stream_id: metadata.stream,
        version: metadata.version,
        event_id: record.id,
        event_type: record.event_type.clone(),
        schema_version: metadata.schema_version,
        payload,
        metadata: EventMetadata {
            actor: metadata.actor,
            command_id: metadata.command_id,
            correlation_id: metadata.correlation_id,
            causation_id: metadata.causation_id,
        },
        recorded_at,
        hash,
    };
    Ok(Decoded {
        revision: record.revision,
        event,
        command,
    })
}

/// The head that a decoded last event stands for.
pub(crate) fn head_after(event: &RecordedEvent) -> Head {
    Head {
        position: event.position,
        hash: event.hash,
        recorded_at_micros: event.recorded_at.timestamp_micros(),
    }
}

/// What a client error means to the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The ledger was not at the expected revision: another writer appended
    /// first (the ledger's head is now at this position). Nothing was written.
    LedgerMoved {
        head: u64,
    },
    /// The ledger stream does not exist yet: an empty store.
    NoLedger,
    /// A follower refused a request that needs the leader; the client
    /// reconnects to the leader. Nothing was written.
    NotLeader,
    /// No connection can be had with this client any more (the client gives
    /// up for good after its discovery attempts): make a new one.
    ConnectionLost(StoreError),
    Other(StoreError),
}

impl Failure {
    /// The store error for a caller that cannot do better than report it.
    pub(crate) fn into_store_error(self) -> StoreError {
        match self {
            Failure::LedgerMoved { head } => StoreError::backend(format!(
                "KurrentDB: the ledger moved to position {head} during the operation"
            )),
            Failure::NoLedger => StoreError::backend("KurrentDB: the ledger stream does not exist"),
            Failure::NotLeader => StoreError::backend(
                "KurrentDB: the node is not the leader (the client reconnects to the leader; retry)",
            ),
            Failure::ConnectionLost(e) | Failure::Other(e) => e,
        }
    }
}

/// Sorts a client error.
pub(crate) fn classify(error: kurrentdb::Error) -> Failure {
    use kurrentdb::Error as E;
    match error {
        E::WrongExpectedVersion { current, .. } => Failure::LedgerMoved {
            head: head_of(current),
        },
        E::ResourceNotFound => Failure::NoLedger,
        E::NotLeaderException(_) => Failure::NotLeader,
        E::GrpcConnectionError(GrpcConnectionError::MaxDiscoveryAttemptReached(attempts)) => {
            Failure::ConnectionLost(StoreError::Unavailable(format!(
                "KurrentDB is unreachable: no node could be reached after {attempts} discovery \
                 attempt(s) {CONNECTION_HINT}"
            )))
        }
        E::GrpcConnectionError(GrpcConnectionError::Grpc(status)) => {
            Failure::ConnectionLost(StoreError::Unavailable(format!(
                "KurrentDB is unreachable: {} {CONNECTION_HINT}",
                status_message(&status)
            )))
        }
        E::ConnectionClosed => Failure::ConnectionLost(StoreError::Unavailable(
            "KurrentDB: the client's connection is closed".into(),
        )),
        E::AccessDenied => Failure::Other(StoreError::backend(
            "KurrentDB refused access: check the user and password in the connection string \
             and the ledger stream's ACL",
        )),
        E::ResourceDeleted => Failure::Other(StoreError::Corrupt(
            "the ledger stream was deleted in KurrentDB".into(),
        )),
        E::DeadlineExceeded => Failure::Other(StoreError::backend(
            "KurrentDB did not answer before the deadline",
        )),
        // A request the server refuses as such, e.g. "Maximum Append Size of
        // 1048576 Exceeded.": the same request would be refused again.
        E::Grpc { code, message } if code as i32 == GRPC_INVALID_ARGUMENT => Failure::Other(
            StoreError::InvalidRequest(format!("KurrentDB refused the request: {message}")),
        ),
        other => Failure::Other(StoreError::backend(format!("KurrentDB: {other}"))),
    }
}

const CONNECTION_HINT: &str =
    "(check the connection string's hosts and ports, `tls` and `maxDiscoverAttempts`)";

/// The message of a gRPC status as the client prints it
/// (`status: Unknown, message: "client error (Connect)", details: ...`).
fn status_message(status: &str) -> &str {
    status
        .split_once("message: \"")
        .and_then(|(_, rest)| rest.split_once('"'))
        .map_or(status, |(message, _)| message)
}

/// The store error for an append whose outcome the client cannot tell.
pub(crate) fn append_unknown(error: StoreError) -> StoreError {
    match error {
        StoreError::Backend(message) => StoreError::Backend(format!(
            "{message}; the append may or may not have been written: retry it with the same \
             event ids (a retry that was written answers with its original result)"
        )),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundtrail_store::plan::{KnownFacts, plan_batch};
    use fundtrail_store::{AppendRequest, CommandStamp, ExpectedVersion, NewEvent};

    /// Two appends planned as a store plans them (real hashes): the first
    /// with a command, correlation and causation ids, the second bare.
    fn planned() -> (Vec<RecordedEvent>, Vec<RecordedCommand>) {
        let metadata = EventMetadata {
            actor: "officer:aya".into(),
            command_id: None,
            correlation_id: Some(Uuid::now_v7()),
            causation_id: Some(Uuid::now_v7()),
        };
        let first = AppendRequest::new(
            "pledge-p1",
            ExpectedVersion::NoStream,
            vec![
                NewEvent::new(
                    "PledgeMade",
                    3,
                    r#"{"amount":"10000000","note":"l'\"OIM\"\n"}"#.into(),
                ),
                NewEvent::new("PledgeAmended", 1, "{ \"spaced\" : [1, 2] }".into()),
            ],
        )
        .with_metadata(metadata)
        .with_command(CommandStamp {
            command_id: "cmd-42".into(),
            fingerprint: "sha256:abc".into(),
        });
        let second = AppendRequest::new(
            "pledge-p2",
            ExpectedVersion::Any,
            vec![NewEvent::new(
                "PledgeMade",
                1,
                "  {\"padded\":true}\n".into(),
            )],
        );
        let plan = plan_batch(
            Head::EMPTY,
            1_700_000_000_123_456,
            &[first, second],
            &mut KnownFacts::default(),
        );
        assert!(plan.outcomes.iter().all(Result::is_ok));
        (plan.events, plan.commands)
    }

    fn record(event: &RecordedEvent, metadata: &[u8]) -> LedgerRead {
        LedgerRead {
            revision: event.position - 1,
            id: event.event_id,
            event_type: event.event_type.clone(),
            data: event.payload.as_bytes().to_vec(),
            metadata: metadata.to_vec(),
        }
    }

    #[test]
    fn positions_are_revisions_plus_one() {
        assert_eq!(revision_of(0), None);
        assert_eq!(revision_of(1), Some(0));
        assert_eq!(revision_of(42), Some(41));
        assert_eq!(position_of(0), 1);
        for position in [1, 2, 1_000_000, u64::MAX] {
            assert_eq!(revision_of(position).map(position_of), Some(position));
        }
    }

    #[test]
    fn the_ledger_is_expected_at_the_head_it_was_planned_after() {
        assert_eq!(ledger_state(0), StreamState::NoStream);
        assert_eq!(ledger_state(1), StreamState::StreamRevision(0));
        assert_eq!(ledger_state(6), StreamState::StreamRevision(5));
        assert_eq!(head_of(CurrentRevision::NoStream), 0);
        assert_eq!(head_of(CurrentRevision::Current(5)), 6);
        // The expectation and the reported head agree on the same ledger.
        for head in [0, 1, 9] {
            let reported = match ledger_state(head) {
                StreamState::NoStream => CurrentRevision::NoStream,
                StreamState::StreamRevision(r) => CurrentRevision::Current(r),
                other => panic!("unexpected {other:?}"),
            };
            assert_eq!(head_of(reported), head);
        }
    }

    #[test]
    fn read_all_starts_at_the_position_s_revision() {
        let at = |r| Some(StreamPosition::Position(r));
        assert_eq!(read_start(0, false), at(0));
        assert_eq!(read_start(1, false), at(0));
        assert_eq!(read_start(7, false), at(6));
        assert_eq!(read_start(u64::MAX, false), None);
        assert_eq!(read_start(0, true), None);
        assert_eq!(read_start(1, true), at(0));
        assert_eq!(read_start(3, true), at(2));
        assert_eq!(read_start(u64::MAX, true), Some(StreamPosition::End));
    }

    #[test]
    fn events_and_commands_round_trip_through_the_metadata_json() {
        let (events, commands) = planned();
        assert_eq!(events.len(), 3);
        let command = &commands[0];
        assert_eq!(command.first_position, events[0].position);
        for (i, event) in events.iter().enumerate() {
            let mark = (i == 0).then_some(command);
            let metadata = encode_metadata(event, mark);
            let decoded = decode(&record(event, &metadata)).unwrap();
            assert_eq!(decoded.revision, event.position - 1);
            assert_eq!(&decoded.event, event, "event {i}");
            assert_eq!(decoded.command.as_ref(), mark);
            assert_eq!(
                fundtrail_store::hash::expected_hash(
                    &if i == 0 {
                        EventHash::ZERO
                    } else {
                        events[i - 1].hash
                    },
                    &decoded.event
                ),
                event.hash,
                "the decoded event still hashes to its hash"
            );
        }
    }

    #[test]
    fn the_metadata_json_uses_kurrentdb_s_names_and_leaves_out_what_is_absent() {
        let (events, commands) = planned();
        let first: serde_json::Value =
            serde_json::from_slice(&encode_metadata(&events[0], Some(&commands[0]))).unwrap();
        assert_eq!(first["fundtrail"], 1);
        assert_eq!(first["stream"], "pledge-p1");
        assert_eq!(
            (first["version"].as_u64(), first["position"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(first["schemaVersion"], 3);
        assert_eq!(first["recordedAt"], 1_700_000_000_123_456_i64);
        assert_eq!(first["hash"], events[0].hash.to_hex());
        assert_eq!(first["actor"], "officer:aya");
        assert_eq!(first["commandId"], "cmd-42");
        assert_eq!(
            first["$correlationId"],
            events[0].metadata.correlation_id.unwrap().to_string()
        );
        assert_eq!(
            first["$causationId"],
            events[0].metadata.causation_id.unwrap().to_string()
        );
        assert_eq!(
            first["command"],
            serde_json::json!({"id": "cmd-42", "fingerprint": "sha256:abc", "lastPosition": 2})
        );
        let bare: serde_json::Value =
            serde_json::from_slice(&encode_metadata(&events[2], None)).unwrap();
        let keys: Vec<&str> = bare
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "actor",
                "fundtrail",
                "hash",
                "position",
                "recordedAt",
                "schemaVersion",
                "stream",
                "version"
            ]
        );
    }

    #[test]
    fn payloads_go_as_json_only_when_their_bytes_come_back_unchanged() {
        let same = |p: &str| exact_json(p).map(|raw| raw.get().to_owned());
        assert_eq!(same(r#"{"a":1}"#).as_deref(), Some(r#"{"a":1}"#));
        // `EventData::json` sends `serde_json::to_vec` of the value: the exact bytes.
        for payload in [r#"{"a":1}"#, "{ \"é\" : [1,  2],\n\"b\":\"\\u00e9\"}"] {
            let raw = exact_json(payload).expect("sent as JSON");
            assert_eq!(serde_json::to_vec(&raw).unwrap(), payload.as_bytes());
        }
        assert_eq!(
            same("{ \"a\" : [1,  2] }").as_deref(),
            Some("{ \"a\" : [1,  2] }"),
            "inner whitespace is kept"
        );
        assert_eq!(same(" {\"a\":1}"), None, "leading whitespace: binary");
        assert_eq!(same("{\"a\":1}\n"), None, "trailing whitespace: binary");
        assert_eq!(same("{not json"), None);
        // What the store sends: the payload's bytes, as JSON where exact.
        let (events, commands) = planned();
        let kinds: Vec<bool> = events
            .iter()
            .map(|event| {
                let write = ledger_write(event, None);
                assert_eq!(write.data.bytes(), event.payload.as_bytes());
                assert_eq!(
                    (write.id, write.event_type.as_str()),
                    (event.event_id, event.event_type.as_str())
                );
                matches!(write.data, LedgerData::Json(_))
            })
            .collect();
        assert_eq!(
            kinds,
            [true, true, false],
            "the padded payload goes as binary"
        );
        let write = ledger_write(&events[0], Some(&commands[0]));
        assert_eq!(
            write.metadata,
            encode_metadata(&events[0], Some(&commands[0]))
        );
    }

    #[test]
    fn what_is_not_fundtrail_metadata_is_reported_with_its_revision() {
        let (events, _) = planned();
        let event = &events[0];
        let good = encode_metadata(event, None);
        let corrupt = |metadata: &[u8], data: &[u8]| {
            let mut r = record(event, metadata);
            r.data = data.to_vec();
            match decode(&r) {
                Err(StoreError::Corrupt(message)) => message,
                other => panic!("expected Corrupt, got {other:?}"),
            }
        };
        let payload = event.payload.as_bytes();
        assert!(corrupt(b"", payload).starts_with("ledger revision 0 "));
        assert!(corrupt(b"{\"foreign\":true}", payload).contains("not fundtrail metadata"));
        // A key added by another tool is ignored.
        let mut extended: serde_json::Value = serde_json::from_slice(&good).unwrap();
        extended["$origin"] = "a connector".into();
        let decoded = decode(&record(event, &serde_json::to_vec(&extended).unwrap())).unwrap();
        assert_eq!(&decoded.event, event);
        let mut newer: serde_json::Value = serde_json::from_slice(&good).unwrap();
        newer["fundtrail"] = 2.into();
        assert!(
            corrupt(&serde_json::to_vec(&newer).unwrap(), payload).contains("metadata format 2")
        );
        let mut short: serde_json::Value = serde_json::from_slice(&good).unwrap();
        short["hash"] = "abcd".into();
        assert!(corrupt(&serde_json::to_vec(&short).unwrap(), payload).contains("hash"));
        assert!(corrupt(&good, &[0xff, 0xfe]).contains("not UTF-8"));
    }

    #[test]
    fn client_errors_map_to_what_the_store_does_next() {
        use kurrentdb::{Endpoint, Error as E};
        assert_eq!(
            classify(E::WrongExpectedVersion {
                expected: StreamState::StreamRevision(4),
                current: CurrentRevision::Current(6),
            }),
            Failure::LedgerMoved { head: 7 }
        );
        assert_eq!(
            classify(E::WrongExpectedVersion {
                expected: StreamState::StreamRevision(0),
                current: CurrentRevision::NoStream,
            }),
            Failure::LedgerMoved { head: 0 }
        );
        assert_eq!(classify(E::ResourceNotFound), Failure::NoLedger);
        assert_eq!(
            classify(E::NotLeaderException(Endpoint {
                host: "node2".into(),
                port: 2113
            })),
            Failure::NotLeader
        );
        for lost in [
            E::GrpcConnectionError(GrpcConnectionError::MaxDiscoveryAttemptReached(1)),
            E::GrpcConnectionError(GrpcConnectionError::Grpc("tcp connect error".into())),
        ] {
            match classify(lost) {
                Failure::ConnectionLost(StoreError::Unavailable(message)) => {
                    assert!(message.starts_with("KurrentDB is unreachable"), "{message}")
                }
                other => panic!("expected ConnectionLost, got {other:?}"),
            }
        }
        assert!(matches!(
            classify(E::ConnectionClosed),
            Failure::ConnectionLost(StoreError::Unavailable(_))
        ));
        assert!(matches!(
            classify(E::AccessDenied),
            Failure::Other(StoreError::Backend(m)) if m.contains("refused access")
        ));
        assert!(matches!(
            classify(E::ResourceDeleted),
            Failure::Other(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            classify(E::DeadlineExceeded),
            Failure::Other(StoreError::Backend(_))
        ));
        assert_eq!(
            classify(E::Grpc {
                code: GRPC_INVALID_ARGUMENT.into(),
                message: "Maximum Append Size of 1048576 Exceeded.".into(),
            }),
            Failure::Other(StoreError::InvalidRequest(
                "KurrentDB refused the request: Maximum Append Size of 1048576 Exceeded.".into()
            ))
        );
        assert!(matches!(
            classify(E::Grpc {
                code: 14.into(),
                message: "unavailable".into(),
            }),
            Failure::Other(StoreError::Backend(_))
        ));
        assert!(matches!(
            classify(E::ServerError("boom".into())),
            Failure::Other(StoreError::Backend(m)) if m.contains("boom")
        ));
    }

    #[test]
    fn a_transport_error_keeps_only_its_message() {
        let status = "status: Unknown, message: \"client error (Connect)\", details: [], \
                      metadata: MetadataMap { headers: {} }";
        assert_eq!(status_message(status), "client error (Connect)");
        assert_eq!(status_message("tcp connect error"), "tcp connect error");
        match classify(kurrentdb::Error::GrpcConnectionError(
            GrpcConnectionError::Grpc(status.into()),
        )) {
            Failure::ConnectionLost(StoreError::Unavailable(message)) => assert!(
                message.starts_with("KurrentDB is unreachable: client error (Connect) (check"),
                "{message}"
            ),
            other => panic!("expected ConnectionLost, got {other:?}"),
        }
    }

    #[test]
    fn failures_become_store_errors_and_unknown_appends_say_so() {
        assert!(matches!(
            Failure::LedgerMoved { head: 3 }.into_store_error(),
            StoreError::Backend(m) if m.contains("position 3")
        ));
        let unknown = append_unknown(StoreError::backend("KurrentDB: timeout"));
        assert!(matches!(
            &unknown,
            StoreError::Backend(m) if m.starts_with("KurrentDB: timeout;") && m.contains("same event ids")
        ));
        let refused = StoreError::InvalidRequest("too large".into());
        assert_eq!(append_unknown(refused.clone()), refused);
    }
}
