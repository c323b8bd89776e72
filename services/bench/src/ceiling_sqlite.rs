//! The embedded store's ceiling: plain SQLite through rusqlite, on its own
//! temporary file, with the store's own schema (table and indexes), its
//! pragmas (WAL, synchronous=FULL, cache and checkpoint sizes) and its insert
//! statement; no planning, no hashing, no channel, no domain logic.

use std::time::Instant;

use rusqlite::{Connection, OpenFlags, params};
use tempfile::TempDir;

use crate::Result;
use crate::workload::{Bound, Measure, Row, now_micros};

const SCHEMA: &str = include_str!("../../store-sqlite/src/sql/schema.sql");
const INSERT: &str = include_str!("../../store-sqlite/src/sql/insert_event.sql");
const SCAN: &str = "SELECT position, stream_id, version, event_id, event_type, schema_version, payload, \
                    recorded_at, actor, command_id, correlation_id, causation_id, hash \
                    FROM events ORDER BY position";

pub struct SqliteCeiling {
    conn: Connection,
    path: std::path::PathBuf,
    _dir: TempDir,
}

impl SqliteCeiling {
    pub fn open() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("fundtrail-bench-ceiling-")
            .tempdir()?;
        let path = dir.path().join("ceiling.sqlite3");
        let conn = Connection::open(&path)?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("sqlite refused WAL mode (got {mode})").into());
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "cache_size", -64_000)?;
        conn.pragma_update(None, "wal_autocheckpoint", 10_000)?;
        conn.execute_batch(SCHEMA)?;
        Ok(SqliteCeiling {
            conn,
            path,
            _dir: dir,
        })
    }

    pub fn sqlite_version() -> &'static str {
        rusqlite::version()
    }

    fn insert(conn: &Connection, row: &Row, recorded_at: i64) -> Result<()> {
        let mut stmt = conn.prepare_cached(INSERT)?;
        stmt.execute(params![
            row.position,
            row.stream_id,
            row.version,
            &row.event_id.as_bytes()[..],
            row.event_type,
            i64::from(row.schema_version),
            row.payload,
            recorded_at,
            row.actor,
            row.command_id,
            None::<Vec<u8>>,
            None::<Vec<u8>>,
            row.hash,
        ])?;
        Ok(())
    }

    /// One transaction per batch (W3's ceiling).
    pub fn batches(&mut self, batches: &[Vec<Row>]) -> Result<Measure> {
        let start = Instant::now();
        let mut count = 0;
        for batch in batches {
            let tx = self.conn.transaction()?;
            let now = now_micros();
            for row in batch {
                Self::insert(&tx, row, now)?;
            }
            tx.commit()?;
            count += batch.len() as u64;
        }
        Ok(Measure::new(count, start.elapsed()))
    }

    /// One row per transaction, one client (W1's ceiling).
    pub fn one_row(&mut self, rows: &[Row], bound: Bound) -> Result<Measure> {
        let start = Instant::now();
        let mut count = 0;
        for row in rows {
            if bound.done(count, start) {
                break;
            }
            Self::insert(&self.conn, row, now_micros())?;
            count += 1;
        }
        Ok(Measure::new(count as u64, start.elapsed()))
    }

    /// A full scan in position order, every column read into owned Rust
    /// values (W4's read ceiling). It reads through a fresh read-only
    /// connection, as the store's readers do: the writing connection's page
    /// cache still holds what it wrote, which no replay after a start has.
    pub fn read_all(&self) -> Result<Measure> {
        type Values = (
            i64,
            String,
            i64,
            Vec<u8>,
            String,
            i64,
            String,
            i64,
            String,
            Option<String>,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Vec<u8>,
        );
        let start = Instant::now();
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let mut stmt = conn.prepare(SCAN)?;
        let mut rows = stmt.query([])?;
        let mut count = 0u64;
        let mut last = 0;
        while let Some(row) = rows.next()? {
            let values: Values = (
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
                row.get(7)?,
                row.get(8)?,
                row.get(9)?,
                row.get(10)?,
                row.get(11)?,
                row.get(12)?,
            );
            let values = std::hint::black_box(values);
            last = values.0;
            count += 1;
        }
        if last != count as i64 {
            return Err(
                format!("the ceiling scan ended at position {last} after {count} rows").into(),
            );
        }
        Ok(Measure::new(count, start.elapsed()))
    }
}
