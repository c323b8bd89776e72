//! `fundtrail-bench-peers`: the command path of `fundtrail-bench commands`
//! (figures C1 and C2, issue #16) run by peer Rust event-sourcing libraries
//! on the same workload: cqrs-es 0.5 with sqlite-es 0.5 (embedded) and
//! postgres-es 0.5, disintegrate 4 with disintegrate-postgres 4 (PostgreSQL
//! only). One JSON object per figure on stdout, notes on stderr.
//!
//! A crate outside the main workspace: the peers' sqlx 0.8 links
//! libsqlite3-sys 0.30 and the workspace's rusqlite 0.39 another version of
//! it (docs/adr/011-peers-bench-separate-crate.md).

mod cqrs;
mod disintegrate_peer;
mod ladder;
mod measure;
mod scratch;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::measure::{measure, Figure, Peer};
use crate::scratch::ScratchDatabase;

const CQRS_SQLITE: &str = "cqrs-es 0.5 + sqlite-es 0.5";
const CQRS_POSTGRES: &str = "cqrs-es 0.5 + postgres-es 0.5";
const DISINTEGRATE: &str = "disintegrate 4 + disintegrate-postgres 4";

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Backend {
    Embedded,
    Postgres,
    All,
}

#[derive(Parser)]
#[command(
    name = "fundtrail-bench-peers",
    about = "fundtrail's command-path workload (C1, C2) run by cqrs-es and disintegrate"
)]
struct Cli {
    #[arg(long, value_enum, default_value_t = Backend::All)]
    backend: Backend,
    /// Concurrent clients of C2 (and connections of each peer's pool).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Longest run of each figure, in seconds.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Most commands of each figure.
    #[arg(long, default_value_t = 50_000)]
    commands: u64,
    #[arg(
        long,
        env = "FUNDTRAIL_TEST_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
}

/// What every figure of a run shares.
struct Run {
    clients: usize,
    bound: (Duration, u64),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fundtrail-bench-peers: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    if cli.clients == 0 || cli.commands == 0 || !cli.seconds.is_finite() || cli.seconds <= 0.0 {
        return Err("--clients, --commands and --seconds must be above 0".into());
    }
    let run = Run {
        clients: cli.clients,
        bound: (Duration::from_secs_f64(cli.seconds), cli.commands),
    };
    if matches!(cli.backend, Backend::Embedded | Backend::All) {
        embedded(&run).await?;
    }
    if matches!(cli.backend, Backend::Postgres | Backend::All) {
        postgres(&run, &cli.pg_url).await?;
    }
    Ok(())
}

/// cqrs-es + sqlite-es on a fresh file (disintegrate has no SQLite backend).
async fn embedded(run: &Run) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("peers.db");
    eprintln!(
        "{CQRS_SQLITE}: {} (WAL, synchronous=FULL), pool of {} connections",
        path.display(),
        pool_size(run)
    );
    let peer = cqrs::sqlite(&path, pool_size(run)).await?;
    figures(CQRS_SQLITE, "embedded", peer, run).await?;
    eprintln!("{DISINTEGRATE}: no SQLite backend (disintegrate stores in PostgreSQL only); not in the embedded run");
    Ok(())
}

/// cqrs-es + postgres-es, then disintegrate, each in a database of its own.
async fn postgres(run: &Run, url: &str) -> Result<(), String> {
    in_scratch_database(CQRS_POSTGRES, run, url, |options| {
        cqrs::postgres(options, pool_size(run))
    })
    .await?;
    in_scratch_database(DISINTEGRATE, run, url, |options| {
        disintegrate_peer::postgres(options, pool_size(run))
    })
    .await
}

/// Creates a database, runs the peer's figures in it, drops it (also when
/// the run failed).
async fn in_scratch_database<F, Fut>(
    peer_name: &str,
    run: &Run,
    url: &str,
    connect: F,
) -> Result<(), String>
where
    F: FnOnce(sqlx::postgres::PgConnectOptions) -> Fut,
    Fut: std::future::Future<Output = Result<Arc<dyn Peer>, String>>,
{
    let scratch = ScratchDatabase::create(url).await?;
    let synchronous = scratch.synchronous_commit().await?;
    eprintln!(
        "{peer_name}: database {} (synchronous_commit={synchronous}), pool of {} connections",
        scratch.name,
        pool_size(run)
    );
    let measured = async {
        let peer = connect(scratch.options.clone()).await?;
        figures(peer_name, "postgres", peer, run).await
    }
    .await;
    let dropped = scratch.drop_database().await;
    measured.and(dropped)
}

/// One connection per client of C2.
fn pool_size(run: &Run) -> u32 {
    u32::try_from(run.clients).unwrap_or(u32::MAX)
}

/// C1 (1 client) then C2 (`clients`) on the same store, each printed as a
/// JSON line as soon as it is measured.
async fn figures(
    peer_name: &str,
    backend: &str,
    peer: Arc<dyn Peer>,
    run: &Run,
) -> Result<(), String> {
    for (figure, clients, name) in [("C1", 1, "c1"), ("C2", run.clients, "c2")] {
        let measured = measure(peer.clone(), clients, run.bound, name)
            .await
            .map_err(|e| format!("{peer_name} ({backend}) {figure}: {e}"))?;
        println!("{}", line(peer_name, backend, figure, clients, &measured));
    }
    Ok(())
}

/// One figure as the JSON line `fundtrail-bench commands` reads.
fn line(peer: &str, backend: &str, figure: &str, clients: usize, measured: &Figure) -> String {
    serde_json::json!({
        "peer": peer,
        "backend": backend,
        "figure": figure,
        "clients": clients,
        "commands": measured.commands,
        "elapsed_s": measured.elapsed.as_secs_f64(),
        "conflicts": measured.conflicts,
        "stale_reads": measured.stale_reads,
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_figure_is_one_json_line_with_its_fields() {
        let figure = Figure {
            commands: 1234,
            elapsed: Duration::from_millis(3001),
            conflicts: 2,
            stale_reads: 3,
        };
        let text = line(CQRS_SQLITE, "embedded", "C1", 1, &figure);
        assert!(!text.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["peer"], CQRS_SQLITE);
        assert_eq!(value["figure"], "C1");
        assert_eq!(value["commands"], 1234);
        assert_eq!(value["elapsed_s"], 3.001);
        assert_eq!(value["conflicts"], 2);
        assert_eq!(value["stale_reads"], 3);
    }
}
