//! Connecting to KurrentDB and serving the store traits.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use fundtrail_store::subscription::{EventStream, SubscriptionOptions, catch_up};
use fundtrail_store::writer_queue::{self, AppendQueue, GroupLimits, Job};
use fundtrail_store::{
    AppendOutcome, AppendRequest, Direction, EventAppender, EventReader, EventStore,
    EventSubscriber, Head, RecordedCommand, RecordedEvent, StoreError,
};
use futures::StreamExt;
use kurrentdb::ClientSettings;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::client::{KurrentClient, StreamClient};
use crate::mapping;
use crate::reader::{self, Shared};
use crate::writer::{Writer, group_budget};

/// The ledger stream's name unless told otherwise.
pub const DEFAULT_LEDGER_STREAM: &str = "fundtrail-ledger";

/// Where the store lives and how it connects.
#[derive(Debug, Clone)]
pub struct KurrentOptions {
    /// A KurrentDB connection string: `kurrentdb://host:2113?tls=false`,
    /// `kurrentdb+discover://…`, `esdb://…`, `esdb+discover://…` (see the
    /// client's documentation for the parameters).
    pub url: String,
    /// The one stream that holds every fundtrail event, in global order.
    pub ledger_stream: String,
    pub max_group_requests: usize,
    pub max_group_events: usize,
    /// A group's estimated size in bytes, kept below KurrentDB's maximum
    /// append size (1 MiB by default).
    pub max_group_bytes: usize,
    /// Events per read when the index catches up with the ledger.
    pub read_page: usize,
    pub subscription: SubscriptionOptions,
}

impl KurrentOptions {
    pub fn new(url: impl Into<String>) -> Self {
        KurrentOptions {
            url: url.into(),
            ledger_stream: DEFAULT_LEDGER_STREAM.into(),
            max_group_requests: 512,
            max_group_events: 2_000,
            max_group_bytes: 512 * 1024,
            read_page: 2_000,
            subscription: SubscriptionOptions::default(),
        }
    }

    pub fn with_ledger_stream(mut self, ledger_stream: impl Into<String>) -> Self {
        self.ledger_stream = ledger_stream.into();
        self
    }
}

/// The KurrentDB store. Cheap to clone; all clones share one client, index
/// and writer.
#[derive(Clone)]
pub struct KurrentStore {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    jobs: AppendQueue<mpsc::UnboundedSender<Job>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    head_position: watch::Receiver<u64>,
    subscription: SubscriptionOptions,
    /// The most one append of a restore carries (`max_group_bytes`).
    max_append_bytes: usize,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.lock() {
            tasks.iter().for_each(JoinHandle::abort);
        }
    }
}

/// A user stream name: not empty, and not a system stream (`$…`), which
/// only admins may write and which `$all` filters leave out.
fn valid_ledger_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('$') && name.len() <= 200
}

impl KurrentStore {
    /// Parses the connection string, reads the ledger into the index and
    /// starts the writer and the ledger follower. Fails when no KurrentDB
    /// node answers (after the client's discovery attempts).
    pub async fn connect(options: KurrentOptions) -> Result<Self, StoreError> {
        if !valid_ledger_name(&options.ledger_stream) {
            return Err(StoreError::InvalidRequest(format!(
                "ledger stream name {:?}: use a non-empty name that does not start with $",
                options.ledger_stream
            )));
        }
        let settings: ClientSettings = options.url.parse().map_err(|e| {
            StoreError::InvalidRequest(format!("invalid KurrentDB connection string: {e}"))
        })?;
        let client = Arc::new(KurrentClient::new(settings)?);
        Self::start(client, options).await
    }

