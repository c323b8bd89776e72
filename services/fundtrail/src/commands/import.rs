//! `fundtrail import FILE`: a YAML report through the ledger (validated in
//! full first; again = no-op; corrected = corrections; `docs/import.md`).

use fundtrail_app::{AppState, Limits};

use crate::Failure;
use crate::config::Settings;

/// `fundtrail import FILE`: validate all, then run every command through the ledger.
pub(crate) async fn import(settings: &Settings, file: &std::path::Path) -> Result<(), Failure> {
    use fundtrail_import::Outcome;
    use std::io::IsTerminal;

    let text = std::fs::read_to_string(file)?;
    let name = file.file_name().map_or_else(
        || file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let load = fundtrail_import::texts_beside(file);
    let plan = match fundtrail_import::plan_with(&name, &text, &load) {
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
    let store = fundtrail_app::open::open_store(&settings.location()).await?;
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
