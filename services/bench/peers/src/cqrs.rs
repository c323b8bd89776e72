//! cqrs-es 0.5 with sqlite-es 0.5 (embedded) or postgres-es 0.5: the pledge
//! is an `Aggregate`; every command goes through `CqrsFramework::execute`
//! (load the aggregate's events, fold them with `apply`, `handle` decides,
//! commit the event at the next sequence: the primary key
//! `(aggregate_type, aggregate_id, sequence)` is the optimistic check). An
//! event store without snapshots and no queries.

use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use cqrs_es::event_sink::EventSink;
use cqrs_es::persist::{PersistedEventRepository, PersistedEventStore};
use cqrs_es::{Aggregate, AggregateError, CqrsFramework, DomainEvent as CqrsEvent};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::ladder::{DomainEvent, LadderCommand, Pledge, Refused};
use crate::measure::{Outcome, Peer};

/// The `events` table of sqlite-es (its migrations/20221114171845_init.sql;
/// the `snapshots` table is left out: no snapshots here).
const SQLITE_EVENTS: &str = "
CREATE TABLE events
(
  aggregate_type text                          NOT NULL,
  aggregate_id   text                          NOT NULL,
  sequence       integer CHECK (sequence >= 0) NOT NULL,
  event_type     text                          NOT NULL,
  event_version  text                          NOT NULL,
  payload        text                          NOT NULL,
  metadata       text                          NOT NULL,
  PRIMARY KEY (aggregate_type, aggregate_id, sequence)
) STRICT";

/// The `events` table of postgres-es (its db/init.sql, without snapshots).
const POSTGRES_EVENTS: &str = "
CREATE TABLE events
(
    aggregate_type text                         NOT NULL,
    aggregate_id   text                         NOT NULL,
    sequence       bigint CHECK (sequence >= 0) NOT NULL,
    event_type     text                         NOT NULL,
    event_version  text                         NOT NULL,
    payload        json                         NOT NULL,
    metadata       json                         NOT NULL,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence)
)";

/// The pledge as cqrs-es holds it between `apply`s.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PledgeAggregate {
    pledge: Pledge,
}

impl CqrsEvent for DomainEvent {
    fn event_type(&self) -> String {
        disintegrate::Event::name(self).to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

impl Aggregate for PledgeAggregate {
    const TYPE: &'static str = "Pledge";
    type Command = LadderCommand;
    type Event = DomainEvent;
    type Error = Refused;
    type Services = ();

    async fn handle(
        &mut self,
        command: Self::Command,
        _services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = self.pledge.decide(&command)?;
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        self.pledge.apply(&event);
    }
}

/// A `CqrsFramework` over one of the two repositories.
struct CqrsPeer<R: PersistedEventRepository> {
    cqrs: CqrsFramework<PledgeAggregate, PersistedEventStore<R, PledgeAggregate>>,
}

impl<R: PersistedEventRepository> CqrsPeer<R> {
    fn new(repository: R) -> Self {
        let store = PersistedEventStore::new_event_store(repository);
        Self {
            cqrs: CqrsFramework::new(store, vec![], ()),
        }
    }
}

#[async_trait]
impl<R: PersistedEventRepository + 'static> Peer for CqrsPeer<R> {
    async fn execute(&self, command: &LadderCommand) -> Result<Outcome, String> {
        match self.cqrs.execute(&command.pledge_id, command.clone()).await {
            Ok(()) => Ok(Outcome::Done),
            Err(AggregateError::AggregateConflict) => Ok(Outcome::Conflict),
            Err(AggregateError::UserError(refused)) => Err(format!("refused: {refused}")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// sqlite-es on a fresh file `path`, durable as fundtrail's embedded store
/// (WAL, `synchronous = FULL`), with a pool of `connections`.
pub async fn sqlite(path: &Path, connections: u32) -> Result<Arc<dyn Peer>, String> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .connect_with(options)
        .await
        .map_err(|e| format!("sqlite {}: {e}", path.display()))?;
    sqlx::query(SQLITE_EVENTS)
        .execute(&pool)
        .await
        .map_err(|e| format!("sqlite-es events table: {e}"))?;
    Ok(Arc::new(CqrsPeer::new(
        sqlite_es::SqliteEventRepository::new(pool),
    )))
}

/// postgres-es in the (fresh) database of `options`, with a pool of
/// `connections`.
pub async fn postgres(
    options: PgConnectOptions,
    connections: u32,
) -> Result<Arc<dyn Peer>, String> {
    let pool = crate::scratch::pool(options, connections, "postgres-es").await?;
    sqlx::query(POSTGRES_EVENTS)
        .execute(&pool)
        .await
        .map_err(|e| format!("postgres-es events table: {e}"))?;
    Ok(Arc::new(CqrsPeer::new(
        postgres_es::PostgresEventRepository::new(pool),
    )))
}
