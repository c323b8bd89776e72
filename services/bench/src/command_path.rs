//! The command path, measured as a user's command takes it (issue #16:
//! "measure the real path, not just the store"): `AppState::execute` runs
//! `Ledger::execute` (authorisation, the `commandId` record, load and fold
//! the pledge's stream, decide, append with the expected version, wait for
//! durability) and then waits for the read models to show the event
//! (read-your-writes, as every GraphQL mutation does). No HTTP, no GraphQL.
//!
//! Workload (the one the peers run in `../shared/docs/benchmarks.md`): each
//! client walks pledges of its own up their ladder: make the pledge, commit
//! it, then disbursements of a tenth until the rule "disbursed ≤ pledged"
//! stops them (the domain checks it), then the next pledge. Every command
//! carries a `commandId`. Figures: C1 (1 client) and C2 (`--clients`), in
//! commands per second, beside the store-level W1/W2 (`fundtrail-bench
//! store`) when run in the same sitting.
//!
//! The peers (issue #16): after fundtrail's C1 and C2 on a backend, the
//! `fundtrail-bench-peers` binary (services/bench/peers, a crate outside the
//! workspace: docs/adr/011-peers-bench-separate-crate.md) runs the same
//! ladders with cqrs-es and disintegrate on that backend, prints one JSON
//! line per figure, and each is shown beside fundtrail's with the ratio and
//! the issue's target.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use fundtrail_app::{AppState, Limits};
use fundtrail_domain::enums::{ContributionKind, OrganisationKind};
use fundtrail_domain::money::{Currency, Money};
use fundtrail_domain::organisation::{OrganisationCommand, RegisterOrganisation};
use fundtrail_domain::pledge::{
    AllocationInput, CommitPledge, MakePledge, PledgeCommand, RecordDisbursement,
};
use fundtrail_domain::priority::{DefinePriority, PriorityCommand};
use fundtrail_domain::roadmap::{CreateRoadmap, RoadmapCommand};
use fundtrail_ledger::{Command, CommandContext};
use fundtrail_store::{AppendRequest, EventStore};
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::report::thousands;
use crate::workload::{Bound, Measure};
use crate::{BackendChoice, Result};

#[derive(clap::Args)]
pub struct CommandArgs {
    #[arg(long, value_enum, default_value_t = BackendChoice::All)]
    backend: BackendChoice,
    #[arg(
        long,
        env = "FUNDTRAIL_TEST_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
    /// Concurrent clients of C2.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Longest run of each figure, in seconds.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Most commands of each figure.
    #[arg(long, default_value_t = 50_000)]
    commands: u64,
    /// The `fundtrail-bench-peers` binary (default: next to this one).
    #[arg(long, value_name = "PATH")]
    peers: Option<PathBuf>,
    /// Leave the peers out: fundtrail's figures only.
    #[arg(long, conflicts_with = "peers")]
    no_peers: bool,
}

/// One figure: commands run and the time they took.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub commands: u64,
    pub elapsed: Duration,
}

