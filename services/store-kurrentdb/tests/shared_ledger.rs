//! What only a shared ledger has: several processes appending at once. Each
//! case runs on `testing::MemoryLedger` (a model of KurrentDB's stream
//! semantics, always) and on the server named by
//! `FUNDTRAIL_TEST_KURRENTDB_URL` (when set). Two stores stand for two
//! fundtrail processes: separate indexes and writers, no shared memory.

mod support;

use std::time::Duration;

use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventAppender, EventReader, EventStore,
    EventSubscriber, ExpectedVersion, NewEvent, StoreError,
};
use fundtrail_store_kurrentdb::testing::MemoryLedger;
use fundtrail_store_kurrentdb::{KurrentOptions, KurrentStore};
use futures::StreamExt;

fn events(n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| NewEvent::new("Happened", 1, format!("{{\"i\":{i}}}")))
        .collect()
}

async fn on_model() -> (KurrentStore, KurrentStore, MemoryLedger) {
    let ledger = MemoryLedger::new();
    let options = KurrentOptions::new("kurrentdb://model");
    let a = ledger.connect(options.clone()).await.unwrap();
    let b = ledger.connect(options).await.unwrap();
    (a, b, ledger)
}

async fn on_server() -> Option<(KurrentStore, KurrentStore)> {
    let options = support::fresh_options()?;
    Some((support::open(&options).await, support::open(&options).await))
}

async fn two_processes_share_one_gap_free_chain(a: KurrentStore, b: KurrentStore) {
    let mut subscription = b.subscribe_all(1);
    let mut tasks = Vec::new();
    for (n, store) in [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .enumerate()
    {
        tasks.push(tokio::spawn(async move {
            for i in 0..30 {
                store
                    .append(AppendRequest::new(
                        format!("s{}", i % 3),
                        ExpectedVersion::Any,
                        events(1 + n % 2),
                    ))
                    .await
                    .expect("append from one of two processes");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = 2 * 30 * (1 + 2);
    let all = a.read_all(1, Direction::Forward, 10_000).await.unwrap();
    assert_eq!(all.len(), total);
    assert!(
        all.iter()
            .enumerate()
            .all(|(i, e)| e.position == i as u64 + 1)
    );
    for s in 0..3 {
        let stream = b
            .read_stream(&format!("s{s}"), 1, Direction::Forward, 10_000)
            .await
            .unwrap();
        assert!(
            stream
                .iter()
                .enumerate()
                .all(|(i, e)| e.version == i as u64 + 1)
        );
    }
    for expected in 1..=total as u64 {
        let e = tokio::time::timeout(Duration::from_secs(10), subscription.next())
            .await
            .expect("the other process's appends arrive")
            .unwrap()
            .unwrap();
        assert_eq!(e.position, expected);
    }
    assert!(a.verify().await.unwrap().is_intact());
    assert_eq!(a.head().await.unwrap(), b.head().await.unwrap());
}

/// One process's append is seen by the other's next read, and the other's
/// expected versions, retries and commands are decided with it.
async fn the_other_process_sees_an_append_at_once(a: KurrentStore, b: KurrentStore) {
    let stamp = CommandStamp {
        command_id: "cmd-1".into(),
        fingerprint: "f".into(),
    };
    let request =
        AppendRequest::new("s", ExpectedVersion::NoStream, events(2)).with_command(stamp.clone());
    let original = a.append(request.clone()).await.unwrap();

    assert_eq!(b.stream_version("s").await.unwrap(), 2);
    assert_eq!(
        b.find_command("cmd-1")
            .await
            .unwrap()
            .map(|c| c.last_position),
        Some(2)
    );
    assert_eq!(
        b.append(AppendRequest::new(
            "s",
            ExpectedVersion::NoStream,
            events(1)
        ))
        .await,
        Err(StoreError::Conflict {
            stream: "s".into(),
            expected: ExpectedVersion::NoStream,
            actual: 2
        })
    );
    let retried = b.append(request).await.unwrap();
    assert!(retried.replayed);
    assert_eq!(
        (retried.first_position, retried.recorded_at),
        (original.first_position, original.recorded_at)
    );
    assert!(matches!(
        b.append(AppendRequest::new("t", ExpectedVersion::Any, events(1)).with_command(stamp))
            .await,
        Err(StoreError::CommandAlreadyRecorded(_))
    ));
    let next = b
        .append(AppendRequest::new(
            "s",
            ExpectedVersion::Exact(2),
            events(1),
        ))
        .await
        .unwrap();
    assert_eq!((next.first_position, next.first_version), (3, 3));
    assert!(a.verify().await.unwrap().is_intact());
}

/// A process that has not read since appends what another one already
/// appended (a client retrying through another process): it plans the
/// request as new at a stale head, the ledger answers with an idempotent
/// success, and reading back shows other events there. The request is then
/// answered as the replay it is, and nothing is written twice.
async fn the_same_request_through_two_processes_is_written_once(a: KurrentStore, b: KurrentStore) {
    a.append(AppendRequest::new("warm", ExpectedVersion::Any, events(1)))
        .await
        .unwrap();
    b.stream_version("warm").await.unwrap();
    let request = AppendRequest::new("s", ExpectedVersion::NoStream, events(3));
    let original = a.append(request.clone()).await.unwrap();
    let again = b.append(request).await.unwrap();
    assert!(again.replayed);
    assert_eq!(
        (again.first_position, again.last_position, again.recorded_at),
        (
            original.first_position,
            original.last_position,
            original.recorded_at
        )
    );
    assert_eq!(a.head().await.unwrap().position, 4);
    assert!(b.verify().await.unwrap().is_intact());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_two_processes_share_one_gap_free_chain() {
    let (a, b, _) = on_model().await;
    two_processes_share_one_gap_free_chain(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_the_other_process_sees_an_append_at_once() {
    let (a, b, _) = on_model().await;
    the_other_process_sees_an_append_at_once(a, b).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_the_same_request_through_two_processes_is_written_once() {
    let (a, b, ledger) = on_model().await;
    the_same_request_through_two_processes_is_written_once(a, b).await;
    assert_eq!(ledger.events_in("fundtrail-ledger"), 4);
}

/// An append whose answer is lost: the caller is told the outcome is
/// unknown; its retry is answered as a replay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_a_lost_answer_is_retried_as_a_replay() {
    let (a, _, ledger) = on_model().await;
    let request = AppendRequest::new("s", ExpectedVersion::NoStream, events(2));
    ledger.lose_next_answer();
    match a.append(request.clone()).await {
        Err(StoreError::Backend(message)) => {
            assert!(
                message.contains("may or may not have been written"),
                "{message}"
            )
        }
        other => panic!("expected an unknown outcome, got {other:?}"),
    }
    let retried = a.append(request).await.unwrap();
    assert!(retried.replayed);
    assert_eq!((retried.first_position, retried.last_position), (1, 2));
    let next = a
        .append(AppendRequest::new(
            "s",
            ExpectedVersion::Exact(2),
            events(1),
        ))
        .await
        .unwrap();
    assert_eq!(next.first_position, 3);
    assert!(a.verify().await.unwrap().is_intact());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_two_processes_share_one_gap_free_chain() {
    if let Some((a, b)) = on_server().await {
        two_processes_share_one_gap_free_chain(a, b).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_the_other_process_sees_an_append_at_once() {
    if let Some((a, b)) = on_server().await {
        the_other_process_sees_an_append_at_once(a, b).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_the_same_request_through_two_processes_is_written_once() {
    if let Some((a, b)) = on_server().await {
        the_same_request_through_two_processes_is_written_once(a, b).await;
    }
}
