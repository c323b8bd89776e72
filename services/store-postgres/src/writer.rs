//! The writer task: group commit against a shared database.
//!
//! The task takes every append waiting at that moment, reads the facts they
//! depend on in one query, plans them (`fundtrail_store::plan`) and writes
//! them in one statement that moves the ledger head with a compare-and-set.
//! If another process moved the head in between, nothing was written and the
//! group is planned again on fresh facts.

use std::collections::HashMap;
use std::sync::Arc;

use fundtrail_store::plan::{
    BatchKeys, KnownFacts, Plan, StoredEventRef, batch_keys, needs_full_facts, optimistic_facts,
    plan_batch,
};
use fundtrail_store::types::{from_micros, to_micros};
use fundtrail_store::writer_queue::GroupReceiver;
use fundtrail_store::{
    AppendOutcome, AppendRequest, EventHash, Head, RecordedCommand, RecordedEvent, StoreError,
};
use serde::Deserialize;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::{PgConnection, Postgres};
use tokio::sync::watch;
use uuid::Uuid;

use crate::reader::pg_err;

const MAX_ATTEMPTS: usize = 1_000;

pub(crate) struct Writer {
    pub pool: PgPool,
    /// Appends, taken in groups (bounded by `PostgresOptions::max_group_*`).
    pub jobs: GroupReceiver,
    pub head_position: Arc<watch::Sender<u64>>,
    pub channel: String,
    /// The writer's own connection, kept between groups (dropped on an error).
    pub conn: Option<PoolConnection<Postgres>>,
    /// What this writer knows since its last write, while it is the only
    /// writer (ADR 004); `None` after another writer moved the head.
    pub cache: Option<WriterCache>,
}

/// The head after this writer's last group and the versions of the streams
/// it has written or read. Valid as long as the head in the database is
/// still this one: the compare-and-set of the next write checks exactly that.
pub(crate) struct WriterCache {
    pub head: Head,
    pub versions: HashMap<String, u64>,
}

/// Forget cached stream versions past this many streams.
const MAX_CACHED_STREAMS: usize = 1_000_000;

/// How a write statement ended.
pub(crate) enum Written {
    /// Committed.
    Moved,
    /// The head had moved (another writer): nothing written.
    HeadMoved,
    /// A unique index refused a row (a stored event id, command id or
    /// stream version): the statement failed whole, nothing written.
    Duplicate,
}

impl Writer {
    pub(crate) async fn run(mut self) {
        while let Some(batch) = self.jobs.next().await {
            let group = batch.group;
            let written = self.write_group(group.requests()).await;
            if let Err(e) = &written {
                tracing::error!(error = %e, "postgres store: group append failed");
                self.cache = None;
                self.conn = None;
            }
            group.answer(written);
        }
    }

    async fn connection(&mut self) -> Result<&mut PoolConnection<Postgres>, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await.map_err(pg_err)?);
        }
        Ok(self.conn.as_mut().expect("connection just acquired"))
    }

    async fn write_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
        let keys = batch_keys(requests);
        // Optimistic first (ADR 004): facts from the cache, no lookup of
        // event ids or commands; the write's compare-and-set and the unique
        // indexes check every assumption, and any doubt takes the full path.
        let mut optimistic = self.cache.is_some();
        for _ in 0..MAX_ATTEMPTS {
            let (head, mut facts) = if optimistic {
                let cache = self.cache.as_ref().expect("optimistic needs the cache");
                let head = cache.head;
                let (mut facts, unknown) =
                    optimistic_facts(requests, |s| cache.versions.get(s).copied());
                if !unknown.is_empty() {
                    let conn = self.connection().await?;
                    let found: Vec<(String, i64)> =
                        sqlx::query_as(include_str!("sql/select_stream_versions.sql"))
                            .bind(&unknown)
                            .fetch_all(&mut **conn)
                            .await
                            .map_err(pg_err)?;
                    for stream in unknown {
                        facts.stream_versions.insert(stream, 0);
                    }
                    for (stream, version) in found {
                        facts.stream_versions.insert(stream, version as u64);
                    }
                }
                (head, facts)
            } else {
                let (head, facts) = self.lookup_facts(&keys).await?;
                match &mut self.cache {
                    Some(cache) if cache.head == head => {}
                    // Another writer moved the head: what we knew may be stale.
                    _ => {
                        self.cache = Some(WriterCache {
                            head,
                            versions: HashMap::new(),
                        })
                    }
                }
                (head, facts)
            };
            let now = to_micros(chrono::Utc::now());
            let plan = plan_batch(head, now, requests, &mut facts);
            if optimistic && needs_full_facts(&plan) {
                optimistic = false;
                continue;
            }
            if plan.events.is_empty() {
                return Ok(plan.outcomes);
            }
            match self.write(head, &plan).await? {
                Written::Moved => {
                    let position = plan.head.position;
                    self.head_position.send_if_modified(|current| {
                        let newer = position > *current;
                        if newer {
                            *current = position;
                        }
                        newer
                    });
                    let cache = self.cache.get_or_insert_with(|| WriterCache {
                        head,
                        versions: HashMap::new(),
                    });
                    if cache.versions.len() > MAX_CACHED_STREAMS {
                        cache.versions.clear();
                    }
                    cache.head = plan.head;
                    cache.versions.extend(facts.stream_versions);
                    return Ok(plan.outcomes);
                }
                Written::HeadMoved => {
                    tracing::debug!(
                        "postgres store: the head moved under us, planning the group again"
                    );
                    self.cache = None;
                    optimistic = false;
                    tokio::task::yield_now().await;
                }
                Written::Duplicate if optimistic => optimistic = false,
                Written::Duplicate => {
                    // Full facts said these rows were new, and the head had
                    // not moved: the database disagrees with itself.
                    return Err(StoreError::backend(
                        "a unique index refused rows that the facts query did not find",
                    ));
                }
            }
        }
        Err(StoreError::backend(format!(
            "gave up after {MAX_ATTEMPTS} attempts: other writers kept moving the ledger head"
        )))
    }

    /// The group's one write statement: moves the head from `head` and
    /// inserts the planned events and commands.
    async fn write(&mut self, head: Head, plan: &Plan) -> Result<Written, StoreError> {
        let channel = self.channel.clone();
        let conn = self.connection().await?;
        write_statement(
            conn,
            head.position,
            &plan.head,
            &plan.events,
            &plan.commands,
            &channel,
        )
        .await
    }

    async fn lookup_facts(&mut self, keys: &BatchKeys) -> Result<(Head, KnownFacts), StoreError> {
        let conn = self.connection().await?;
        let json: String = sqlx::query_scalar(include_str!("sql/lookup_facts.sql"))
            .bind(&keys.streams)
            .bind(&keys.event_ids)
            .bind(&keys.command_ids)
            .fetch_one(&mut **conn)
            .await
            .map_err(pg_err)?;
        let found: FoundFacts = serde_json::from_str(&json)
            .map_err(|e| StoreError::Corrupt(format!("facts query answered {e}")))?;
        let head = Head {
            position: found.head.position,
            hash: EventHash::from_hex(&found.head.hash).ok_or_else(|| {
                StoreError::Corrupt("the ledger head hash is not 32 bytes of hex".into())
            })?,
            recorded_at_micros: found.head.recorded_at,
        };
        let mut facts = KnownFacts::default();
        for s in found.streams {
            facts.stream_versions.insert(s.stream_id, s.version);
        }
        for e in found.events {
            facts.events.insert(
                e.event_id,
                StoredEventRef {
                    stream_id: e.stream_id,
                    version: e.version,
                    position: e.position,
                    recorded_at_micros: e.recorded_at,
                },
            );
        }
        for c in found.commands {
            facts.commands.insert(
                c.command_id.clone(),
                RecordedCommand {
                    command_id: c.command_id,
                    fingerprint: c.fingerprint,
                    stream_id: c.stream_id,
                    first_position: c.first_position,
                    last_position: c.last_position,
                    recorded_at: from_micros(c.recorded_at),
                },
            );
        }
        Ok((head, facts))
    }
}

