//! [`AppState`]: the running application every face shares: the store, the
//! command side, the read models (kept up to date by [`crate::driver`]),
//! readiness and read-your-writes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;

use fundtrail_ledger::{Command, CommandContext, Executed, Ledger, ServiceError};
use fundtrail_projections::ReadModel;
use fundtrail_store::{EventStore, StoreError};
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

use crate::clock::Clock;
use crate::driver::drive;
use crate::metrics::Metrics;
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

/// An [`AppState`] that does not keep it alive (for background tasks that
/// should end with it).
#[derive(Clone)]
pub struct WeakAppState {
    inner: std::sync::Weak<Inner>,
}

impl WeakAppState {
    pub fn upgrade(&self) -> Option<AppState> {
        self.inner.upgrade().map(|inner| AppState { inner })
    }
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
    metrics: Arc<Metrics>,
    clock: Clock,
    /// Set once alerting is started (see [`crate::alerts`]).
    alerts: std::sync::OnceLock<crate::alerts::Alerts>,
    /// Taken by commands whose decision reads other pledges' links (see
    /// [`chain_access`]): exclusively by links, shared by revisions and
    /// cancellations.
    chain_lock: tokio::sync::RwLock<()>,
}

/// How a command takes part in funding chains (`fundtrail_domain::chain`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainAccess {
    /// It reads no other pledge's links.
    None,
    /// `revisePledge`, `cancelPledge`: it reads what other pledges take
    /// from this one, which only a link changes. Many at once.
    Reads,
    /// `linkFunding`, `unlinkFunding`: it reads a parent's remainder and
    /// the graph for cycles, and changes them. One at a time, alone, after
    /// the read models have caught up with the store's head; so two links
    /// never take the same remainder, and a revision never misses a link
    /// (ADR 010).
    Changes,
}

pub fn chain_access(command: &Command) -> ChainAccess {
    use fundtrail_domain::pledge::PledgeCommand as P;
    match command {
        Command::Pledge(P::LinkFunding(_) | P::UnlinkFunding(_)) => ChainAccess::Changes,
        Command::Pledge(P::Revise(_) | P::Cancel(_)) => ChainAccess::Reads,
        _ => ChainAccess::None,
    }
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
        Self::start_at(store, limits, snapshots, Clock::system()).await
    }

    /// [`start_with`](Self::start_with), telling time by `clock` (tests move
    /// it forward to reach an expiry or a due date).
    pub async fn start_at(
        store: Arc<dyn EventStore>,
        limits: Limits,
        snapshots: Option<SnapshotConfig>,
        clock: Clock,
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
            head,
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
                metrics: Arc::new(Metrics::new()),
                clock,
                alerts: std::sync::OnceLock::new(),
                chain_lock: tokio::sync::RwLock::new(()),
            }),
        })
    }

    /// Starts alerting (once; a second call returns the running one).
    pub fn start_alerts(
        &self,
        config: crate::alerts::AlertConfig,
    ) -> Result<crate::alerts::Alerts, crate::alerts::OutboxError> {
        if let Some(a) = self.inner.alerts.get() {
            return Ok(a.clone());
        }
        let alerts = crate::alerts::Alerts::start(self, config)?;
        Ok(self.inner.alerts.get_or_init(|| alerts).clone())
    }

    /// The running alerts, once started.
    pub fn alerts(&self) -> Option<&crate::alerts::Alerts> {
        self.inner.alerts.get()
    }

    /// A handle that does not keep the application alive.
    pub fn downgrade(&self) -> WeakAppState {
        WeakAppState {
            inner: Arc::downgrade(&self.inner),
        }
    }

    /// The application's time (see [`Clock`]).
    pub fn clock(&self) -> &Clock {
        &self.inner.clock
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
    pub fn metrics(&self) -> &Arc<Metrics> {
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

    /// Wakes whenever the read models apply new events (its value: the last
    /// position applied).
    pub fn watch_applied(&self) -> watch::Receiver<u64> {
        self.inner.applied.clone()
    }

    /// True once the read models have caught up with the log as it was at start.
    pub fn is_ready(&self) -> bool {
        self.applied() >= self.inner.caught_up_to
    }

    /// Whether the store answers now (its head, within 2 s): `/readyz` turns
    /// 503 while it does not, so a load balancer sends writes elsewhere.
    pub async fn store_reachable(&self) -> Result<(), String> {
        match tokio::time::timeout(Duration::from_secs(2), self.inner.store.head()).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("the store did not answer within 2 s".into()),
        }
    }

    /// Waits until [`is_ready`](Self::is_ready), woken by the driver (no polling).
    pub async fn ready(&self) {
        let target = self.inner.caught_up_to;
        let mut applied = self.inner.applied.clone();
        // Err: the driver is gone, so nothing more will come.
        let _ = applied.wait_for(|p| *p >= target).await;
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
        let (_alone, _shared) = match chain_access(&command) {
            ChainAccess::None => (None, None),
            ChainAccess::Reads => (None, Some(self.inner.chain_lock.read().await)),
            ChainAccess::Changes => {
                let guard = self.inner.chain_lock.write().await;
                // decide against everything acknowledged so far
                let head = self.inner.store.head().await?;
                self.wait_for(head.position).await;
                (Some(guard), None)
            }
        };
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
