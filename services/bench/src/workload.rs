//! What W1-W4 send to a store, and what the ceilings insert: the same rows.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use fundtrail_store::{AppendRequest, ExpectedVersion};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::data::Cmd;

/// How long a W1/W2-style run (and its ceiling) goes: whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    pub max: usize,
    pub duration: Duration,
}

impl Bound {
    /// One of `rounds` equal slices of this bound.
    pub fn slice(&self, rounds: usize) -> Bound {
        let rounds = rounds.max(1);
        Bound {
            max: self.max.div_ceil(rounds),
            duration: self.duration / rounds as u32,
        }
    }

    pub fn done(&self, count: usize, start: Instant) -> bool {
        count >= self.max || start.elapsed() >= self.duration
    }
}

/// A measured count over a time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Measure {
    pub count: u64,
    pub secs: f64,
}

impl Measure {
    pub fn new(count: u64, elapsed: Duration) -> Self {
        Measure {
            count,
            secs: elapsed.as_secs_f64(),
        }
    }

    /// Sums two measures of the same work (rounds).
    pub fn add(self, other: Measure) -> Measure {
        Measure {
            count: self.count + other.count,
            secs: self.secs + other.secs,
        }
    }

    pub fn rate(&self) -> f64 {
        if self.secs > 0.0 {
            self.count as f64 / self.secs
        } else {
            0.0
        }
    }
}

/// One row of the events table, as the embedded store writes it (the
/// correlation and causation ids are NULL in this workload).
#[derive(Debug, Clone)]
pub struct Row {
    pub position: i64,
    pub stream_id: String,
    pub version: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub schema_version: i16,
    pub payload: String,
    pub actor: String,
    pub command_id: Option<String>,
    pub hash: Vec<u8>,
}

/// W3's batches: each is the next `batch` events of the ledger's timeline,
/// one `AppendRequest` per stream in it (its events of that batch, in order),
/// all submitted at once.
pub fn batches(load: &[Cmd], batch: usize) -> Vec<Vec<AppendRequest>> {
    load.chunks(batch.max(1))
        .map(|chunk| {
            let mut index: HashMap<&str, usize> = HashMap::new();
            let mut requests: Vec<AppendRequest> = Vec::new();
            for cmd in chunk {
                match index.get(cmd.stream.as_str()) {
                    Some(&i) => requests[i].events.push(cmd.event.clone()),
                    None => {
                        index.insert(&cmd.stream, requests.len());
                        requests.push(command(cmd));
                    }
                }
            }
            requests
        })
        .collect()
}

/// One command: the next event of its stream, expected at the version before it.
pub fn command(cmd: &Cmd) -> AppendRequest {
    AppendRequest::new(
        cmd.stream.clone(),
        ExpectedVersion::Exact(cmd.version - 1),
        vec![cmd.event.clone()],
    )
    .with_metadata(cmd.metadata.clone())
}

/// The rows the store writes for these requests, positions from `first_position`.
pub fn rows(requests: &[AppendRequest], first_position: i64, seed: u64) -> Vec<Row> {
    let mut rng = StdRng::seed_from_u64(seed ^ first_position as u64);
    let mut position = first_position;
    let mut out = Vec::with_capacity(requests.iter().map(|r| r.events.len()).sum());
    for request in requests {
        let base = match request.expected {
            ExpectedVersion::Exact(v) => v,
            ExpectedVersion::Any | ExpectedVersion::NoStream => 0,
        };
        for (offset, event) in request.events.iter().enumerate() {
            let hash: [u8; 32] = rng.random();
            out.push(Row {
                position,
                stream_id: request.stream_id.clone(),
                version: (base + 1 + offset as u64) as i64,
                event_id: event.event_id,
                event_type: event.event_type.clone(),
                schema_version: event.schema_version as i16,
                payload: event.payload.clone(),
                actor: request.metadata.actor.clone(),
                command_id: request.metadata.command_id.clone(),
                hash: hash.to_vec(),
            });
            position += 1;
        }
    }
    out
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}