/// One statement, one transaction (`sql/write_group.sql`): moves the head
/// from position `from` to `to` (compare-and-set), inserts `events` and
/// `commands`, and notifies `channel`. Appends and restores both write
/// through it.
pub(crate) async fn write_statement(
    conn: &mut PgConnection,
    from: u64,
    to: &Head,
    events: &[RecordedEvent],
    commands: &[RecordedCommand],
    channel: &str,
) -> Result<Written, StoreError> {
    let e = events;
    let c = commands;
    let moved = sqlx::query(include_str!("sql/write_group.sql"))
        .bind(to.position as i64)
        .bind(&to.hash.0[..])
        .bind(to.recorded_at_micros)
        .bind(from as i64)
        .bind(e.iter().map(|e| e.position as i64).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.stream_id.as_str()).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.version as i64).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.event_id).collect::<Vec<_>>())
        .bind(e.iter().map(|e| e.event_type.as_str()).collect::<Vec<_>>())
        .bind(
            e.iter()
                .map(|e| e.schema_version as i32)
                .collect::<Vec<_>>(),
        )
        .bind(e.iter().map(|e| e.payload.as_str()).collect::<Vec<_>>())
        .bind(
            e.iter()
                .map(|e| to_micros(e.recorded_at))
                .collect::<Vec<_>>(),
        )
        .bind(
            e.iter()
                .map(|e| e.metadata.actor.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(
            e.iter()
                .map(|e| e.metadata.command_id.as_deref())
                .collect::<Vec<_>>(),
        )
        .bind(
            e.iter()
                .map(|e| e.metadata.correlation_id)
                .collect::<Vec<_>>(),
        )
        .bind(
            e.iter()
                .map(|e| e.metadata.causation_id)
                .collect::<Vec<_>>(),
        )
        .bind(e.iter().map(|e| &e.hash.0[..]).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.command_id.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.fingerprint.as_str()).collect::<Vec<_>>())
        .bind(c.iter().map(|c| c.stream_id.as_str()).collect::<Vec<_>>())
        .bind(
            c.iter()
                .map(|c| c.first_position as i64)
                .collect::<Vec<_>>(),
        )
        .bind(c.iter().map(|c| c.last_position as i64).collect::<Vec<_>>())
        .bind(
            c.iter()
                .map(|c| to_micros(c.recorded_at))
                .collect::<Vec<_>>(),
        )
        .bind(channel)
        .fetch_optional(&mut *conn)
        .await;
    match moved {
        Ok(Some(_)) => Ok(Written::Moved),
        Ok(None) => Ok(Written::HeadMoved),
        Err(sqlx::Error::Database(db)) if db.is_unique_violation() => Ok(Written::Duplicate),
        Err(e) => Err(pg_err(e)),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FoundFacts {
    head: FoundHead,
    streams: Vec<FoundStream>,
    events: Vec<FoundEvent>,
    commands: Vec<FoundCommand>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FoundHead {
    position: u64,
    hash: String,
    recorded_at: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FoundStream {
    stream_id: String,
    version: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FoundEvent {
    event_id: Uuid,
    stream_id: String,
    version: u64,
    position: u64,
    recorded_at: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FoundCommand {
    command_id: String,
    fingerprint: String,
    stream_id: String,
    first_position: u64,
    last_position: u64,
    recorded_at: i64,
}
