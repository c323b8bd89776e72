//! Reading the ledger stream: pages of events by revision, the head, a
//! stream's events through the index, and catching the index up.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use fundtrail_store::{Direction, Head, RecordedEvent, StoreError};
use futures::{StreamExt, TryStreamExt};
use kurrentdb::StreamPosition;
use tokio::sync::{Mutex, watch};

use crate::client::StreamClient;
use crate::index::{LedgerIndex, runs};
use crate::mapping::{self, Decoded, Failure};

/// How often a request refused by a follower is sent again (the client
/// reconnects to the leader in between).
const NOT_LEADER_RETRIES: usize = 3;

/// How many runs of a stream's events are read at once.
const PARALLEL_RUNS: usize = 8;

/// What every part of one store shares: the ledger client, the ledger's
/// name, the index and the head notifications.
pub(crate) struct Shared {
    pub client: Arc<dyn StreamClient>,
    ledger: RwLock<Arc<str>>,
    pub index: RwLock<LedgerIndex>,
    /// When the last complete catch-up of the index started.
    caught_up: Mutex<Option<Instant>>,
    pub head_position: watch::Sender<u64>,
    pub read_page: usize,
}

impl Shared {
    pub(crate) fn new(client: Arc<dyn StreamClient>, ledger: &str, read_page: usize) -> Self {
        Shared {
            client,
            ledger: RwLock::new(Arc::from(ledger)),
            index: RwLock::new(LedgerIndex::default()),
            caught_up: Mutex::new(None),
            head_position: watch::channel(0).0,
            read_page: read_page.max(1),
        }
    }

    pub(crate) fn ledger(&self) -> Arc<str> {
        self.ledger.read().expect("ledger lock poisoned").clone()
    }

    /// Points the store at another ledger stream with an empty index (tests
    /// that rewrite a ledger).
    #[cfg(feature = "testing")]
    pub(crate) async fn switch_ledger(&self, ledger: &str) -> Result<(), StoreError> {
        let mut caught_up = self.caught_up.lock().await;
        *self.ledger.write().expect("ledger lock poisoned") = Arc::from(ledger);
        *self.index.write().expect("index lock poisoned") = LedgerIndex::default();
        *caught_up = None;
        drop(caught_up);
        refresh(self).await
    }

    /// Tells subscribers the ledger reaches `position`.
    pub(crate) fn notify(&self, position: u64) {
        self.head_position.send_if_modified(|current| {
            let newer = position > *current;
            if newer {
                *current = position;
            }
            newer
        });
    }
}

/// Ledger events from `start` (a revision, or the end), at most `count`.
/// A ledger that does not exist yet reads as empty.
pub(crate) async fn read_ledger(
    shared: &Shared,
    start: StreamPosition<u64>,
    backward: bool,
    count: usize,
) -> Result<Vec<Decoded>, StoreError> {
    let ledger = shared.ledger();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match shared.client.read(&ledger, start, backward, count).await {
            Err(Failure::NotLeader) if attempt <= NOT_LEADER_RETRIES => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(Failure::NoLedger) => return Ok(Vec::new()),
            Err(failure) => return Err(failure.into_store_error()),
            Ok(events) => return events.iter().map(mapping::decode).collect(),
        }
    }
}

/// Brings the index up to the ledger's end as KurrentDB's leader has it
/// now: everything acknowledged before this call is in the index after it.
/// Callers that arrive while a catch-up runs wait for it and, when a later
/// one has completed meanwhile, rely on it instead of reading again.
pub(crate) async fn refresh(shared: &Shared) -> Result<(), StoreError> {
    let asked = Instant::now();
    let mut caught_up = shared.caught_up.lock().await;
    if caught_up.is_some_and(|started| started > asked) {
        return Ok(());
    }
    let started = Instant::now();
    loop {
        let next = shared
            .index
            .read()
            .expect("index lock poisoned")
            .next_revision();
        let page = read_ledger(
            shared,
            StreamPosition::Position(next),
            false,
            shared.read_page,
        )
        .await?;
        let full = page.len() >= shared.read_page;
        let head = {
            let mut index = shared.index.write().expect("index lock poisoned");
            for decoded in &page {
                index.apply(decoded).map_err(StoreError::Corrupt)?;
            }
            index.head().position
        };
        shared.notify(head);
        if !full {
            break;
        }
    }
    *caught_up = Some(started);
    Ok(())
}

/// `read_all` over the ledger: position `p` is revision `p - 1`.
pub(crate) async fn read_all(
    shared: &Shared,
    from_position: u64,
    direction: Direction,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let backward = direction == Direction::Backward;
    let Some(start) = mapping::read_start(from_position, backward) else {
        return Ok(Vec::new());
    };
    let events = read_ledger(shared, start, backward, limit).await?;
    Ok(events.into_iter().map(|d| d.event).collect())
}

/// The last event's position and hash, as the ledger holds them.
pub(crate) async fn head(shared: &Shared) -> Result<Head, StoreError> {
    let last = read_ledger(shared, StreamPosition::End, true, 1).await?;
    Ok(last
        .first()
        .map_or(Head::EMPTY, |d| mapping::head_after(&d.event)))
}

/// A stream's events: their positions from the index (caught up first),
/// the events from the ledger, consecutive positions in one read.
pub(crate) async fn read_stream(
    shared: &Shared,
    stream_id: &str,
    from_version: u64,
    direction: Direction,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    if limit == 0 {
        return Ok(Vec::new());
    }
    refresh(shared).await?;
    let positions = shared
        .index
        .read()
        .expect("index lock poisoned")
        .stream_positions(stream_id, from_version, direction, limit);
    let mut ascending = positions.clone();
    ascending.sort_unstable();
    let pages: Vec<Vec<Decoded>> = futures::stream::iter(runs(&ascending))
        .map(|(first, length)| {
            read_ledger(shared, StreamPosition::Position(first - 1), false, length)
        })
        .buffered(PARALLEL_RUNS)
        .try_collect()
        .await?;
    let mut found: HashMap<u64, RecordedEvent> = pages
        .into_iter()
        .flatten()
        .map(|d| (mapping::position_of(d.revision), d.event))
        .collect();
    positions
        .iter()
        .map(|position| {
            found
                .remove(position)
                .filter(|event| event.stream_id == stream_id)
                .ok_or_else(|| {
                    StoreError::Corrupt(format!(
                        "the ledger no longer holds stream {stream_id}'s event at position {position}"
                    ))
                })
        })
        .collect()
}
