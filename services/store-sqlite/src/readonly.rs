//! A read-only view of an embedded store directory, for the tools that run
//! beside a server on the same directory (`fundtrail backup`, `fundtrail
//! rebuild`).
//!
//! It takes no directory lock and starts no writer: only read-only SQLite
//! connections, which WAL mode lets other processes open while the server
//! writes (each read sees a committed state, and never blocks the writer).
//! Events are immutable and positions gap-free, so reading `read_all` from 1
//! up to a head captured first gives a consistent cut of the ledger even
//! across several read transactions.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use fundtrail_store::{Direction, EventReader, Head, RecordedCommand, RecordedEvent, StoreError};

use crate::reader::{self, ReadPool, sql_err};
use crate::writer::load_head;

/// Reads an embedded store that another process (or nobody) writes.
#[derive(Clone)]
pub struct SqliteReader {
    dir: PathBuf,
    reads: Arc<ReadPool>,
}

impl SqliteReader {
    /// Opens the store in `dir` for reading; it must exist (nothing is created).
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        let dir = dir.as_ref().to_path_buf();
        let path = dir.join(crate::DATABASE_FILE);
        if !path.is_file() {
            return Err(StoreError::backend(format!(
                "no embedded store in {} ({} is missing)",
                dir.display(),
                crate::DATABASE_FILE
            )));
        }
        let reads = Arc::new(ReadPool::new(&path, 2));
        let version: i64 = reads.with(|c| {
            c.pragma_query_value(None, "user_version", |row| row.get(0))
                .map_err(sql_err)
        })?;
        if version != 1 {
            return Err(StoreError::Corrupt(format!(
                "store schema version {version} in {}: this fundtrail reads version 1",
                dir.display()
            )));
        }
        Ok(SqliteReader { dir, reads })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reads = self.reads.clone();
        tokio::task::spawn_blocking(move || reads.with(f))
            .await
            .map_err(|e| StoreError::backend(format!("read task failed: {e}")))?
    }
}

#[async_trait]
impl EventReader for SqliteReader {
    async fn read_stream(
        &self,
        stream_id: &str,
        from_version: u64,
        direction: Direction,
        limit: usize,
    ) -> Result<Vec<RecordedEvent>, StoreError> {
        let stream_id = stream_id.to_owned();
        self.read(move |c| reader::read_stream(c, &stream_id, from_version, direction, limit))
            .await
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
        self.reads.with(|c| reader::stream_version(c, stream_id))
    }

    async fn head(&self) -> Result<Head, StoreError> {
        self.read(load_head).await
    }

    async fn find_command(&self, command_id: &str) -> Result<Option<RecordedCommand>, StoreError> {
        self.reads.with(|c| reader::find_command(c, command_id))
    }
}