impl Rate {
    pub fn per_second(&self) -> f64 {
        self.commands as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

pub async fn run(args: CommandArgs) -> Result<()> {
    let backends: Vec<&str> = match args.backend {
        BackendChoice::Embedded => vec!["embedded"],
        BackendChoice::Postgres => vec!["postgres"],
        BackendChoice::All => vec!["embedded", "postgres"],
    };
    let bound = (Duration::from_secs_f64(args.seconds), args.commands);
    let peers = peers_binary(&args)?;
    println!(
        "command path: AppState::execute (Ledger::execute + read-your-writes), pledge ladders"
    );
    for backend in backends {
        let dir = tempfile::tempdir()?;
        let schema = format!("bench_cmd_{}", crate::data::random_suffix());
        let store: Arc<dyn EventStore> = match backend {
            "embedded" => Arc::new(fundtrail_store_sqlite::SqliteStore::open(
                dir.path().join("data"),
            )?),
            _ => {
                #[cfg(feature = "postgres")]
                {
                    let options = fundtrail_store_postgres::PostgresOptions::new(
                        args.pg_url.clone(),
                        schema.clone(),
                    );
                    match fundtrail_store_postgres::PostgresStore::connect(options).await {
                        Ok(store) => Arc::new(store),
                        Err(e) => {
                            println!("postgres: skipped ({e})");
                            continue;
                        }
                    }
                }
                #[cfg(not(feature = "postgres"))]
                {
                    println!("postgres: not built (feature `postgres`)");
                    continue;
                }
            }
        };
        let state = AppState::start(store.clone(), Limits::default()).await?;
        state.ready().await;
        seed(&state).await?;
        let one = measure(&state, 1, bound, "c1").await?;
        let many = measure(&state, args.clients, bound, "c2").await?;
        println!(
            "{backend:9} C1 1 client     {:>9.0} cmd/s ({} commands in {:.2} s)",
            one.per_second(),
            one.commands,
            one.elapsed.as_secs_f64()
        );
        println!(
            "{backend:9} C2 {:>2} clients    {:>9.0} cmd/s ({} commands in {:.2} s)",
            args.clients,
            many.per_second(),
            many.commands,
            many.elapsed.as_secs_f64()
        );
        let (ceiling, w1) = store_level(backend, &args).await?;
        println!(
            "{backend:9} C1 = {:.0} % of the store-level W1 ({:.0} cmd/s: read the version, append; target >= 70 %: {}), \
             {:.0} % of the raw one-row ceiling ({:.0} rows/s, same durability)",
            100.0 * one.per_second() / w1.rate().max(1e-9),
            w1.rate(),
            if one.per_second() >= 0.7 * w1.rate() {
                "PASS"
            } else {
                "FAIL"
            },
            100.0 * one.per_second() / ceiling.rate().max(1e-9),
            ceiling.rate(),
        );
        let verified = store.verify().await?;
        if !verified.is_intact() {
            return Err(format!("{backend}: the hash chain does not verify after the run").into());
        }
        drop(state);
        drop(store);
        #[cfg(feature = "postgres")]
        if backend == "postgres" {
            let pool = crate::ceiling_pg::connect(&args.pg_url, 1).await?;
            crate::ceiling_pg::drop_schema(&pool, &schema).await?;
        }
        // The peers right after fundtrail's figures: the same sitting.
        if let Some(binary) = &peers {
            for peer in run_peers(binary, backend, &args).await? {
                let ours = if peer.figure == "C1" { &one } else { &many };
                println!("{}", comparison(backend, ours, &peer));
            }
        }
    }
    Ok(())
}

/// The store-level figures of the same sitting, for C1 to be read against:
/// the storage engine's own one-row-per-transaction ceiling and the store's
/// W1 (`fundtrail-bench store`: read the stream's version, append with it),
/// each on a fresh store of `backend`, one client, this run's bound.
async fn store_level(backend: &str, args: &CommandArgs) -> Result<(Measure, Measure)> {
    use crate::data::{self, Order, Spec};
    use crate::workload;
    let bound = Bound {
        max: args.commands as usize,
        duration: Duration::from_secs_f64(args.seconds),
    };
    let generated = data::generate(Spec {
        seed: 16,
        events: args.commands as usize,
        roadmaps: 20,
        id_base: 3_000_000,
        order: Order::Interleaved,
    });
    let requests: Vec<AppendRequest> = generated.iter().map(workload::command).collect();
    let rows = workload::rows(&requests, 1, 16);
    if backend == "embedded" {
        let ceiling = crate::ceiling_sqlite::SqliteCeiling::open()?.one_row(&rows, bound)?;
        let dir = tempfile::tempdir()?;
        let store = fundtrail_store_sqlite::SqliteStore::open(dir.path().join("data"))?;
        let (w1, _) = crate::store_bench::w1(&store, &requests, bound).await?;
        return Ok((ceiling, w1));
    }
    #[cfg(feature = "postgres")]
    {
        let pool = crate::ceiling_pg::connect(&args.pg_url, 1).await?;
        let schema = format!("bench_cmd_{}", crate::data::random_suffix());
        let ceiling = crate::ceiling_pg::PgCeiling::create(pool.clone(), schema.clone()).await?;
        let raw = ceiling.one_row(&rows, bound).await;
        ceiling.cleanup().await?;
        let store_schema = format!("{schema}_store");
        let options = fundtrail_store_postgres::PostgresOptions::new(
            args.pg_url.clone(),
            store_schema.clone(),
        );
        let store = fundtrail_store_postgres::PostgresStore::connect(options).await?;
        let w1 = crate::store_bench::w1(&store, &requests, bound).await;
        drop(store);
        crate::ceiling_pg::drop_schema(&pool, &store_schema).await?;
        Ok((raw?, w1?.0))
    }
    #[cfg(not(feature = "postgres"))]
    Err("postgres: not built (feature `postgres`)".into())
}

/// The peers binary to run after each backend's figures, or none with
/// `--no-peers`. A missing binary is an error, not a silent skip.
fn peers_binary(args: &CommandArgs) -> Result<Option<PathBuf>> {
    if args.no_peers {
        return Ok(None);
    }
    let path = match &args.peers {
        Some(path) => path.clone(),
        None => std::env::current_exe()?.with_file_name("fundtrail-bench-peers"),
    };
    if !path.is_file() {
        return Err(format!(
            "no peers binary at {}: build it with `{PEERS_BUILD}` (from the repository root), \
             or pass --peers PATH, or --no-peers for fundtrail's figures alone",
            path.display()
        )
        .into());
    }
    Ok(Some(path))
}

/// How the peers binary is built so that it lands next to fundtrail-bench
/// (`--target-dir`: cargo reads the crate's .cargo/config.toml only when
/// run from its folder).
const PEERS_BUILD: &str =
    "cargo build --release --manifest-path services/bench/peers/Cargo.toml --target-dir target";

/// One figure of a peer, as `fundtrail-bench-peers` prints it: a JSON line.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PeerFigure {
    /// The library and its store, e.g. "cqrs-es 0.5 + sqlite-es 0.5".
    pub peer: String,
    /// "embedded" or "postgres".
    pub backend: String,
    /// "C1" or "C2".
    pub figure: String,
    pub clients: usize,
    /// Commands accepted.
    pub commands: u64,
    pub elapsed_s: f64,
    /// Commands the peer ran again after its optimistic check failed.
    #[serde(default)]
    pub conflicts: u64,
    /// Commands the peer ran again because its read missed the client's
    /// own earlier event (disintegrate's epoch).
    #[serde(default)]
    pub stale_reads: u64,
}

impl PeerFigure {
    fn rate(&self) -> Rate {
        Rate {
            commands: self.commands,
            elapsed: Duration::from_secs_f64(self.elapsed_s.max(0.0)),
        }
    }
}

/// Runs the peers on `backend` with this run's clients, bound and URL; their
/// notes go to our stderr, their figures are read from their stdout
/// (`spawn`, not tokio's `output`, which would capture stderr too).
async fn run_peers(binary: &Path, backend: &str, args: &CommandArgs) -> Result<Vec<PeerFigure>> {
    let output = tokio::process::Command::new(binary)
        .args(["--backend", backend])
        .args(["--clients", &args.clients.to_string()])
        .args(["--seconds", &args.seconds.to_string()])
        .args(["--commands", &args.commands.to_string()])
        .args(["--pg-url", &args.pg_url])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", binary.display()))?
        .wait_with_output()
        .await?;
    if !output.status.success() {
        return Err(format!(
            "{} --backend {backend} failed ({})",
            binary.display(),
            output.status
        )
        .into());
    }
    let figures = parse_peer_lines(&String::from_utf8_lossy(&output.stdout))?;
    if figures.is_empty() {
        return Err(format!("{}: no figure for {backend}", binary.display()).into());
    }
    if let Some(other) = figures.iter().find(|f| f.backend != backend) {
        return Err(format!("peers: a {} figure asked for {backend}", other.backend).into());
    }
    Ok(figures)
}

/// Every non-empty line must be a figure of C1 or C2.
fn parse_peer_lines(stdout: &str) -> Result<Vec<PeerFigure>> {
    let mut figures = Vec::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let figure: PeerFigure = serde_json::from_str(line)
            .map_err(|e| format!("peers printed {line:?}, not a figure: {e}"))?;
        if figure.figure != "C1" && figure.figure != "C2" {
            return Err(format!("peers printed figure {:?}", figure.figure).into());
        }
        figures.push(figure);
    }
    Ok(figures)
}

