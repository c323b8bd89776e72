//! Opening the embedded store and serving the store traits.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use async_trait::async_trait;
use fundtrail_store::subscription::{EventStream, SubscriptionOptions, catch_up};
use fundtrail_store::writer_queue::{AppendQueue, GroupLimits, Grouper, Job};
use fundtrail_store::{
    AppendOutcome, AppendRequest, Direction, EventAppender, EventReader, EventStore,
    EventSubscriber, Head, RecordedCommand, RecordedEvent, StoreError,
};
use rusqlite::Connection;
use tokio::sync::watch;

use crate::reader::{self, ReadPool, sql_err};
use crate::writer::{Control, Writer, WriterJob, WriterLimits, load_head};

/// Tuning of the embedded store; the defaults suit a laptop and a server.
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Idle read connections kept open.
    pub read_connections: usize,
    /// Most appends committed in one transaction.
    pub max_group_requests: usize,
    /// Most events committed in one transaction (a single larger append still goes whole).
    pub max_group_events: usize,
    /// When the last groups suggest that more appends are about to arrive
    /// (closed-loop clients that were answered a moment ago), the writer
    /// waits at most this long for them before it commits. Zero: never wait.
    /// A single client is never kept waiting.
    pub group_linger: std::time::Duration,
    pub subscription: SubscriptionOptions,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            read_connections: 8,
            max_group_requests: 4_096,
            max_group_events: 20_000,
            group_linger: std::time::Duration::from_micros(200),
            subscription: SubscriptionOptions::default(),
        }
    }
}

/// The embedded store. Cheap to clone; all clones share one writer.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    jobs: AppendQueue<Sender<WriterJob>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    reads: ReadPool,
    head: Arc<Mutex<Head>>,
    /// Committed versions the writer knows (see `Writer::stream_versions`).
    stream_versions: Arc<Mutex<HashMap<String, u64>>>,
    head_position: watch::Receiver<u64>,
    options: SqliteOptions,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.jobs.close();
    }
}

impl SqliteStore {
    /// Opens (or creates) the store in `dir`. Only one process may hold a
    /// store directory at a time.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::open_with(dir, SqliteOptions::default())
    }

    pub fn open_with(dir: impl AsRef<Path>, options: SqliteOptions) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| {
            StoreError::backend(format!(
                "cannot create the store directory {}: {e}",
                dir.display()
            ))
        })?;
        let lock = lock_directory(&dir)?;
        let path = dir.join(crate::DATABASE_FILE);
        check_database_length(&path)?;
        let conn = open_writer_connection(&path)?;
        let head = load_head(&conn)?;

        let (jobs_tx, jobs_rx) = mpsc::channel();
        let (position_tx, position_rx) = watch::channel(head.position);
        let shared_head = Arc::new(Mutex::new(head));
        let stream_versions = Arc::new(Mutex::new(HashMap::new()));
        let writer = Writer {
            conn,
            jobs: jobs_rx,
            grouper: Grouper::new(GroupLimits::new(
                options.max_group_requests,
                options.max_group_events,
            )),
            head,
            shared_head: shared_head.clone(),
            head_position: position_tx,
            limits: WriterLimits {
                max_requests: options.max_group_requests,
                max_cached_streams: 1_000_000,
                linger: options.group_linger,
            },
            stream_versions: stream_versions.clone(),
        };
        let handle = std::thread::Builder::new()
            .name("fundtrail-sqlite-writer".into())
            .spawn(move || {
                // The directory lock lives as long as the writer.
                let _lock = lock;
                writer.run();
            })
            .map_err(|e| StoreError::backend(format!("cannot start the writer thread: {e}")))?;

        tracing::info!(dir = %dir.display(), head = head.position, "embedded store opened");
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                reads: ReadPool::new(&path, options.read_connections),
                dir,
                jobs: AppendQueue::new(jobs_tx),
                writer: Mutex::new(Some(handle)),
                head: shared_head,
                stream_versions,
                head_position: position_rx,
                options,
            }),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// Finishes the appends already queued, stops the writer and releases the
    /// directory. Later appends fail with `StoreError::Closed`.
    pub async fn close(&self) {
        if let Some(sender) = self.inner.jobs.close() {
            let _ = sender.send(Job::Control(Control::Shutdown));
        }
        let handle = self
            .inner
            .writer
            .lock()
            .expect("writer lock poisoned")
            .take();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }

    /// Hands a job to the writer thread.
    pub(crate) fn send_job(&self, job: WriterJob) -> Result<(), StoreError> {
        self.inner.jobs.send(job)
    }

    /// Point lookups (a stream, a version, a command) take microseconds:
    /// they run on the calling thread, sparing a hand-off to the blocking pool.
    fn read_inline<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.inner.reads.with(f)
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || inner.reads.with(f))
            .await
            .map_err(|e| StoreError::backend(format!("read task failed: {e}")))?
    }
}

