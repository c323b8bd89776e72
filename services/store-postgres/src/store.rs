//! Connecting to PostgreSQL and serving the store traits.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use fundtrail_store::subscription::{EventStream, SubscriptionOptions, catch_up};
use fundtrail_store::writer_queue::{self, AppendQueue, GroupLimits, Job};
use fundtrail_store::{
    AppendOutcome, AppendRequest, Direction, EventAppender, EventReader, EventStore,
    EventSubscriber, Head, RecordedCommand, RecordedEvent, StoreError,
};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, Executor};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::reader::{self, pg_err};
use crate::writer::Writer;

/// Where the store lives and how it connects.
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// `postgres://user@host:port/database`
    pub url: String,
    /// The schema that holds the store's tables (created when missing).
    pub schema: String,
    pub max_connections: u32,
    /// How long a statement waits for a connection before the store answers
    /// [`StoreError::Unavailable`] (the server is down, say) rather than
    /// queueing without bound.
    pub acquire_timeout: std::time::Duration,
    pub max_group_requests: usize,
    pub max_group_events: usize,
    pub subscription: SubscriptionOptions,
}

impl PostgresOptions {
    pub fn new(url: impl Into<String>, schema: impl Into<String>) -> Self {
        PostgresOptions {
            url: url.into(),
            schema: schema.into(),
            max_connections: 16,
            acquire_timeout: std::time::Duration::from_secs(5),
            max_group_requests: 4_096,
            max_group_events: 20_000,
            subscription: SubscriptionOptions::default(),
        }
    }
}

/// The PostgreSQL store. Cheap to clone; all clones share one pool and writer.
#[derive(Clone)]
pub struct PostgresStore {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    jobs: AppendQueue<mpsc::UnboundedSender<Job>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    head_position: watch::Receiver<u64>,
    subscription: SubscriptionOptions,
    /// The LISTEN/NOTIFY channel of this schema.
    channel: String,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(tasks) = self.tasks.lock() {
            tasks.iter().for_each(JoinHandle::abort);
        }
    }
}

fn valid_schema_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 48
}

impl PostgresStore {
    /// Connects, creates the schema if needed and runs the migrations.
    pub async fn connect(options: PostgresOptions) -> Result<Self, StoreError> {
        if !valid_schema_name(&options.schema) {
            return Err(StoreError::InvalidRequest(format!(
                "schema name {:?}: use lower-case letters, digits and _ (at most 48)",
                options.schema
            )));
        }
        let base: PgConnectOptions = options
            .url
            .parse()
            .map_err(|e| StoreError::backend(format!("invalid PostgreSQL URL: {e}")))?;
        let base = base.log_statements(tracing::log::LevelFilter::Trace);
        let mut setup = base.connect().await.map_err(pg_err)?;
        setup
            .execute(sqlx::AssertSqlSafe(format!(
                "CREATE SCHEMA IF NOT EXISTS \"{}\"",
                options.schema
            )))
            .await
            .map_err(pg_err)?;
        setup.close().await.map_err(pg_err)?;

        let connect = base.options([("search_path", options.schema.as_str())]);
        // No ping before each use of a pooled connection: it doubled every
        // round trip; a broken connection fails its query instead (and the
        // writer then takes another one).
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .test_before_acquire(false)
            .connect_with(connect)
            .await
            .map_err(pg_err)?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StoreError::backend(format!("postgres migration failed: {e}")))?;

        let head = reader::head(&pool).await?;
        let (position_tx, position_rx) = watch::channel(head.position);
        let position_tx = Arc::new(position_tx);
        let channel = format!("fundtrail_events_{}", options.schema);

        let mut listener = PgListener::connect_with(&pool).await.map_err(pg_err)?;
        listener.listen(&channel).await.map_err(pg_err)?;
        let listen_task = tokio::spawn(listen(listener, position_tx.clone()));

        let (jobs_tx, jobs_rx) = writer_queue::unbounded(GroupLimits::new(
            options.max_group_requests,
            options.max_group_events,
        ));
        let writer = Writer {
            pool: pool.clone(),
            jobs: jobs_rx,
            head_position: position_tx,
            channel: channel.clone(),
            conn: None,
            cache: None,
        };
        let writer_task = tokio::spawn(writer.run());
        tracing::info!(schema = %options.schema, head = head.position, "postgres store connected");
        Ok(PostgresStore {
            inner: Arc::new(Inner {
                pool,
                jobs: jobs_tx,
                tasks: Mutex::new(vec![listen_task, writer_task]),
                head_position: position_rx,
                subscription: options.subscription,
                channel,
            }),
        })
    }

    /// The connection pool (for tools that need plain SQL, such as tests).
    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// The LISTEN/NOTIFY channel on which appends announce the new head.
    pub(crate) fn channel(&self) -> &str {
        &self.inner.channel
    }

    /// Lets queued appends finish, then closes the pool.
    pub async fn close(&self) {
        drop(self.inner.jobs.close());
        let tasks: Vec<_> =
            std::mem::take(&mut *self.inner.tasks.lock().expect("tasks lock poisoned"));
        let mut tasks = tasks.into_iter();
        if let Some(listen_task) = tasks.next() {
            listen_task.abort();
        }
        for writer in tasks {
            let _ = writer.await;
        }
        self.inner.pool.close().await;
    }
}

/// Follows other processes' appends through LISTEN/NOTIFY. A lost
/// notification only delays subscribers until their next poll.
async fn listen(mut listener: PgListener, head: Arc<watch::Sender<u64>>) {
    loop {
        match listener.recv().await {
            Ok(notification) => {
                if let Ok(position) = notification.payload().parse::<u64>() {
                    head.send_if_modified(|current| {
                        let newer = position > *current;
                        if newer {
                            *current = position;
                        }
                        newer
                    });
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "postgres store: notification listener failed; retrying");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            }
        }
    }
}

#[async_trait]
impl EventReader for PostgresStore {
    async fn read_stream(
        &self,
        stream_id: &str,
        from_version: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        reader::read_stream(&self.inner.pool, stream_id, from_version, direction, limit).await
    }

    async fn read_all(
        &self,
        from_position: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        reader::read_all(&self.inner.pool, from_position, direction, limit).await
    }

    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        reader::stream_version(&self.inner.pool, stream_id).await
    }

    async fn head(&self) -> Result<Head, StoreError> {
        reader::head(&self.inner.pool).await
    }

    async fn find_command(&self, command_id: &str) -> Result<Option<RecordedCommand>, StoreError> {
        reader::find_command(&self.inner.pool, command_id).await
    }
}

#[async_trait]
impl EventAppender for PostgresStore {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.inner.jobs.append(request).await
    }
}

impl EventSubscriber for PostgresStore {
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
impl EventStore for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }
}
