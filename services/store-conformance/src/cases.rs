//! The cases, one function each, generic over the harness.

use std::collections::HashSet;
use std::time::Duration;

use fundtrail_store::verify::BreakKind;
use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventAppender, EventMetadata, EventReader, EventStore,
    EventSubscriber, ExpectedVersion, NewEvent, StoreError,
};
use futures::StreamExt;
use uuid::Uuid;

use crate::Harness;

const WAIT: Duration = Duration::from_secs(20);

fn event(n: u64) -> NewEvent {
    NewEvent::new(
        "Happened",
        1,
        format!("{{\"n\":{n},\"text\":\"évènement n°{n}\"}}"),
    )
}

fn events(n: u64) -> Vec<NewEvent> {
    (1..=n).map(event).collect()
}

async fn append<S: EventAppender + ?Sized>(
    store: &S,
    stream: &str,
    expected: ExpectedVersion,
    n: u64,
) -> fundtrail_store::AppendOutcome {
    store
        .append(AppendRequest::new(stream, expected, events(n)))
        .await
        .unwrap_or_else(|e| panic!("append of {n} events to {stream} failed: {e}"))
}

async fn all_events<S: EventReader + ?Sized>(store: &S) -> Vec<fundtrail_store::RecordedEvent> {
    store
        .read_all(1, Direction::Forward, usize::MAX >> 1)
        .await
        .expect("read_all")
}

pub async fn versions_start_at_one_and_positions_are_global<H: Harness>(h: H) {
    let store = h.store();
    assert_eq!(store.stream_version("pledge-a").await.unwrap(), 0);
    assert_eq!(store.head().await.unwrap().position, 0);

    let a = append(&store, "pledge-a", ExpectedVersion::NoStream, 3).await;
    assert_eq!((a.first_version, a.last_version), (1, 3));
    assert_eq!((a.first_position, a.last_position), (1, 3));
    assert!(!a.replayed);

    let b = append(&store, "pledge-b", ExpectedVersion::NoStream, 2).await;
    assert_eq!((b.first_version, b.last_version), (1, 2));
    assert_eq!((b.first_position, b.last_position), (4, 5));

    let a2 = append(&store, "pledge-a", ExpectedVersion::Exact(3), 1).await;
    assert_eq!((a2.first_version, a2.first_position), (4, 6));

    assert_eq!(store.stream_version("pledge-a").await.unwrap(), 4);
    assert_eq!(store.stream_version("pledge-b").await.unwrap(), 2);
    let head = store.head().await.unwrap();
    assert_eq!(head.position, 6);
    let stream: Vec<u64> = store
        .read_stream("pledge-a", 1, Direction::Forward, 100)
        .await
        .unwrap()
        .iter()
        .map(|e| e.position)
        .collect();
    assert_eq!(stream, [1, 2, 3, 6]);
    assert_eq!(all_events(&store).await.last().unwrap().hash, head.hash);
}

pub async fn expected_version_rules_and_typed_conflicts<H: Harness>(h: H) {
    let store = h.store();
    append(&store, "s", ExpectedVersion::Exact(0), 3).await;

    let conflict = |expected, actual| StoreError::Conflict {
        stream: "s".into(),
        expected,
        actual,
    };
    let refused = store
        .append(AppendRequest::new(
            "s",
            ExpectedVersion::NoStream,
            events(1),
        ))
        .await;
    assert_eq!(refused, Err(conflict(ExpectedVersion::NoStream, 3)));
    let refused = store
        .append(AppendRequest::new(
            "s",
            ExpectedVersion::Exact(2),
            events(1),
        ))
        .await;
    assert_eq!(refused, Err(conflict(ExpectedVersion::Exact(2), 3)));
    let refused = store
        .append(AppendRequest::new(
            "s",
            ExpectedVersion::Exact(4),
            events(1),
        ))
        .await;
    assert_eq!(refused, Err(conflict(ExpectedVersion::Exact(4), 3)));
    let refused = store
        .append(AppendRequest::new(
            "other",
            ExpectedVersion::Exact(1),
            events(1),
        ))
        .await;
    assert_eq!(
        refused,
        Err(StoreError::Conflict {
            stream: "other".into(),
            expected: ExpectedVersion::Exact(1),
            actual: 0
        })
    );
    assert_eq!(
        store.head().await.unwrap().position,
        3,
        "a refused append appends nothing"
    );

    assert_eq!(
        append(&store, "s", ExpectedVersion::Exact(3), 1)
            .await
            .last_version,
        4
    );
    assert_eq!(
        append(&store, "s", ExpectedVersion::Any, 2)
            .await
            .last_version,
        6
    );
    assert_eq!(
        append(&store, "new", ExpectedVersion::Any, 1)
            .await
            .last_version,
        1
    );
}

