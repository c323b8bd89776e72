//! Restoring a backup into the ledger stream: already-recorded events are
//! checked by `fundtrail_store::restore::check_batch` against the index
//! (caught up first) and appended as they were recorded, expecting the
//! ledger at the head they were checked after; another writer that appended
//! in between makes the append fail whole (`WrongExpectedVersion`).
//!
//! Two things differ from the other backends, both because KurrentDB cannot
//! change an event once written:
//! - A recorded command lives in the metadata of one of its events (the
//!   first, see `crate::mapping`). A command must therefore come with a
//!   batch that holds at least one of its events (a backup sends it with
//!   the batch of its last event); when the batch starts inside the
//!   command's events, its mark goes on the batch's first event and names
//!   the command's first position.
//! - One append carries at most KurrentDB's maximum append size (1 MiB by
//!   default): a batch larger than `KurrentOptions::max_group_bytes` is
//!   written in several appends, each all or nothing. A failure between two
//!   of them leaves the first ones written, as an interrupted restore leaves
//!   part of a backup in any backend: restore again into a new ledger stream.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use fundtrail_store::restore::{EventRestorer, batch_streams, check_batch};
use fundtrail_store::{Head, RecordedCommand, RecordedEvent, StoreError};

use crate::KurrentStore;
use crate::client::LedgerWrite;
use crate::mapping::{self, Failure};
use crate::reader::{self, Shared};
use crate::writer::event_bytes;

/// How often an append refused by a follower is sent again (the client
/// reconnects to the leader in between).
const NOT_LEADER_RETRIES: usize = 3;

#[async_trait]
impl EventRestorer for KurrentStore {
    async fn restore_batch(
        &self,
        events: &[RecordedEvent],
        commands: &[RecordedCommand],
    ) -> Result<Head, StoreError> {
        restore_batch(self.shared(), events, commands, self.max_append_bytes()).await
    }
}

fn refused(why: String) -> StoreError {
    StoreError::InvalidRequest(format!("restore: {why}"))
}

/// Checks and appends one batch of a backup; returns the new head.
async fn restore_batch(
    shared: &Shared,
    events: &[RecordedEvent],
    commands: &[RecordedCommand],
    max_append_bytes: usize,
) -> Result<Head, StoreError> {
    reader::refresh(shared).await?;
    let (head, mut versions) = {
        let index = shared.index.read().expect("index lock poisoned");
        if let Some(stored) = events.iter().find(|e| index.has_event(&e.event_id)) {
            return Err(refused(format!(
                "event id {} is already stored",
                stored.event_id
            )));
        }
        if let Some(stored) = commands
            .iter()
            .find(|c| index.command(&c.command_id).is_some())
        {
            return Err(refused(format!(
                "command {} is already stored",
                stored.command_id
            )));
        }
        let versions: HashMap<String, u64> = batch_streams(events)
            .into_iter()
            .map(|stream| {
                let version = index.stream_version(&stream);
                (stream, version)
            })
            .collect();
        (index.head(), versions)
    };
    let new_head = check_batch(head, events, commands, &mut versions)?;
    let marks = command_marks(events, commands)?;
    let mut after = head.position;
    for part in parts(events, max_append_bytes) {
        let writes: Vec<LedgerWrite> = part
            .iter()
            .map(|e| mapping::ledger_write(e, marks.get(&e.position).copied()))
            .collect();
        append(shared, after, writes).await?;
        after += part.len() as u64;
    }
    reader::refresh(shared).await.map_err(|e| {
        mapping::append_unknown(StoreError::backend(format!(
            "the restored events were acknowledged but could not be read back ({e})"
        )))
    })?;
    if !shared
        .index
        .read()
        .expect("index lock poisoned")
        .holds(events)
    {
        return Err(refused(
            "the ledger holds other events at the restored positions".into(),
        ));
    }
    Ok(new_head)
}

