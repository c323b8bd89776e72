//! One module per command; [`run`] sends each to its module.
//!
//! Read-only commands (`export`, `verify`, `backup`, `rebuild`) open the
//! store for reading only ([`fundtrail_app::open::open_reader`]), so they
//! work while a server runs on the same embedded store.

pub(crate) mod backup;
pub(crate) mod export;
pub(crate) mod import;
pub(crate) mod rebuild;
pub(crate) mod restore;
pub(crate) mod serve;
pub(crate) mod token;
pub(crate) mod verify;

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::cli::{Cli, Command, StoreArgs, settings};
use crate::config::{LogFormat, Overrides};
use crate::{Failure, init_logging};

#[derive(clap::Subcommand)]
pub(crate) enum OpsCommand {
    /// Write the whole ledger (events, their hashes, recorded commandIds) to
    /// a gzip-compressed NDJSON file. Safe while a server runs on the store.
    Backup {
        /// The file to write, e.g. fundtrail-2026-05-01.ndjson.gz (`-`:
        /// standard output). An existing file is not overwritten.
        #[arg(long)]
        to: PathBuf,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Load a backup into an EMPTY store (a new --data-dir, or an empty
    /// PostgreSQL schema), then verify the hash chain.
    Restore {
        /// The backup (gzip or plain NDJSON; `-`: standard input, restored
        /// in one pass: a file is checked whole before anything is written).
        file: PathBuf,
        /// Only check the file (every line, the hash chain, the end line);
        /// open no store.
        #[arg(long)]
        check: bool,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Drop the read-model snapshots, replay the whole log into fresh read
    /// models, and write one new snapshot (a server started next loads it).
    Rebuild {
        #[command(flatten)]
        store: StoreArgs,
        /// Directory of read-model snapshots [default: <data-dir>/snapshots,
        /// or ./fundtrail-snapshots with PostgreSQL]
        #[arg(long)]
        snapshot_dir: Option<PathBuf>,
    },
}

pub(crate) async fn run(cli: Cli) -> Result<(), Failure> {
    let config_file = cli.config.as_deref();
    match cli.command {
        Command::Serve {
            store,
            listen,
            log_format,
            snapshot_dir,
            demo,
            public_read,
            metrics_listen,
            test_clock,
        } => {
            let overrides = Overrides {
                metrics_listen,
                listen,
                log_format,
                snapshot_dir,
                public_read: public_read.then_some(true),
                ..store.overrides()
            };
            let mut settings = settings(config_file, &overrides)?;
            init_logging(settings.log_format);
            if !demo {
                return serve::serve(settings, false, test_clock).await;
            }
            // Removed when dropped, after the server stopped.
            let temporary = tempfile::Builder::new()
                .prefix("fundtrail-demo-")
                .tempdir()?;
            settings.data_dir = temporary.path().to_path_buf();
            settings.store = None;
            settings.snapshot_dir = None;
            settings.alert_outbox = None;
            tracing::info!(dir = %temporary.path().display(), "demo: a temporary store, removed at exit");
            serve::serve(settings, true, test_clock).await
        }
        Command::Token { action, store } => {
            let settings = settings(config_file, &store.overrides())?;
            init_logging(LogFormat::Text);
            token::run(&settings, action).await
        }
        Command::Import { file, store } => {
            let settings = settings(config_file, &store.overrides())?;
            init_logging(LogFormat::Text);
            import::import(&settings, &file).await
        }
        Command::Verify { store } => {
            let settings = settings(config_file, &store.overrides())?;
            init_logging(LogFormat::Text);
            verify::verify(&settings).await
        }
        Command::Export { request, store } => {
            let settings = settings(config_file, &store.overrides())?;
            init_logging(LogFormat::Text);
            export::export(&settings, request).await
        }
        Command::Ops(command) => {
            init_logging(LogFormat::Text);
            match command {
                OpsCommand::Backup { to, store } => {
                    backup::backup_to(&settings(config_file, &store.overrides())?, &to).await
                }
                OpsCommand::Restore { file, check, store } => {
                    let settings = settings(config_file, &store.overrides())?;
                    restore::restore_from(&settings, &file, check).await
                }
                OpsCommand::Rebuild {
                    store,
                    snapshot_dir,
                } => {
                    let overrides = Overrides {
                        snapshot_dir,
                        ..store.overrides()
                    };
                    rebuild::rebuild(&settings(config_file, &overrides)?).await
                }
            }
        }
        Command::Schema => {
            print!("{}", fundtrail_api::graphql::sdl());
            Ok(())
        }
    }
}

/// A progress bar on stderr when it is a terminal (as `fundtrail import`).
pub(crate) fn progress_bar(what: &'static str) -> Option<indicatif::ProgressBar> {
    std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!(
                "{{bar:40}} {{pos}}/{{len}} {what} {{elapsed}} (eta {{eta}})"
            ))
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

pub(crate) fn tick(bar: &Option<indicatif::ProgressBar>) -> impl FnMut(u64, u64) + '_ {
    move |done, total| {
        if let Some(bar) = bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    }
}

pub(crate) fn shown(path: &std::path::Path) -> String {
    path.display().to_string()
}
