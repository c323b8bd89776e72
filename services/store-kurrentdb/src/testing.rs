//! Test support (feature `testing`):
//! - the test server from `FUNDTRAIL_TEST_KURRENTDB_URL` and a ledger stream
//!   of its own per test;
//! - [`MemoryLedger`], an in-memory model of what the store relies on from a
//!   KurrentDB stream, so that the store's own logic runs the conformance
//!   suite everywhere;
//! - [`rewrite_ledger`], for the cases that tamper with storage.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use fundtrail_store::StoreError;
use futures::StreamExt;
use futures::stream::BoxStream;
use kurrentdb::{StreamPosition, StreamState};
use tokio::sync::broadcast;

use crate::client::{LedgerRead, LedgerWrite, StreamClient};
use crate::mapping::{Failure, LedgerData, position_of};
use crate::{KurrentOptions, KurrentStore};

/// The environment variable that names the test server.
pub const URL_VARIABLE: &str = "FUNDTRAIL_TEST_KURRENTDB_URL";

/// The test server's connection string, when one is set.
pub fn url() -> Option<String> {
    std::env::var(URL_VARIABLE).ok().filter(|u| !u.is_empty())
}

/// A ledger stream name no other test uses.
pub fn fresh_ledger() -> String {
    format!("fundtrail-test-{}", uuid::Uuid::new_v4().simple())
}

/// KurrentDB streams as the store uses them, in memory, shared by every
/// store connected to it (several "processes"):
/// - an append with an expected state writes all its events or none; a
///   mismatch is `WrongExpectedVersion` with the stream's current revision;
/// - an append whose event ids already follow the expected revision, in
///   order, is an idempotent success that writes nothing;
/// - reads by revision, forward or backward (a backward read from past the
///   end starts at the end); a stream without events does not exist;
/// - following a stream yields the revisions appended after.
#[derive(Clone, Default)]
pub struct MemoryLedger {
    inner: Arc<Model>,
}

#[derive(Default)]
struct Model {
    streams: Mutex<HashMap<String, Vec<LedgerRead>>>,
    appended: Mutex<Option<broadcast::Sender<(String, u64)>>>,
    /// Appends still to write but answer with an error (a lost answer).
    lose_answers: Mutex<usize>,
}

impl MemoryLedger {
    pub fn new() -> Self {
        MemoryLedger::default()
    }

    /// A store on this model, as `KurrentStore::connect` makes one on a server.
    pub async fn connect(&self, options: KurrentOptions) -> Result<KurrentStore, StoreError> {
        KurrentStore::start(Arc::new(self.clone()), options).await
    }

    /// The next append is written, but its caller gets an error, as when a
    /// connection drops before the answer arrives.
    pub fn lose_next_answer(&self) {
        *self.inner.lose_answers.lock().unwrap() += 1;
    }

    /// How many events `stream` holds.
    pub fn events_in(&self, stream: &str) -> usize {
        self.inner
            .streams
            .lock()
            .unwrap()
            .get(stream)
            .map_or(0, Vec::len)
    }

    fn sender(&self) -> broadcast::Sender<(String, u64)> {
        self.inner
            .appended
            .lock()
            .unwrap()
            .get_or_insert_with(|| broadcast::channel(4_096).0)
            .clone()
    }
}

