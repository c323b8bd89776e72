//! Restoring a backup into the embedded store: already-recorded events go
//! through the writer thread (the only one that writes), checked by
//! `fundtrail_store::restore::check_batch` and inserted unchanged.

use std::collections::HashMap;

use async_trait::async_trait;
use fundtrail_store::restore::{EventRestorer, batch_streams, check_batch};
use fundtrail_store::writer_queue::Job;
use fundtrail_store::{Head, RecordedCommand, RecordedEvent, StoreError};
use rusqlite::TransactionBehavior;
use tokio::sync::oneshot;

use crate::reader::{sql_err, stream_version};
use crate::store::SqliteStore;
use crate::writer::{Control, Writer, insert_commands, insert_events, load_head};

pub(crate) struct RestoreJob {
    pub events: Vec<RecordedEvent>,
    pub commands: Vec<RecordedCommand>,
    pub reply: oneshot::Sender<Result<Head, StoreError>>,
}

impl Writer {
    /// Runs on the writer thread, between two groups of appends.
    pub(crate) fn restore(&mut self, job: RestoreJob) {
        let result = self.write_restored(&job.events, &job.commands);
        if result.is_err() {
            // Nothing was committed; what the writer cached may be stale.
            self.versions().clear();
            if let Ok(head) = load_head(&self.conn) {
                self.head = head;
            }
        }
        let _ = job.reply.send(result);
    }

    fn write_restored(
        &mut self,
        events: &[RecordedEvent],
        commands: &[RecordedCommand],
    ) -> Result<Head, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        // The head as stored (the cached one is the same unless a previous
        // write failed, and this costs one indexed read per batch).
        let head = load_head(&tx)?;
        let mut versions = HashMap::new();
        for stream in batch_streams(events) {
            let version = stream_version(&tx, &stream)?;
            versions.insert(stream, version);
        }
        let new_head = check_batch(head, events, commands, &mut versions)?;
        insert_events(&tx, events)
            .and_then(|()| insert_commands(&tx, commands))
            .map_err(|e| {
                StoreError::InvalidRequest(format!(
                    "restore: the store refused the batch (an event id or command id already stored?): {e}"
                ))
            })?;
        tx.commit().map_err(sql_err)?;
        self.versions().extend(versions);
        self.head = new_head;
        *self.shared_head.lock().expect("head lock poisoned") = new_head;
        self.head_position.send_replace(new_head.position);
        Ok(new_head)
    }
}

#[async_trait]
impl EventRestorer for SqliteStore {
    async fn restore_batch(
        &self,
        events: &[RecordedEvent],
        commands: &[RecordedCommand],
    ) -> Result<Head, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.send_job(Job::Control(Control::Restore(Box::new(RestoreJob {
            events: events.to_vec(),
            commands: commands.to_vec(),
            reply,
        }))))?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}