/// The issue's target for fundtrail over a peer, as a multiple of the
/// peer's rate, and whose target it is when the peer has none of its own
/// (disintegrate is held to postgres-es's).
fn target(backend: &str, figure: &str, peer: &str) -> (f64, &'static str) {
    let target = match (backend, figure) {
        ("embedded", "C1") => 2.0,
        ("embedded", _) => 10.0,
        (_, "C1") => 1.5,
        _ => 3.0,
    };
    let whose = if peer.starts_with("disintegrate") {
        ", postgres-es's target"
    } else {
        ""
    };
    (target, whose)
}

/// A peer's figure beside fundtrail's (`ours`): its rate, fundtrail's
/// multiple of it and the verdict against the target.
fn comparison(backend: &str, ours: &Rate, peer: &PeerFigure) -> String {
    let theirs = peer.rate();
    let ratio = ours.per_second() / theirs.per_second().max(1e-9);
    let (target, whose) = target(backend, &peer.figure, &peer.peer);
    let verdict = if ratio >= target { "PASS" } else { "FAIL" };
    let retried = if peer.conflicts + peer.stale_reads > 0 {
        format!(
            "; ran again: {} after a conflict, {} after a stale read",
            peer.conflicts, peer.stale_reads
        )
    } else {
        String::new()
    };
    format!(
        "{backend:9} {} vs {}: {} cmd/s ({} commands in {:.2} s{retried}) -> fundtrail x{ratio:.2} (target >= x{target}{whose}: {verdict})",
        peer.figure,
        peer.peer,
        thousands(theirs.per_second()),
        thousands(peer.commands as f64),
        peer.elapsed_s,
    )
}

