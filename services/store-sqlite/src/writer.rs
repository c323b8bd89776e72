//! The writer thread: group commit.
//!
//! Appends arrive on a channel. The thread takes the first, then every other
//! append already waiting (up to a bound), plans them together against the
//! stored facts (`fundtrail_store::plan`), writes them in one transaction and
//! commits once: one fsync for the whole group. While it commits, new appends
//! queue up and form the next group, so throughput grows with the number of
//! concurrent clients.

use std::collections::HashMap;
use std::sync::mpsc::Receiver;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fundtrail_store::plan::{
    BatchKeys, KnownFacts, StoredEventRef, batch_keys, needs_full_facts, optimistic_facts,
    plan_batch,
};
use fundtrail_store::types::to_micros;
use fundtrail_store::writer_queue::{Group, Grouper, Job};
use fundtrail_store::{
    AppendOutcome, AppendRequest, Head, RecordedCommand, RecordedEvent, StoreError,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::watch;

use crate::reader::{find_command, sql_err, stream_version};

/// The writer's own jobs, besides appends.
pub(crate) enum Control {
    /// Already-recorded events from a backup (see `crate::restore`).
    Restore(Box<crate::restore::RestoreJob>),
    Shutdown,
}

/// What the writer thread receives.
pub(crate) type WriterJob = Job<Control>;

/// How the writer groups appends, besides the group bounds of its [`Grouper`].
pub(crate) struct WriterLimits {
    /// The most appends in one group (the grouper's bound too).
    pub max_requests: usize,
    /// Forget cached stream versions past this many streams.
    pub max_cached_streams: usize,
    /// Longest wait for the appends a group is expected to hold (zero: never wait).
    pub linger: Duration,
}

pub(crate) struct Writer {
    pub conn: Connection,
    pub jobs: Receiver<WriterJob>,
    /// Takes waiting appends into groups (`SqliteOptions::max_group_*`).
    pub grouper: Grouper,
    pub head: Head,
    pub shared_head: Arc<Mutex<Head>>,
    pub head_position: watch::Sender<u64>,
    pub limits: WriterLimits,
    /// Current version of recently written or read streams. The writer is
    /// the only one, and it puts only committed versions here, so readers
    /// answer `stream_version` from it too.
    pub stream_versions: Arc<Mutex<HashMap<String, u64>>>,
}

impl Writer {
    pub(crate) fn run(mut self) {
        // Appends the next group is expected to hold: closed-loop clients
        // send again as soon as they are answered, so a group that could
        // hold them all should wait a moment for them (see `linger`).
        let mut expected = 1;
        let mut previous = 0;
        loop {
            let first = match self.grouper.take_held() {
                Some(held) => held,
                None => match self.jobs.recv() {
                    Ok(first) => first,
                    Err(_) => break,
                },
            };
            let mut lingered = false;
            let mut deadline = None;
            let (jobs, linger) = (&self.jobs, self.limits.linger);
            let batch = self.grouper.gather(first, |group| {
                let next = jobs.try_recv().ok();
                if next.is_some() || group.len() >= expected || linger.is_zero() {
                    return next;
                }
                let until = *deadline.get_or_insert_with(|| Instant::now() + linger);
                lingered = true;
                jobs.recv_timeout(until.saturating_duration_since(Instant::now()))
                    .ok()
            });
            // Two halves of the same clients alternating (one half queues
            // while the other commits) look like two groups in a row that
            // did not wait: expect them together next time.
            let len = batch.group.len();
            expected = if !lingered && len > 1 && previous > 1 {
                (len + previous).min(self.limits.max_requests)
            } else {
                len
            };
            previous = len;
            if !batch.group.is_empty() {
                self.commit_group(batch.group);
            }
            match batch.then {
                Some(Control::Restore(job)) => self.restore(*job),
                Some(Control::Shutdown) => break,
                None => {}
            }
        }
        tracing::debug!("embedded store writer stopped");
    }

    fn commit_group(&mut self, group: Group) {
        let written = self.write_group(group.requests());
        if let Err(e) = &written {
            // Nothing of the group was committed: forget what we cached.
            tracing::error!(error = %e, "embedded store: group commit failed");
            self.versions().clear();
            if let Ok(head) = load_head(&self.conn) {
                self.head = head;
            }
        }
        group.answer(written);
    }

    fn write_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
        {
            let mut versions = self.versions();
            if versions.len() > self.limits.max_cached_streams {
                versions.clear();
            }
        }
        // Optimistic first: no lookup of event ids or commands, the unique
        // indexes arbitrate (ADR 004). A refusal or a unique violation sends
        // the group down the full path, which looks everything up.
        if let Some(outcomes) = self.try_write_group(requests, true)? {
            return Ok(outcomes);
        }
        self.try_write_group(requests, false)?
            .ok_or_else(|| StoreError::backend("the full append path gave up"))
    }

    /// One attempt in one transaction. `None`: the optimistic attempt wrote
    /// nothing and the group must be planned again on full facts.
    fn try_write_group(
        &mut self,
        requests: &[AppendRequest],
        optimistic: bool,
    ) -> Result<Option<Vec<Result<AppendOutcome, StoreError>>>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        let (mut facts, streams) = if optimistic {
            let (mut facts, unknown) = {
                let cache = self.stream_versions.lock().expect("versions lock poisoned");
                optimistic_facts(requests, |s| cache.get(s).copied())
            };
            for stream in unknown {
                let version = stream_version(&tx, &stream)?;
                facts.stream_versions.insert(stream, version);
            }
            let streams: Vec<String> = facts.stream_versions.keys().cloned().collect();
            (facts, streams)
        } else {
            let keys = batch_keys(requests);
            let facts = lookup_facts(&tx, &keys, &self.stream_versions)?;
            (facts, keys.streams)
        };
        let now = to_micros(chrono::Utc::now());
        let plan = plan_batch(self.head, now, requests, &mut facts);
        if optimistic && needs_full_facts(&plan) {
            return Ok(None);
        }
        if plan.events.is_empty() {
            // Only refusals and replays: nothing to write.
            drop(tx);
            return Ok(Some(plan.outcomes));
        }
        let written =
            insert_events(&tx, &plan.events).and_then(|()| insert_commands(&tx, &plan.commands));
        match written {
            Ok(()) => {}
            // A stored event id, command id or (stream, version): roll back
            // (dropping the transaction) and look everything up.
            Err(e) if optimistic && is_unique_violation(&e) => return Ok(None),
            Err(e) => return Err(sql_err(e)),
        }
        tx.commit().map_err(sql_err)?;

        {
            let mut versions = self.versions();
            for stream in streams {
                if let Some(version) = facts.stream_versions.remove(&stream) {
                    versions.insert(stream, version);
                }
            }
        }
        self.head = plan.head;
        *self.shared_head.lock().expect("head lock poisoned") = plan.head;
        self.head_position.send_replace(plan.head.position);
        Ok(Some(plan.outcomes))
    }
}

