//! Queries and row mapping.

use fundtrail_store::types::from_micros;
use fundtrail_store::{
    Direction, EventHash, EventMetadata, Head, RecordedCommand, RecordedEvent, StoreError,
};
use futures::TryStreamExt;
use sqlx::Row;
use sqlx::postgres::{PgPool, PgRow};

/// A driver error as the store's: the server out of reach (no connection,
/// a connection lost, the server shutting down or starting) is
/// [`StoreError::Unavailable`]; anything else is [`StoreError::Backend`].
pub(crate) fn pg_err(e: sqlx::Error) -> StoreError {
    if unreachable(&e) {
        StoreError::Unavailable(format!("postgres: {e}"))
    } else {
        StoreError::backend(format!("postgres: {e}"))
    }
}

/// Whether `e` says the server cannot be reached now, rather than that a
/// statement failed: I/O and TLS failures, the pool's timeout, and the
/// SQLSTATEs of class 08 (connection exception), 57P01-57P03 (shutting
/// down, crashed, starting up) and 53300 (too many connections).
fn unreachable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "53300")
        }),
        _ => false,
    }
}

fn clamp(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn hash(bytes: &[u8]) -> Result<EventHash, StoreError> {
    EventHash::from_slice(bytes).ok_or_else(|| {
        StoreError::Corrupt(format!("a stored hash has {} bytes, not 32", bytes.len()))
    })
}

/// Decodes by column index without checking the column types again on every
/// row: the columns are those of the `read_*` statements, in their order, and
/// their types are fixed by the migration.
pub(crate) fn event_from_row(row: &PgRow) -> Result<RecordedEvent, StoreError> {
    Ok(RecordedEvent {
        position: row.try_get_unchecked::<i64, _>(0).map_err(pg_err)? as u64,
        stream_id: row.try_get_unchecked(1).map_err(pg_err)?,
        version: row.try_get_unchecked::<i64, _>(2).map_err(pg_err)? as u64,
        event_id: row.try_get_unchecked(3).map_err(pg_err)?,
        event_type: row.try_get_unchecked(4).map_err(pg_err)?,
        schema_version: row.try_get_unchecked::<i32, _>(5).map_err(pg_err)? as u16,
        payload: row.try_get_unchecked(6).map_err(pg_err)?,
        recorded_at: from_micros(row.try_get_unchecked(7).map_err(pg_err)?),
        metadata: EventMetadata {
            actor: row.try_get_unchecked(8).map_err(pg_err)?,
            command_id: row.try_get_unchecked(9).map_err(pg_err)?,
            correlation_id: row.try_get_unchecked(10).map_err(pg_err)?,
            causation_id: row.try_get_unchecked(11).map_err(pg_err)?,
        },
        hash: hash(row.try_get_unchecked::<&[u8], _>(12).map_err(pg_err)?)?,
    })
}

/// Decodes rows as they arrive rather than holding the whole answer first.
async fn fetch_events(
    query: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    pool: &PgPool,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut rows = query.fetch(pool);
    let mut events = Vec::with_capacity(limit.min(10_000));
    while let Some(row) = rows.try_next().await.map_err(pg_err)? {
        events.push(event_from_row(&row)?);
    }
    Ok(events)
}

pub(crate) async fn read_all(
    pool: &PgPool,
    from_position: u64,
    direction: Direction,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let sql = match direction {
        Direction::Forward => include_str!("sql/read_all_forward.sql"),
        Direction::Backward => include_str!("sql/read_all_backward.sql"),
    };
    let query = sqlx::query(sql)
        .bind(clamp(from_position))
        .bind(clamp(limit as u64));
    fetch_events(query, pool, limit).await
}

pub(crate) async fn read_stream(
    pool: &PgPool,
    stream_id: &str,
    from_version: u64,
    direction: Direction,
    limit: usize,
) -> Result<Vec<RecordedEvent>, StoreError> {
    let sql = match direction {
        Direction::Forward => include_str!("sql/read_stream_forward.sql"),
        Direction::Backward => include_str!("sql/read_stream_backward.sql"),
    };
    let query = sqlx::query(sql)
        .bind(stream_id)
        .bind(clamp(from_version))
        .bind(clamp(limit as u64));
    fetch_events(query, pool, limit).await
}

pub(crate) async fn stream_version(pool: &PgPool, stream_id: &str) -> Result<u64, StoreError> {
    let version: i64 = sqlx::query_scalar(include_str!("sql/select_stream_version.sql"))
        .bind(stream_id)
        .fetch_one(pool)
        .await
        .map_err(pg_err)?;
    Ok(version as u64)
}

pub(crate) async fn head(pool: &PgPool) -> Result<Head, StoreError> {
    let row = sqlx::query(include_str!("sql/select_head.sql"))
        .fetch_one(pool)
        .await
        .map_err(pg_err)?;
    Ok(Head {
        position: row.try_get::<i64, _>(0).map_err(pg_err)? as u64,
        hash: hash(row.try_get::<&[u8], _>(1).map_err(pg_err)?)?,
        recorded_at_micros: row.try_get(2).map_err(pg_err)?,
    })
}

pub(crate) async fn find_command(
    pool: &PgPool,
    command_id: &str,
) -> Result<Option<RecordedCommand>, StoreError> {
    let row = sqlx::query(include_str!("sql/select_command.sql"))
        .bind(command_id)
        .fetch_optional(pool)
        .await
        .map_err(pg_err)?;
    row.map(|row| {
        Ok(RecordedCommand {
            command_id: row.try_get(0).map_err(pg_err)?,
            fingerprint: row.try_get(1).map_err(pg_err)?,
            stream_id: row.try_get(2).map_err(pg_err)?,
            first_position: row.try_get::<i64, _>(3).map_err(pg_err)? as u64,
            last_position: row.try_get::<i64, _>(4).map_err(pg_err)? as u64,
            recorded_at: from_micros(row.try_get(5).map_err(pg_err)?),
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_server_is_unavailable_and_a_failed_statement_is_not() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for unreachable in [sqlx::Error::Io(refused), sqlx::Error::PoolTimedOut] {
            assert!(
                matches!(pg_err(unreachable), StoreError::Unavailable(_)),
                "unavailable"
            );
        }
        for failed in [sqlx::Error::RowNotFound, sqlx::Error::PoolClosed] {
            assert!(matches!(pg_err(failed), StoreError::Backend(_)), "backend");
        }
    }
}
