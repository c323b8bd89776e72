//! disintegrate 4 with disintegrate-postgres 4 (PostgreSQL only: disintegrate
//! has no SQLite backend). Every command is a `Decision` made by a
//! `PgDecisionMaker` without snapshots: stream the events whose `pledge_id`
//! is the pledge's (the state query), fold them with `StateMutate`,
//! `process` decides, append in a SERIALIZABLE transaction that first checks
//! that no event of the query came after the version read.

use std::sync::Arc;

use async_trait::async_trait;
use disintegrate::serde::json::Json;
use disintegrate::{Decision, DecisionError, IdentifierType, NoSnapshot, StateMutate, StateQuery};
use disintegrate_postgres::{PgDecisionMaker, PgEventStore};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgConnectOptions;

use crate::ladder::{DomainEvent, LadderCommand, Pledge, PledgeEvent, Refused};
use crate::measure::{Outcome, Peer};

/// The state a decision reads: the events of one pledge, folded.
#[derive(Debug, Default, Clone, Serialize, Deserialize, StateQuery)]
#[state_query(PledgeEvent)]
pub struct PledgeState {
    #[id]
    pledge_id: String,
    pledge: Pledge,
}

impl StateMutate for PledgeState {
    fn mutate(&mut self, event: Self::Event) {
        self.pledge.apply(&DomainEvent::from(event));
    }
}

/// One ladder command as a decision.
struct PledgeDecision(LadderCommand);

/// Why a decision made no event.
#[derive(Debug)]
enum NotDecided {
    /// The rule refused the command.
    Refused(Refused),
    /// The state shows fewer of the pledge's events than the client has
    /// appended: the read stopped at an epoch held back by another open
    /// append, and the rule would refuse a valid command on it.
    StaleRead,
}

impl Decision for PledgeDecision {
    type Event = DomainEvent;
    type StateQuery = PledgeState;
    type Error = NotDecided;

    fn state_query(&self) -> Self::StateQuery {
        PledgeState {
            pledge_id: self.0.pledge_id.clone(),
            pledge: Pledge::default(),
        }
    }

    fn process(&self, state: &Self::StateQuery) -> Result<Vec<Self::Event>, Self::Error> {
        if state.pledge.events < self.0.appended {
            return Err(NotDecided::StaleRead);
        }
        let event = state.pledge.decide(&self.0).map_err(NotDecided::Refused)?;
        Ok(vec![event])
    }
}

/// The decision maker over one event store.
struct DisintegratePeer {
    decisions: PgDecisionMaker<DomainEvent, Json<DomainEvent>, NoSnapshot>,
}

#[async_trait]
impl Peer for DisintegratePeer {
    async fn execute(&self, command: &LadderCommand) -> Result<Outcome, String> {
        match self.decisions.make(PledgeDecision(command.clone())).await {
            Ok(_) => Ok(Outcome::Done),
            Err(DecisionError::Domain(NotDecided::StaleRead)) => Ok(Outcome::StaleRead),
            Err(DecisionError::Domain(NotDecided::Refused(refused))) => {
                Err(format!("refused: {refused}"))
            }
            Err(DecisionError::StateStore(e)) | Err(DecisionError::EventStore(e)) => {
                match e.downcast_ref::<disintegrate_postgres::Error>() {
                    Some(e) if is_conflict(e) => Ok(Outcome::Conflict),
                    _ => Err(e.to_string()),
                }
            }
        }
    }
}

/// The append's own optimistic check failed, or PostgreSQL aborted the
/// SERIALIZABLE transaction before its commit (SQLSTATE 40001, which
/// disintegrate maps to a conflict only at the commit itself).
fn is_conflict(e: &disintegrate_postgres::Error) -> bool {
    match e {
        disintegrate_postgres::Error::Concurrency => true,
        disintegrate_postgres::Error::Database(sqlx::Error::Database(db)) => {
            db.code().as_deref() == Some("40001")
        }
        _ => false,
    }
}

/// disintegrate-postgres's `event_store_begin_epoch()` as its
/// `fn_event_store_begin_epoch.sql` has it, but for the hexadecimal literal
/// `0xFFFFFFFF`, which PostgreSQL reads only from version 16 on: here
/// `4294967295`, the same bigint.
const BEGIN_EPOCH_BEFORE_16: &str = "
CREATE OR REPLACE FUNCTION event_store_begin_epoch()
RETURNS void AS $$
DECLARE
    id BIGINT;
    db_id INT;
BEGIN
    SELECT last_value INTO id FROM seq_event_event_id;
    SELECT oid INTO db_id FROM pg_database WHERE datname = current_database();

    PERFORM pg_try_advisory_xact_lock_shared(db_id, 0);
    PERFORM pg_try_advisory_xact_lock_shared(1, (id & 4294967295)::bit(32)::integer);
    PERFORM pg_try_advisory_xact_lock_shared(2, (id >> 32)::bit(32)::integer);