pub async fn a_batch_is_all_or_nothing<H: Harness>(h: H) {
    let store = h.store();
    let first = append(&store, "s", ExpectedVersion::NoStream, 2).await;

    // An id already stored elsewhere inside an otherwise new batch.
    let stored_id = all_events(&store).await[1].event_id;
    let mut batch = events(3);
    batch[2].event_id = stored_id;
    let refused = store
        .append(AppendRequest::new("t", ExpectedVersion::NoStream, batch))
        .await;
    assert_eq!(
        refused,
        Err(StoreError::EventIdReused {
            event_id: stored_id
        })
    );

    // A payload that is not JSON in the middle of a batch.
    let mut batch = events(3);
    batch[1].payload = "{not json".into();
    assert!(matches!(
        store
            .append(AppendRequest::new("t", ExpectedVersion::Any, batch))
            .await,
        Err(StoreError::InvalidRequest(_))
    ));

    // The same id twice in one batch; an empty batch.
    let mut batch = events(2);
    batch[1].event_id = batch[0].event_id;
    assert!(matches!(
        store
            .append(AppendRequest::new("t", ExpectedVersion::Any, batch))
            .await,
        Err(StoreError::InvalidRequest(_))
    ));
    assert!(matches!(
        store
            .append(AppendRequest::new("t", ExpectedVersion::Any, vec![]))
            .await,
        Err(StoreError::InvalidRequest(_))
    ));

    assert_eq!(store.stream_version("t").await.unwrap(), 0);
    assert_eq!(store.head().await.unwrap().position, first.last_position);
    assert_eq!(all_events(&store).await.len(), 2);
    assert!(store.verify().await.unwrap().is_intact());
}

pub async fn reappending_the_same_event_ids_returns_the_original_result<H: Harness>(h: H) {
    let store = h.store();
    append(&store, "before", ExpectedVersion::Any, 1).await;
    let request = AppendRequest::new("s", ExpectedVersion::NoStream, events(3));
    let original = store.append(request.clone()).await.unwrap();
    append(&store, "after", ExpectedVersion::Any, 1).await;

    // A retry after a lost acknowledgement: even its expected version is stale now.
    let retried = store.append(request.clone()).await.unwrap();
    assert!(retried.replayed);
    assert_eq!(
        (
            retried.first_position,
            retried.last_position,
            retried.first_version,
            retried.last_version
        ),
        (
            original.first_position,
            original.last_position,
            original.first_version,
            original.last_version
        )
    );
    assert_eq!(retried.recorded_at, original.recorded_at);
    assert_eq!(store.head().await.unwrap().position, 5);
    assert_eq!(store.stream_version("s").await.unwrap(), 3);

    // Part of the same ids in another order is not a retry.
    let mut shuffled = request.clone();
    shuffled.events.swap(0, 1);
    assert!(matches!(
        store.append(shuffled).await,
        Err(StoreError::EventIdReused { .. })
    ));
    assert_eq!(store.head().await.unwrap().position, 5);
}