fn context(client: &str, n: u64) -> CommandContext {
    let mut context = CommandContext::by(format!("bench-{client}"));
    context.command_id = Some(format!("{client}-{n}"));
    context
}

async fn seed(state: &AppState) -> Result<()> {
    let by = CommandContext::by("bench-seed");
    for (id, kind) in [
        ("donor", OrganisationKind::Foundation),
        ("gov", OrganisationKind::Government),
    ] {
        state
            .execute(
                &by,
                OrganisationCommand::Register(RegisterOrganisation {
                    id: id.into(),
                    name: format!("Org {id}"),
                    acronym: None,
                    kind,
                    country: "CIV".into(),
                    source: None,
                })
                .into(),
            )
            .await?;
    }
    state
        .execute(
            &by,
            RoadmapCommand::Create(CreateRoadmap {
                id: "rm".into(),
                country: "CIV".into(),
                title: "Roadmap".into(),
                period_start: day(2024, 1, 1),
                period_end: day(2026, 12, 31),
                currency: Currency::XOF,
                source: None,
            })
            .into(),
        )
        .await?;
    state
        .execute(
            &by,
            PriorityCommand::Define(DefinePriority {
                id: "p1".into(),
                roadmap_id: "rm".into(),
                rank: 1,
                title: "First".into(),
                source: None,
            })
            .into(),
        )
        .await?;
    Ok(())
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a date")
}

/// The next command of one client's ladder (the peers walk the same:
/// services/bench/peers/src/ladder.rs).
struct Ladder {
    client: String,
    pledge: u64,
    step: u32,
}

/// Disbursements per pledge before the rule stops them (10 x a tenth).
const DISBURSEMENTS: u32 = 10;

impl Ladder {
    fn next(&mut self) -> Command {
        let pledge_id = format!("{}-p{}", self.client, self.pledge);
        let command = match self.step {
            0 => PledgeCommand::Make(MakePledge {
                id: pledge_id,
                donor_id: Some("donor".into()),
                recipient_id: Some("gov".into()),
                roadmap_id: "rm".into(),
                kind: ContributionKind::Cash,
                amount: Some(Money::new(Decimal::from(1_000), Currency::XOF)),
                quantity: None,
                allocations: vec![AllocationInput {
                    priority_id: "p1".into(),
                    amount: Decimal::from(1_000),
                }],
                priority_ids: vec![],
                pledged_on: Some(day(2024, 3, 1)),
                proposal_id: None,
                partnership_id: None,
                themes: vec![],
                description: None,
                items: Vec::new(),
                beneficiaries: Vec::new(),
                status_stated: true,
                source: None,
            }),
            1 => PledgeCommand::Commit(CommitPledge {
                pledge_id,
                committed_on: Some(day(2024, 3, 2)),
            }),
            _ => PledgeCommand::RecordDisbursement(RecordDisbursement {
                pledge_id,
                amount: Some(Decimal::from(100)),
                disbursed_on: Some(day(2024, 3, 3)),
            }),
        };
        self.step += 1;
        if self.step >= 2 + DISBURSEMENTS {
            self.step = 0;
            self.pledge += 1;
        }
        command.into()
    }
}

