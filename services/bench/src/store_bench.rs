//! W1-W4 against any `EventStore`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fundtrail_store::{
    AppendRequest, Direction, EventStore, ExpectedVersion, RecordedEvent, StoreError,
};

use crate::projection::Fold;
use crate::workload::{Bound, Measure};
use crate::{BenchError, Result};

/// W1's and W2's command: read the stream's version, then append the next
/// event expecting exactly that version. Returns the version it found.
async fn run_command<S: EventStore + ?Sized>(store: &S, mut request: AppendRequest) -> Result<()> {
    let version = store.stream_version(&request.stream_id).await?;
    if request.expected != ExpectedVersion::Exact(version) {
        return Err(BenchError::from(format!(
            "stream {} is at version {version}, the workload expected {}",
            request.stream_id, request.expected
        )));
    }
    request.expected = ExpectedVersion::Exact(version);
    let outcome = store.append(request).await?;
    if outcome.first_version != version + 1 || outcome.replayed {
        return Err(BenchError::from(format!(
            "append to {} answered version {} (replayed: {})",
            outcome.stream_id, outcome.first_version, outcome.replayed
        )));
    }
    Ok(())
}

/// W1: one client, one command at a time.
pub async fn w1<S: EventStore>(
    store: &S,
    commands: Vec<AppendRequest>,
    bound: Bound,
) -> Result<Measure> {
    let start = Instant::now();
    let mut done = 0;
    for request in commands {
        if bound.done(done, start) {
            break;
        }
        run_command(store, request).await?;
        done += 1;
    }
    Ok(Measure::new(done as u64, start.elapsed()))
}

/// W2: `per_client.len()` concurrent tasks, each on its own streams.
pub async fn w2<S: EventStore + Clone + 'static>(
    store: &S,
    per_client: Vec<Vec<AppendRequest>>,
    bound: Bound,
) -> Result<Measure> {
    let issued = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for commands in per_client {
        let store = store.clone();
        let issued = issued.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0u64;
            for request in commands {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= bound.max || start.elapsed() >= bound.duration {
                    break;
                }
                run_command(&store, request).await?;
                done += 1;
            }
            Ok::<u64, BenchError>(done)
        }));
    }
    let mut done = 0;
    for task in tasks {
        done += task
            .await
            .map_err(|e| BenchError::from(format!("a W2 client failed: {e}")))??;
    }
    Ok(Measure::new(done, start.elapsed()))
}

/// W3: batches of pre-built events, every request of a batch submitted at once.
pub async fn w3<S: EventStore>(store: &S, batches: Vec<Vec<AppendRequest>>) -> Result<Measure> {
    let start = Instant::now();
    let mut events = 0u64;
    for batch in batches {
        events += batch.iter().map(|r| r.events.len() as u64).sum::<u64>();
        let outcomes = futures::future::join_all(batch.into_iter().map(|r| store.append(r))).await;
        for outcome in outcomes {
            outcome?;
        }
    }
    Ok(Measure::new(events, start.elapsed()))
}

/// What W4 measured.
pub struct Replay {
    pub measure: Measure,
    pub fold: Fold,
    /// Time the fold waited for a page.
    pub read_wait: Duration,
    /// Time spent folding.
    pub fold_time: Duration,
}

/// W4: read the whole log in `page`-sized `read_all` pages and fold every
/// event. The next page is read while the current one is folded (one page
/// ahead), as a projection runner would.
pub async fn w4<S: EventStore + Clone + 'static>(store: &S, page: usize) -> Result<Replay> {
    let page = page.max(1);
    let read = |from: u64| {
        let store = store.clone();
        tokio::spawn(async move { store.read_all(from, Direction::Forward, page).await })
    };
    let start = Instant::now();
    let mut fold = Fold::default();
    let (mut read_wait, mut fold_time) = (Duration::ZERO, Duration::ZERO);
    let mut next = Some(read(1));
    let mut expected_position = 1;
    while let Some(pending) = next.take() {
        let waited = Instant::now();
        let events: Vec<RecordedEvent> = pending
            .await
            .map_err(|e| BenchError::from(format!("a read task failed: {e}")))??;
        read_wait += waited.elapsed();
        if let Some(last) = events.last()
            && events.len() == page
        {
            next = Some(read(last.position + 1));
        }
        let folding = Instant::now();
        for event in &events {
            if event.position != expected_position {
                return Err(StoreError::Corrupt(format!(
                    "read_all gave position {} where {expected_position} was due",
                    event.position
                ))
                .into());
            }
            expected_position += 1;
            fold.apply(event);
        }
        fold_time += folding.elapsed();
    }
    Ok(Replay {
        measure: Measure::new(fold.events, start.elapsed()),
        fold,
        read_wait,
        fold_time,
    })
}
