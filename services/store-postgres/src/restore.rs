//! Restoring a backup into PostgreSQL: already-recorded events are checked
//! by `fundtrail_store::restore::check_batch` against the stored head and
//! written by the same statement as appends (`sql/write_group.sql`: the head
//! moves with a compare-and-set, so a restore and an append cannot
//! interleave; subscribers in every process are notified as for an append).

use std::collections::HashMap;

use async_trait::async_trait;
use fundtrail_store::restore::{EventRestorer, batch_streams, check_batch};
use fundtrail_store::{Head, RecordedCommand, RecordedEvent, StoreError};

use crate::reader::{self, pg_err};
use crate::store::PostgresStore;
use crate::writer::{Written, write_statement};

#[async_trait]
impl EventRestorer for PostgresStore {
    async fn restore_batch(
        &self,
        events: &[RecordedEvent],
        commands: &[RecordedCommand],
    ) -> Result<Head, StoreError> {
        let head = reader::head(self.pool()).await?;
        let streams = batch_streams(events);
        let mut versions: HashMap<String, u64> = HashMap::with_capacity(streams.len());
        if !streams.is_empty() {
            let found: Vec<(String, i64)> =
                sqlx::query_as(include_str!("sql/select_stream_versions.sql"))
                    .bind(&streams)
                    .fetch_all(self.pool())
                    .await
                    .map_err(pg_err)?;
            versions.extend(found.into_iter().map(|(s, v)| (s, v as u64)));
        }
        let new_head = check_batch(head, events, commands, &mut versions)?;
        let mut conn = self.pool().acquire().await.map_err(pg_err)?;
        let written = write_statement(
            &mut conn,
            head.position,
            &new_head,
            events,
            commands,
            self.channel(),
        )
        .await?;
        match written {
            Written::Moved => Ok(new_head),
            Written::HeadMoved => Err(StoreError::InvalidRequest(format!(
                "restore: another process appended to the store while a batch was restored (the head left position {})",
                head.position
            ))),
            Written::Duplicate => Err(StoreError::InvalidRequest(
                "restore: the store refused the batch: an event id, command id or stream version is already stored"
                    .into(),
            )),
        }
    }
}
