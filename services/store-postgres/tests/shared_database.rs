//! What only a shared database has: several processes writing at once, and
//! transactions that commit in another order than they started.

mod support;

use std::time::Duration;

use fundtrail_store::plan::{KnownFacts, plan_batch};
use fundtrail_store::types::to_micros;
use fundtrail_store::{
    AppendRequest, Direction, EventAppender, EventReader, EventStore, EventSubscriber,
    ExpectedVersion, NewEvent,
};
use futures::StreamExt;
use support::Schema;

fn events(n: usize) -> Vec<NewEvent> {
    (0..n)
        .map(|i| NewEvent::new("Happened", 1, format!("{{\"i\":{i}}}")))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_gap_free_chain() {
    let Some(schema) = Schema::fresh().await else {
        return;
    };
    // Two stores on one schema stand for two API processes: separate pools,
    // separate writers, no shared memory.
    let (a, b) = (schema.open().await, schema.open().await);
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
    let all = a.read_all(1, Direction::Forward, 10_000).await.unwrap();
    assert_eq!(all.len(), 2 * 30 * (1 + 2));
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
    assert!(a.verify().await.unwrap().is_intact());
    assert_eq!(a.head().await.unwrap(), b.head().await.unwrap());
}

/// A writer holds its transaction open after writing position N+1; another
/// writer's append comes later but would commit first in a design that
/// numbers positions from a sequence. Here it waits on the ledger head, so
/// the subscriber receives both, in position order, and nothing is skipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_commits_late_is_neither_skipped_nor_overtaken() {
    let Some(schema) = Schema::fresh().await else {
        return;
    };
    let store = schema.open().await;
    store
        .append(AppendRequest::new(
            "before",
            ExpectedVersion::Any,
            events(3),
        ))
        .await
        .unwrap();
    let mut subscription = store.subscribe_all(1);
    for expected in 1..=3 {
        let e = tokio::time::timeout(Duration::from_secs(10), subscription.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(e.position, expected);
    }

    // The slow writer: a raw transaction that writes position 4 properly
    // (hash chained) and does not commit yet.
    let head = store.head().await.unwrap();
    let slow = AppendRequest::new("slow", ExpectedVersion::Any, events(1));
    let plan = plan_batch(
        head,
        to_micros(chrono::Utc::now()),
        std::slice::from_ref(&slow),
        &mut KnownFacts::default(),
    );
    let row = &plan.events[0];
    let mut raw = schema.raw().await;
    sqlx::query("BEGIN").execute(&mut raw).await.unwrap();
    sqlx::query(
        "UPDATE ledger_head SET position = $1, hash = $2, recorded_at = $3 WHERE position = $4",
    )
    .bind(row.position as i64)
    .bind(&row.hash.0[..])
    .bind(to_micros(row.recorded_at))
    .bind(head.position as i64)
    .execute(&mut raw)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO events (position, stream_id, version, event_id, event_type, schema_version, payload,
                             recorded_at, actor, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(row.position as i64)
    .bind(&row.stream_id)
    .bind(row.version as i64)
    .bind(row.event_id)
    .bind(&row.event_type)
    .bind(row.schema_version as i32)
    .bind(&row.payload)
    .bind(to_micros(row.recorded_at))
    .bind(&row.metadata.actor)
    .bind(&row.hash.0[..])
    .execute(&mut raw)
    .await
    .unwrap();

    // The fast writer starts later and must not get ahead.
    let fast_store = store.clone();
    let fast = tokio::spawn(async move {
        fast_store
            .append(AppendRequest::new("fast", ExpectedVersion::Any, events(1)))
            .await
            .unwrap()
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !fast.is_finished(),
        "the later writer waits for the open transaction"
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), subscription.next())
            .await
            .is_err(),
        "nothing is delivered while position 4 is uncommitted"
    );

    sqlx::query("COMMIT").execute(&mut raw).await.unwrap();
    let fast = tokio::time::timeout(Duration::from_secs(10), fast)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        fast.first_position, 5,
        "the later writer takes the next position after the slow one"
    );
    let fourth = tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let fifth = tokio::time::timeout(Duration::from_secs(10), subscription.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!((fourth.position, fourth.stream_id.as_str()), (4, "slow"));
    assert_eq!((fifth.position, fifth.stream_id.as_str()), (5, "fast"));
    assert!(store.verify().await.unwrap().is_intact());
}
