//! PostgreSQL's ceiling: plain sqlx inserts into the PostgreSQL store's own
//! `events` table (its migration, `0001_events.sql`: primary key on position,
//! unique (stream_id, version), unique event_id), in a fresh schema
//! `bench_<random>` dropped at the end. The server's own durability settings
//! apply (`synchronous_commit`, `fsync`); the header prints them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::time::Instant;

use futures::TryStreamExt;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{AssertSqlSafe, Executor, PgConnection};
use uuid::Uuid;

use crate::workload::{Bound, Measure, Row, now_micros};
use crate::{BenchError, Result};

const MIGRATION: &str = include_str!("../../store-postgres/migrations/0001_events.sql");

pub struct PgCeiling {
    pool: PgPool,
    schema: String,
    insert: Arc<str>,
    insert_batch: Arc<str>,
    scan: Arc<str>,
}

/// The server's version and durability settings, for the header.
pub async fn server_settings(pool: &PgPool) -> Result<String> {
    let version: String = sqlx::query_scalar("SHOW server_version")
        .fetch_one(pool)
        .await?;
    let sync: String = sqlx::query_scalar("SHOW synchronous_commit")
        .fetch_one(pool)
        .await?;
    let fsync: String = sqlx::query_scalar("SHOW fsync").fetch_one(pool).await?;
    Ok(format!(
        "PostgreSQL {version} synchronous_commit={sync} fsync={fsync}"
    ))
}

pub async fn connect(url: &str, max_connections: u32) -> Result<PgPool> {
    Ok(PgPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await?)
}