pub async fn command_ids_are_answerable_from_the_store<H: Harness>(mut h: H) {
    let store = h.store();
    let stamp = CommandStamp {
        command_id: "cmd-42".into(),
        fingerprint: "sha256:abc".into(),
    };
    assert_eq!(store.find_command("cmd-42").await.unwrap(), None);
    let outcome = store
        .append(
            AppendRequest::new("pledge-x", ExpectedVersion::NoStream, events(2))
                .with_command(stamp.clone()),
        )
        .await
        .unwrap();
    let recorded = store
        .find_command("cmd-42")
        .await
        .unwrap()
        .expect("recorded command");
    assert_eq!(recorded.fingerprint, "sha256:abc");
    assert_eq!(recorded.stream_id, "pledge-x");
    assert_eq!(
        (recorded.first_position, recorded.last_position),
        (outcome.first_position, outcome.last_position)
    );
    let stored = all_events(&store).await;
    assert!(
        stored
            .iter()
            .all(|e| e.metadata.command_id.as_deref() == Some("cmd-42"))
    );

    // The same command id with other events appends nothing and says what was recorded.
    let again = store
        .append(AppendRequest::new("pledge-x", ExpectedVersion::Any, events(1)).with_command(stamp))
        .await;
    match again {
        Err(StoreError::CommandAlreadyRecorded(found)) => assert_eq!(*found, recorded),
        other => panic!("expected CommandAlreadyRecorded, got {other:?}"),
    }
    assert_eq!(store.head().await.unwrap().position, 2);

    h.reopen().await;
    let store = h.store();
    assert_eq!(store.find_command("cmd-42").await.unwrap(), Some(recorded));
}

pub async fn read_directions_and_limits<H: Harness>(h: H) {
    let store = h.store();
    append(&store, "a", ExpectedVersion::Any, 5).await;
    append(&store, "b", ExpectedVersion::Any, 3).await;
    let versions = |events: Vec<fundtrail_store::RecordedEvent>| {
        events.iter().map(|e| e.version).collect::<Vec<_>>()
    };
    let positions = |events: Vec<fundtrail_store::RecordedEvent>| {
        events.iter().map(|e| e.position).collect::<Vec<_>>()
    };

    assert_eq!(
        versions(
            store
                .read_stream("a", 2, Direction::Forward, 2)
                .await
                .unwrap()
        ),
        [2, 3]
    );
    assert_eq!(
        versions(
            store
                .read_stream("a", 1, Direction::Forward, 100)
                .await
                .unwrap()
        ),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(
        versions(
            store
                .read_stream("a", u64::MAX, Direction::Backward, 2)
                .await
                .unwrap()
        ),
        [5, 4]
    );
    assert_eq!(
        versions(
            store
                .read_stream("a", 3, Direction::Backward, 10)
                .await
                .unwrap()
        ),
        [3, 2, 1]
    );
    assert!(
        store
            .read_stream("a", 6, Direction::Forward, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .read_stream("a", 1, Direction::Forward, 0)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .read_stream("nope", 1, Direction::Forward, 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        positions(store.read_all(1, Direction::Forward, 3).await.unwrap()),
        [1, 2, 3]
    );
    assert_eq!(
        positions(store.read_all(6, Direction::Forward, 10).await.unwrap()),
        [6, 7, 8]
    );
    assert_eq!(
        positions(
            store
                .read_all(u64::MAX, Direction::Backward, 3)
                .await
                .unwrap()
        ),
        [8, 7, 6]
    );
    assert_eq!(
        positions(store.read_all(2, Direction::Backward, 10).await.unwrap()),
        [2, 1]
    );
    assert!(
        store
            .read_all(9, Direction::Forward, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let b = store
        .read_stream("b", 1, Direction::Forward, 10)
        .await
        .unwrap();
    assert!(b.iter().all(|e| e.stream_id == "b"));
}

pub async fn concurrent_writers_get_one_gap_free_global_order<H: Harness>(h: H) {
    let store = h.store();
    let writers = 8u64;
    let per_writer = 40u64;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..per_writer {
                let stream = format!("w{w}");
                let n = 1 + (i % 2);
                store
                    .append(AppendRequest::new(stream, ExpectedVersion::Any, events(n)))
                    .await
                    .expect("concurrent append");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let all = all_events(&store).await;
    let expected_total = writers * (per_writer / 2) * 3;
    assert_eq!(all.len() as u64, expected_total);
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.position, i as u64 + 1, "positions have no gap");
    }
    assert!(
        all.windows(2).all(|w| w[0].recorded_at <= w[1].recorded_at),
        "recorded time never goes back"
    );
    for w in 0..writers {
        let stream = store
            .read_stream(&format!("w{w}"), 1, Direction::Forward, 1_000)
            .await
            .unwrap();
        let versions: Vec<u64> = stream.iter().map(|e| e.version).collect();
        assert_eq!(versions, (1..=(per_writer / 2) * 3).collect::<Vec<_>>());
    }
    assert!(store.verify().await.unwrap().is_intact());
}

pub async fn subscription_catches_up_then_goes_live_without_gap_or_duplicate<H: Harness>(h: H) {
    let store = h.store();
    for i in 0..10 {
        append(&store, &format!("old-{i}"), ExpectedVersion::Any, 5).await;
    }
    let mut subscription = store.subscribe_all(1);
    let writers = 4u64;
    let per_writer = 25u64;
    let mut tasks = Vec::new();
    for w in 0..writers {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..per_writer {
                store
                    .append(AppendRequest::new(
                        format!("live-{w}"),
                        ExpectedVersion::Any,
                        events(2),
                    ))
                    .await
                    .expect("live append");
                tokio::task::yield_now().await;
            }
        }));
    }
    let total = 50 + writers * per_writer * 2;
    let mut seen = Vec::new();
    while (seen.len() as u64) < total {
        let next = tokio::time::timeout(WAIT, subscription.next())
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "subscription stalled after {} of {total} events",
                    seen.len()
                )
            })
            .expect("subscription ended early")
            .expect("subscription error");
        seen.push(next.position);
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        seen,
        (1..=total).collect::<Vec<_>>(),
        "every event once, in order"
    );
    // Nothing more arrives until something is appended.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), subscription.next())
            .await
            .is_err()
    );
    append(&store, "late", ExpectedVersion::Any, 1).await;
    let late = tokio::time::timeout(WAIT, subscription.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(late.position, total + 1);
}

