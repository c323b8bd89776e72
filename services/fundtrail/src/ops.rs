//! The operations commands: `fundtrail backup`, `fundtrail restore`,
//! `fundtrail rebuild` (docs/operations.md).
//!
//! Backup and rebuild only read the store, so they run beside a server: with
//! PostgreSQL that is one more client; with the embedded store they open the
//! directory read-only ([`SqliteReader`]: no directory lock, SQLite WAL lets
//! other processes read while the server writes). Restore writes, into an
//! empty store only.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use fundtrail_api::SnapshotConfig;
use fundtrail_store::EventReader;
use fundtrail_store::backup;
use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
use fundtrail_store_sqlite::{SqliteReader, SqliteStore};

use crate::config::{self, LogFormat, Overrides, Settings};
use crate::{Failure, StoreArgs};

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

pub(crate) async fn run(config_file: Option<&Path>, command: OpsCommand) -> Result<(), Failure> {
    crate::init_logging(LogFormat::Text);
    match command {
        OpsCommand::Backup { to, store } => {
            let settings = settings(config_file, store, None)?;
            backup_to(&settings, &to).await
        }
        OpsCommand::Restore { file, check, store } => {
            let settings = settings(config_file, store, None)?;
            restore_from(&settings, &file, check).await
        }
        OpsCommand::Rebuild {
            store,
            snapshot_dir,
        } => {
            let settings = settings(config_file, store, snapshot_dir)?;
            rebuild(&settings).await
        }
    }
}

fn settings(
    config_file: Option<&Path>,
    store: StoreArgs,
    snapshot_dir: Option<PathBuf>,
) -> Result<Settings, Failure> {
    let overrides = Overrides {
        data_dir: store.data_dir,
        store: store.store,
        snapshot_dir,
        ..Default::default()
    };
    Ok(config::load(config_file, &overrides)?)
}

/// The PostgreSQL URL of the settings, if they name one; another store URL
/// is refused (restoring needs `EventRestorer`: embedded and PostgreSQL).
fn postgres_url(settings: &Settings) -> Result<Option<&str>, Failure> {
    match settings.store.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Some(url))
        }
        Some(other) => Err(Failure::Store(fundtrail_store::StoreError::InvalidRequest(
            format!(
                "cannot restore into {other:?}: restore into the embedded store (--data-dir) or PostgreSQL (postgres://...)"
            ),
        ))),
        None => Ok(None),
    }
}

/// The store, for reading only: the embedded one read-only and without its
/// lock, a server-based one (PostgreSQL, ...) as `serve` opens it.
async fn open_reader(settings: &Settings) -> Result<Arc<dyn EventReader>, Failure> {
    Ok(match &settings.store {
        None => Arc::new(SqliteReader::open(&settings.data_dir)?),
        Some(_) => crate::open_store(settings).await?,
    })
}

/// A progress bar on stderr when it is a terminal (as `fundtrail import`).
fn progress_bar(what: &'static str) -> Option<indicatif::ProgressBar> {
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

fn tick(bar: &Option<indicatif::ProgressBar>) -> impl FnMut(u64, u64) + '_ {
    move |done, total| {
        if let Some(bar) = bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    }
}

/// Standard input, gzip or not.
fn stdin_input() -> std::io::Result<Box<dyn std::io::BufRead>> {
    backup::open_input(std::io::stdin())
}

fn shown(path: &Path) -> String {
    path.display().to_string()
}

