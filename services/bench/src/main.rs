//! `fundtrail-bench`: store-level benchmark figures W1-W4
//! (`/work/shared/docs/benchmarks.md`) for every backend this build has, each
//! beside the storage engine's own ceiling measured in the same run.

mod api_bench;
mod ceiling_pg;
mod ceiling_sqlite;
mod command_path;
mod data;
mod generated_log;
mod projection;
mod report;
mod soak;
mod store_bench;
mod web_bench;
mod workload;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use fundtrail_store::{AppendRequest, EventStore};
use fundtrail_store_sqlite::SqliteStore;

use crate::ceiling_pg::PgCeiling;
use crate::ceiling_sqlite::SqliteCeiling;
use crate::data::{Order, Spec};
use crate::projection::Totals;
use crate::report::{Ceiling, Figure, Target, thousands};
use crate::store_bench::Latency;
use crate::workload::{Bound, Measure, Row};

/// The server's allocator (services/fundtrail/src/main.rs), so that the
/// command path measured in this process (`commands`) is the shipped one's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub type BenchError = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T, E = BenchError> = std::result::Result<T, E>;

#[derive(Parser)]
#[command(
    name = "fundtrail-bench",
    about = "fundtrail benchmarks (docs: benchmarks.md)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Store-level figures W1-W4 beside the storage engine's ceilings.
    Store(StoreArgs),
    /// API figures W5-W8: fundingByPriority over HTTP, memory, start to /readyz.
    Api(api_bench::ApiArgs),
    /// Command-path figures C1 and C2: AppState::execute (the ledger's whole
    /// path and read-your-writes) on pledge ladders, 1 and N clients.
    Commands(command_path::CommandArgs),
    /// Soak (issue #17): the real server under a fixed mix for minutes; RSS,
    /// fds and p99 per minute must stay flat.
    Soak(soak::SoakArgs),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    Embedded,
    Postgres,
    All,
}

#[derive(clap::Args)]
struct StoreArgs {
    /// Events loaded by W3 and replayed by W4.
    #[arg(long, default_value_t = 100_000)]
    events: usize,
    #[arg(long, value_enum, default_value_t = BackendChoice::All)]
    backend: BackendChoice,
    #[arg(
        long,
        env = "FUNDTRAIL_TEST_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
    /// Concurrent clients of W2 (and connections of the PostgreSQL W2 ceiling).
    #[arg(long, default_value_t = 16)]
    clients: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also print the figures as one JSON object.
    #[arg(long)]
    json: bool,
    /// Most commands of one W1 or W2 run (and rows of its ceiling).
    #[arg(long, default_value_t = 50_000)]
    commands: usize,
    /// Longest W1 or W2 run (and its ceiling), in seconds.
    #[arg(long, alias = "duration", default_value_t = 3.0)]
    seconds: f64,
    /// W1 and W2 alternate with their ceilings in this many slices of the
    /// bound, so that a change of load on a shared machine hits both alike.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Events per W3 batch (and rows per transaction of its ceiling).
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// Events per `read_all` page in W4.
    #[arg(long, default_value_t = 5_000)]
    page: usize,
    /// Roadmaps in the generated data.
    #[arg(long, default_value_t = 20)]
    roadmaps: u32,
}

/// Everything a backend run needs, built before any timing.
struct Prepared {
    events: usize,
    batches: Vec<Vec<AppendRequest>>,
    batch_rows: Vec<Vec<Row>>,
    w1: Vec<AppendRequest>,
    w1_rows: Vec<Row>,
    w2: Vec<Vec<AppendRequest>>,
    w2_rows: Vec<Vec<Row>>,
    bound: Bound,
    rounds: usize,
    page: usize,
    clients: usize,
}

