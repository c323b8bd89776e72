//! Read-model snapshots on disk: loaded at start so that a restart folds only
//! the events after the newest snapshot, written in the background as the log
//! grows and once more on shutdown.
//!
//! Files are `readmodel-<position, 20 digits>.snap` in one directory, written
//! atomically (temporary file, fsync, rename, fsync of the directory). A
//! snapshot is used only when its format is the supported one, its checksum
//! holds and the store's event at its position has the hash the snapshot
//! recorded (the hash chain then vouches for every event before it); any
//! other is skipped with a log line, and with none left the models are folded
//! from zero.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use fundtrail_projections::{ReadModel, SnapshotInfo};
use fundtrail_store::{Direction, EventReader};

/// Where and how often snapshots are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotConfig {
    pub dir: PathBuf,
    /// Write a snapshot once this many events were applied since the last one.
    pub every_events: u64,
    /// ... or once this long has passed and the models moved by a tenth of
    /// `every_events` (a trickle of writes replays fast at a restart, and a
    /// snapshot costs a pass over the whole model: the 30-minute soak saw
    /// its p99 rise in every window that took one).
    pub every: Duration,
    /// Snapshots kept (the newest ones).
    pub keep: usize,
}

impl SnapshotConfig {
    /// Every 50,000 events or 5 minutes, keeping 2.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        SnapshotConfig {
            dir: dir.into(),
            every_events: 50_000,
            every: Duration::from_secs(300),
            keep: 2,
        }
    }
}

const PREFIX: &str = "readmodel-";
const SUFFIX: &str = ".snap";

fn file_name(position: u64) -> String {
    format!("{PREFIX}{position:020}{SUFFIX}")
}

fn position_of(name: &str) -> Option<u64> {
    name.strip_prefix(PREFIX)?
        .strip_suffix(SUFFIX)?
        .parse()
        .ok()
}

/// Snapshot files of `dir`, newest (highest position) first.
pub(crate) fn list(dir: &Path) -> Vec<(u64, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(u64, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name();
            position_of(name.to_str()?).map(|p| (p, e.path()))
        })
        .collect();
    found.sort_by_key(|f| std::cmp::Reverse(f.0));
    found
}

/// The newest usable snapshot of `config.dir` for `store`, restored.
pub async fn load(store: &dyn EventReader, config: &SnapshotConfig) -> Option<ReadModel> {
    for (position, path) in list(&config.dir) {
        let shown = path.display().to_string();
        let read = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || std::fs::read(path)).await
        };
        let bytes = match read.unwrap_or_else(|e| Err(std::io::Error::other(e))) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(snapshot = %shown, error = %e, "snapshot unreadable; skipped");
                continue;
            }
        };
        let info = match SnapshotInfo::read(&bytes) {
            Ok(i) if i.position == position => i,
            Ok(i) => {
                tracing::warn!(snapshot = %shown, position = i.position, "snapshot's name and content disagree; skipped");
                continue;
            }
            Err(e) => {
                tracing::warn!(snapshot = %shown, error = %e, "snapshot refused; skipped");
                continue;
            }
        };
        let Some(expected) = info.event_hash else {
            tracing::warn!(snapshot = %shown, "snapshot carries no event hash to check against the store; skipped");
            continue;
        };
        match store.read_all(position, Direction::Forward, 1).await {
            Ok(events)
                if events
                    .first()
                    .is_some_and(|e| e.position == position && e.hash == expected) => {}
            Ok(_) => {
                tracing::warn!(snapshot = %shown, position, "the store has no such event at the snapshot's position (another ledger?); snapshot skipped");
                continue;
            }
            Err(e) => {
                tracing::warn!(snapshot = %shown, error = %e, "cannot check the snapshot against the store; skipped");
                continue;
            }
        }
        let started = std::time::Instant::now();
        match tokio::task::spawn_blocking(move || ReadModel::restore(&bytes)).await {
            Ok(Ok(model)) => {
                tracing::info!(snapshot = %shown, position, millis = started.elapsed().as_millis() as u64, "read models restored from a snapshot");
                return Some(model);
            }
            Ok(Err(e)) => {
                tracing::warn!(snapshot = %shown, error = %e, "snapshot refused; skipped")
            }
            Err(e) => {
                tracing::warn!(snapshot = %shown, error = %e, "restoring the snapshot failed")
            }
        }
    }
    None
}

