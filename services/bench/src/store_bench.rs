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

/// Where a command's time goes, summed over commands.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latency {
    pub commands: u64,
    pub read: Duration,
    pub append: Duration,
    /// Commits that wrote these commands (see [`commits`]).
    pub commits: u64,
}

impl Latency {
    pub fn add(self, other: Latency) -> Latency {
        Latency {
            commands: self.commands + other.commands,
            read: self.read + other.read,
            append: self.append + other.append,
            commits: self.commits + other.commits,
        }
    }

    /// "stream_version 40 µs + append 180 µs per command; 1.0 commands per commit".
    pub fn describe(&self) -> String {
        let per = |d: Duration| d.as_secs_f64() * 1e6 / self.commands.max(1) as f64;
        format!(
            "stream_version {:.0} µs + append {:.0} µs per command; {:.1} commands per commit",
            per(self.read),
            per(self.append),
            self.commands as f64 / self.commits.max(1) as f64
        )
    }
}

/// W1's and W2's command: read the stream's version, then append the next
/// event expecting exactly that version.
async fn run_command<S: EventStore + ?Sized>(
    store: &S,
    mut request: AppendRequest,
    latency: &mut Latency,
) -> Result<()> {
    let started = Instant::now();
    let version = store.stream_version(&request.stream_id).await?;
    let read = started.elapsed();
    if request.expected != ExpectedVersion::Exact(version) {
        return Err(BenchError::from(format!(
            "stream {} is at version {version}, the workload expected {}",
            request.stream_id, request.expected
        )));
    }
    request.expected = ExpectedVersion::Exact(version);
    let outcome = store.append(request).await?;
    latency.commands += 1;
    latency.read += read;
    latency.append += started.elapsed() - read;
    if outcome.first_version != version + 1 || outcome.replayed {
        return Err(BenchError::from(format!(
            "append to {} answered version {} (replayed: {})",
            outcome.stream_id, outcome.first_version, outcome.replayed
        )));
    }
    Ok(())
}

/// W1: one client, one command at a time, through `commands` until the bound.
pub async fn w1<S: EventStore>(
    store: &S,
    commands: &[AppendRequest],
    bound: Bound,
) -> Result<(Measure, Latency)> {
    let mut latency = Latency::default();
    let start = Instant::now();
    let mut done = 0;
    for request in commands {
        if bound.done(done, start) {
            break;
        }
        run_command(store, request.clone(), &mut latency).await?;
        done += 1;
    }
    Ok((Measure::new(done as u64, start.elapsed()), latency))
}

/// W2: one task per client, each on its own streams, from `offsets[client]`
/// in its list until the bound. Returns the measure and each client's count.
pub async fn w2<S: EventStore + Clone + 'static>(
    store: &S,
    per_client: &[Vec<AppendRequest>],
    offsets: &[usize],
    bound: Bound,
) -> Result<(Measure, Vec<usize>, Latency)> {
    let lists: Vec<Vec<AppendRequest>> = per_client
        .iter()
        .zip(offsets)
        .map(|(list, &offset)| list[offset.min(list.len())..].to_vec())
        .collect();
    let issued = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for commands in lists {
        let store = store.clone();
        let issued = issued.clone();
        tasks.push(tokio::spawn(async move {
            let mut done = 0;
            let mut latency = Latency::default();
            for request in commands {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= bound.max || start.elapsed() >= bound.duration {
                    break;
                }
                run_command(&store, request, &mut latency).await?;
                done += 1;
            }
            Ok::<_, BenchError>((done, latency))
        }));
    }
    let mut counts = Vec::with_capacity(tasks.len());
    let mut latency = Latency::default();
    for task in tasks {
        let (done, client) = task
            .await
            .map_err(|e| BenchError::from(format!("a W2 client failed: {e}")))??;
        counts.push(done);
        latency = latency.add(client);
    }
    let total = counts.iter().sum::<usize>() as u64;
    Ok((Measure::new(total, start.elapsed()), counts, latency))
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

/// How many commits wrote positions `from..=to`: a group commit stamps all
/// its events with one `recorded_at`, so each change of it starts a commit
/// (two commits in the same microsecond count as one). Read after the
/// timing, never during it.
pub async fn commits<S: EventStore>(store: &S, from: u64, to: u64) -> Result<u64> {
    let mut commits = 0;
    let mut last = None;
    let mut position = from;
    while position <= to {
        let page = store.read_all(position, Direction::Forward, 5_000).await?;
        if page.is_empty() {
            break;
        }
        for event in page.iter().take_while(|e| e.position <= to) {
            if last != Some(event.recorded_at) {
                commits += 1;
                last = Some(event.recorded_at);
            }
            position = event.position + 1;
        }
        if page.last().is_some_and(|e| e.position >= to) {
            break;
        }
    }
    Ok(commits)
}

/// W4's diagnostic: the same `read_all` pages, read one after the other with
/// no fold, to tell the store's read path from the fold. Not a figure.
pub async fn read_only<S: EventStore>(store: &S, page: usize) -> Result<Measure> {
    let page = page.max(1);
    let start = Instant::now();
    let mut count = 0u64;
    let mut from = 1;
    loop {
        let events = store.read_all(from, Direction::Forward, page).await?;
        count += events.len() as u64;
        match events.last() {
            Some(last) if events.len() == page => from = last.position + 1,
            _ => break,
        }
    }
    Ok(Measure::new(count, start.elapsed()))
}