fn lock_directory(dir: &Path) -> Result<File, StoreError> {
    let path = dir.join("LOCK");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| StoreError::backend(format!("cannot open {}: {e}", path.display())))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::backend(format!(
            "the store directory {} is in use by another fundtrail process",
            dir.display()
        ))),
        Err(std::fs::TryLockError::Error(e)) => Err(StoreError::backend(format!(
            "cannot lock {}: {e}",
            path.display()
        ))),
    }
}

/// Refuses a database file shorter than its own header says, when no WAL
/// is there to complete it: its last pages were lost (a torn or cut-short
/// write, an incomplete copy), and SQLite would read them as zeros. With a
/// WAL, SQLite's recovery decides (a checkpoint cut short is completed).
fn check_database_length(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let wal = path.with_file_name(format!("{}-wal", crate::DATABASE_FILE));
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        return Ok(());
    }
    let Ok(mut file) = File::open(path) else {
        return Ok(()); // a new store
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len == 0 {
        return Ok(());
    }
    let mut header = [0u8; 100];
    let damaged = |why: String| {
        StoreError::Corrupt(format!(
            "the store's database file {} is damaged: {why} (a torn or cut-short write, an \
             incomplete copy); run `fundtrail verify`, and restore from a backup",
            path.display()
        ))
    };
    if file.read_exact(&mut header).is_err() {
        return Err(damaged(format!("{len} bytes, shorter than its header")));
    }
    let be32 =
        |i: usize| u32::from_be_bytes([header[i], header[i + 1], header[i + 2], header[i + 3]]);
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536u64,
        n => u64::from(n),
    };
    // The page count is valid when "version-valid-for" matches the change counter.
    let pages = u64::from(be32(28));
    if pages > 0 && be32(92) == be32(24) && len < pages * page_size {
        return Err(damaged(format!(
            "{len} bytes where its header says {pages} pages of {page_size}: its end is missing"
        )));
    }
    Ok(())
}

fn open_writer_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(sql_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(sql_err)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(sql_err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::backend(format!(
            "sqlite refused WAL mode (got {mode})"
        )));
    }
    // FULL: the WAL is fsynced at every commit, so an acknowledged append
    // survives power loss, not only a process crash.
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(sql_err)?;
    // 8 MB: the writer touches the right edge of the log and the index
    // pages of the streams it appends to; the rest comes from the OS's file
    // cache. A larger cache only fills up with pages the writer has passed:
    // 64 MB made the 30-minute soak's resident memory climb by a megabyte a
    // minute until it was full (issue #17).
    conn.pragma_update(None, "cache_size", -8_000)
        .map_err(sql_err)?;
    conn.pragma_update(None, "wal_autocheckpoint", 10_000)
        .map_err(sql_err)?;
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(sql_err)?;
    match version {
        0 => conn
            .execute_batch(include_str!("sql/schema.sql"))
            .map_err(sql_err)?,
        1 => {}
        other => {
            return Err(StoreError::Corrupt(format!(
                "store schema version {other} is newer than this fundtrail knows (1)"
            )));
        }
    }
    Ok(conn)
}

#[async_trait]
impl EventReader for SqliteStore {
    async fn read_stream(
        &self,
        stream_id: &str,
        from_version: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read_inline(|c| reader::read_stream(c, stream_id, from_version, direction, limit))
    }

    async fn read_all(
        &self,
        from_position: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        self.read(move |c| reader::read_all(c, from_position, direction, limit))
            .await
    }

    async fn stream_version(&self, stream_id: &str) -> Result<u64, StoreError> {
        let cached = self
            .inner
            .stream_versions
            .lock()
            .expect("versions lock poisoned")
            .get(stream_id)
            .copied();
        if let Some(version) = cached {
            return Ok(version);
        }
        self.read_inline(|c| reader::stream_version(c, stream_id))
    }

    async fn head(&self) -> Result<Head, StoreError> {
        Ok(*self.inner.head.lock().expect("head lock poisoned"))
    }

    async fn find_command(&self, command_id: &str) -> Result<Option<RecordedCommand>, StoreError> {
        self.read_inline(|c| reader::find_command(c, command_id))
    }
}

#[async_trait]
impl EventAppender for SqliteStore {
    async fn append(&self, request: AppendRequest) -> Result<AppendOutcome, StoreError> {
        self.inner.jobs.append(request).await
    }
}

impl EventSubscriber for SqliteStore {
    fn subscribe_all(&self, from_position: u64) -> EventStream {
        catch_up(
            Arc::new(self.clone()),
            self.inner.head_position.clone(),
            from_position,
            self.inner.options.subscription,
        )
    }
}

#[async_trait]
impl EventStore for SqliteStore {
    fn backend(&self) -> &'static str {
        "embedded"
    }
}
