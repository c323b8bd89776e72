//! What every request shares, and the projection driver that keeps the read
//! models following the log.

use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use fundtrail_ledger::{Command, CommandContext, Executed, Ledger, ServiceError};
use fundtrail_projections::ReadModel;
use fundtrail_store::{EventStore, StoreError};
use futures::StreamExt;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

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
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl AppState {
    /// Starts the projection driver over `store`; the state is ready once the
    /// read models have caught up with the head seen at start.
    pub async fn start(store: Arc<dyn EventStore>, limits: Limits) -> Result<AppState, StoreError> {
        let head = store.head().await?.position;
        let model = Arc::new(RwLock::new(ReadModel::new()));
        let (applied_tx, applied) = watch::channel(0);
        let (funding_changes, _) = broadcast::channel(1_024);
        let driver = tokio::spawn(drive(
            store.clone(),
            model.clone(),
            applied_tx,
            funding_changes.clone(),
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
            }),
        })
    }

    pub fn store(&self) -> &Arc<dyn EventStore> {
        &self.inner.store
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
        let executed = self.inner.ledger.execute(context, command).await?;
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
/// that are already available are applied under one lock, in chunks.
async fn drive(
    store: Arc<dyn EventStore>,
    model: Arc<RwLock<ReadModel>>,
    applied: watch::Sender<u64>,
    funding_changes: broadcast::Sender<FundingChange>,
) {
    let mut backoff = Duration::from_millis(100);
    loop {
        let from = model.read().map(|m| m.position()).unwrap_or(0) + 1;
        let mut events = store.subscribe_all(from).ready_chunks(2_000);
        while let Some(chunk) = events.next().await {
            let mut last = None;
            let mut changes = Vec::new();
            let mut failure = None;
            {
                let mut m = model
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                for item in chunk {
                    match item {
                        Ok(recorded) => match m.apply_recorded(&recorded) {
                            Ok(done) => {
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
            if let Some(position) = last {
                applied.send_if_modified(|current| {
                    let moved = position > *current;
                    *current = position.max(*current);
                    moved
                });
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
