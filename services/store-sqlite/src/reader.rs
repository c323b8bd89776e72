//! Read connections and row mapping.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use fundtrail_store::types::from_micros;
use fundtrail_store::{
    Direction, EventHash, EventMetadata, RecordedCommand, RecordedEvent, StoreError,
};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, params};
use uuid::Uuid;

pub(crate) fn sql_err(e: rusqlite::Error) -> StoreError {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) {
        // SQLite rolls the transaction back: nothing of it was recorded.
        return StoreError::backend(format!(
            "sqlite: {e}: the disk holding the store is full; nothing was recorded, \
             free some space and retry (the store goes on by itself)"
        ));
    }
    if matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    ) {
        return StoreError::Corrupt(format!(
            "sqlite: {e}: the store's database file is damaged (a torn write, a bad disk, \
             an incomplete copy); run `fundtrail verify`, and restore from a backup"
        ));
    }
    StoreError::backend(format!("sqlite: {e}"))
}

/// A small pool of read-only connections; they read a consistent snapshot
/// each and never block the writer (WAL).
pub(crate) struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    max_idle: usize,
}

impl ReadPool {
    pub(crate) fn new(path: &Path, max_idle: usize) -> Self {
        ReadPool {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            max_idle,
        }
    }

    /// Runs `f` on a read connection (call from a blocking thread).
    pub(crate) fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self.idle.lock().expect("read pool poisoned").pop();
        let conn = match conn {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = f(&conn);
        let mut idle = self.idle.lock().expect("read pool poisoned");
        if idle.len() < self.max_idle {
            idle.push(conn);
        }
        result
    }

    fn open(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(sql_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql_err)?;
        // A small page cache: every commit of the writer empties a read
        // connection's cache (WAL), and emptying a large one costs more
        // than the few pages a point read needs again; a scan reads each
        // page once anyway.
        conn.pragma_update(None, "cache_size", -2_000)
            .map_err(sql_err)?;
        Ok(conn)
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub(crate) fn read_all(
    conn: &Connection,
    from_position: u64,
    direction: Direction,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let sql = match direction {
        Direction::Forward => include_str!("sql/read_all_forward.sql"),
        Direction::Backward => include_str!("sql/read_all_backward.sql"),
    };
    let mut stmt = conn.prepare_cached(sql).map_err(sql_err)?;
    let mut rows = stmt
        .query(params![clamp(from_position), clamp(limit as u64)])
        .map_err(sql_err)?;
    let mut events = Vec::with_capacity(limit.min(10_000));
    while let Some(row) = rows.next().map_err(sql_err)? {
        events.push(event_from_row(row).map_err(sql_err)?);
    }
    Ok(events)
}

pub(crate) fn read_stream(
    conn: &Connection,
    stream_id: &str,
    from_version: u64,
    direction: Direction,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let sql = match direction {
        Direction::Forward => include_str!("sql/read_stream_forward.sql"),
        Direction::Backward => include_str!("sql/read_stream_backward.sql"),
    };
    let mut stmt = conn.prepare_cached(sql).map_err(sql_err)?;
    let rows = stmt
        .query_map(
            params![stream_id, clamp(from_version), clamp(limit as u64)],
            event_from_row,
        )
        .map_err(sql_err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql_err)
}

pub(crate) fn stream_version(conn: &Connection, stream_id: &str) -> Result<u64, StoreError> {
    let mut stmt = conn
        .prepare_cached(include_str!("sql/select_stream_version.sql"))
        .map_err(sql_err)?;
    let version: Option<i64> = stmt
        .query_row([stream_id], |row| row.get(0))
        .optional()
        .map_err(sql_err)?;
    Ok(version.unwrap_or(0) as u64)
}

pub(crate) fn find_command(
    conn: &Connection,
    command_id: &str,
) -> Result<Option<RecordedCommand>, StoreError> {
    let mut stmt = conn
        .prepare_cached(include_str!("sql/select_command.sql"))
        .map_err(sql_err)?;
    stmt.query_row([command_id], |row| {
        Ok(RecordedCommand {
            command_id: row.get(0)?,
            fingerprint: row.get(1)?,
            stream_id: row.get(2)?,
            first_position: row.get::<_, i64>(3)? as u64,
            last_position: row.get::<_, i64>(4)? as u64,
            recorded_at: from_micros(row.get(5)?),
        })
    })
    .optional()
    .map_err(sql_err)
}

fn blob_error(index: usize, why: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(index, rusqlite::types::Type::Blob, why.into())
}

/// Reads a UUID blob in place (no copy into a `Vec`).
fn uuid_col(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<Uuid>> {
    let Some(bytes) = row.get_ref(index)?.as_blob_or_null()? else {
        return Ok(None);
    };
    Uuid::from_slice(bytes)
        .map(Some)
        .map_err(|e| blob_error(index, e.to_string()))
}

pub(crate) fn hash_col(row: &Row<'_>, index: usize) -> rusqlite::Result<EventHash> {
    let bytes = row.get_ref(index)?.as_blob()?;
    EventHash::from_slice(bytes)
        .ok_or_else(|| blob_error(index, format!("a hash has {} bytes, not 32", bytes.len())))
}

pub(crate) fn event_from_row(row: &Row<'_>) -> rusqlite::Result<RecordedEvent> {
    Ok(RecordedEvent {
        position: row.get::<_, i64>(0)? as u64,
        stream_id: row.get(1)?,
        version: row.get::<_, i64>(2)? as u64,
        event_id: uuid_col(row, 3)?.unwrap_or_default(),
        event_type: row.get(4)?,
        schema_version: row.get::<_, i64>(5)? as u16,
        payload: row.get(6)?,
        recorded_at: from_micros(row.get(7)?),
        metadata: EventMetadata {
            actor: row.get(8)?,
            command_id: row.get(9)?,
            correlation_id: uuid_col(row, 10)?,
            causation_id: uuid_col(row, 11)?,
        },
        hash: hash_col(row, 12)?,
    })
}
