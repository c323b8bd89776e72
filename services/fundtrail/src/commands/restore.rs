//! `fundtrail restore FILE`: a backup into an EMPTY store (or one an
//! interrupted restore of the same backup left: resumed), then verified.

use std::path::Path;
use std::time::Instant;

use fundtrail_store_postgres::{PostgresOptions, PostgresStore};
use fundtrail_store_sqlite::SqliteStore;

use crate::Failure;
use crate::commands::{progress_bar, shown, tick};
use crate::config::Settings;
use fundtrail_store::backup;

pub(crate) async fn restore_from(
    settings: &Settings,
    file: &Path,
    check_only: bool,
) -> Result<(), Failure> {
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
        Err(
            e
            @ (backup::BackupError::NotEmpty { .. } | backup::BackupError::AlreadyRestored { .. }),
        ) => return Err(e.into()),
        Err(e) => {
            eprintln!(
                "fundtrail: the restore stopped; the target store may hold part of the ledger: \
                 run the same restore again to resume it (it goes on after the events already \
                 written, once they match the backup), or empty the store (a new --data-dir, or \
                 drop the PostgreSQL schema) to start over"
            );
            return Err(e.into());
        }
    };
    if summary.resumed_after > 0 {
        println!(
            "restore: resumed after position {}, where an interrupted restore of this backup stopped",
            summary.resumed_after
        );
    }
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

/// Standard input, gzip or not.
fn stdin_input() -> std::io::Result<Box<dyn std::io::BufRead>> {
    backup::open_input(std::io::stdin())
}