#[async_trait]
impl StreamClient for MemoryLedger {
    async fn append(
        &self,
        stream: &str,
        expected: StreamState,
        events: Vec<LedgerWrite>,
    ) -> Result<(), Failure> {
        let first = {
            let mut streams = self.inner.streams.lock().unwrap();
            let stored = streams.entry(stream.to_owned()).or_default();
            let current = stored.len() as u64;
            let after = match expected {
                StreamState::Any => Some(current),
                StreamState::NoStream => Some(0),
                StreamState::StreamExists => (current > 0).then_some(current),
                StreamState::StreamRevision(r) => Some(r + 1),
            };
            if after != Some(current) {
                let from = after.unwrap_or(current) as usize;
                let idempotent = from + events.len() <= stored.len()
                    && events
                        .iter()
                        .zip(&stored[from..])
                        .all(|(new, old)| new.id == old.id);
                if idempotent {
                    return Ok(());
                }
                return Err(Failure::LedgerMoved { head: current });
            }
            for (offset, event) in events.into_iter().enumerate() {
                stored.push(LedgerRead {
                    revision: current + offset as u64,
                    id: event.id,
                    event_type: event.event_type,
                    data: event.data.bytes().to_vec(),
                    metadata: event.metadata,
                });
            }
            current
        };
        let last = self.events_in(stream) as u64;
        let sender = self.sender();
        for revision in first..last {
            let _ = sender.send((stream.to_owned(), revision));
        }
        let mut lose = self.inner.lose_answers.lock().unwrap();
        if *lose > 0 {
            *lose -= 1;
            return Err(Failure::Other(StoreError::backend(
                "KurrentDB did not answer before the deadline",
            )));
        }
        Ok(())
    }

    async fn read(
        &self,
        stream: &str,
        start: StreamPosition<u64>,
        backward: bool,
        count: usize,
    ) -> Result<Vec<LedgerRead>, Failure> {
        let streams = self.inner.streams.lock().unwrap();
        let stored = match streams.get(stream) {
            Some(stored) if !stored.is_empty() => stored,
            _ => return Err(Failure::NoLedger),
        };
        let len = stored.len() as u64;
        let events = if backward {
            let from = match start {
                StreamPosition::Start => 0,
                StreamPosition::End => len - 1,
                StreamPosition::Position(r) => r.min(len - 1),
            };
            stored[..=from as usize]
                .iter()
                .rev()
                .take(count)
                .cloned()
                .collect()
        } else {
            let from = match start {
                StreamPosition::Start => 0,
                StreamPosition::End => len,
                StreamPosition::Position(r) => r.min(len),
            };
            stored[from as usize..]
                .iter()
                .take(count)
                .cloned()
                .collect()
        };
        Ok(events)
    }

    async fn follow(&self, stream: &str) -> BoxStream<'static, Result<u64, Failure>> {
        let stream = stream.to_owned();
        let receiver = self.sender().subscribe();
        futures::stream::unfold(receiver, move |mut receiver| {
            let stream = stream.clone();
            async move {
                loop {
                    match receiver.recv().await {
                        Ok((name, revision)) if name == stream => {
                            return Some((Ok(revision), receiver));
                        }
                        Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => continue,
                        Err(broadcast::error::RecvError::Closed) => return None,
                    }
                }
            }
        })
        .boxed()
    }
}