fn prepare(args: &StoreArgs) -> Result<(Prepared, String)> {
    if args.events == 0 || args.clients == 0 || args.commands == 0 {
        return Err("--events, --clients and --commands must be at least 1".into());
    }
    let spec = |seed, events, id_base, order| Spec {
        seed,
        events,
        roadmaps: args.roadmaps.max(1),
        id_base,
        order,
    };
    let load = data::generate(spec(args.seed, args.events, 0, Order::Timeline));
    let w1 = data::generate(spec(
        args.seed + 1,
        args.commands,
        1_000_000,
        Order::Interleaved,
    ));
    let w2 = data::generate(spec(
        args.seed + 2,
        args.commands,
        2_000_000,
        Order::Interleaved,
    ));
    let (payload, with_meta) = data::average_sizes(&load);
    let streams = data::stream_count(&load);

    let batches = workload::batches(&load, args.batch);
    let mut position = 1;
    let batch_rows: Vec<Vec<Row>> = batches
        .iter()
        .map(|b| {
            let rows = workload::rows(b, position, args.seed);
            position += rows.len() as i64;
            rows
        })
        .collect();
    let requests_per_batch =
        batches.iter().map(Vec::len).sum::<usize>() as f64 / batches.len().max(1) as f64;
    let w1: Vec<AppendRequest> = w1.iter().map(workload::command).collect();
    let w1_rows = workload::rows(&w1, position, args.seed);
    let w2: Vec<Vec<AppendRequest>> = data::split_by_stream(w2, args.clients)
        .iter()
        .map(|client| client.iter().map(workload::command).collect())
        .collect();
    let w2_rows = w2
        .iter()
        .map(|client| workload::rows(client, 0, args.seed))
        .collect();

    let described = format!(
        "data: {} events on {} streams (seed {}, {} roadmaps), payload avg {:.0} B ({:.0} B with type and metadata); \
         W3 batches of {} events = one AppendRequest per stream in the batch (avg {:.0} requests), submitted at once",
        thousands(load.len() as f64),
        thousands(streams as f64),
        args.seed,
        args.roadmaps,
        payload,
        with_meta,
        thousands(args.batch as f64),
        requests_per_batch,
    );
    Ok((
        Prepared {
            events: load.len(),
            batches,
            batch_rows,
            w1,
            w1_rows,
            w2,
            w2_rows,
            bound: Bound {
                max: args.commands,
                duration: Duration::from_secs_f64(args.seconds.max(0.1)),
            },
            rounds: args.rounds.max(1),
            page: args.page,
            clients: args.clients,
        },
        described,
    ))
}

/// A storage engine's ceiling, measured the same way for every engine.
trait EngineCeiling {
    async fn batches(&mut self, batches: &[Vec<Row>]) -> Result<Measure>;
    async fn read_all(&mut self) -> Result<Measure>;
    async fn one_row(&mut self, rows: &[Row], bound: Bound) -> Result<Measure>;
    /// One row per transaction from many connections; None for a single-writer engine.
    async fn many(
        &mut self,
        per_client: &[Vec<Row>],
        offsets: &[usize],
        next_position: i64,
        bound: Bound,
    ) -> Result<Option<(Measure, Vec<usize>)>>;
}

impl EngineCeiling for SqliteCeiling {
    async fn batches(&mut self, batches: &[Vec<Row>]) -> Result<Measure> {
        tokio::task::block_in_place(|| SqliteCeiling::batches(self, batches))
    }
    async fn read_all(&mut self) -> Result<Measure> {
        tokio::task::block_in_place(|| SqliteCeiling::read_all(self))
    }
    async fn one_row(&mut self, rows: &[Row], bound: Bound) -> Result<Measure> {
        tokio::task::block_in_place(|| SqliteCeiling::one_row(self, rows, bound))
    }
    async fn many(
        &mut self,
        _: &[Vec<Row>],
        _: &[usize],
        _: i64,
        _: Bound,
    ) -> Result<Option<(Measure, Vec<usize>)>> {
        Ok(None)
    }
}

impl EngineCeiling for Arc<PgCeiling> {
    async fn batches(&mut self, batches: &[Vec<Row>]) -> Result<Measure> {
        PgCeiling::batches(self, batches).await
    }
    async fn read_all(&mut self) -> Result<Measure> {
        PgCeiling::read_all(self).await
    }
    async fn one_row(&mut self, rows: &[Row], bound: Bound) -> Result<Measure> {
        PgCeiling::one_row(self, rows, bound).await
    }
    async fn many(
        &mut self,
        per_client: &[Vec<Row>],
        offsets: &[usize],
        next_position: i64,
        bound: Bound,
    ) -> Result<Option<(Measure, Vec<usize>)>> {
        PgCeiling::many(self, per_client, offsets, next_position, bound)
            .await
            .map(Some)
    }
}

