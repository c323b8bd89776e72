//! The projection driver: folds the log into the read models, catching up
//! first, then live, and tells who waits (readiness, read-your-writes,
//! `fundingChanged`) how far it got.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use fundtrail_domain::events::{AnyEvent, DecodeError};
use fundtrail_projections::{ReadModel, decode_recorded};
use fundtrail_store::{EventStore, RecordedEvent, StoreError};
use futures::StreamExt;
use tokio::sync::{broadcast, watch};

use crate::snapshots::Snapshotter;
use crate::state::FundingChange;

/// Folds the log into the read models, catching up first, then live. Events
/// that are already available are applied under one lock, in chunks. With
/// snapshots on, one is taken every `every_events` events, and every `every`
/// when the models moved; but none while catching up to `catch_up_to` (the
/// head at start), and one as soon as that is reached: a snapshot serialises
/// the whole model, so a first start of 1M events that took one every 50,000
/// spent a third of its time writing twenty files it never read (issue #16).
pub(crate) async fn drive(
    store: Arc<dyn EventStore>,
    model: Arc<RwLock<ReadModel>>,
    applied: watch::Sender<u64>,
    funding_changes: broadcast::Sender<FundingChange>,
    snapshots: Option<Arc<Snapshotter>>,
    folded: Arc<AtomicU64>,
    catch_up_to: u64,
) {
    let mut backoff = Duration::from_millis(100);
    let period = snapshots
        .as_ref()
        .map_or(Duration::from_secs(3600), |s| s.config.every);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let from = model.read().map(|m| m.position()).unwrap_or(0) + 1;
        let mut events = store
            .subscribe_all(from)
            .ready_chunks(2_000)
            .map(decode_chunk)
            .buffered(2);
        loop {
            let chunk = tokio::select! {
                chunk = events.next() => match chunk {
                    Some(chunk) => chunk,
                    None => break,
                },
                _ = tick.tick(), if snapshots.is_some() => {
                    if let Some(s) = &snapshots {
                        let position = model.read().map(|m| m.position()).unwrap_or(0);
                        if position >= catch_up_to && s.due_by_time(position) {
                            s.take(&model, false).await;
                        }
                    }
                    continue;
                }
            };
            let mut last = None;
            let mut changes = Vec::new();
            let mut failure = None;
            let mut count = 0u64;
            {
                let mut m = model
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                for item in chunk {
                    match item {
                        Ok((recorded, decoded)) => match m.apply_decoded(&recorded, decoded) {
                            Ok(done) => {
                                count += u64::from(done.new);
                                if !done.funding_changed.is_empty() {
                                    changes.push(FundingChange {
                                        position: recorded.position,
                                        roadmaps: done.funding_changed,
                                    });
                                }
                            }
                            Err(e) => {
                                tracing::error!(position = recorded.position, error = %e, "event cannot be read; read models skip it")
                            }
                        },
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    }
                }
                last = last.max(Some(m.position()));
            }
            folded.fetch_add(count, Ordering::Relaxed);
            if let Some(position) = last {
                applied.send_if_modified(|current| {
                    let moved = position > *current;
                    *current = position.max(*current);
                    moved
                });
                if let Some(s) = &snapshots
                    && position >= catch_up_to
                    && s.due_by_count(position)
                {
                    s.take(&model, false).await;
                }
            }
            for change in changes {
                let _ = funding_changes.send(change);
            }
            if let Some(e) = failure {
                tracing::warn!(error = %e, "event subscription failed; resubscribing");
                break;
            }
            backoff = Duration::from_millis(100);
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// Events of one chunk with their decoded form, or the store's failure.
type Decoded = Vec<Result<(RecordedEvent, Result<AnyEvent, DecodeError>), StoreError>>;

/// Chunks at least this long are decoded on a blocking thread, while the
/// driver folds the chunk before (the catch-up at a first start: decoding
/// is a third of the fold's time, issue #16); shorter ones, the live
/// trickle, are decoded in place, without a thread hop before
/// read-your-writes.
const DECODE_APART: usize = 256;

fn decode_chunk(
    chunk: Vec<Result<RecordedEvent, StoreError>>,
) -> futures::future::BoxFuture<'static, Decoded> {
    fn decode(chunk: Vec<Result<RecordedEvent, StoreError>>) -> Decoded {
        chunk
            .into_iter()
            .map(|item| {
                item.map(|recorded| {
                    let decoded = decode_recorded(&recorded);
                    (recorded, decoded)
                })
            })
            .collect()
    }
    if chunk.len() < DECODE_APART {
        return Box::pin(futures::future::ready(decode(chunk)));
    }
    Box::pin(async move {
        // A panic while decoding is a bug; the driver then resubscribes
        // from where it is, as after a store failure.
        tokio::task::spawn_blocking(move || decode(chunk))
            .await
            .unwrap_or_else(|e| {
                vec![Err(StoreError::Corrupt(format!(
                    "decoding events failed: {e}"
                )))]
            })
    })
}
