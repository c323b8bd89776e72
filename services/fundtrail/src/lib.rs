//! `fundtrail`: serve the API, import a report, verify the ledger's hash chain,
//! export tables, print the schema.

mod config;
mod kurrent_store;
mod ops;
mod tokens;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand};
use fundtrail_api::{AppState, Limits, ServeOptions, SnapshotConfig, build_schema, router};
use fundtrail_store::EventStore;
use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
use fundtrail_store_sqlite::SqliteStore;

use config::{LogFormat, Overrides, Settings};

#[derive(Parser)]
#[command(
    name = "fundtrail",
    version,
    about = "Event-sourced partnership and funding tracker (SDG target 8.7)"
)]
struct Cli {
    /// A TOML file with settings (see ops/fundtrail.example.toml).
    #[arg(long, global = true, env = "FUNDTRAIL_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone, Default)]
struct StoreArgs {
    /// Directory of the embedded store [default: ./fundtrail-data]
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// A postgres://… or kurrentdb://… (esdb://…) URL to use PostgreSQL or KurrentDB
    /// instead of the embedded store.
    #[arg(long, global = true)]
    store: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the GraphQL API (GraphiQL at /graphiql).
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to listen on [default: 127.0.0.1:8087]
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        /// Log lines as text or JSON.
        #[arg(long, value_enum)]
        log_format: Option<LogFormat>,
        /// Directory of read-model snapshots [default: <data-dir>/snapshots,
        /// or ./fundtrail-snapshots with PostgreSQL]
        #[arg(long)]
        snapshot_dir: Option<PathBuf>,
        /// Serve a fresh temporary store (removed at exit) holding the
        /// Côte d'Ivoire 2023 report, imported before listening.
        #[arg(long, conflicts_with_all = ["data_dir", "store", "snapshot_dir"])]
        demo: bool,
        /// Let anonymous callers read (a transparency portal); writes always
        /// need a token.
        #[arg(long)]
        public_read: bool,
    },
    /// Manage principals' API tokens (run where the store is: the local
    /// administrator). Roles: viewer, officer, auditor, admin.
    Token {
        #[command(subcommand)]
        action: tokens::TokenCommand,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Import a country's YAML report (format: ops/demo/civ-2023.yaml) through
    /// the ledger. Importing the same file again appends nothing; a file with
    /// errors is refused whole, every problem listed.
    Import {
        /// The YAML file.
        file: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Walk the hash chain of the ledger and report the first break, if any.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Export a table (funding by priority, pledges, partnerships, proposals,
    /// donors) as CSV, JSON or XLSX, or the pledges as IATI activity XML 2.03
    /// (`pledges --format iati`, docs/iati.md); all but XLSX go to stdout unless --out.
    Export {
        /// The table.
        #[arg(value_enum)]
        table: ExportTable,
        /// The roadmap (required for funding; a filter for pledges and donors).
        #[arg(long)]
        roadmap: Option<String>,
        /// Reporting currency [default: the roadmap's].
        #[arg(long)]
        currency: Option<String>,
        /// The ledger as it was at this instant (RFC 3339).
        #[arg(long)]
        as_of: Option<String>,
        /// Convert at the rates in force on this date (YYYY-MM-DD).
        #[arg(long)]
        on: Option<String>,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Language of the column headers; for iati, the language the
        /// ledger's own texts are written in.
        #[arg(long, value_enum, default_value = "en")]
        lang: ExportLang,
        /// iati: the id of the publishing organisation in this ledger.
        #[arg(long)]
        reporting_org: Option<String>,
        /// iati: the publisher's IATI organisation identifier (e.g. AA-AAA-123456789).
        #[arg(long)]
        reporting_org_ref: Option<String>,
        /// The file to write (required for xlsx).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// backup, restore, rebuild (docs/operations.md).
    #[command(flatten)]
    Ops(ops::OpsCommand),
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ExportTable {
    Funding,
    Pledges,
    Partnerships,
    Proposals,
    Donors,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ExportFormat {
    Csv,
    Json,
    Xlsx,
    /// IATI activity XML 2.03 (pledges only).
    Iati,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ExportLang {
    En,
    Fr,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    #[error("configuration: {0}")]
    Config(#[from] Box<figment::Error>),
    #[error("store: {0}")]
    Store(#[from] fundtrail_store::StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the ledger's hash chain is broken: {0}")]
    Broken(String),
    #[error("ledger: {0}")]
    Ledger(#[from] fundtrail_ledger::ServiceError),
    #[error("{file}: {count} problem(s), nothing imported")]
    Invalid { file: String, count: usize },
    #[error("import: {0}")]
    Import(#[from] fundtrail_import::ImportError),
    #[error("import incomplete: {0}")]
    Incomplete(String),
    #[error("{0}")]
    Backup(#[from] fundtrail_store::backup::BackupError),
    #[error("rebuild: {0}")]
    Rebuild(#[from] fundtrail_api::rebuild::RebuildError),
    #[error("export: {0}")]
    Export(#[from] fundtrail_api::export::ExportError),
}

/// The whole `fundtrail` command: parses the arguments, runs, and says how it went.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fundtrail: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Serve {
            store,
            listen,
            log_format,
            snapshot_dir,
            demo,
            public_read,
        } => {
            let overrides = Overrides {
                data_dir: store.data_dir,
                store: store.store,
                listen,
                log_format,
                snapshot_dir,
                public_read: public_read.then_some(true),
            };
            let mut settings = config::load(cli.config.as_deref(), &overrides)?;
            init_logging(settings.log_format);
            if !demo {
                return serve(settings, false).await;
            }
            // Removed when dropped, after the server stopped.
            let temporary = tempfile::Builder::new()
                .prefix("fundtrail-demo-")
                .tempdir()?;
            settings.data_dir = temporary.path().to_path_buf();
            settings.store = None;
            settings.snapshot_dir = None;
            tracing::info!(dir = %temporary.path().display(), "demo: a temporary store, removed at exit");
            serve(settings, true).await
        }
        Command::Token { action, store } => {
            let overrides = Overrides {
                data_dir: store.data_dir,
                store: store.store,
                ..Default::default()
            };
            let settings = config::load(cli.config.as_deref(), &overrides)?;
            init_logging(LogFormat::Text);
            let store = open_store(&settings).await?;
            let state = AppState::start(store, Limits::default()).await?;
            while !state.is_ready() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            tokens::run(&state, action).await
        }
        Command::Import { file, store } => {
            let overrides = Overrides {
                data_dir: store.data_dir,
                store: store.store,
                ..Default::default()
            };
            let settings = config::load(cli.config.as_deref(), &overrides)?;
            init_logging(LogFormat::Text);
            import(&settings, &file).await
        }
        Command::Verify { store } => {
            let overrides = Overrides {
                data_dir: store.data_dir,
                store: store.store,
                ..Default::default()
            };
            let settings = config::load(cli.config.as_deref(), &overrides)?;
            init_logging(LogFormat::Text);
            let store = open_store(&settings).await?;
            let report = store.verify().await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
            match report.first_break {
                None => Ok(()),
                Some(b) => Err(Failure::Broken(format!(
                    "position {} ({:?})",
                    b.position, b.problem
                ))),
            }
        }
        Command::Export {
            table,
            roadmap,
            currency,
            as_of,
            on,
            format,
            lang,
            reporting_org,
            reporting_org_ref,
            out,
            store,
        } => {
            use fundtrail_api::export::{self, ExportError, Format, Kind, Lang};
            let kind = match table {
                ExportTable::Funding => Kind::Funding,
                ExportTable::Pledges => Kind::Pledges,
                ExportTable::Partnerships => Kind::Partnerships,
                ExportTable::Proposals => Kind::Proposals,
                ExportTable::Donors => Kind::Donors,
            };
            let format = match format {
                ExportFormat::Csv => Format::Csv,
                ExportFormat::Json => Format::Json,
                ExportFormat::Xlsx => Format::Xlsx,
                ExportFormat::Iati => Format::Iati,
            };
            if format == Format::Xlsx && out.is_none() {
                return Err(ExportError::BadRequest("xlsx needs --out FILE".into()).into());
            }
            // The same parameters, checked the same way, as GET /export/...
            let mut params = std::collections::HashMap::new();
            for (key, value) in [
                ("roadmap", roadmap),
                ("currency", currency),
                ("asOf", as_of),
                ("on", on),
                ("reportingOrg", reporting_org),
                ("reportingOrgRef", reporting_org_ref),
            ] {
                if let Some(value) = value {
                    params.insert(key.to_owned(), value);
                }
            }
            let today = chrono::Utc::now().date_naive();
            let mut query = export::query_from(&params, today)?;
            query.lang = match lang {
                ExportLang::En => Lang::En,
                ExportLang::Fr => Lang::Fr,
            };
            let overrides = Overrides {
                data_dir: store.data_dir,
                store: store.store,
                ..Default::default()
            };
            let settings = config::load(cli.config.as_deref(), &overrides)?;
            init_logging(LogFormat::Text);
            let store = open_store(&settings).await?;
            let state = AppState::start(store, Limits::default()).await?;
            while !state.is_ready() {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let bytes = export::export(&state, kind, &query, format)?;
            match out {
                Some(path) => std::fs::write(path, bytes)?,
                None => {
                    use std::io::Write;
                    let mut stdout = std::io::stdout().lock();
                    stdout.write_all(&bytes)?;
                    stdout.flush()?;
                }
            }
            Ok(())
        }
        Command::Ops(command) => ops::run(cli.config.as_deref(), command).await,
        Command::Schema => {
            print!("{}", fundtrail_api::graphql::sdl());
            Ok(())
        }
    }
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=info"));
    // tungstenite's trace lines quote whole websocket frames, and a
    // `connection_init` frame holds the caller's token: never logged, even
    // with RUST_LOG=trace (tests/tests/e2e/hostile.rs looks).
    let no_frames = tracing_subscriber::filter::filter_fn(|metadata| {
        !(*metadata.level() == tracing::Level::TRACE
            && metadata.target().starts_with("tungstenite"))
    });
    let registry = tracing_subscriber::registry().with(filter).with(no_frames);
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => registry.with(layer).try_init(),
        LogFormat::Json => registry.with(layer.json()).try_init(),
    };
}

async fn open_store(settings: &Settings) -> Result<Arc<dyn EventStore>, Failure> {
    match settings.store.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            let store =
                PostgresStore::connect(PostgresOptions::new(url, settings.pg_schema.clone()))
                    .await?;
            Ok(Arc::new(store))
        }
        Some(url) if kurrent_store::is_url(url) => {
            Ok(kurrent_store::open(url, &settings.kurrentdb_stream).await?)
        }
        Some(other) => Err(Failure::Store(fundtrail_store::StoreError::InvalidRequest(
            format!(
                "unsupported store {other:?}: use a postgres:// or kurrentdb:// URL, or --data-dir for the embedded store"
            ),
        ))),
        None => Ok(Arc::new(SqliteStore::open(&settings.data_dir)?)),
    }
}

async fn serve(settings: Settings, demo: bool) -> Result<(), Failure> {
    let store = open_store(&settings).await?;
    let snapshots = SnapshotConfig::new(settings.snapshots_at());
    let state = AppState::start_with(store.clone(), Limits::default(), Some(snapshots)).await?;
    if demo {
        let plan = fundtrail_import::plan(fundtrail_import::DEMO_FILE_NAME, fundtrail_import::DEMO)
            .map_err(|problems| Failure::Invalid {
                file: fundtrail_import::DEMO_FILE_NAME.into(),
                count: problems.len(),
            })?;
        let summary = fundtrail_import::apply(&state, &plan, |_, _| {}).await?;
        tracing::info!(
            records = summary.records_read,
            events = summary.events_appended,
            "demo data imported ({})",
            fundtrail_import::DEMO_FILE_NAME
        );
    }
    let demo_token = if demo {
        Some(tokens::create_admin(&state, "demo-admin").await?)
    } else {
        None
    };
    let schema = build_schema(state.clone());
    let options = ServeOptions {
        max_body_bytes: settings.max_body_bytes,
        request_timeout: Duration::from_secs(settings.request_timeout_secs),
        auth: fundtrail_api::auth::AuthPolicy {
            public_read: settings.public_read,
        },
        rate_limit: (settings.rate_limit_per_second > 0).then_some(
            fundtrail_api::rate_limit::RateLimit {
                per_second: settings.rate_limit_per_second,
                burst: settings.rate_limit_burst,
            },
        ),
    };
    // The web pages (issue #8) beside the API, on the same port.
    let (pages, web) = fundtrail_web::routes(
        state.clone(),
        fundtrail_web::WebOptions {
            public_read: settings.public_read,
            demo,
        },
    );
    let app = router(schema, state.clone(), options).merge(pages);
    let listener = tokio::net::TcpListener::bind(settings.listen).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, backend = store.backend(), public_read = settings.public_read, "fundtrail is listening; web pages at http://{address}/, GraphiQL at http://{address}/graphiql");
    if let Some(token) = &demo_token {
        // Printed, not logged: log files outlive a demo.
        println!(
            "\nOpen the dashboard (this link signs you in once):\n\n    http://{address}{}\n",
            web.one_time_login_path(token)
        );
        println!(
            "\nDemo admin token (this store only, gone at exit):\n\n    {token}\n\n\
             In GraphiQL (http://{address}/graphiql) open Headers and paste:\n\n    \
             {{\"Authorization\": \"Bearer {token}\"}}\n\n\
             or: curl -H 'Authorization: Bearer {token}' -H 'Content-Type: application/json' \
             -d '{{\"query\":\"{{ me {{ name role }} }}\"}}' http://{address}/graphql\n"
        );
    } else if state.read().tokens().is_empty() {
        tracing::warn!(
            "this ledger has no API tokens yet: create the first admin token with \
             `fundtrail token create --name NAME --role admin` (with the server stopped, \
             for the embedded store)"
        );
    }
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
    if let Some(position) = state.snapshot_now().await {
        tracing::info!(position, "read-model snapshot written on shutdown");
    }
    tracing::info!("fundtrail stopped");
    Ok(())
}

/// `fundtrail import FILE`: validate all, then run every command through the ledger.
async fn import(settings: &Settings, file: &std::path::Path) -> Result<(), Failure> {
    use fundtrail_import::Outcome;
    use std::io::IsTerminal;

    let text = std::fs::read_to_string(file)?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let plan = match fundtrail_import::plan(&name, &text) {
        Ok(plan) => plan,
        Err(problems) => {
            for p in &problems {
                eprintln!("{}: {p}", file.display());
            }
            return Err(Failure::Invalid {
                file: file.display().to_string(),
                count: problems.len(),
            });
        }
    };
    let store = open_store(settings).await?;
    let state = AppState::start(store, Limits::default()).await?;
    // Planned and dry-run in full against the ledger as it is: a file that
    // does not fit (a correction no command makes, say) appends nothing.
    let changes = match fundtrail_import::changes(&state, &plan).await {
        Ok(changes) => changes,
        Err(fundtrail_import::ImportError::Refused(problems)) => {
            for p in &problems {
                eprintln!("{}: {p}", file.display());
            }
            return Err(Failure::Invalid {
                file: file.display().to_string(),
                count: problems.len(),
            });
        }
        Err(e) => return Err(e.into()),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(changes.steps.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let summary = fundtrail_import::run(&state, &changes, |step, outcome| {
        let what = match outcome {
            Outcome::Appended => "appended".to_owned(),
            Outcome::Unchanged => "unchanged".to_owned(),
            Outcome::Refused(reason) => format!("refused: {reason}"),
        };
        match &bar {
            Some(bar) => {
                if !matches!(outcome, Outcome::Appended | Outcome::Unchanged) {
                    bar.println(format!("{}:{}: {what}", step.record_id, step.step));
                }
                bar.set_message(format!("{}:{}", step.record_id, step.step));
                bar.inc(1);
            }
            None => tracing::info!(record = %step.record_id, step = step.step, "{what}"),
        }
    })
    .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!(
        "{name}: {} records read, {} events appended, {} records unchanged, {} records corrected, {} records added",
        summary.records_read,
        summary.events_appended,
        summary.records_unchanged,
        summary.records_corrected,
        summary.records_added
    );
    for r in &summary.refused {
        println!("  {r}");
    }
    if summary.is_complete() {
        Ok(())
    } else {
        Err(Failure::Incomplete(format!(
            "{} step(s) refused",
            summary.refused.len()
        )))
    }
}

/// SIGTERM or Ctrl-C: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
