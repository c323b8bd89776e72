//! The store's client of the ledger stream: the three things it does with
//! it ([`StreamClient`]: append with an expected state, read by revision,
//! follow new revisions). [`KurrentClient`] does them with the `kurrentdb` client; with the `testing` feature,
//! `testing::MemoryLedger` models the same semantics in memory, so that the
//! store's own logic (planning, catching up, reading back, several
//! processes) is tested without a server.

use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use fundtrail_store::StoreError;
use futures::StreamExt;
use futures::stream::BoxStream;
use kurrentdb::{
    AppendToStreamOptions, Client, ClientSettings, EventData, ReadStreamOptions, StreamPosition,
    StreamState, SubscribeToStreamOptions,
};
use uuid::Uuid;

use crate::mapping::{self, Failure, LedgerData};

/// One event to append to the ledger.
#[derive(Debug, Clone)]
pub(crate) struct LedgerWrite {
    pub id: Uuid,
    pub event_type: String,
    pub data: LedgerData,
    pub metadata: Vec<u8>,
}

/// One event read from the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LedgerRead {
    pub revision: u64,
    pub id: Uuid,
    pub event_type: String,
    pub data: Vec<u8>,
    pub metadata: Vec<u8>,
}

#[async_trait]
pub(crate) trait StreamClient: Send + Sync {
    /// Appends all `events` to `stream` or none, if the stream is in the
    /// `expected` state (KurrentDB's optimistic concurrency).
    async fn append(
        &self,
        stream: &str,
        expected: StreamState,
        events: Vec<LedgerWrite>,
    ) -> Result<(), Failure>;

    /// At most `count` events from `start`, forward or backward, as the
    /// leader has them; `Failure::NoLedger` when the stream does not exist.
    async fn read(
        &self,
        stream: &str,
        start: StreamPosition<u64>,
        backward: bool,
        count: usize,
    ) -> Result<Vec<LedgerRead>, Failure>;

    /// The revisions appended to `stream` from now on; ends on an error.
    async fn follow(&self, stream: &str) -> BoxStream<'static, Result<u64, Failure>>;
}

/// The ledger through the `kurrentdb` client.
#[derive(Clone)]
pub(crate) struct KurrentClient {
    slot: Arc<ClientSlot>,
}

/// The client, made again when it has given up on its connection: after its
/// discovery attempts fail, a `kurrentdb::Client` answers every later call
/// with "connection closed", so a store that outlives a server restart needs
/// a new one.
struct ClientSlot {
    settings: ClientSettings,
    client: RwLock<Client>,
}

impl KurrentClient {
    pub(crate) fn new(settings: ClientSettings) -> Result<Self, StoreError> {
        let client = Client::new(settings.clone())
            .map_err(|e| StoreError::backend(format!("KurrentDB client: {e}")))?;
        Ok(KurrentClient {
            slot: Arc::new(ClientSlot {
                settings,
                client: RwLock::new(client),
            }),
        })
    }
}

impl ClientSlot {
    fn client(&self) -> Client {
        self.client.read().expect("client lock poisoned").clone()
    }

    /// Sorts a client error; a lost connection gets a new client for the
    /// next call.
    fn classify(&self, error: kurrentdb::Error) -> Failure {
        let failure = mapping::classify(error);
        if let Failure::ConnectionLost(e) = &failure {
            tracing::warn!(error = %e, "kurrentdb store: connection lost; a new client will connect");
            match Client::new(self.settings.clone()) {
                Ok(client) => *self.client.write().expect("client lock poisoned") = client,
                Err(e) => tracing::error!(error = %e, "kurrentdb store: no new client"),
            }
        }
        failure
    }
}

fn event_data(write: LedgerWrite) -> EventData {
    let data = match write.data {
        LedgerData::Json(raw) => EventData::json(&write.event_type, &raw)
            .expect("a raw JSON value serialises as its text"),
        LedgerData::Binary(bytes) => EventData::binary(&write.event_type, bytes.into()),
    };
    data.id(write.id).metadata(write.metadata.into())
}

#[async_trait]
impl StreamClient for KurrentClient {
    async fn append(
        &self,
        stream: &str,
        expected: StreamState,
        events: Vec<LedgerWrite>,
    ) -> Result<(), Failure> {
        let options = AppendToStreamOptions::default()
            .stream_state(expected)
            .requires_leader(true);
        let events: Vec<EventData> = events.into_iter().map(event_data).collect();
        self.slot
            .client()
            .append_to_stream(stream, &options, events)
            .await
            .map(|_| ())
            .map_err(|e| self.slot.classify(e))
    }

    async fn read(
        &self,
        stream: &str,
        start: StreamPosition<u64>,
        backward: bool,
        count: usize,
    ) -> Result<Vec<LedgerRead>, Failure> {
        if count == 0 {
            return Ok(Vec::new());
        }
        let options = ReadStreamOptions::default().requires_leader(true);
        let options = if backward {
            options.backwards()
        } else {
            options.forwards()
        }
        .position(start)
        .max_count(count);
        let mut read = self
            .slot
            .client()
            .read_stream(stream, &options)
            .await
            .map_err(|e| self.slot.classify(e))?;
        let mut events = Vec::new();
        while let Some(resolved) = read.next().await.map_err(|e| self.slot.classify(e))? {
            let recorded = resolved.get_original_event();
            events.push(LedgerRead {
                revision: recorded.revision,
                id: recorded.id,
                event_type: recorded.event_type.clone(),
                data: recorded.data.to_vec(),
                metadata: recorded.custom_metadata.to_vec(),
            });
        }
        Ok(events)
    }

    async fn follow(&self, stream: &str) -> BoxStream<'static, Result<u64, Failure>> {
        let options = SubscribeToStreamOptions::default().start_from(StreamPosition::End);
        let subscription = self
            .slot
            .client()
            .subscribe_to_stream(stream, &options)
            .await;
        let slot = self.slot.clone();
        futures::stream::unfold(Some(subscription), move |subscription| {
            let slot = slot.clone();
            async move {
                let mut subscription = subscription?;
                match subscription.next().await {
                    Ok(event) => {
                        Some((Ok(event.get_original_event().revision), Some(subscription)))
                    }
                    Err(e) => Some((Err(slot.classify(e)), None)),
                }
            }
        })
        .boxed()
    }
}