impl Writer {
    pub(crate) fn versions(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.stream_versions.lock().expect("versions lock poisoned")
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ConstraintViolation)
    )
}

fn lookup_facts(
    conn: &Connection,
    keys: &BatchKeys,
    cache: &Mutex<HashMap<String, u64>>,
) -> Result<KnownFacts, StoreError> {
    let mut facts = KnownFacts::default();
    for stream in &keys.streams {
        let cached = cache
            .lock()
            .expect("versions lock poisoned")
            .get(stream)
            .copied();
        let version = match cached {
            Some(v) => v,
            None => stream_version(conn, stream)?,
        };
        facts.stream_versions.insert(stream.clone(), version);
    }
    let mut stmt = conn
        .prepare_cached(include_str!("sql/select_event_ref.sql"))
        .map_err(sql_err)?;
    for id in &keys.event_ids {
        let found = stmt
            .query_row([&id.as_bytes()[..]], |row| {
                Ok(StoredEventRef {
                    stream_id: row.get(0)?,
                    version: row.get::<_, i64>(1)? as u64,
                    position: row.get::<_, i64>(2)? as u64,
                    recorded_at_micros: row.get(3)?,
                })
            })
            .optional()
            .map_err(sql_err)?;
        if let Some(found) = found {
            facts.events.insert(*id, found);
        }
    }
    for command_id in &keys.command_ids {
        if let Some(recorded) = find_command(conn, command_id)? {
            facts.commands.insert(command_id.clone(), recorded);
        }
    }
    Ok(facts)
}

pub(crate) fn insert_events(conn: &Connection, events: &[RecordedEvent]) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(include_str!("sql/insert_event.sql"))?;
    for e in events {
        stmt.execute(params![
            e.position as i64,
            e.stream_id,
            e.version as i64,
            &e.event_id.as_bytes()[..],
            e.event_type,
            e.schema_version as i64,
            e.payload,
            to_micros(e.recorded_at),
            e.metadata.actor,
            e.metadata.command_id,
            e.metadata
                .correlation_id
                .as_ref()
                .map(|u| &u.as_bytes()[..]),
            e.metadata.causation_id.as_ref().map(|u| &u.as_bytes()[..]),
            &e.hash.0[..],
        ])?;
    }
    Ok(())
}

pub(crate) fn insert_commands(
    conn: &Connection,
    commands: &[RecordedCommand],
) -> rusqlite::Result<()> {
    if commands.is_empty() {
        return Ok(());
    }
    let mut stmt = conn.prepare_cached(include_str!("sql/insert_command.sql"))?;
    for c in commands {
        stmt.execute(params![
            c.command_id,
            c.fingerprint,
            c.stream_id,
            c.first_position as i64,
            c.last_position as i64,
            to_micros(c.recorded_at),
        ])?;
    }
    Ok(())
}

pub(crate) fn load_head(conn: &Connection) -> Result<Head, StoreError> {
    let mut stmt = conn
        .prepare_cached(include_str!("sql/select_head.sql"))
        .map_err(sql_err)?;
    let head = stmt
        .query_row([], |row| {
            Ok(Head {
                position: row.get::<_, i64>(0)? as u64,
                hash: crate::reader::hash_col(row, 1)?,
                recorded_at_micros: row.get(2)?,
            })
        })
        .optional()
        .map_err(sql_err)?;
    Ok(head.unwrap_or(Head::EMPTY))
}