pub async fn subscription_from_the_middle_starts_there<H: Harness>(h: H) {
    let store = h.store();
    append(&store, "s", ExpectedVersion::Any, 10).await;
    let mut subscription = store.subscribe_all(7);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let e = tokio::time::timeout(WAIT, subscription.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        seen.push(e.position);
    }
    assert_eq!(seen, [7, 8, 9, 10]);
    let mut beyond = store.subscribe_all(12);
    append(&store, "s", ExpectedVersion::Any, 3).await;
    let e = tokio::time::timeout(WAIT, beyond.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(e.position, 12);
}

pub async fn metadata_and_payload_round_trip<H: Harness>(h: H) {
    let store = h.store();
    let correlation = Uuid::now_v7();
    let causation = Uuid::now_v7();
    let payload = serde_json::json!({
        "title": "Accord de partenariat CNLTP – Save the Children Côte d'Ivoire",
        "amount": "10000000",
        "nested": {"list": [1, 2, 3], "quote": "l'\"OIM\"\n"}
    })
    .to_string();
    let new = NewEvent {
        event_id: Uuid::now_v7(),
        event_type: "PledgeMade".into(),
        schema_version: 3,
        payload: payload.clone(),
    };
    let metadata = EventMetadata {
        actor: "officer:aya".into(),
        command_id: None,
        correlation_id: Some(correlation),
        causation_id: Some(causation),
    };
    let before = chrono::Utc::now() - chrono::Duration::seconds(5);
    store
        .append(
            AppendRequest::new("pledge-p1", ExpectedVersion::NoStream, vec![new.clone()])
                .with_metadata(metadata.clone()),
        )
        .await
        .unwrap();
    let stored = store
        .read_stream("pledge-p1", 1, Direction::Forward, 1)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(stored.event_id, new.event_id);
    assert_eq!(stored.event_type, "PledgeMade");
    assert_eq!(stored.schema_version, 3);
    assert_eq!(stored.payload, payload, "payload is stored byte for byte");
    assert_eq!(stored.metadata, metadata);
    assert!(
        stored.recorded_at >= before
            && stored.recorded_at <= chrono::Utc::now() + chrono::Duration::seconds(5)
    );
    assert_eq!(
        stored.hash,
        fundtrail_store::hash::expected_hash(&fundtrail_store::EventHash::ZERO, &stored)
    );
}

pub async fn verify_passes_on_an_intact_chain<H: Harness>(h: H) {
    let store = h.store();
    let empty = store.verify().await.unwrap();
    assert!(empty.is_intact());
    assert_eq!(empty.checked, 0);
    for i in 0..10 {
        append(&store, &format!("s{}", i % 3), ExpectedVersion::Any, 3).await;
    }
    let report = store.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.checked, 30);
    assert_eq!(report.last_hash, store.head().await.unwrap().hash.to_hex());
}

