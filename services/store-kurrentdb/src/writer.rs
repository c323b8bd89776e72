//! The writer task: group commit into the ledger stream.
//!
//! The task takes every append waiting at that moment, plans them
//! (`fundtrail_store::plan`) against the index at its head `H`, and appends
//! the planned events to the ledger in one request that expects the ledger
//! at revision `H - 1` (no stream when `H` is 0). KurrentDB writes the whole
//! request or nothing, and only if no other writer appended since: the
//! ledger's revision is the global position counter, and a writer in another
//! process that got there first makes this one fail with `WrongExpectedVersion`,
//! after which the index is caught up and the group planned again.
//!
//! After a successful append the index reads the new events back. They are
//! almost always the planned ones; when they are not (events with the same
//! ids were already there, which KurrentDB answers as an idempotent success
//! without writing), the group is planned again and those appends become
//! replays of what was stored.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use fundtrail_store::plan::{needs_full_facts, plan_batch};
use fundtrail_store::types::to_micros;
use fundtrail_store::{AppendOutcome, AppendRequest, RecordedCommand, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::client::LedgerWrite;
use crate::mapping::{self, Failure};
use crate::reader::{self, Shared};

pub(crate) struct Job {
    pub request: AppendRequest,
    pub reply: oneshot::Sender<Result<AppendOutcome, StoreError>>,
}

/// Plans of one group before giving up (each failed one means that another
/// writer appended in between).
const MAX_ATTEMPTS: usize = 1_000;

/// What a ledger event costs besides its payload and type, roughly: the
/// metadata JSON and the request's framing.
const EVENT_OVERHEAD_BYTES: usize = 600;

pub(crate) struct Writer {
    pub shared: Arc<Shared>,
    pub jobs: mpsc::UnboundedReceiver<Job>,
    pub max_group_requests: usize,
    pub max_group_events: usize,
    pub max_group_bytes: usize,
    /// The index may be behind the ledger (another writer appended, or an
    /// append's outcome is unknown): catch it up before planning.
    pub stale: bool,
}

fn request_bytes(request: &AppendRequest) -> usize {
    request
        .events
        .iter()
        .map(|e| e.payload.len() + e.event_type.len() + EVENT_OVERHEAD_BYTES)
        .sum()
}

impl Writer {
    pub(crate) async fn run(mut self) {
        while let Some(first) = self.jobs.recv().await {
            let mut events = first.request.events.len();
            let mut bytes = request_bytes(&first.request);
            let mut jobs = vec![first];
            // A group stays well below KurrentDB's maximum append size
            // (`MaxAppendSize`, 1 MiB by default): one request is sent alone
            // when it is larger than the group's budget.
            while jobs.len() < self.max_group_requests && events < self.max_group_events {
                match self.jobs.try_recv() {
                    Ok(job) => {
                        let more = request_bytes(&job.request);
                        if bytes + more > self.max_group_bytes
                            || events + job.request.events.len() > self.max_group_events
                        {
                            // Ends this group; it starts the next one.
                            self.write_and_reply(jobs).await;
                            events = 0;
                            bytes = 0;
                            jobs = Vec::new();
                        }
                        events += job.request.events.len();
                        bytes += more;
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.write_and_reply(jobs).await;
        }
    }

    async fn write_and_reply(&mut self, jobs: Vec<Job>) {
        if jobs.is_empty() {
            return;
        }
        let (requests, replies): (Vec<_>, Vec<_>) =
            jobs.into_iter().map(|j| (j.request, j.reply)).unzip();
        match self.write_group(&requests).await {
            Ok(outcomes) => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "kurrentdb store: group append failed");
                self.stale = true;
                for reply in replies {
                    let _ = reply.send(Err(e.clone()));
                }
            }
        }
    }

    async fn write_group(
        &mut self,
        requests: &[AppendRequest],
    ) -> Result<Vec<Result<AppendOutcome, StoreError>>, StoreError> {
        // Whether the index was caught up after this group arrived: until
        // then a refusal (conflict, reused id or command) may come from an
        // index that misses another writer's appends, as in ADR 004.
        let mut fresh = false;
        for _ in 0..MAX_ATTEMPTS {
            if self.stale {
                reader::refresh(&self.shared).await?;
                self.stale = false;
                fresh = true;
            }
            let (head, mut facts) = self
                .shared
                .index
                .read()
                .expect("index lock poisoned")
                .facts(requests);
            let plan = plan_batch(head, to_micros(chrono::Utc::now()), requests, &mut facts);
            if !fresh && needs_full_facts(&plan) {
                self.stale = true;
                continue;
            }
            if plan.events.is_empty() {
                return Ok(plan.outcomes);
            }
            let commands: HashMap<u64, &RecordedCommand> = plan
                .commands
                .iter()
                .map(|c| (c.first_position, c))
                .collect();
            let events: Vec<LedgerWrite> = plan
                .events
                .iter()
                .map(|e| mapping::ledger_write(e, commands.get(&e.position).copied()))
                .collect();
            let ledger = self.shared.ledger();
            let appended = self
                .shared
                .client
                .append(&ledger, mapping::ledger_state(head.position), events)
                .await;
            match appended {
                Ok(()) => {
                    // Read back what the ledger holds at the planned positions.
                    self.stale = true;
                    reader::refresh(&self.shared).await.map_err(|e| {
                        mapping::append_unknown(StoreError::backend(format!(
                            "the append was acknowledged but could not be read back ({e})"
                        )))
                    })?;
                    self.stale = false;
                    fresh = true;
                    if self
                        .shared
                        .index
                        .read()
                        .expect("index lock poisoned")
                        .holds(&plan.events)
                    {
                        return Ok(plan.outcomes);
                    }
                    tracing::debug!(
                        "kurrentdb store: the ledger already held these event ids; planning again"
                    );
                }
                Err(Failure::LedgerMoved { head: moved }) if moved < head.position => {
                    self.stale = true;
                    return Err(StoreError::Corrupt(format!(
                        "the ledger stream is at position {moved}, behind the {} this store \
                         has read: was it deleted or truncated?",
                        head.position
                    )));
                }
                Err(Failure::LedgerMoved { head: moved }) => {
                    tracing::debug!(
                        planned_after = head.position,
                        ledger_at = moved,
                        "kurrentdb store: another writer appended first; planning again"
                    );
                    self.stale = true;
                    tokio::task::yield_now().await;
                }
                Err(Failure::NotLeader) => {
                    // Refused without writing; the client reconnects to the leader.
                    self.stale = true;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(failure) => {
                    self.stale = true;
                    return Err(mapping::append_unknown(failure.into_store_error()));
                }
            }
        }
        Err(StoreError::backend(format!(
            "KurrentDB: other writers kept appending first; gave up after {MAX_ATTEMPTS} plans"
        )))
    }
}
