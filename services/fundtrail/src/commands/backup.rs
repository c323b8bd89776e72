//! `fundtrail backup --to FILE`: the whole ledger as gzip NDJSON, read
//! through a read-only view of the store (safe while a server runs).

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use crate::Failure;
use crate::commands::{progress_bar, shown, tick};
use crate::config::Settings;
use fundtrail_store::backup;

pub(crate) async fn backup_to(settings: &Settings, to: &Path) -> Result<(), Failure> {
    let reader = fundtrail_app::open::open_reader(&settings.location()).await?;
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