/// What one backend produced.
struct BackendRun {
    figures: Vec<Figure>,
    summary: Option<BTreeMap<(String, String), Totals>>,
}

/// Runs W1-W4 on `store` (when the build has one) and the ceilings on
/// `ceiling`, each ceiling just before its figure.
async fn run_backend<S: EventStore + Clone + 'static, C: EngineCeiling>(
    backend: &'static str,
    store: Option<&S>,
    ceiling: &mut C,
    prep: &Prepared,
) -> Result<BackendRun> {
    let progress = |what: &str| eprintln!("  [{backend}] {what}");

    progress("W3 ceiling: batches");
    let c3 = ceiling.batches(&prep.batch_rows).await?;
    let mut w3_note = None;
    let w3 = match store {
        Some(store) => {
            progress("W3: store appends");
            let m = store_bench::w3(store, prep.batches.clone()).await?;
            let head = store.head().await?;
            if head.position != prep.events as u64 {
                return Err(format!(
                    "after W3 the store's head is {} for {} events",
                    head.position, prep.events
                )
                .into());
            }
            let commits = store_bench::commits(store, 1, head.position).await?;
            w3_note = Some(format!(
                "{} commits, {:.0} events per commit",
                thousands(commits as f64),
                head.position as f64 / commits.max(1) as f64
            ));
            Some(m)
        }
        None => None,
    };

    progress("W4 ceiling: full scan");
    let c4 = ceiling.read_all().await?;
    let (w4, summary, w4_note) = match store {
        Some(store) => {
            progress("W4: replay");
            let replay = store_bench::w4(store, prep.page).await?;
            if replay.fold.events != prep.events as u64 || replay.fold.errors > 0 {
                return Err(format!(
                    "W4 folded {} events with {} errors, {} expected",
                    replay.fold.events, replay.fold.errors, prep.events
                )
                .into());
            }
            let alone = store_bench::read_only(store, prep.page).await?;
            let note = format!(
                "fold {:.0} ms, waiting for pages {:.0} ms; read_all alone, no fold: {} ev/s",
                replay.fold_time.as_secs_f64() * 1e3,
                replay.read_wait.as_secs_f64() * 1e3,
                thousands(alone.rate()),
            );
            (
                Some(replay.measure),
                Some(replay.fold.summary()),
                Some(note),
            )
        }
        None => (None, None, None),
    };

    // W1 and its ceiling, then W2 and its ceiling, alternating in rounds.
    let slice = prep.bound.slice(prep.rounds);
    let mut c1 = Measure::default();
    let mut w1 = store.map(|_| (Measure::default(), Latency::default()));
    for round in 1..=prep.rounds {
        progress(&format!("W1 round {round}/{}: ceiling", prep.rounds));
        let rows = &prep.w1_rows[(c1.count as usize).min(prep.w1_rows.len())..];
        c1 = c1.add(ceiling.one_row(rows, slice).await?);
        if let (Some(store), Some((done, latency))) = (store, w1.as_mut()) {
            progress(&format!("W1 round {round}/{}: store", prep.rounds));
            let commands = &prep.w1[(done.count as usize).min(prep.w1.len())..];
            let before = store.head().await?.position;
            let (m, mut l) = store_bench::w1(store, commands, slice).await?;
            let after = store.head().await?.position;
            l.commits = store_bench::commits(store, before + 1, after).await?;
            (*done, *latency) = (done.add(m), latency.add(l));
        }
    }

    let mut next_position = prep.events as i64 + c1.count as i64 + 1;
    let mut c2 = None::<Measure>;
    let mut w2 = store.map(|_| (Measure::default(), Latency::default()));
    let mut c2_offsets = vec![0; prep.clients];
    let mut w2_offsets = vec![0; prep.clients];
    for round in 1..=prep.rounds {
        progress(&format!("W2 round {round}/{}: ceiling", prep.rounds));
        let ceiling_round = ceiling
            .many(&prep.w2_rows, &c2_offsets, next_position, slice)
            .await?;
        if let Some((m, counts)) = ceiling_round {
            next_position += m.count as i64;
            c2 = Some(c2.unwrap_or_default().add(m));
            c2_offsets.iter_mut().zip(counts).for_each(|(o, n)| *o += n);
        }
        if let (Some(store), Some((done, latency))) = (store, w2.as_mut()) {
            progress(&format!("W2 round {round}/{}: store", prep.rounds));
            let before = store.head().await?.position;
            let (m, counts, mut l) = store_bench::w2(store, &prep.w2, &w2_offsets, slice).await?;
            let after = store.head().await?.position;
            l.commits = store_bench::commits(store, before + 1, after).await?;
            (*done, *latency) = (done.add(m), latency.add(l));
            w2_offsets.iter_mut().zip(counts).for_each(|(o, n)| *o += n);
        }
    }

    let clients = format!("{} clients", prep.clients);
    let one_row = Ceiling::new("ceiling", c1);
    let mut first = Figure::new(
        "W1",
        backend,
        "1 client",
        "cmd/s",
        w1.map(|(m, _)| m),
        one_row,
        Target::Share(0.85),
    );
    first.note = w1.map(|(_, l)| l.describe());
    let mut figures = vec![first];
    let mut second = match c2 {
        Some(c2) => Figure::new(
            "W2",
            backend,
            clients,
            "cmd/s",
            w2.map(|(m, _)| m),
            Ceiling::new(format!("{}-connection ceiling", prep.clients), c2),
            Target::Share(1.0),
        ),
        None => Figure::new(
            "W2",
            backend,
            clients,
            "cmd/s",
            w2.map(|(m, _)| m),
            Ceiling::new("one-row ceiling", c1),
            Target::Multiple(8.0),
        ),
    };
    second.note = w2.map(|(_, l)| l.describe());
    figures.push(second);
    let batch_label = format!(
        "batch {}",
        thousands(prep.batch_rows.first().map_or(0, Vec::len) as f64)
    );
    let mut load = Figure::new(
        "W3",
        backend,
        batch_label,
        "ev/s",
        w3,
        Ceiling::new("ceiling", c3),
        Target::Share(0.7),
    );
    load.note = w3_note;
    figures.push(load);
    let mut replay = Figure::new(
        "W4",
        backend,
        "replay",
        "ev/s",
        w4,
        Ceiling::new("read ceiling", c4),
        Target::Share(0.8),
    );
    replay.ready_1m_secs = replay.value.filter(|v| *v > 0.0).map(|v| 1_000_000.0 / v);
    replay.note = w4_note;
    figures.push(replay);
    Ok(BackendRun { figures, summary })
}

