//! What every request shares, and the projection driver that keeps the read
//! models following the log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use fundtrail_ledger::{Command, CommandContext, Executed, Ledger, ServiceError};
use fundtrail_projections::ReadModel;
use fundtrail_store::{EventStore, StoreError};
use futures::StreamExt;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::snapshots::{self, SnapshotConfig, Snapshotter};

/// Bounds the server keeps to.
#[derive(Debug, Clone)]
pub struct Limits {
    /// How long a mutation waits for the read models to show its events.
    pub read_your_writes: Duration,
    /// Most items in one page of a list or of `auditTrail`.
    pub max_page: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            read_your_writes: Duration::from_secs(10),
            max_page: 500,
        }
    }
}

/// Roadmaps whose funding figures changed with the event at `position`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundingChange {
    pub position: u64,
    pub roadmaps: Vec<String>,
}

/// Cheap to clone; one per server.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn EventStore>,
    model: Arc<RwLock<ReadModel>>,
    ledger: Ledger<RwLock<ReadModel>>,
    applied: watch::Receiver<u64>,
    caught_up_to: u64,
    funding_changes: broadcast::Sender<FundingChange>,
    limits: Limits,
    driver: JoinHandle<()>,
    snapshots: Option<Arc<Snapshotter>>,
    restored_from: Option<u64>,
    /// Events the driver applied since start (not counting a restored snapshot's).
    folded: Arc<AtomicU64>,
    metrics: Arc<crate::metrics::Metrics>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl AppState {
    /// Starts the projection driver over `store`, folding the log from zero
    /// (no snapshots); the state is ready once the read models have caught up
    /// with the head seen at start.
    pub async fn start(store: Arc<dyn EventStore>, limits: Limits) -> Result<AppState, StoreError> {
        Self::start_with(store, limits, None).await
    }

    /// [`start`](Self::start), with read-model snapshots in `snapshots.dir`:
    /// the newest usable one is loaded and the driver folds only the events
    /// after it; new ones are written as the log grows (see [`crate::snapshots`]).
    pub async fn start_with(
        store: Arc<dyn EventStore>,
        limits: Limits,
        snapshots: Option<SnapshotConfig>,
    ) -> Result<AppState, StoreError> {
        let head = store.head().await?.position;
        let restored = match &snapshots {
            Some(config) => snapshots::load(store.as_ref(), config).await,
            None => None,
        };
        let restored_from = restored.as_ref().map(ReadModel::position);
        let start_position = restored_from.unwrap_or(0);
        let snapshots = snapshots.map(|config| Arc::new(Snapshotter::new(config, start_position)));
        let model = Arc::new(RwLock::new(restored.unwrap_or_default()));
        let (applied_tx, applied) = watch::channel(start_position);
        let (funding_changes, _) = broadcast::channel(1_024);
        let folded = Arc::new(AtomicU64::new(0));
        let driver = tokio::spawn(drive(
            store.clone(),
            model.clone(),
            applied_tx,
            funding_changes.clone(),
            snapshots.clone(),
            folded.clone(),
        ));
        Ok(AppState {
            inner: Arc::new(Inner {
                ledger: Ledger::new(store.clone(), model.clone()),
                store,
                model,
                applied,
                caught_up_to: head,
                funding_changes,
                limits,
                driver,
                snapshots,
                restored_from,
                folded,
                metrics: Arc::new(crate::metrics::Metrics::new()),
            }),
        })
    }

    /// The snapshot position the read models were restored from, if any.
    pub fn restored_from(&self) -> Option<u64> {
        self.inner.restored_from
    }

    /// Events folded since start (those of a restored snapshot not counted).
    pub fn folded_since_start(&self) -> u64 {
        self.inner.folded.load(Ordering::Relaxed)
    }

    /// Writes a snapshot now if the read models moved since the last one (on
    /// graceful shutdown); waits for the file. `None`: nothing written
    /// (snapshots off, nothing new, or the write failed, which is logged).
    pub async fn snapshot_now(&self) -> Option<u64> {
        let s = self.inner.snapshots.as_ref()?;
        s.take(&self.inner.model, true).await
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.inner.store
    }

    /// This process's counters and gauges (`GET /metrics`).
    pub fn metrics(&self) -> &Arc<crate::metrics::Metrics> {
        &self.inner.metrics
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    /// The read models, for a short synchronous look (never hold across `.await`).
    pub fn read(&self) -> RwLockReadGuard<'_, ReadModel> {
        self.inner
            .model
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The last position the read models have applied.
    pub fn applied(&self) -> u64 {
        *self.inner.applied.borrow()
    }

    /// True once the read models have caught up with the log as it was at start.
    pub fn is_ready(&self) -> bool {
        self.applied() >= self.inner.caught_up_to
    }

    pub fn funding_changes(&self) -> broadcast::Receiver<FundingChange> {
        self.inner.funding_changes.subscribe()
    }

    /// Runs a command and waits until the read models show it (read-your-writes).
    pub async fn execute(
        &self,
        context: &CommandContext,
        command: Command,
    ) -> Result<Executed, ServiceError> {
        let result = self.inner.ledger.execute(context, command).await;
        self.inner.metrics.record_command(&result);
        let executed = result?;
        self.wait_for(executed.last_position).await;
        Ok(executed)
    }

    /// Waits (bounded by `Limits::read_your_writes`) for the read models to reach `position`.
    pub async fn wait_for(&self, position: u64) {
        let mut applied = self.inner.applied.clone();
        let reached = tokio::time::timeout(
            self.inner.limits.read_your_writes,
            applied.wait_for(|p| *p >= position),
        )
        .await;
        if reached.is_err() {
            tracing::warn!(
                position,
                applied = self.applied(),
                "read models are behind the log; answering from what they have"
            );
        }
    }
}

/// Folds the log into the read models, catching up first, then live. Events
/// that are already available are applied under one lock, in chunks. With
/// snapshots on, one is taken every `every_events` events, and every `every`
/// when the models moved.
async fn drive(
    store: Arc<dyn EventStore>,
    model: Arc<RwLock<ReadModel>>,
    applied: watch::Sender<u64>,
    funding_changes: broadcast::Sender<FundingChange>,
    snapshots: Option<Arc<Snapshotter>>,
    folded: Arc<AtomicU64>,
) {
    let mut backoff = Duration::from_millis(100);
    let period = snapshots
        .as_ref()
        .map_or(Duration::from_secs(3600), |s| s.config.every);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let from = model.read().map(|m| m.position()).unwrap_or(0) + 1;
        let mut events = store.subscribe_all(from).ready_chunks(2_000);
        loop {
            let chunk = tokio::select! {
                chunk = events.next() => match chunk {
                    Some(chunk) => chunk,
                    None => break,
                },
                _ = tick.tick(), if snapshots.is_some() => {
                    if let Some(s) = &snapshots {
                        let position = model.read().map(|m| m.position()).unwrap_or(0);
                        if position > s.written() {
                            s.take(&model, false).await;
                        }
                    }
                    continue;
                }
            };
            let mut last = None;
            let mut changes = Vec::new();
            let mut failure = None;
            let mut count = 0u64;
            {
                let mut m = model
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                for item in chunk {
                    match item {
                        Ok(recorded) => match m.apply_recorded(&recorded) {
                            Ok(done) => {
                                count += u64::from(done.new);
                                if !done.funding_changed.is_empty() {
                                    changes.push(FundingChange {
                                        position: recorded.position,
                                        roadmaps: done.funding_changed,
                                    });
                                }
                            }
                            Err(e) => {
                                tracing::error!(position = recorded.position, error = %e, "event cannot be read; read models skip it")
                            }
                        },
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                last = last.max(Some(m.position()));
            }
            folded.fetch_add(count, Ordering::Relaxed);
            if let Some(position) = last {
                applied.send_if_modified(|current| {
                    let moved = position > *current;
                    *current = position.max(*current);
                    moved
                });
                if let Some(s) = &snapshots
                    && s.due_by_count(position)
                {
                    s.take(&model, false).await;
                }
            }
            for change in changes {
                let _ = funding_changes.send(change);
            }
            if let Some(e) = failure {
                tracing::warn!(error = %e, "event subscription failed; resubscribing");
                break;
            }
            backoff = Duration::from_millis(100);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}