/// Drops a schema made by the bench (the name is ours, never user input).
pub async fn drop_schema(pool: &PgPool, schema: &str) -> Result<()> {
    pool.execute(AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .await?;
    Ok(())
}

impl PgCeiling {
    /// Creates `schema` and its events table. `schema` is made by the bench
    /// (`bench_` and hex digits), so it is safe in SQL text.
    pub async fn create(pool: PgPool, schema: String) -> Result<Self> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(BenchError::from(format!("unsafe schema name {schema}")));
        }
        // The PostgreSQL store's own migration (events, commands and the
        // ledger head), run in the fresh schema; only `events` is written here.
        let ddl = format!(
            "CREATE SCHEMA {schema}; SET search_path TO {schema}; {MIGRATION}; RESET search_path;"
        );
        sqlx::raw_sql(AssertSqlSafe(ddl)).execute(&pool).await?;
        let columns = "position, stream_id, version, event_id, event_type, schema_version, payload, \
                       recorded_at, actor, command_id, correlation_id, causation_id, hash";
        Ok(PgCeiling {
            insert: format!(
                "INSERT INTO {schema}.events ({columns}) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
            )
            .into(),
            insert_batch: format!(
                "INSERT INTO {schema}.events ({columns}) \
                 SELECT * FROM UNNEST($1::int8[], $2::text[], $3::int8[], $4::uuid[], $5::text[], \
                 $6::int4[], $7::text[], $8::int8[], $9::text[], $10::text[], $11::uuid[], $12::uuid[], \
                 $13::bytea[])"
            )
            .into(),
            scan: format!("SELECT {columns} FROM {schema}.events ORDER BY position").into(),
            pool,
            schema,
        })
    }

    pub async fn cleanup(&self) -> Result<()> {
        drop_schema(&self.pool, &self.schema).await
    }

    async fn insert_one(&self, conn: &mut PgConnection, row: &Row, position: i64) -> Result<()> {
        sqlx::query(AssertSqlSafe(self.insert.clone()))
            .bind(position)
            .bind(&row.stream_id)
            .bind(row.version)
            .bind(row.event_id)
            .bind(&row.event_type)
            .bind(i32::from(row.schema_version))
            .bind(&row.payload)
            .bind(now_micros())
            .bind(&row.actor)
            .bind(&row.command_id)
            .bind(None::<Uuid>)
            .bind(None::<Uuid>)
            .bind(&row.hash)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// One multi-row INSERT ... SELECT FROM UNNEST per batch, each its own
    /// transaction (W3's ceiling).
    pub async fn batches(&self, batches: &[Vec<Row>]) -> Result<Measure> {
        let mut conn = self.pool.acquire().await?;
        let start = Instant::now();
        let mut count = 0;
        for batch in batches {
            let now = now_micros();
            sqlx::query(AssertSqlSafe(self.insert_batch.clone()))
                .bind(batch.iter().map(|r| r.position).collect::<Vec<_>>())
                .bind(
                    batch
                        .iter()
                        .map(|r| r.stream_id.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(batch.iter().map(|r| r.version).collect::<Vec<_>>())
                .bind(batch.iter().map(|r| r.event_id).collect::<Vec<_>>())
                .bind(
                    batch
                        .iter()
                        .map(|r| r.event_type.as_str())
                        .collect::<Vec<_>>(),
                )
                .bind(
                    batch
                        .iter()
                        .map(|r| i32::from(r.schema_version))
                        .collect::<Vec<_>>(),
                )
                .bind(batch.iter().map(|r| r.payload.as_str()).collect::<Vec<_>>())
                .bind(vec![now; batch.len()])
                .bind(batch.iter().map(|r| r.actor.as_str()).collect::<Vec<_>>())
                .bind(
                    batch
                        .iter()
                        .map(|r| r.command_id.as_deref())
                        .collect::<Vec<_>>(),
                )
                .bind(vec![None::<Uuid>; batch.len()])
                .bind(vec![None::<Uuid>; batch.len()])
                .bind(batch.iter().map(|r| r.hash.as_slice()).collect::<Vec<_>>())
                .execute(&mut *conn)
                .await?;
            count += batch.len() as u64;
        }
        Ok(Measure::new(count, start.elapsed()))
    }

    /// One row per transaction from one connection (W1's ceiling).
    pub async fn one_row(&self, rows: &[Row], bound: Bound) -> Result<Measure> {
        let mut conn = self.pool.acquire().await?;
        let start = Instant::now();
        let mut count = 0;
        for row in rows {
            if bound.done(count, start) {
                break;
            }
            self.insert_one(&mut conn, row, row.position).await?;
            count += 1;
        }
        Ok(Measure::new(count as u64, start.elapsed()))
    }

    /// One row per transaction from `per_client.len()` connections at once
    /// (W2's PostgreSQL ceiling), each from `offsets[client]` in its list.
    /// Positions continue from `next_position`. Returns each client's count.
    pub async fn many(
        self: &Arc<Self>,
        per_client: &[Vec<Row>],
        offsets: &[usize],
        next_position: i64,
        bound: Bound,
    ) -> Result<(Measure, Vec<usize>)> {
        let position = Arc::new(AtomicI64::new(next_position));
        let issued = Arc::new(AtomicUsize::new(0));
        let mut clients = Vec::with_capacity(per_client.len());
        for (rows, &offset) in per_client.iter().zip(offsets) {
            let rows = rows[offset.min(rows.len())..].to_vec();
            clients.push((rows, self.pool.acquire().await?));
        }
        let start = Instant::now();
        let mut tasks = Vec::new();
        for (rows, mut conn) in clients {
            let (me, position, issued) = (self.clone(), position.clone(), issued.clone());
            tasks.push(tokio::spawn(async move {
                let mut done = 0;
                for row in &rows {
                    let n = issued.fetch_add(1, Ordering::Relaxed);
                    if n >= bound.max || start.elapsed() >= bound.duration {
                        break;
                    }
                    let at = position.fetch_add(1, Ordering::Relaxed);
                    me.insert_one(&mut conn, row, at).await?;
                    done += 1;
                }
                Ok::<usize, BenchError>(done)
            }));
        }
        let mut counts = Vec::with_capacity(tasks.len());
        for task in tasks {
            counts.push(
                task.await
                    .map_err(|e| BenchError::from(format!("a ceiling client failed: {e}")))??,
            );
        }
        let total = counts.iter().sum::<usize>() as u64;
        Ok((Measure::new(total, start.elapsed()), counts))
    }

    /// A full scan in position order, every column decoded into owned Rust
    /// values (W4's read ceiling).
    pub async fn read_all(&self) -> Result<Measure> {
        type Values = (
            i64,
            String,
            i64,
            Uuid,
            String,
            i32,
            String,
            i64,
            String,
            Option<String>,
            Option<Uuid>,
            Option<Uuid>,
            Vec<u8>,
        );
        let mut conn = self.pool.acquire().await?;
        let start = Instant::now();
        let mut rows =
            sqlx::query_as::<_, Values>(AssertSqlSafe(self.scan.clone())).fetch(&mut *conn);
        let mut count = 0u64;
        let mut last = 0;
        while let Some(values) = rows.try_next().await? {
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