async fn run_embedded(prep: &Prepared) -> Result<BackendRun> {
    let mut ceiling = SqliteCeiling::open()?;
    let dir = tempfile::Builder::new()
        .prefix("fundtrail-bench-store-")
        .tempdir()?;
    let store = SqliteStore::open(dir.path())?;
    let run = run_backend("embedded", Some(&store), &mut ceiling, prep).await;
    store.close().await;
    run
}

#[cfg(feature = "postgres")]
async fn run_postgres_store(
    url: &str,
    schema: &str,
    prep: &Prepared,
    ceiling: &mut Arc<PgCeiling>,
) -> Result<BackendRun> {
    use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
    let mut options = PostgresOptions::new(url.to_string(), schema.to_string());
    // W2's clients each need a connection, as the ceiling's do.
    options.max_connections = options.max_connections.max(prep.clients as u32 + 4);
    let store = PostgresStore::connect(options).await?;
    let run = run_backend("postgres", Some(&store), ceiling, prep).await;
    store.close().await;
    run
}

#[cfg(not(feature = "postgres"))]
async fn run_postgres_store(
    _: &str,
    _: &str,
    prep: &Prepared,
    ceiling: &mut Arc<PgCeiling>,
) -> Result<BackendRun> {
    run_backend::<SqliteStore, _>("postgres", None, ceiling, prep).await
}

