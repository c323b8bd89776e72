//! `fundtrail rebuild`: drop the read-model snapshots, fold the whole log
//! into fresh read models, and write one new snapshot.
//!
//! The read models live in memory (ADR 005); their only checkpoints are the
//! snapshot files of [`crate::snapshots`]. A server that starts after a
//! rebuild loads the new snapshot and folds only what was appended since.
//! Snapshots of another format version are skipped at start anyway; a
//! rebuild is for the other cases: a snapshot suspected of being wrong, a
//! projection fixed without a format change, or preparing the snapshot of a
//! new version before switching to it so that it starts fast.
//!
//! Only reads the store, so it can run beside a server: the server keeps
//! its own models in memory and may write snapshots of its own meanwhile
//! (each file is written atomically; the newest usable one wins at start).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use fundtrail_projections::ReadModel;
use fundtrail_store::{EventReader, StoreError};

use crate::reads::{FoldError, fold_log};
use crate::snapshots::{self, SnapshotConfig};

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    /// Snapshot files removed before folding.
    pub removed: usize,
    /// Events folded (the log up to its head when the rebuild started).
    pub events: u64,
    /// Events the read models could not decode (logged, as the server does).
    pub skipped: u64,
    pub position: u64,
    pub elapsed: Duration,
    /// The snapshot written (none for an empty log).
    pub snapshot: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum RebuildError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("snapshot directory {dir}: {error}")]
    Io { dir: PathBuf, error: std::io::Error },
    #[error("the log has a gap or moved: expected position {expected}, read {found}")]
    Gap { expected: u64, found: u64 },
    #[error("the read models cannot be snapshotted: {0}")]
    Snapshot(String),
}

/// Removes every snapshot file (and leftovers of interrupted writes) of `dir`.
fn remove_snapshots(dir: &std::path::Path) -> std::io::Result<usize> {
    let mut removed = 0;
    for (_, path) in snapshots::list(dir) {
        std::fs::remove_file(&path)?;
        removed += 1;
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(".readmodel-") && name.contains(".tmp-") {
                std::fs::remove_file(entry.path())?;
            }
        }
    }
    Ok(removed)
}

/// Rebuilds the read models of the log `reader` reads, up to the head seen
/// at start. `progress(done, total)` is called after every page.
pub async fn rebuild(
    reader: &dyn EventReader,
    config: &SnapshotConfig,
    mut progress: impl FnMut(u64, u64),
) -> Result<RebuildReport, RebuildError> {
    let started = Instant::now();
    let io = |error| RebuildError::Io {
        dir: config.dir.clone(),
        error,
    };
    let head = reader.head().await?;
    let removed = remove_snapshots(&config.dir).map_err(io)?;
    tracing::info!(dir = %config.dir.display(), removed, head = head.position, "read-model snapshots dropped; folding the whole log");

    let folded = fold_log(reader, ReadModel::new(), head.position, &mut progress)
        .await
        .map_err(|e| match e {
            FoldError::Store(e) => RebuildError::Store(e),
            FoldError::Gap { expected, found } => RebuildError::Gap { expected, found },
        })?;
    let (model, skipped) = (folded.model, folded.skipped);
    let snapshot = if head.position > 0 {
        let position = model.position();
        let bytes = model
            .try_snapshot()
            .map_err(|e| RebuildError::Snapshot(e.to_string()))?;
        let config = config.clone();
        let written =
            tokio::task::spawn_blocking(move || snapshots::write(&config, position, &bytes))
                .await
                .map_err(|e| io(std::io::Error::other(e)))?
                .map_err(io)?;
        Some(written)
    } else {
        None
    };
    Ok(RebuildReport {
        removed,
        events: head.position,
        skipped,
        position: model.position(),
        elapsed: started.elapsed(),
        snapshot,
    })
}
