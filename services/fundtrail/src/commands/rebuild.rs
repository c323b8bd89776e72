//! `fundtrail rebuild`: drop the read-model snapshots, fold the whole log,
//! write one new snapshot (reads only: runs beside a server).

use fundtrail_app::SnapshotConfig;

use crate::Failure;
use crate::commands::{progress_bar, shown, tick};
use crate::config::Settings;

pub(crate) async fn rebuild(settings: &Settings) -> Result<(), Failure> {
    let reader = fundtrail_app::open::open_reader(&settings.location()).await?;
    let config = SnapshotConfig::new(settings.snapshots_at());
    let bar = progress_bar("events replayed");
    let report = fundtrail_app::rebuild::rebuild(reader.as_ref(), &config, tick(&bar)).await?;
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
