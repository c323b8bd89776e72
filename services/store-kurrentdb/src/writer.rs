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
use fundtrail_store::writer_queue::{ByteBudget, GroupReceiver};
use fundtrail_store::{AppendOutcome, AppendRequest, RecordedCommand, StoreError};

use crate::client::LedgerWrite;
use crate::mapping::{self, Failure};
use crate::reader::{self, Shared};

/// Plans of one group before giving up (each failed one means that another
/// writer appended in between).
const MAX_ATTEMPTS: usize = 1_000;

/// What a ledger event costs besides its payload and type, roughly: the
/// metadata JSON and the request's framing.
const EVENT_OVERHEAD_BYTES: usize = 600;

pub(crate) struct Writer {
    pub shared: Arc<Shared>,
    /// Appends, taken in groups within [`group_budget`] and the
    /// `KurrentOptions::max_group_*` bounds.
    pub jobs: GroupReceiver,
    /// The index may be behind the ledger (another writer appended, or an
    /// append's outcome is unknown): catch it up before planning.
    pub stale: bool,
}

/// A group stays well below KurrentDB's maximum append size
/// (`MaxAppendSize`, 1 MiB by default): an append that would take it past
/// `max_bytes` (or past its event bound) starts the next group, alone when
/// it is larger than the budget.
pub(crate) fn group_budget(max_bytes: usize) -> ByteBudget {
    ByteBudget {
        max_bytes,
        size: request_bytes,
    }
}

fn request_bytes(request: &AppendRequest) -> usize {
    request
        .events
        .iter()
        .map(|e| event_bytes(&e.event_type, &e.payload))
        .sum()
}

/// What one ledger event costs in an append, roughly.
pub(crate) fn event_bytes(event_type: &str, payload: &str) -> usize {
    payload.len() + event_type.len() + EVENT_OVERHEAD_BYTES
}

impl Writer {
    pub(crate) async fn run(mut self) {
        while let Some(batch) = self.jobs.next().await {
            let group = batch.group;
            let written = self.write_group(group.requests()).await;
            if let Err(e) = &written {
                tracing::error!(error = %e, "kurrentdb store: group append failed");
                self.stale = true;
            }
            group.answer(written);
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