/// Rewrites the store's ledger behind its back, the only way a client can:
/// KurrentDB cannot alter or remove one event of a stream, so the ledger is
/// copied to a new stream, giving `edit` each event's position and payload
/// (return `false` to leave the event out), and the store (all its clones)
/// is pointed at the copy, as if an operator had restored a doctored backup.
/// Returns the copy's name.
pub async fn rewrite_ledger(
    store: &KurrentStore,
    mut edit: impl FnMut(u64, &mut Vec<u8>) -> bool,
) -> Result<String, StoreError> {
    let shared = store.shared();
    let from = shared.ledger();
    let to = format!("{from}-r{}", uuid::Uuid::new_v4().simple());
    let stored = shared
        .client
        .read(&from, StreamPosition::Start, false, usize::MAX)
        .await
        .map_err(Failure::into_store_error)?;
    let mut copy = Vec::new();
    for mut event in stored {
        if edit(position_of(event.revision), &mut event.data) {
            copy.push(LedgerWrite {
                id: event.id,
                event_type: event.event_type,
                data: LedgerData::Binary(event.data),
                metadata: event.metadata,
            });
        }
    }
    shared
        .client
        .append(&to, StreamState::NoStream, copy)
        .await
        .map_err(Failure::into_store_error)?;
    shared.switch_ledger(&to).await?;
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn writes(ids: &[u128]) -> Vec<LedgerWrite> {
        ids.iter()
            .map(|&id| LedgerWrite {
                id: uuid::Uuid::from_u128(id),
                event_type: "E".into(),
                data: LedgerData::Binary(id.to_string().into_bytes()),
                metadata: b"{}".to_vec(),
            })
            .collect()
    }

    fn ids(read: &[LedgerRead]) -> Vec<u128> {
        read.iter().map(|e| e.id.as_u128()).collect()
    }

    #[tokio::test]
    async fn the_model_keeps_kurrentdb_s_stream_rules() {
        let ledger = MemoryLedger::new();
        let s = "s";
        assert_eq!(
            ledger.read(s, StreamPosition::Start, false, 10).await,
            Err(Failure::NoLedger)
        );
        ledger
            .append(s, StreamState::NoStream, writes(&[1, 2]))
            .await
            .unwrap();
        // Expected revision: the last event's (0-based).
        assert_eq!(
            ledger
                .append(s, StreamState::StreamRevision(0), writes(&[3]))
                .await,
            Err(Failure::LedgerMoved { head: 2 })
        );
        assert_eq!(
            ledger.append(s, StreamState::NoStream, writes(&[3])).await,
            Err(Failure::LedgerMoved { head: 2 })
        );
        ledger
            .append(s, StreamState::StreamRevision(1), writes(&[3, 4]))
            .await
            .unwrap();
        // The same ids after the same expected revision: idempotent, nothing written.
        ledger
            .append(s, StreamState::StreamRevision(1), writes(&[3, 4]))
            .await
            .unwrap();
        ledger
            .append(s, StreamState::NoStream, writes(&[1, 2]))
            .await
            .unwrap();
        assert_eq!(ledger.events_in(s), 4);
        // Other ids, or only part of them in another order: refused.
        assert!(
            ledger
                .append(s, StreamState::StreamRevision(1), writes(&[4, 3]))
                .await
                .is_err()
        );
        assert!(
            ledger
                .append(s, StreamState::StreamRevision(1), writes(&[3, 4, 5]))
                .await
                .is_err()
        );

        let read = |start, backward, count| ledger.read(s, start, backward, count);
        use StreamPosition::{End, Position, Start};
        assert_eq!(ids(&read(Start, false, 10).await.unwrap()), [1, 2, 3, 4]);
        assert_eq!(ids(&read(Position(1), false, 2).await.unwrap()), [2, 3]);
        assert!(read(Position(9), false, 2).await.unwrap().is_empty());
        assert_eq!(ids(&read(End, true, 2).await.unwrap()), [4, 3]);
        assert_eq!(ids(&read(Position(50), true, 2).await.unwrap()), [4, 3]);
        assert_eq!(ids(&read(Position(1), true, 10).await.unwrap()), [2, 1]);
        assert_eq!(read(Start, false, 10).await.unwrap()[2].revision, 2);
    }

    #[tokio::test]
    async fn the_model_follows_appends_and_can_lose_an_answer() {
        let ledger = MemoryLedger::new();
        let mut follow = ledger.follow("s").await;
        ledger.lose_next_answer();
        assert!(matches!(
            ledger
                .append("s", StreamState::NoStream, writes(&[1, 2]))
                .await,
            Err(Failure::Other(StoreError::Backend(_)))
        ));
        assert_eq!(ledger.events_in("s"), 2, "written all the same");
        ledger
            .append("other", StreamState::NoStream, writes(&[9]))
            .await
            .unwrap();
        ledger
            .append("s", StreamState::StreamRevision(1), writes(&[3]))
            .await
            .unwrap();
        let mut seen = Vec::new();
        for _ in 0..3 {
            seen.push(follow.next().await.unwrap().unwrap());
        }
        assert_eq!(seen, [0, 1, 2]);
    }
}