/// The event of the batch that carries each command: its first event, or
/// the batch's first when the command began in an earlier batch.
fn command_marks<'a>(
    events: &[RecordedEvent],
    commands: &'a [RecordedCommand],
) -> Result<HashMap<u64, &'a RecordedCommand>, StoreError> {
    let mut marks = HashMap::with_capacity(commands.len());
    let Some(first) = events.first() else {
        return match commands.first() {
            None => Ok(marks),
            Some(c) => Err(refused(format!(
                "command {} comes without events: KurrentDB keeps a command on one of its events",
                c.command_id
            ))),
        };
    };
    for command in commands {
        let at = command.first_position.max(first.position);
        let Some(event) = at
            .checked_sub(first.position)
            .and_then(|i| events.get(i as usize))
            .filter(|_| at <= command.last_position)
        else {
            return Err(refused(format!(
                "command {} (positions {}..={}) has no event in this batch: KurrentDB keeps a \
                 command on one of its events, so send it with the batch of its last event",
                command.command_id, command.first_position, command.last_position
            )));
        };
        if event.stream_id != command.stream_id || event.recorded_at != command.recorded_at {
            return Err(refused(format!(
                "command {} is not the command of the event at position {at} (another stream \
                 or time)",
                command.command_id
            )));
        }
        if marks.insert(at, command).is_some() {
            return Err(refused(format!(
                "two commands would be kept on the event at position {at}"
            )));
        }
    }
    Ok(marks)
}

/// The batch in runs of consecutive events of at most `max_bytes` each (an
/// event larger than that alone).
fn parts(events: &[RecordedEvent], max_bytes: usize) -> Vec<&[RecordedEvent]> {
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, event) in events.iter().enumerate() {
        let size = event_bytes(&event.event_type, &event.payload);
        if i > start && bytes + size > max_bytes {
            parts.push(&events[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < events.len() {
        parts.push(&events[start..]);
    }
    parts
}

/// Appends `writes` expecting the ledger at position `after`.
async fn append(shared: &Shared, after: u64, writes: Vec<LedgerWrite>) -> Result<(), StoreError> {
    let ledger = shared.ledger();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let appended = shared
            .client
            .append(&ledger, mapping::ledger_state(after), writes.clone())
            .await;
        match appended {
            Ok(()) => return Ok(()),
            Err(Failure::LedgerMoved { head }) => {
                return Err(refused(format!(
                    "another process appended to the ledger while a batch was restored (it is \
                     at position {head}, the batch continues position {after})"
                )));
            }
            Err(Failure::NotLeader) if attempt <= NOT_LEADER_RETRIES => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(failure) => return Err(mapping::append_unknown(failure.into_store_error())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fundtrail_store::types::from_micros;
    use fundtrail_store::{EventHash, EventMetadata};

    fn event(position: u64, stream: &str) -> RecordedEvent {
        RecordedEvent {
            position,
            stream_id: stream.into(),
            version: position,
            event_id: uuid::Uuid::from_u128(position as u128),
            event_type: "E".into(),
            schema_version: 1,
            payload: "{}".into(),
            metadata: EventMetadata::by("tester"),
            recorded_at: from_micros(7),
            hash: EventHash::ZERO,
        }
    }

    fn command(id: &str, first: u64, last: u64) -> RecordedCommand {
        RecordedCommand {
            command_id: id.into(),
            fingerprint: "f".into(),
            stream_id: "s".into(),
            first_position: first,
            last_position: last,
            recorded_at: from_micros(7),
        }
    }

    #[test]
    fn a_command_is_kept_on_its_first_event_in_the_batch() {
        let events: Vec<_> = (4..=8).map(|p| event(p, "s")).collect();
        let commands = [command("a", 2, 5), command("b", 6, 7)];
        let marks = command_marks(&events, &commands).unwrap();
        assert_eq!(marks[&4].command_id, "a");
        assert_eq!(marks[&6].command_id, "b");
        assert!(command_marks(&events, &[command("early", 1, 3)]).is_err());
        assert!(command_marks(&events, &[command("a", 2, 5), command("c", 3, 4)]).is_err());
        let other = [RecordedCommand {
            stream_id: "t".into(),
            ..command("a", 5, 5)
        }];
        assert!(command_marks(&events, &other).is_err());
        assert!(command_marks(&[], &commands).is_err());
    }

    #[test]
    fn a_large_batch_goes_in_parts_within_the_budget() {
        let events: Vec<_> = (1..=5).map(|p| event(p, "s")).collect();
        let one = event_bytes("E", "{}");
        let lengths = |max| {
            parts(&events, max)
                .iter()
                .map(|p| p.len())
                .collect::<Vec<_>>()
        };
        assert_eq!(lengths(one * 5), [5]);
        assert_eq!(lengths(one * 2), [2, 2, 1]);
        assert_eq!(lengths(1), [1, 1, 1, 1, 1]);
        assert!(parts(&[], 10).is_empty());
    }
}
