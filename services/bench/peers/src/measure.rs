//! Runs ladders against a peer and counts commands, as `measure` in
//! services/bench/src/command_path.rs does: `clients` tasks, one shared
//! counter, stop at the deadline or the command bound, whichever comes first.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::ladder::{Ladder, LadderCommand};

/// What a peer made of one command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Decided and appended.
    Done,
    /// The library's optimistic check saw another write in between (or the
    /// database aborted the transaction as a serialisation failure): the
    /// caller runs the same command again, as an application would.
    Conflict,
    /// The library's read of the pledge did not show all the events this
    /// client had already appended to it (disintegrate reads up to an
    /// "epoch" that an earlier, still open append holds back): deciding on
    /// it would refuse a valid command, so the caller runs it again.
    StaleRead,
}

/// One library's command path: load the pledge's events, fold, decide,
/// append one event with its optimistic concurrency check.
#[async_trait]
pub trait Peer: Send + Sync {
    /// A refusal by the rule or a database error is an `Err` (a bench bug).
    async fn execute(&self, command: &LadderCommand) -> Result<Outcome, String>;
}

/// Retries in a row of one command before the run is called broken.
const MOST_RETRIES: u32 = 10_000;

/// One figure: commands accepted, the time they took, retries they needed.
#[derive(Debug, Clone, Copy, Default)]
pub struct Figure {
    pub commands: u64,
    pub elapsed: Duration,
    /// Commands run again after an `Outcome::Conflict`.
    pub conflicts: u64,
    /// Commands run again after an `Outcome::StaleRead`.
    pub stale_reads: u64,
}

/// Runs `clients` ladders at once (clients named `{name}-{c}`) until
/// `seconds` have passed or `commands` were accepted; every command must be
/// accepted (after retried conflicts), else the run fails.
pub async fn measure(
    peer: Arc<dyn Peer>,
    clients: usize,
    (seconds, commands): (Duration, u64),
    name: &str,
) -> Result<Figure, String> {
    let done = Arc::new(AtomicU64::new(0));
    let retries = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let started = Instant::now();
    let deadline = started + seconds;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (peer, done, retries) = (peer.clone(), done.clone(), retries.clone());
        let client = format!("{name}-{c}");
        tasks.push(tokio::spawn(async move {
            let mut ladder = Ladder::new(client.clone());
            let mut n = 0u64;
            while Instant::now() < deadline && done.load(Ordering::Relaxed) < commands {
                let command = ladder.next_command();
                let (conflicts, stale_reads) = run_until_done(peer.as_ref(), &command)
                    .await
                    .map_err(|e| format!("{client}: command {n} ({command:?}): {e}"))?;
                retries[0].fetch_add(conflicts, Ordering::Relaxed);
                retries[1].fetch_add(stale_reads, Ordering::Relaxed);
                n += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(Figure {
        commands: done.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
        conflicts: retries[0].load(Ordering::Relaxed),
        stale_reads: retries[1].load(Ordering::Relaxed),
    })
}

/// Runs one command until it is appended; the conflicts and the stale
/// reads it met.
async fn run_until_done(peer: &dyn Peer, command: &LadderCommand) -> Result<(u64, u64), String> {
    let (mut conflicts, mut stale_reads) = (0u64, 0u64);
    loop {
        match peer.execute(command).await? {
            Outcome::Done => return Ok((conflicts, stale_reads)),
            Outcome::Conflict => conflicts += 1,
            Outcome::StaleRead => stale_reads += 1,
        }
        if conflicts + stale_reads >= u64::from(MOST_RETRIES) {
            return Err(format!(
                "{conflicts} conflicts and {stale_reads} stale reads in a row"
            ));
        }
    }
}
