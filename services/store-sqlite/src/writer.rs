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

use fundtrail_store::plan::{BatchKeys, KnownFacts, StoredEventRef, batch_keys, plan_batch};
use fundtrail_store::types::to_micros;
use fundtrail_store::{
    AppendOutcome, AppendRequest, Head, RecordedCommand, RecordedEvent, StoreError,
};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use tokio::sync::{oneshot, watch};

use crate::reader::{find_command, sql_err, stream_version};

pub(crate) enum Job {
    Append {
        request: Box<AppendRequest>,
        reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
    },
    Shutdown,
}

/// Bounds on one group.
pub(crate) struct GroupLimits {
    pub max_requests: usize,
    pub max_events: usize,
    /// Forget cached stream versions past this many streams.
    pub max_cached_streams: usize,
}

pub(crate) struct Writer {
    pub conn: Connection,
    pub jobs: Receiver<Job>,
    pub head: Head,
    pub shared_head: Arc<Mutex<Head>>,
    pub head_position: watch::Sender<u64>,
    pub limits: GroupLimits,
    /// Current version of recently written streams (the writer is the only one).
    pub stream_versions: HashMap<String, u64>,
}

type Reply = oneshot::Sender<Result<AppendOutcome, StoreError>>;

impl Writer {
    pub(crate) fn run(mut self) {
        while let Ok(first) = self.jobs.recv() {
            let mut requests = Vec::new();
            let mut replies: Vec<Reply> = Vec::new();
            let mut events = 0;
            let mut shutdown = false;
            let mut next = Some(first);
            while let Some(job) = next.take() {
                match job {
                    Job::Append { request, reply } => {
                        events += request.events.len();
                        requests.push(*request);
                        replies.push(reply);
                    }
                    Job::Shutdown => {
                        shutdown = true;
                        break;
                    }
                }
                if requests.len() >= self.limits.max_requests || events >= self.limits.max_events {
                    break;
                }
                next = self.jobs.try_recv().ok();
            }
            if !requests.is_empty() {
                self.commit_group(requests, replies);
            }
            if shutdown {
                break;
            }
        }
        tracing::debug!("embedded store writer stopped");
    }

    fn commit_group(&mut self, requests: Vec<AppendRequest>, replies: Vec<Reply>) {
        match self.write_group(&requests) {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                // Nothing of the group was committed: forget what we cached.
                tracing::error!(error = %e, "embedded store: group commit failed");
                self.stream_versions.clear();
                if let Ok(head) = load_head(&self.conn) {
                    self.head = head;
                }
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }

    fn write_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
        if self.stream_versions.len() > self.limits.max_cached_streams {
            self.stream_versions.clear();
        }
        let keys = batch_keys(requests);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        let mut facts = lookup_facts(&tx, &keys, &mut self.stream_versions)?;
        let now = to_micros(chrono::Utc::now());
        let plan = plan_batch(self.head, now, requests, &mut facts);
        if plan.events.is_empty() {
            // Only refusals and replays: nothing to write.
            drop(tx);
            return Ok(plan.outcomes);
        }
        insert_events(&tx, &plan.events)?;
        insert_commands(&tx, &plan.commands)?;
        tx.commit().map_err(sql_err)?;

        for stream in keys.streams {
            if let Some(version) = facts.stream_versions.remove(&stream) {
                self.stream_versions.insert(stream, version);
            }
        }
        self.head = plan.head;
        *self.shared_head.lock().expect("head lock poisoned") = plan.head;
        self.head_position.send_replace(plan.head.position);
        Ok(plan.outcomes)
    }
}

fn lookup_facts(
    conn: &Connection,
    keys: &BatchKeys,
    cache: &mut HashMap<String, u64>,
) -> Result<KnownFacts, StoreError> {
    let mut facts = KnownFacts::default();
    for stream in &keys.streams {
        let version = match cache.get(stream) {
            Some(v) => *v,
            None => {
                let v = stream_version(conn, stream)?;
                cache.insert(stream.clone(), v);
                v
            }
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

fn insert_events(conn: &Connection, events: &[RecordedEvent]) -> Result<(), StoreError> {
    let mut stmt = conn
        .prepare_cached(include_str!("sql/insert_event.sql"))
        .map_err(sql_err)?;
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
        ])
        .map_err(sql_err)?;
    }
    Ok(())
}

fn insert_commands(conn: &Connection, commands: &[RecordedCommand]) -> Result<(), StoreError> {
    if commands.is_empty() {
        return Ok(());
    }
    let mut stmt = conn
        .prepare_cached(include_str!("sql/insert_command.sql"))
        .map_err(sql_err)?;
    for c in commands {
        stmt.execute(params![
            c.command_id,
            c.fingerprint,
            c.stream_id,
            c.first_position as i64,
            c.last_position as i64,
            to_micros(c.recorded_at),
        ])
        .map_err(sql_err)?;
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
