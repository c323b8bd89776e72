//! The backup file: the whole event log as NDJSON, one JSON object a line,
//! gzip-compressed by `fundtrail backup` (see docs/operations.md).
//!
//! ```text
//! {"header":{"format":"fundtrail-backup","formatVersion":1,"events":106,"headHash":"…","headRecordedAt":"…"}}
//! {"event":{"position":1,"stream":"organisation-ilo","version":1,"eventId":"…","type":"OrganisationRegistered","schemaVersion":1,"data":{…},"metadata":{"actor":"import:civ-2023.yaml","commandId":"…","recordedAt":"2026-05-01T09:00:00.123456Z"},"hash":"…","prevHash":"000…"}}
//! {"command":{"commandId":"…","fingerprint":"…","stream":"organisation-ilo","firstPosition":1,"lastPosition":1,"recordedAt":"…"}}
//! …
//! {"end":{"events":106,"commands":80,"headHash":"…"}}
//! ```
//!
//! - Events in position order, 1 to the head read when the backup started
//!   (positions have no gaps, so that head is a consistent cut even while a
//!   server appends). Each carries its hash and the previous one's: the file
//!   can be checked without a store.
//! - `data` is the stored payload byte for byte (the hash covers it). A
//!   payload that cannot sit on one line as it is (a line break or edge
//!   whitespace in it) is written as the JSON string `dataText` instead.
//! - A `command` line (the record of a client `commandId`, kept so that a
//!   retry after a restore is still recognised) follows the last event of
//!   its command.
//! - The `end` line says the file is whole; without it a restore refuses.
//! - Nothing in the file depends on when or from which backend it was taken:
//!   two backups of the same ledger are the same bytes.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, Write};

use crate::hash::expected_hash;
use crate::restore::EventRestorer;
use crate::{
    Direction, EventHash, EventMetadata, EventReader, EventStore, Head, RecordedCommand,
    RecordedEvent, StoreError, VerifyReport,
};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use uuid::Uuid;

pub const FORMAT: &str = "fundtrail-backup";
pub const FORMAT_VERSION: u32 = 1;

/// Events read from the store per page while backing up.
const READ_PAGE: usize = 5_000;
/// Command records looked up at once while backing up.
const COMMAND_LOOKUPS: usize = 16;
/// Events written to the store per transaction while restoring.
const RESTORE_BATCH: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("line {line} of the backup: {why}")]
    Format { line: u64, why: String },
    #[error("the hash chain is broken at position {position}: {why}")]
    Broken { position: u64, why: String },
    #[error(
        "the target store is not empty (its log ends at position {position}) and does not hold the beginning of this backup: restore only into an empty store (a new --data-dir, or an empty PostgreSQL schema), or into the store an interrupted restore of this same backup left"
    )]
    NotEmpty { position: u64 },
    #[error(
        "the target store is not empty: it already holds this whole backup (its log ends at position {position} with the backup's head hash); nothing to restore"
    )]
    AlreadyRestored { position: u64 },
    #[error("the backup is incomplete: {0}")]
    Truncated(String),
    #[error("the restored ledger does not verify: {0}")]
    NotVerified(String),
}