/// Writes `bytes` as the snapshot at `position`, atomically, then prunes.
pub(crate) fn write(
    config: &SnapshotConfig,
    position: u64,
    bytes: &[u8],
) -> std::io::Result<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(&config.dir)?;
    let target = config.dir.join(file_name(position));
    let tmp = config.dir.join(format!(
        ".{}.tmp-{}",
        file_name(position),
        std::process::id()
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    if let Err(e) = std::fs::rename(&tmp, &target) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Ok(d) = std::fs::File::open(&config.dir) {
        let _ = d.sync_all();
    }
    // Snapshots past this position belong to another ledger (a usable one
    // would have been loaded); of the others keep the newest.
    let mut kept = 0;
    for (p, path) in list(&config.dir) {
        let keep = p <= position && kept < config.keep.max(1);
        if keep {
            kept += 1;
        } else if let Err(e) = std::fs::remove_file(&path) {
            tracing::warn!(snapshot = %path.display(), error = %e, "cannot remove an old snapshot");
        }
    }
    Ok(target)
}

/// Takes snapshots for the projection driver, one at a time.
pub(crate) struct Snapshotter {
    pub(crate) config: SnapshotConfig,
    /// Position of the last snapshot written (or loaded).
    written: AtomicU64,
    writing: Arc<tokio::sync::Mutex<()>>,
}

impl Snapshotter {
    pub(crate) fn new(config: SnapshotConfig, loaded_at: u64) -> Self {
        Snapshotter {
            config,
            written: AtomicU64::new(loaded_at),
            writing: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    pub(crate) fn written(&self) -> u64 {
        self.written.load(Ordering::Acquire)
    }

    /// True when the models moved far enough since the last snapshot.
    pub(crate) fn due_by_count(&self, position: u64) -> bool {
        position.saturating_sub(self.written()) >= self.config.every_events.max(1)
    }

    /// True when, `every` having passed, the models moved enough to be worth
    /// a snapshot: a tenth of `every_events`.
    pub(crate) fn due_by_time(&self, position: u64) -> bool {
        position.saturating_sub(self.written()) >= (self.config.every_events / 10).max(1)
    }

    /// Serialises the models (under a read lock, which the driver does not
    /// contend for while it waits here) and writes the file. With `wait`
    /// false the file is written in the background and a snapshot already
    /// being written makes this one skip; with `wait` true it waits for both.
    /// Returns the position snapshotted, if any.
    pub(crate) async fn take(
        self: &Arc<Self>,
        model: &Arc<RwLock<ReadModel>>,
        wait: bool,
    ) -> Option<u64> {
        let guard = if wait {
            self.writing.clone().lock_owned().await
        } else {
            self.writing.clone().try_lock_owned().ok()?
        };
        let m = model.clone();
        let (position, hashed, bytes) = tokio::task::spawn_blocking(move || {
            let m = m.read().unwrap_or_else(|p| p.into_inner());
            (
                m.position(),
                m.last_event_hash().is_some(),
                m.try_snapshot(),
            )
        })
        .await
        .ok()?;
        if position <= self.written() || !hashed {
            return None;
        }
        // Never write a snapshot that cannot be read back: `snapshot()` would
        // frame an empty body on an encoding error, which a later start
        // refuses with "cannot be decoded" (issue #16).
        let bytes = match bytes {
            Ok(bytes) => bytes,
            Err(e) => {
                tracing::warn!(position, error = %e, "cannot encode a read-model snapshot; none written");
                return None;
            }
        };
        let this = self.clone();
        let job = tokio::task::spawn_blocking(move || {
            let _guard = guard;
            let started = std::time::Instant::now();
            match write(&this.config, position, &bytes) {
                Ok(path) => {
                    this.written.fetch_max(position, Ordering::AcqRel);
                    tracing::info!(snapshot = %path.display(), position, bytes = bytes.len(), millis = started.elapsed().as_millis() as u64, "read-model snapshot written");
                    Some(position)
                }
                Err(e) => {
                    tracing::warn!(dir = %this.config.dir.display(), position, error = %e, "cannot write a read-model snapshot");
                    None
                }
            }
        });
        if wait {
            job.await.ok().flatten()
        } else {
            Some(position)
        }
    }
}