END;
$$ LANGUAGE plpgsql";

/// disintegrate-postgres in the (fresh) database of `options`, with a pool
/// of `connections`. From PostgreSQL 16 on, `PgEventStore::try_new` creates
/// its tables; before 16 its migration does not parse, and the peer makes
/// the same schema itself (`schema_before_16`).
pub async fn postgres(
    options: PgConnectOptions,
    connections: u32,
) -> Result<Arc<dyn Peer>, String> {
    let pool = crate::scratch::pool(options, connections, "disintegrate-postgres").await?;
    let version: String = sqlx::query_scalar("SHOW server_version_num")
        .fetch_one(&pool)
        .await
        .map_err(|e| e.to_string())?;
    let serde = Json::<DomainEvent>::default();
    let store = if version.parse::<u32>().unwrap_or(0) >= 160_000 {
        PgEventStore::try_new(pool, serde)
            .await
            .map_err(|e| format!("disintegrate-postgres event store: {e}"))?
    } else {
        eprintln!(
            "disintegrate-postgres: PostgreSQL {version} is before 16; its schema made by the peer, \
             with 4294967295 for 0xFFFFFFFF in event_store_begin_epoch()"
        );
        schema_before_16(&pool)
            .await
            .map_err(|e| format!("disintegrate-postgres schema: {e}"))?;
        PgEventStore::new_uninitialized(pool, serde)
    };
    Ok(Arc::new(DisintegratePeer {
        decisions: disintegrate_postgres::decision_maker(store, NoSnapshot),
    }))
}

/// What `Migrator::init_event_store` of disintegrate-postgres 4.0.1 runs
/// (its src/migrator.rs and src/event_store/sql/), in the same order: the
/// sequence, the `event` table, its index on `event_type`, the two epoch
/// functions, a column and a partial index per domain id (`pledge_id`).
async fn schema_before_16(pool: &sqlx::PgPool) -> Result<(), sqlx::Error> {
    let mut statements: Vec<String> = [
        "CREATE SEQUENCE IF NOT EXISTS seq_event_event_id",
        "CREATE TABLE IF NOT EXISTS event (
            event_id BIGINT PRIMARY KEY DEFAULT nextval('seq_event_event_id'),
            event_type VARCHAR(255),
            payload BYTEA,
            inserted_at TIMESTAMP DEFAULT now()
        )",
        "CREATE INDEX IF NOT EXISTS idx_event_type_btree ON event(event_type)",
        CURRENT_EPOCH,
        BEGIN_EPOCH_BEFORE_16,
    ]
    .map(String::from)
    .to_vec();
    for domain_id in <DomainEvent as disintegrate::Event>::SCHEMA.domain_ids {
        let column = domain_id.ident;
        let sql_type = match domain_id.type_info {
            IdentifierType::String => "TEXT",
            IdentifierType::i64 => "BIGINT",
            IdentifierType::Uuid => "UUID",
        };
        statements.push(format!(
            "ALTER TABLE event ADD COLUMN IF NOT EXISTS {column} {sql_type}"
        ));
        statements.push(format!(
            "CREATE INDEX IF NOT EXISTS idx_event_{column} ON event ({column}) WHERE {column} IS NOT NULL"
        ));
    }
    for statement in statements {
        sqlx::query(&statement).execute(pool).await?;
    }
    Ok(())
}

/// `event_store_current_epoch()` as disintegrate-postgres 4.0.1's
/// `fn_event_store_current_epoch.sql` has it (it parses on PostgreSQL 15).
const CURRENT_EPOCH: &str = "
CREATE OR REPLACE FUNCTION event_store_current_epoch()
RETURNS BIGINT AS $$
DECLARE
    persisted_event_id BIGINT;
    pending_event_id BIGINT;
    db_id INT;
BEGIN
    SELECT COALESCE(MAX(event_id), 0) INTO persisted_event_id FROM event;
    SELECT oid INTO db_id FROM pg_database WHERE datname = current_database();

    SELECT MIN((l3.objid::bigint << 32) + l2.objid::bigint)
    INTO pending_event_id
    FROM pg_locks l1
    INNER JOIN pg_locks l2 ON l1.pid = l2.pid
    INNER JOIN pg_locks l3 ON l1.pid = l3.pid
    WHERE
        l1.classid = db_id
        AND l2.classid = 1
        AND l3.classid = 2
        AND l1.locktype = 'advisory';

    RETURN LEAST(COALESCE(pending_event_id, persisted_event_id), persisted_event_id);
END;
$$ LANGUAGE plpgsql";