    /// Reads the ledger into the index, then starts the writer and the
    /// ledger follower.
    pub(crate) async fn start(
        client: Arc<dyn StreamClient>,
        options: KurrentOptions,
    ) -> Result<Self, StoreError> {
        let shared = Arc::new(Shared::new(
            client,
            &options.ledger_stream,
            options.read_page,
        ));
        reader::refresh(&shared).await?;
        let head = shared.index.read().expect("index lock poisoned").head();

        let follow_task = tokio::spawn(follow(shared.clone()));
        let (jobs_tx, jobs_rx) = writer_queue::unbounded(
            GroupLimits::new(options.max_group_requests, options.max_group_events)
                .with_byte_budget(group_budget(options.max_group_bytes)),
        );
        let writer = Writer {
            shared: shared.clone(),
            jobs: jobs_rx,
            stale: false,
        };
        let writer_task = tokio::spawn(writer.run());
        tracing::info!(
            ledger = %options.ledger_stream,
            head = head.position,
            "kurrentdb store connected"
        );
        Ok(KurrentStore {
            inner: Arc::new(Inner {
                head_position: shared.head_position.subscribe(),
                shared,
                jobs: jobs_tx,
                tasks: Mutex::new(vec![follow_task, writer_task]),
                subscription: options.subscription,
                max_append_bytes: options.max_group_bytes,
            }),
        })
    }

    /// The name of the stream that holds the ledger.
    pub fn ledger_stream(&self) -> String {
        self.inner.shared.ledger().to_string()
    }

    /// Lets queued appends finish, then stops following the ledger.
    pub async fn close(&self) {
        drop(self.inner.jobs.close());
        let tasks: Vec<_> =
            std::mem::take(&mut *self.inner.tasks.lock().expect("tasks lock poisoned"));
        let mut tasks = tasks.into_iter();
        if let Some(follow_task) = tasks.next() {
            follow_task.abort();
        }
        for writer in tasks {
            let _ = writer.await;
        }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    pub(crate) fn max_append_bytes(&self) -> usize {
        self.inner.max_append_bytes
    }
}

/// Follows the ledger from its end and tells subscribers when it grows, so
/// that they see other processes' appends at once; a lost notification only
/// delays them until their next poll.
async fn follow(shared: Arc<Shared>) {
    loop {
        let ledger = shared.ledger();
        let mut revisions = shared.client.follow(&ledger).await;
        while let Some(next) = revisions.next().await {
            match next {
                Ok(revision) => shared.notify(mapping::position_of(revision)),
                Err(failure) => {
                    tracing::warn!(
                        error = %failure.into_store_error(),
                        "kurrentdb store: following the ledger failed; subscribing again"
                    );
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[async_trait]
impl EventReader for KurrentStore {
    async fn read_stream(
        &self,
        stream_id: &str,
        from_version: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        reader::read_stream(
            &self.inner.shared,
            stream_id,
            from_version,
            direction,
            limit,
        )
        .await
    }

    async fn read_all(
        &self,
        from_position: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        reader::read_all(&self.inner.shared, from_position, direction, limit).await
    }

    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        reader::refresh(&self.inner.shared).await?;
        Ok(self
            .inner
            .shared
            .index
            .read()
            .expect("index lock poisoned")
            .stream_version(stream_id))
    }

    async fn head(&self) -> Result<Head, StoreError> {
        reader::head(&self.inner.shared).await
    }

    async fn find_command(&self, command_id: &str) -> Result<Option<RecordedCommand>, StoreError> {
        reader::refresh(&self.inner.shared).await?;
        Ok(self
            .inner
            .shared
            .index
            .read()
            .expect("index lock poisoned")
            .command(command_id))
    }
}

#[async_trait]
impl EventAppender for KurrentStore {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.inner.jobs.append(request).await
    }
}

impl EventSubscriber for KurrentStore {
    fn subscribe_all(&self, from_position: u64) -> EventStream {
        catch_up(
            Arc::new(self.clone()),
            self.inner.head_position.clone(),
            from_position,
            self.inner.subscription,
        )
    }
}

#[async_trait]
impl EventStore for KurrentStore {
    fn backend(&self) -> &'static str {
        "kurrentdb"
    }
}
