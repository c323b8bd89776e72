//! Restore cases, for every backend that implements
//! [`EventRestorer`]: a backup's events written
//! into a fresh store give the same log, the same hash chain and the same
//! recorded commands, and a batch that does not continue the log is refused
//! whole. Expanded by [`restore_suite!`](crate::restore_suite).

use fundtrail_store::restore::EventRestorer;
use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventAppender, EventMetadata, EventReader, EventStore,
    ExpectedVersion, NewEvent, RecordedCommand, RecordedEvent, StoreError,
};
use uuid::Uuid;

use crate::Harness;

/// Expands to one test per restore case for the harness type, whose store
/// must implement `EventRestorer`.
#[macro_export]
macro_rules! restore_suite {
    ($harness:ty) => {
        $crate::restore_suite!(@cases $harness;
            restore_reproduces_events_chain_and_commands,
            restore_refuses_what_does_not_continue_the_log,
        );
    };
    (@cases $harness:ty; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let Some(source) = <$harness as $crate::Harness>::fresh().await else {
                    return;
                };
                let Some(target) = <$harness as $crate::Harness>::fresh().await else {
                    return;
                };
                $crate::restore::$case(source, target).await;
            }
        )*
    };
}

fn new_event(n: u64) -> NewEvent {
    NewEvent::new(
        "Happened",
        1 + (n % 2) as u16,
        format!("{{\"n\":{n},\"text\":\"évènement n°{n}\",\"nested\":{{\"a\":[1, 2]}}}}"),
    )
}

/// A log of several streams, some appends with commands and full metadata.
async fn fill<S: EventAppender + ?Sized>(store: &S) {
    for i in 0..12u64 {
        let stream = format!("thing-{}", i % 4);
        let events = (0..1 + i % 3).map(|k| new_event(i * 10 + k)).collect();
        let mut request = AppendRequest::new(&stream, ExpectedVersion::Any, events).with_metadata(
            EventMetadata {
                actor: format!("clerk-{}", i % 2),
                command_id: None,
                correlation_id: (i % 3 == 0).then(Uuid::now_v7),
                causation_id: (i % 4 == 0).then(Uuid::now_v7),
            },
        );
        if i % 2 == 0 {
            request = request.with_command(CommandStamp {
                command_id: format!("cmd-{i}"),
                fingerprint: format!("fp-{i}"),
            });
        }
        store.append(request).await.expect("append");
    }
}

async fn all<S: EventReader + ?Sized>(store: &S) -> Vec<RecordedEvent> {
    store
        .read_all(1, Direction::Forward, 10_000)
        .await
        .expect("read_all")
}

/// The commands the events name, as `fundtrail backup` finds them.
async fn commands_of<S: EventReader + ?Sized>(
    store: &S,
    events: &[RecordedEvent],
) -> Vec<RecordedCommand> {
    let mut found: Vec<RecordedCommand> = Vec::new();
    for e in events {
        if let Some(id) = &e.metadata.command_id
            && !found.iter().any(|c| &c.command_id == id)
        {
            found.push(
                store
                    .find_command(id)
                    .await
                    .expect("find_command")
                    .expect("a recorded command"),
            );
        }
    }
    found
}

pub async fn restore_reproduces_events_chain_and_commands<H: Harness>(source: H, target: H)
where
    H::Store: EventRestorer,
{
    let (source, target) = (source.store(), target.store());
    fill(&source).await;
    let events = all(&source).await;
    let commands = commands_of(&source, &events).await;
    assert_eq!(commands.len(), 6);

    // In batches of 5 events; each command goes with the batch holding its
    // last event, as a backup file orders them.
    for batch in events.chunks(5) {
        let last = batch.last().expect("a non-empty batch").position;
        let first = batch[0].position;
        let with: Vec<RecordedCommand> = commands
            .iter()
            .filter(|c| (first..=last).contains(&c.last_position))
            .cloned()
            .collect();
        let head = target
            .restore_batch(batch, &with)
            .await
            .expect("restore a batch");
        assert_eq!(head.position, last);
        assert_eq!(head.hash, batch.last().unwrap().hash);
    }
    assert_eq!(all(&target).await, events, "the same log, byte for byte");
    assert_eq!(
        target.head().await.unwrap(),
        source.head().await.unwrap(),
        "the same head"
    );
    let report = target.verify().await.unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.checked, events.len() as u64);
    for c in &commands {
        assert_eq!(
            target.find_command(&c.command_id).await.unwrap().as_ref(),
            Some(c)
        );
    }
    for stream in ["thing-0", "thing-3"] {
        assert_eq!(
            target.stream_version(stream).await.unwrap(),
            source.stream_version(stream).await.unwrap()
        );
    }

    // The restored store goes on as a store: the chain continues, time does
    // not go backwards, a recorded command is recognised.
    let next = target
        .append(AppendRequest::new(
            "thing-0",
            ExpectedVersion::Exact(source.stream_version("thing-0").await.unwrap()),
            vec![new_event(999)],
        ))
        .await
        .expect("append after a restore");
    assert_eq!(next.first_position, events.len() as u64 + 1);
    assert!(next.recorded_at >= events.last().unwrap().recorded_at);
    let again = target
        .append(
            AppendRequest::new("thing-1", ExpectedVersion::Any, vec![new_event(1_000)])
                .with_command(CommandStamp {
                    command_id: "cmd-4".into(),
                    fingerprint: "fp-4".into(),
                }),
        )
        .await;
    assert!(
        matches!(again, Err(StoreError::CommandAlreadyRecorded(_))),
        "{again:?}"
    );
    assert!(target.verify().await.unwrap().is_intact());
}

pub async fn restore_refuses_what_does_not_continue_the_log<H: Harness>(source: H, target: H)
where
    H::Store: EventRestorer,
{
    let (source, target) = (source.store(), target.store());
    fill(&source).await;
    let events = all(&source).await;
    let refused = |r: Result<fundtrail_store::Head, StoreError>| {
        assert!(
            matches!(r, Err(StoreError::InvalidRequest(_))),
            "expected a refusal, got {r:?}"
        );
    };

    // Not from position 1.
    refused(target.restore_batch(&events[1..4], &[]).await);
    // An altered payload breaks the chain: the whole batch is refused.
    let mut altered = events[..4].to_vec();
    altered[2].payload = "{\"n\":-1}".into();
    refused(target.restore_batch(&altered, &[]).await);
    // A gap.
    let gap = [events[0].clone(), events[2].clone()];
    refused(target.restore_batch(&gap, &[]).await);
    // A command beyond the batch.
    let stray = RecordedCommand {
        command_id: "stray".into(),
        fingerprint: "f".into(),
        stream_id: "thing-0".into(),
        first_position: 3,
        last_position: events.len() as u64,
        recorded_at: events[2].recorded_at,
    };
    refused(target.restore_batch(&events[..4], &[stray]).await);
    assert_eq!(target.head().await.unwrap().position, 0, "nothing written");
    assert!(all(&target).await.is_empty());

    // A good batch, then the same batch again (no longer the continuation).
    target.restore_batch(&events[..4], &[]).await.unwrap();
    refused(target.restore_batch(&events[..4], &[]).await);
    // After an append of its own, the next backup batch no longer fits.
    target
        .append(AppendRequest::new(
            "elsewhere",
            ExpectedVersion::Any,
            vec![new_event(7)],
        ))
        .await
        .unwrap();
    refused(target.restore_batch(&events[4..8], &[]).await);
    assert_eq!(target.head().await.unwrap().position, 5);
    assert!(target.verify().await.unwrap().is_intact());
}
