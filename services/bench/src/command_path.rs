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
use fundtrail_store::EventStore;
use rust_decimal::Decimal;

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
        let verified = store.verify().await?;
        if !verified.is_intact() {
            return Err(format!("{backend}: the hash chain does not verify after the run").into());
        }
        drop(state);
        #[cfg(feature = "postgres")]
        if backend == "postgres" {
            let pool = crate::ceiling_pg::connect(&args.pg_url, 1).await?;
            crate::ceiling_pg::drop_schema(&pool, &schema).await?;
        }
    }
    Ok(())
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

/// The next command of one client's ladder.
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