pub async fn verify_catches_an_event_altered_in_storage<H: Harness>(h: H) {
    let store = h.store();
    append(&store, "pledge-a", ExpectedVersion::Any, 10).await;
    h.tamper_payload(7, "{\"n\":7,\"amount\":\"99999999\"}")
        .await;
    let report = store.verify().await.unwrap();
    let found = report.first_break.expect("the altered event is found");
    assert_eq!(found.position, 7);
    assert_eq!(found.problem, BreakKind::HashMismatch);
    assert_eq!(report.checked, 6);
}

pub async fn verify_catches_two_events_swapped_in_storage<H: Harness>(h: H) {
    let store = h.store();
    append(&store, "pledge-a", ExpectedVersion::Any, 6).await;
    let stored = all_events(&store).await;
    h.tamper_payload(3, &stored[3].payload).await;
    h.tamper_payload(4, &stored[2].payload).await;
    let report = store.verify().await.unwrap();
    let found = report.first_break.expect("the reordering is found");
    assert_eq!(
        (found.position, found.problem),
        (3, BreakKind::HashMismatch)
    );
}

pub async fn verify_catches_an_event_removed_from_storage<H: Harness>(h: H) {
    let store = h.store();
    append(&store, "pledge-a", ExpectedVersion::Any, 10).await;
    h.delete_event(4).await;
    let report = store.verify().await.unwrap();
    let found = report.first_break.expect("the missing event is found");
    assert_eq!(found.position, 4);
    assert_eq!(found.problem, BreakKind::Missing);
}

pub async fn everything_survives_a_restart<H: Harness>(mut h: H) {
    let store = h.store();
    for i in 0..6 {
        append(&store, &format!("s{}", i % 2), ExpectedVersion::Any, 2).await;
    }
    let before = all_events(&store).await;
    let head = store.head().await.unwrap();
    drop(store);

    h.reopen().await;
    let store = h.store();
    assert_eq!(all_events(&store).await, before);
    assert_eq!(store.head().await.unwrap(), head);
    assert_eq!(store.stream_version("s0").await.unwrap(), 6);
    let next = append(&store, "s0", ExpectedVersion::Exact(6), 1).await;
    assert_eq!((next.first_position, next.first_version), (13, 7));
    let report = store.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.checked, 13);
    let ids: HashSet<Uuid> = all_events(&store)
        .await
        .iter()
        .map(|e| e.event_id)
        .collect();
    assert_eq!(ids.len(), 13);
}