fn format_err(line: u64, why: impl Into<String>) -> BackupError {
    BackupError::Format {
        line,
        why: why.into(),
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
enum Line<'a> {
    Header(Header),
    Event(#[serde(borrow)] EventLine<'a>),
    Command(CommandLine),
    End(End),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Header {
    pub format: String,
    pub format_version: u32,
    /// Events in the file: the head's position.
    pub events: u64,
    pub head_hash: String,
    /// When the last event was recorded (absent for an empty ledger).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_recorded_at: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventLine<'a> {
    position: u64,
    stream: String,
    version: u64,
    event_id: Uuid,
    #[serde(rename = "type")]
    event_type: String,
    schema_version: u16,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    data: Option<&'a RawValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_text: Option<String>,
    metadata: MetadataLine,
    hash: String,
    prev_hash: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct MetadataLine {
    actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    correlation_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    causation_id: Option<Uuid>,
    recorded_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CommandLine {
    command_id: String,
    fingerprint: String,
    stream: String,
    first_position: u64,
    last_position: u64,
    recorded_at: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct End {
    events: u64,
    commands: u64,
    head_hash: String,
}

/// RFC 3339 with the microseconds every backend keeps.
fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The payload as it may sit on one NDJSON line unchanged.
fn inline_payload(payload: &str) -> Option<&RawValue> {
    if payload.contains(['\n', '\r']) || payload.trim() != payload {
        return None;
    }
    let raw: &RawValue = serde_json::from_str(payload).ok()?;
    (raw.get() == payload).then_some(raw)
}

fn event_line<'a>(event: &'a RecordedEvent, previous: &EventHash) -> EventLine<'a> {
    let data = inline_payload(&event.payload);
    EventLine {
        position: event.position,
        stream: event.stream_id.clone(),
        version: event.version,
        event_id: event.event_id,
        event_type: event.event_type.clone(),
        schema_version: event.schema_version,
        data_text: data.is_none().then(|| event.payload.clone()),
        data,
        metadata: MetadataLine {
            actor: event.metadata.actor.clone(),
            command_id: event.metadata.command_id.clone(),
            correlation_id: event.metadata.correlation_id,
            causation_id: event.metadata.causation_id,
            recorded_at: time_text(event.recorded_at),
        },
        hash: event.hash.to_hex(),
        prev_hash: previous.to_hex(),
    }
}

fn write_line(out: &mut impl Write, line: &Line<'_>) -> Result<(), BackupError> {
    serde_json::to_writer(&mut *out, line).map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub events: u64,
    pub commands: u64,
    pub head: Head,
}

/// Writes the log of `reader` up to its current head to `out` as NDJSON
/// (uncompressed: the caller wraps `out`). `progress(done, total)` is called
/// after every page. Fails on a gap or a broken hash chain.
pub async fn write_backup<R: EventReader + ?Sized>(
    reader: &R,
    out: &mut impl Write,
    mut progress: impl FnMut(u64, u64),
) -> Result<BackupSummary, BackupError> {
    // The cut: everything up to the head as it is now.
    let head = reader.head().await?;
    write_line(
        out,
        &Line::Header(Header {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            events: head.position,
            head_hash: head.hash.to_hex(),
            head_recorded_at: (head.position > 0)
                .then(|| time_text(crate::types::from_micros(head.recorded_at_micros))),
        }),
    )?;
    progress(0, head.position);
    let mut previous = EventHash::ZERO;
    let mut next = 1u64;
    let mut commands = 0u64;
    while next <= head.position {
        let want = READ_PAGE.min((head.position - next + 1) as usize);
        let page = reader.read_all(next, Direction::Forward, want).await?;
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            return Err(BackupError::Broken {
                position: next,
                why: "the store has no event there".into(),
            });
        };
        let range = first.position..=last.position.min(head.position);
        // The commands the page's events name whose last event is in this
        // page go right after that event.
        // (Looked up a few at a time: with a server store each is a round trip.)
        let mut asked = HashSet::new();
        let ids: Vec<&str> = page
            .iter()
            .filter_map(|e| e.metadata.command_id.as_deref())
            .filter(|id| asked.insert(*id))
            .collect();
        let found: Vec<Option<RecordedCommand>> = futures::stream::iter(ids)
            .map(|id| reader.find_command(id))
            .buffered(COMMAND_LOOKUPS)
            .try_collect()
            .await?;
        let mut by_last: BTreeMap<u64, Vec<RecordedCommand>> = BTreeMap::new();
        for command in found.into_iter().flatten() {
            if range.contains(&command.last_position) {
                by_last
                    .entry(command.last_position)
                    .or_default()
                    .push(command);
            }
        }
        for event in &page {
            if event.position != next {
                return Err(BackupError::Broken {
                    position: next,
                    why: "the store has no event there".into(),
                });
            }
            if expected_hash(&previous, event) != event.hash {
                return Err(BackupError::Broken {
                    position: next,
                    why:
                        "the stored event does not hash to its stored hash (run `fundtrail verify`)"
                            .into(),
                });
            }
            write_line(out, &Line::Event(event_line(event, &previous)))?;
            if let Some(mut found) = by_last.remove(&event.position) {
                found.sort_by(|a, b| a.command_id.cmp(&b.command_id));
                for c in found {
                    commands += 1;
                    write_line(
                        out,
                        &Line::Command(CommandLine {
                            command_id: c.command_id,
                            fingerprint: c.fingerprint,
                            stream: c.stream_id,
                            first_position: c.first_position,
                            last_position: c.last_position,
                            recorded_at: time_text(c.recorded_at),
                        }),
                    )?;
                }
            }
            previous = event.hash;
            next += 1;
        }
        progress(next - 1, head.position);
    }
    if previous != head.hash {
        return Err(BackupError::Broken {
            position: head.position,
            why: "the last event's hash is not the head's".into(),
        });
    }
    write_line(
        out,
        &Line::End(End {
            events: head.position,
            commands,
            head_hash: head.hash.to_hex(),
        }),
    )?;
    out.flush()?;
    Ok(BackupSummary {
        events: head.position,
        commands,
        head,
    })
}

/// Reads the header line of a backup (after decompression).
pub fn read_header(input: &mut impl BufRead) -> Result<Header, BackupError> {
    let mut text = String::new();
    if input.read_line(&mut text)? == 0 {
        return Err(BackupError::Truncated("the file is empty".into()));
    }
    let header = match serde_json::from_str::<Line<'_>>(&text) {
        Ok(Line::Header(header)) => header,
        Ok(_) => return Err(format_err(1, "the first line is not the header")),
        Err(e) => return Err(format_err(1, format!("not a fundtrail backup header: {e}"))),
    };
    if header.format != FORMAT {
        return Err(format_err(
            1,
            format!("format {:?}, not {FORMAT}", header.format),
        ));
    }
    if header.format_version != FORMAT_VERSION {
        return Err(format_err(
            1,
            format!(
                "format version {} (this fundtrail reads version {FORMAT_VERSION}: restore with a newer fundtrail)",
                header.format_version
            ),
        ));
    }
    Ok(header)
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreSummary {
    pub events: u64,
    pub commands: u64,
    /// The position an interrupted restore had reached (0: a fresh restore).
    pub resumed_after: u64,
    pub head: Head,
    pub verify: VerifyReport,
}

/// Checks a backup's lines as it reads them and hands them over in batches.
struct Restoring {
    header: Header,
    previous: EventHash,
    next: u64,
    commands: u64,
    events: Vec<RecordedEvent>,
    pending_commands: Vec<RecordedCommand>,
    ended: bool,
}

impl Restoring {
    fn new(header: Header) -> Self {
        Restoring {
            header,
            previous: EventHash::ZERO,
            next: 1,
            commands: 0,
            events: Vec::with_capacity(RESTORE_BATCH),
            pending_commands: Vec::new(),
            ended: false,
        }
    }

    /// The file must have ended with its end line.
    fn finish(&self) -> Result<(), BackupError> {
        if self.ended {
            Ok(())
        } else {
            Err(BackupError::Truncated(format!(
                "no end line after {} events of {}: the file was cut short",
                self.next - 1,
                self.header.events
            )))
        }
    }

    /// Checks one line; an event is returned for the caller to batch.
    fn take_line(&mut self, number: u64, text: &str) -> Result<Option<RecordedEvent>, BackupError> {
        if self.ended {
            return Err(format_err(number, "a line after the end line"));
        }
        let line: Line<'_> =
            serde_json::from_str(text).map_err(|e| format_err(number, e.to_string()))?;
        match line {
            Line::Header(_) => Err(format_err(number, "a second header")),
            Line::Event(e) => {
                let event = self.event(number, e)?;
                self.previous = event.hash;
                self.next += 1;
                Ok(Some(event))
            }
            Line::Command(c) => {
                let recorded_at = parse_time(&c.recorded_at)
                    .ok_or_else(|| format_err(number, "recordedAt is not an RFC 3339 time"))?;
                if c.last_position >= self.next {
                    return Err(format_err(
                        number,
                        format!("command {} comes before its last event", c.command_id),
                    ));
                }
                self.commands += 1;
                self.pending_commands.push(RecordedCommand {
                    command_id: c.command_id,
                    fingerprint: c.fingerprint,
                    stream_id: c.stream,
                    first_position: c.first_position,
                    last_position: c.last_position,
                    recorded_at,
                });
                Ok(None)
            }
            Line::End(end) => {
                let events = self.next - 1;
                if end.events != events || end.events != self.header.events {
                    return Err(BackupError::Truncated(format!(
                        "the header announces {} events, the end line {}, the file holds {events}",
                        self.header.events, end.events
                    )));
                }
                if end.commands != self.commands {
                    return Err(BackupError::Truncated(format!(
                        "the end line counts {} commands, the file holds {}",
                        end.commands, self.commands
                    )));
                }
                if end.head_hash != self.header.head_hash || self.previous.to_hex() != end.head_hash
                {
                    return Err(BackupError::Truncated(
                        "the last event's hash is not the head hash of the header".into(),
                    ));
                }
                self.ended = true;
                Ok(None)
            }
        }
    }

    fn event(&self, number: u64, e: EventLine<'_>) -> Result<RecordedEvent, BackupError> {
        if e.position != self.next {
            return Err(format_err(
                number,
                format!("position {} where {} was expected", e.position, self.next),
            ));
        }
        if e.prev_hash != self.previous.to_hex() {
            return Err(BackupError::Broken {
                position: e.position,
                why: "prevHash is not the previous event's hash".into(),
            });
        }
        let payload = match (e.data, e.data_text) {
            (Some(raw), None) => raw.get().to_owned(),
            (None, Some(text)) => text,
            _ => {
                return Err(format_err(
                    number,
                    "an event needs exactly one of data and dataText",
                ));
            }
        };
        let recorded_at = parse_time(&e.metadata.recorded_at)
            .ok_or_else(|| format_err(number, "recordedAt is not an RFC 3339 time"))?;
        let hash = EventHash::from_hex(&e.hash)
            .ok_or_else(|| format_err(number, "hash is not 64 hex digits"))?;
        let event = RecordedEvent {
            position: e.position,
            stream_id: e.stream,
            version: e.version,
            event_id: e.event_id,
            event_type: e.event_type,
            schema_version: e.schema_version,
            payload,
            metadata: EventMetadata {
                actor: e.metadata.actor,
                command_id: e.metadata.command_id,
                correlation_id: e.metadata.correlation_id,
                causation_id: e.metadata.causation_id,
            },
            recorded_at,
            hash,
        };
        if expected_hash(&self.previous, &event) != event.hash {
            return Err(BackupError::Broken {
                position: event.position,
                why: "the event in the file does not hash to its recorded hash".into(),
            });
        }
        Ok(event)
    }

    fn take_batch(&mut self) -> (Vec<RecordedEvent>, Vec<RecordedCommand>) {
        (
            std::mem::take(&mut self.events),
            std::mem::take(&mut self.pending_commands),
        )
    }
}

/// Reads a whole backup (`input` past its header, decompressed) and checks
/// every line, the hash chain and the end line, writing nothing: what
/// `fundtrail restore` does before it touches a store, and `--check` alone.
pub fn check(
    header: Header,
    input: &mut impl BufRead,
    mut progress: impl FnMut(u64, u64),
) -> Result<(u64, u64), BackupError> {
    let total = header.events;
    let mut state = Restoring::new(header);
    let mut number = 1u64;
    let mut text = String::new();
    loop {
        text.clear();
        if input.read_line(&mut text)? == 0 {
            break;
        }
        number += 1;
        if text.trim().is_empty() {
            continue;
        }
        if let Some(event) = state.take_line(number, &text)?
            && event.position % READ_PAGE as u64 == 0
        {
            progress(event.position, total);
        }
        state.pending_commands.clear();
    }
    state.finish()?;
    progress(total, total);
    Ok((total, state.commands))
}

/// Restores a backup (`input` past its header, already decompressed) into
/// the empty store `target`, checking every line, then verifies the chain.
/// `progress(done, total)` is called after every batch.
pub async fn restore<T>(
    target: &T,
    header: Header,
    input: &mut impl BufRead,
    mut progress: impl FnMut(u64, u64),
) -> Result<RestoreSummary, BackupError>
where
    T: EventStore + EventRestorer + ?Sized,
{
    // A store that holds a prefix of this backup (an interrupted restore:
    // whole batches, each written in one transaction) is resumed after it,
    // once the backup's event at its head has the store's head hash (the
    // hash chains of both then vouch for every event before it); any other
    // store that is not empty is refused before anything is written.
    let head = target.head().await?;
    let resume_after = head.position;
    let total = header.events;
    if resume_after > total {
        return Err(BackupError::NotEmpty {
            position: resume_after,
        });
    }
    if resume_after != 0 && resume_after == total {
        return Err(if head.hash.to_hex() == header.head_hash {
            BackupError::AlreadyRestored {
                position: resume_after,
            }
        } else {
            BackupError::NotEmpty {
                position: resume_after,
            }
        });
    }
    let mut state = Restoring::new(header);
    progress(resume_after, total);
    let mut number = 1u64;
    let mut text = String::new();
    loop {
        text.clear();
        if input.read_line(&mut text)? == 0 {
            break;
        }
        number += 1;
        if text.trim().is_empty() {
            continue;
        }
        let taken = state.take_line(number, &text)?;
        if state.next - 1 <= resume_after {
            // Already in the store, with the commands that end there.
            state.pending_commands.clear();
            if let Some(event) = taken
                && event.position == resume_after
                && event.hash != head.hash
            {
                return Err(BackupError::NotEmpty {
                    position: resume_after,
                });
            }
            continue;
        }
        if let Some(event) = taken {
            // A full batch goes when the next event comes: the commands
            // that follow its last event have joined it by then.
            if state.events.len() >= RESTORE_BATCH {
                let (events, commands) = state.take_batch();
                target.restore_batch(&events, &commands).await?;
                progress(event.position - 1, total);
            }
            state.events.push(event);
        }
    }
    state.finish()?;
    let (events, commands) = state.take_batch();
    if !events.is_empty() || !commands.is_empty() {
        target.restore_batch(&events, &commands).await?;
    }
    progress(state.next - 1, total);
    let head = target.head().await?;
    if head.position != total || head.hash.to_hex() != state.header.head_hash {
        return Err(BackupError::NotVerified(format!(
            "the store's head is position {} ({}), the backup's {} ({})",
            head.position, head.hash, total, state.header.head_hash
        )));
    }
    let verify = target.verify().await?;
    if let Some(b) = &verify.first_break {
        return Err(BackupError::NotVerified(format!(
            "position {} ({:?})",
            b.position, b.problem
        )));
    }
    Ok(RestoreSummary {
        events: total,
        commands: state.commands,
        resumed_after: resume_after,
        head,
        verify,
    })
}

/// The input of a backup (a file, standard input, bytes), gzip-compressed
/// or not: told by its first bytes, not its name.
pub fn open_input<'a>(input: impl std::io::Read + 'a) -> std::io::Result<Box<dyn BufRead + 'a>> {
    let mut buffered = std::io::BufReader::with_capacity(256 * 1024, input);
    let gzip = buffered.fill_buf()?.starts_with(&[0x1f, 0x8b]);
    Ok(if gzip {
        Box::new(std::io::BufReader::with_capacity(
            256 * 1024,
            flate2::bufread::MultiGzDecoder::new(buffered),
        ))
    } else {
        Box::new(buffered)
    })
}
