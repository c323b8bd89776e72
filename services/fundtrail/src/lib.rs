//! `fundtrail`: the command line. Serve the API and the web workspace,
//! import a report, export tables, verify the ledger, manage tokens, back up,
//! restore and rebuild. Every command is a thin caller of the application
//! (`fundtrail-app`) and of the faces it starts (`fundtrail-api`,
//! `fundtrail-web`, `fundtrail-import`, `fundtrail-export`).
//!
//! - [`cli`]: the arguments, and the settings each command runs with;
//! - `commands/`: one module per command.

mod allocator;
mod cli;
mod commands;
mod config;

use clap::Parser;

use config::LogFormat;

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
    Rebuild(#[from] fundtrail_app::rebuild::RebuildError),
    #[error("read models: {0}")]
    Fold(#[from] fundtrail_app::reads::FoldError),
    #[error("export: {0}")]
    Export(#[from] fundtrail_export::ExportError),
    #[error("settings: {0}")]
    Settings(String),
}

/// The whole `fundtrail` command: parses the arguments, runs, and says how it went.
pub fn main() -> std::process::ExitCode {
    allocator::tune();
    let cli = cli::Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fundtrail: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

pub(crate) fn init_logging(format: LogFormat) {
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