/// Runs `clients` ladders at once until the bound; every command must be
/// accepted (a refusal is a bench bug, reported as an error).
async fn measure(
    state: &AppState,
    clients: usize,
    (seconds, commands): (Duration, u64),
    name: &str,
) -> Result<Rate> {
    let done = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let deadline = started + seconds;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (state, done) = (state.clone(), done.clone());
        let client = format!("{name}-{c}");
        tasks.push(tokio::spawn(async move {
            let mut ladder = Ladder {
                client: client.clone(),
                pledge: 0,
                step: 0,
            };
            let mut n = 0u64;
            while Instant::now() < deadline && done.load(Ordering::Relaxed) < commands {
                let command = ladder.next();
                state
                    .execute(&context(&client, n), command)
                    .await
                    .map_err(|e| format!("{client}: command {n} refused: {e}"))?;
                n += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    Ok(Rate {
        commands: done.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINES: &str = r#"{"peer":"cqrs-es 0.5 + sqlite-es 0.5","backend":"embedded","figure":"C1","clients":1,"commands":2000,"elapsed_s":2.0}
{"backend":"embedded","clients":16,"commands":3000,"conflicts":4,"elapsed_s":1.5,"figure":"C2","peer":"cqrs-es 0.5 + sqlite-es 0.5","stale_reads":0}
"#;

    fn rate(commands: u64, secs: f64) -> Rate {
        Rate {
            commands,
            elapsed: Duration::from_secs_f64(secs),
        }
    }

    #[test]
    fn peer_lines_are_read_as_figures_and_anything_else_is_an_error() {
        let figures = parse_peer_lines(LINES).expect("two figures");
        assert_eq!(figures.len(), 2);
        assert_eq!(figures[0].figure, "C1");
        assert_eq!(figures[0].conflicts, 0);
        assert_eq!(figures[1].clients, 16);
        assert_eq!(figures[1].conflicts, 4);
        assert!((figures[1].rate().per_second() - 2_000.0).abs() < 1e-6);
        assert!(parse_peer_lines("postgres: skipped\n").is_err());
        let c3 = LINES
            .lines()
            .next()
            .expect("a line")
            .replace("\"C1\"", "\"C3\"");
        assert!(parse_peer_lines(&c3).is_err());
    }

    #[test]
    fn a_peer_figure_is_shown_with_fundtrails_multiple_and_the_verdict() {
        let figures = parse_peer_lines(LINES).expect("two figures");
        assert_eq!(
            comparison("embedded", &rate(4_820, 2.0), &figures[0]),
            "embedded  C1 vs cqrs-es 0.5 + sqlite-es 0.5: 1,000 cmd/s (2,000 commands in 2.00 s) \
             -> fundtrail x2.41 (target >= x2: PASS)"
        );
        assert_eq!(
            comparison("embedded", &rate(10_000, 1.0), &figures[1]),
            "embedded  C2 vs cqrs-es 0.5 + sqlite-es 0.5: 2,000 cmd/s (3,000 commands in 1.50 s; \
             ran again: 4 after a conflict, 0 after a stale read) -> fundtrail x5.00 (target >= x10: FAIL)"
        );
        let disintegrate = PeerFigure {
            peer: "disintegrate 4 + disintegrate-postgres 4".into(),
            backend: "postgres".into(),
            ..figures[0].clone()
        };
        assert!(
            comparison("postgres", &rate(2_900, 2.0), &disintegrate)
                .ends_with("x1.45 (target >= x1.5, postgres-es's target: FAIL)")
        );
    }
}