async fn run_postgres(
    url: &str,
    pool: sqlx::PgPool,
    prep: &Prepared,
) -> Result<(BackendRun, String)> {
    let settings = ceiling_pg::server_settings(&pool).await?;
    let suffix = data::random_suffix();
    let schema = format!("bench_{suffix}");
    let store_schema = format!("bench_{suffix}_store");
    let ceiling = PgCeiling::create(pool.clone(), schema).await?;
    let mut ceiling = Arc::new(ceiling);
    let run = run_postgres_store(url, &store_schema, prep, &mut ceiling).await;
    let cleaned = ceiling.cleanup().await;
    let store_cleaned = ceiling_pg::drop_schema(&pool, &store_schema).await;
    pool.close().await;
    let run = run?;
    cleaned?;
    store_cleaned?;
    Ok((run, settings))
}

async fn store_command(args: StoreArgs) -> Result<()> {
    eprintln!("generating data ...");
    let (prep, described) = prepare(&args)?;
    println!(
        "fundtrail-bench store: {} events, W1/W2 bound {:.1} s or {} commands each (in {} rounds alternating with the ceiling), {} clients, seed {}",
        thousands(prep.events as f64),
        prep.bound.duration.as_secs_f64(),
        thousands(prep.bound.max as f64),
        prep.rounds,
        prep.clients,
        args.seed
    );
    println!("{described}");
    println!(
        "W1/W2 are the store-level command path (stream_version, then append with ExpectedVersion::Exact), \
         no domain or service layer yet; W4 folds with one page read ahead"
    );

    let mut figures = Vec::new();
    let mut engines = serde_json::Map::new();
    let mut summaries = Vec::new();
    if matches!(args.backend, BackendChoice::Embedded | BackendChoice::All) {
        eprintln!("embedded ...");
        let engine = format!(
            "SQLite {} WAL synchronous=FULL (store and ceiling)",
            SqliteCeiling::sqlite_version()
        );
        println!("embedded: {engine}");
        let run = run_embedded(&prep).await?;
        for figure in &run.figures {
            println!("{}", figure.line());
        }
        engines.insert("embedded".into(), engine.into());
        summaries.extend(run.summary.map(|s| ("embedded", s)));
        figures.extend(run.figures);
    }
    if matches!(args.backend, BackendChoice::Postgres | BackendChoice::All) {
        eprintln!("postgres ...");
        match ceiling_pg::connect(&args.pg_url, prep.clients as u32 + 4).await {
            Err(e) if args.backend == BackendChoice::All => {
                println!("postgres: skipped, cannot connect to {} ({e})", args.pg_url);
            }
            Err(e) => return Err(e),
            Ok(pool) => {
                let (run, settings) = run_postgres(&args.pg_url, pool, &prep).await?;
                let store = if cfg!(feature = "postgres") {
                    "store: fundtrail-store-postgres"
                } else {
                    "store: not in this build (cargo feature `postgres` off), ceilings only"
                };
                println!("postgres: {settings}; {store}");
                for figure in &run.figures {
                    println!("{}", figure.line());
                }
                engines.insert("postgres".into(), settings.into());
                summaries.extend(run.summary.map(|s| ("postgres", s)));
                figures.extend(run.figures);
            }
        }
    }
    if let [(a, first), (b, second)] = summaries.as_slice() {
        if first != second {
            return Err(format!(
                "the W4 folds of {a} and {b} differ: the backends hold different data"
            )
            .into());
        }
        println!(
            "W4 folds of {a} and {b} agree ({} roadmap-currency totals)",
            first.len()
        );
    }
    if args.json {
        let json = serde_json::json!({
            "events": prep.events,
            "seed": args.seed,
            "clients": prep.clients,
            "bound": { "commands": prep.bound.max, "seconds": prep.bound.duration.as_secs_f64() },
            "engines": engines,
            "figures": figures,
        });
        println!("{json}");
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Store(args) => store_command(args).await,
        Command::Api(args) => api_bench::run(args).await,
        Command::Commands(args) => command_path::run(args).await,
        Command::Soak(args) => soak::run(args).await,
    };
    if let Err(e) = result {
        eprintln!("fundtrail-bench: {e}");
        std::process::exit(1);
    }
}