async fn backup_to(settings: &Settings, to: &Path) -> Result<(), Failure> {
    let reader = open_reader(settings).await?;
    let started = Instant::now();
    let bar = progress_bar("events");
    let to_stdout = to == Path::new("-");
    let (summary, bytes) = if to_stdout {
        let stdout = std::io::stdout().lock();
        let mut gz = flate2::write::GzEncoder::new(
            std::io::BufWriter::with_capacity(256 * 1024, stdout),
            flate2::Compression::default(),
        );
        let summary = backup::write_backup(reader.as_ref(), &mut gz, tick(&bar)).await?;
        gz.finish()?.flush()?;
        (summary, None)
    } else {
        if to.exists() {
            return Err(Failure::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} exists: choose another name", shown(to)),
            )));
        }
        // Written aside and renamed when complete: a failed backup leaves
        // no file that looks like one.
        let name = to
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "backup".into());
        let partial = to.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let file = std::fs::File::create(&partial)?;
        let result = async {
            let mut gz = flate2::write::GzEncoder::new(
                std::io::BufWriter::with_capacity(256 * 1024, file),
                flate2::Compression::default(),
            );
            let summary = backup::write_backup(reader.as_ref(), &mut gz, tick(&bar)).await?;
            let file = gz
                .finish()?
                .into_inner()
                .map_err(std::io::IntoInnerError::into_error)?;
            file.sync_all()?;
            Ok::<_, Failure>(summary)
        }
        .await;
        let summary = match result {
            Ok(summary) => summary,
            Err(e) => {
                let _ = std::fs::remove_file(&partial);
                return Err(e);
            }
        };
        std::fs::rename(&partial, to)?;
        if let Some(dir) = to.parent().filter(|d| !d.as_os_str().is_empty())
            && let Ok(dir) = std::fs::File::open(dir)
        {
            let _ = dir.sync_all();
        }
        (summary, Some(std::fs::metadata(to)?.len()))
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let line = format!(
        "backup: {} events, {} commands, head {} at position {}{} in {:.3} s",
        summary.events,
        summary.commands,
        summary.head.hash,
        summary.head.position,
        bytes.map_or_else(String::new, |b| format!(" -> {} ({b} bytes)", shown(to))),
        started.elapsed().as_secs_f64()
    );
    if to_stdout {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    Ok(())
}

async fn restore_from(settings: &Settings, file: &Path, check_only: bool) -> Result<(), Failure> {
    let started = Instant::now();
    let from_stdin = file == Path::new("-");
    if !from_stdin {
        // The whole file first: one cut short or altered writes nothing.
        let mut input = backup::open_input(std::fs::File::open(file)?)?;
        let header = backup::read_header(&mut input)?;
        let bar = progress_bar("events checked");
        let checked = backup::check(header, &mut input, tick(&bar));
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let (events, commands) = checked?;
        if check_only {
            println!(
                "check: {} is a whole backup: {events} events, {commands} commands, hash chain intact ({:.3} s)",
                shown(file),
                started.elapsed().as_secs_f64()
            );
            return Ok(());
        }
    } else if check_only {
        let mut input = stdin_input()?;
        let header = backup::read_header(&mut input)?;
        let (events, commands) = backup::check(header, &mut input, |_, _| {})?;
        println!("check: a whole backup: {events} events, {commands} commands, hash chain intact");
        return Ok(());
    }
    let mut input: Box<dyn std::io::BufRead> = if from_stdin {
        stdin_input()?
    } else {
        backup::open_input(std::fs::File::open(file)?)?
    };
    // The header first: a file that is no backup touches no store.
    let header = backup::read_header(&mut input)?;
    let bar = progress_bar("events");
    let summary = match postgres_url(settings)? {
        Some(url) => {
            let store =
                PostgresStore::connect(PostgresOptions::new(url, settings.pg_schema.clone()))
                    .await?;
            let result = backup::restore(&store, header, &mut input, tick(&bar)).await;
            store.close().await;
            result
        }
        None => {
            let store = SqliteStore::open(&settings.data_dir)?;
            let result = backup::restore(&store, header, &mut input, tick(&bar)).await;
            store.close().await;
            result
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let summary = match summary {
        Ok(summary) => summary,
        Err(e @ backup::BackupError::NotEmpty { .. }) => return Err(e.into()),
        Err(e) => {
            eprintln!(
                "fundtrail: the restore stopped; the target store may hold part of the ledger: \
                 empty it (a new --data-dir, or drop the PostgreSQL schema) before trying again"
            );
            return Err(e.into());
        }
    };
    println!(
        "restore: {} events, {} commands, head {} at position {}; hash chain verified ({} events) in {:.3} s",
        summary.events,
        summary.commands,
        summary.head.hash,
        summary.head.position,
        summary.verify.checked,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn rebuild(settings: &Settings) -> Result<(), Failure> {
    let reader = open_reader(settings).await?;
    let config = SnapshotConfig::new(settings.snapshots_at());
    let bar = progress_bar("events replayed");
    let report = fundtrail_api::rebuild::rebuild(reader.as_ref(), &config, tick(&bar)).await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!(
        "rebuild: {} events replayed in {:.3} s ({} snapshot(s) removed{}); {}",
        report.events,
        report.elapsed.as_secs_f64(),
        report.removed,
        if report.skipped > 0 {
            format!(", {} event(s) unreadable and skipped", report.skipped)
        } else {
            String::new()
        },
        match &report.snapshot {
            Some(path) => format!("snapshot at position {}: {}", report.position, shown(path)),
            None => "empty log: no snapshot written".into(),
        }
    );
    Ok(())
}
