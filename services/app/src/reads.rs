//! The reads two faces share: an entity's history, the events at a page of
//! audit positions, and the whole log folded into read models for a tool
//! that runs beside a server.

use fundtrail_projections::ReadModel;
use fundtrail_store::{Direction, EventReader, RecordedEvent, StoreError};

use crate::state::AppState;

/// Most events shown for one entity (its history page, `history` in GraphQL).
pub const MAX_HISTORY: usize = 10_000;

/// The events of one stream that the read models have applied (so the
/// history agrees with the entity's `version` and the figures beside it),
/// oldest first, at most [`MAX_HISTORY`].
pub async fn history(app: &AppState, stream_id: &str) -> Result<Vec<RecordedEvent>, StoreError> {
    let events = app
        .store()
        .read_stream(stream_id, 1, Direction::Forward, MAX_HISTORY)
        .await?;
    let applied = app.applied();
    Ok(events
        .into_iter()
        .take_while(|e| e.position <= applied)
        .collect())
}

/// The events at the given ascending positions (a page of the audit
/// trail), reading a run of consecutive positions at a time.
pub async fn events_at(
    reader: &dyn EventReader,
    positions: &[u64],
) -> Result<Vec<RecordedEvent>, StoreError> {
    let mut out = Vec::with_capacity(positions.len());
    let mut i = 0;
    while i < positions.len() {
        let start = positions[i];
        let mut len = 1;
        while i + len < positions.len() && positions[i + len] == start + len as u64 {
            len += 1;
        }
        out.extend(reader.read_all(start, Direction::Forward, len).await?);
        i += len;
    }
    Ok(out)
}

/// Events read per page when folding the whole log.
const PAGE: usize = 5_000;

/// Read models folded from the log by [`fold_log`].
#[derive(Debug)]
pub struct Folded {
    pub model: ReadModel,
    /// Events the read models could not decode (logged, as the server does).
    pub skipped: u64,
}

/// Why the log could not be folded.
#[derive(Debug, thiserror::Error)]
pub enum FoldError {
    #[error("store: {0}")]
    Store(#[from] StoreError),
    #[error("the log has a gap or moved: expected position {expected}, read {found}")]
    Gap { expected: u64, found: u64 },
}

/// Folds the log that `reader` reads into `start` (a model restored from a
/// snapshot, or a fresh one), from the position after `start`'s up to
/// `until` (a head read before): what `fundtrail rebuild` and the read-only
/// commands (`export` beside a running server) read from.
/// `progress(done, total)` is called after every page.
pub async fn fold_log(
    reader: &dyn EventReader,
    start: ReadModel,
    until: u64,
    mut progress: impl FnMut(u64, u64),
) -> Result<Folded, FoldError> {
    let mut model = start;
    let mut next = model.position() + 1;
    let mut skipped = 0u64;
    progress(next - 1, until);
    while next <= until {
        let want = PAGE.min((until - next + 1) as usize);
        let page = reader.read_all(next, Direction::Forward, want).await?;
        if page.is_empty() {
            return Err(FoldError::Gap {
                expected: next,
                found: 0,
            });
        }
        for event in &page {
            if event.position != next {
                return Err(FoldError::Gap {
                    expected: next,
                    found: event.position,
                });
            }
            if let Err(e) = model.apply_recorded(event) {
                skipped += 1;
                tracing::error!(position = event.position, error = %e, "event cannot be read; read models skip it");
            }
            next += 1;
        }
        progress(next - 1, until);
    }
    Ok(Folded { model, skipped })
}