/// After a restart nothing is cached: an append that assumes an empty stream,
/// a retry and a reused command must still be recognised from storage.
pub async fn retries_and_conflicts_are_recognised_with_cold_caches<H: Harness>(mut h: H) {
    let store = h.store();
    let stamp = CommandStamp {
        command_id: "cmd-cold".into(),
        fingerprint: "f".into(),
    };
    let request =
        AppendRequest::new("s", ExpectedVersion::NoStream, events(2)).with_command(stamp.clone());
    let original = store.append(request.clone()).await.unwrap();
    h.reopen().await;
    let store = h.store();

    for expected in [ExpectedVersion::NoStream, ExpectedVersion::Exact(0)] {
        assert_eq!(
            store
                .append(AppendRequest::new("s", expected, events(1)))
                .await,
            Err(StoreError::Conflict {
                stream: "s".into(),
                expected,
                actual: 2
            })
        );
    }
    let retried = store.append(request.clone()).await.unwrap();
    assert!(retried.replayed);
    assert_eq!(retried.first_position, original.first_position);
    assert_eq!(retried.recorded_at, original.recorded_at);

    // The same command id on a new stream appends nothing.
    let again = store
        .append(AppendRequest::new("t", ExpectedVersion::NoStream, events(1)).with_command(stamp))
        .await;
    assert!(matches!(again, Err(StoreError::CommandAlreadyRecorded(_))));
    // A stored id inside a new stream's batch is a reuse.
    let mut batch = events(2);
    batch[1].event_id = request.events[0].event_id;
    assert_eq!(
        store
            .append(AppendRequest::new("u", ExpectedVersion::NoStream, batch))
            .await,
        Err(StoreError::EventIdReused {
            event_id: request.events[0].event_id
        })
    );
    assert_eq!(store.head().await.unwrap().position, 2);
    assert_eq!(store.stream_version("t").await.unwrap(), 0);
    assert_eq!(store.stream_version("u").await.unwrap(), 0);

    assert_eq!(
        append(&store, "s", ExpectedVersion::Exact(2), 1)
            .await
            .last_version,
        3
    );
    assert_eq!(
        append(&store, "t", ExpectedVersion::NoStream, 1)
            .await
            .last_position,
        4
    );
    assert!(store.verify().await.unwrap().is_intact());
}

/// Appends submitted together (one group, when the backend groups them): a
/// retry, a conflict, a reused id and new appends each get their own answer,
/// and only the new appends are written, gap-free.
pub async fn a_group_mixing_retries_conflicts_and_new_appends_decides_each_alone<H: Harness>(
    mut h: H,
) {
    let store = h.store();
    let stored = AppendRequest::new("a", ExpectedVersion::NoStream, events(2));
    let original = store.append(stored.clone()).await.unwrap();
    h.reopen().await;
    let store = h.store();

    let mut reused = events(2);
    reused[0].event_id = stored.events[1].event_id;
    let requests = vec![
        AppendRequest::new("n1", ExpectedVersion::NoStream, events(1)),
        stored.clone(),
        AppendRequest::new("a", ExpectedVersion::NoStream, events(1)),
        AppendRequest::new("r", ExpectedVersion::NoStream, reused),
        AppendRequest::new("n2", ExpectedVersion::Exact(0), events(2)),
        AppendRequest::new("n1", ExpectedVersion::Exact(1), events(1)),
    ];
    let outcomes = futures::future::join_all(requests.into_iter().map(|r| store.append(r))).await;
    assert_eq!(outcomes[0].as_ref().unwrap().last_version, 1);
    let replay = outcomes[1].as_ref().unwrap();
    assert!(replay.replayed);
    assert_eq!(replay.first_position, original.first_position);
    assert!(matches!(
        outcomes[2],
        Err(StoreError::Conflict { actual: 2, .. })
    ));
    assert!(matches!(outcomes[3], Err(StoreError::EventIdReused { .. })));
    assert_eq!(outcomes[4].as_ref().unwrap().last_version, 2);
    assert_eq!(outcomes[5].as_ref().unwrap().last_version, 2);

    let all = all_events(&store).await;
    assert_eq!(all.len(), 2 + 1 + 2 + 1);
    assert!(
        all.iter()
            .enumerate()
            .all(|(i, e)| e.position == i as u64 + 1)
    );
    assert_eq!(store.stream_version("r").await.unwrap(), 0);
    assert!(store.verify().await.unwrap().is_intact());
}
