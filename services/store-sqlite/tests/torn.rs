//! A torn last page (security issue #17, "Faults"): the embedded store's files
//! as a crash could leave them, with the last page of the WAL or of the
//! database file cut short or overwritten. Reopened, the store either
//! recovers (SQLite's WAL recovery drops the torn transaction whole: it was
//! never acknowledged, since a commit is acknowledged only after its WAL
//! frames are fsynced) with every event whose commit completed and a chain
//! that verifies, or refuses with an error; it never answers other events.

use std::path::Path;

use fundtrail_store::{
    AppendRequest, Direction, EventAppender, EventReader, EventStore, ExpectedVersion, NewEvent,
    RecordedEvent, StoreError,
};
use fundtrail_store_sqlite::{DATABASE_FILE, SqliteStore};

const APPENDS: usize = 24;

fn wal_file() -> String {
    format!("{DATABASE_FILE}-wal")
}

/// `APPENDS` appends, one at a time (one commit each), of 1 to 3 events.
async fn append_some(store: &SqliteStore) -> Vec<RecordedEvent> {
    for i in 0..APPENDS {
        let events = (0..1 + i % 3)
            .map(|k| {
                NewEvent::new(
                    "TornPageTested",
                    1,
                    format!(
                        "{{\"append\":{i},\"k\":{k},\"pad\":\"{}\"}}",
                        "y".repeat(300)
                    ),
                )
            })
            .collect();
        store
            .append(AppendRequest::new(
                format!("torn-{}", i % 4),
                ExpectedVersion::Any,
                events,
            ))
            .await
            .expect("append");
    }
    all(store).await.expect("read back")
}

async fn all(store: &SqliteStore) -> Result<Vec<RecordedEvent>, StoreError> {
    store.read_all(1, Direction::Forward, 1 << 20).await
}

/// The database and its WAL as they are on disk now (the store still open,
/// nothing in flight): what a power cut right now would leave. The WAL
/// index (`-shm`) is rebuilt from the WAL on open, as after a crash.
fn copy_as_after_a_crash(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in [DATABASE_FILE.to_owned(), wal_file()] {
        let source = from.join(&name);
        if source.exists() {
            std::fs::copy(&source, to.join(&name)).unwrap();
        }
    }
}

fn same_event(a: &RecordedEvent, b: &RecordedEvent) -> bool {
    a == b
}

/// Reopens `dir` and checks the store holds a prefix of `acked` that lacks
/// at most the last commit's events (`last_commit` of them), with a chain
/// that verifies, and takes appends again.
async fn recovers_a_prefix(dir: &Path, acked: &[RecordedEvent], last_commit: usize) {
    let store = SqliteStore::open(dir).expect("reopen after the torn WAL");
    let stored = all(&store).await.expect("read after recovery");
    assert!(
        stored.len() == acked.len() || stored.len() == acked.len() - last_commit,
        "every event whose commit completed is there, the torn commit whole or not at all: \
         {} stored of {} ({} in the last commit)",
        stored.len(),
        acked.len(),
        last_commit
    );
    for (s, a) in stored.iter().zip(acked) {
        assert!(
            same_event(s, a),
            "event {} differs after recovery",
            a.position
        );
    }
    let report = store.verify().await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    // The store goes on: the next append continues the chain.
    let outcome = store
        .append(AppendRequest::new(
            "torn-after",
            ExpectedVersion::Any,
            vec![NewEvent::new(
                "TornPageTested",
                1,
                "{\"after\":true}".to_owned(),
            )],
        ))
        .await
        .expect("append after recovery");
    assert_eq!(outcome.first_position, stored.len() as u64 + 1);
    let report = store.verify().await.expect("verify");
    assert!(report.is_intact(), "{report:?}");
    store.close().await;
}

/// Number of events of the last append of [`append_some`].
fn last_commit_events() -> usize {
    1 + (APPENDS - 1) % 3
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_last_wal_frame_loses_only_the_unacknowledged_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("live")).unwrap();
    let acked = append_some(&store).await;
    let crashed = dir.path().join("crashed");
    copy_as_after_a_crash(&dir.path().join("live"), &crashed);
    store.close().await;
    let wal = crashed.join(wal_file());
    let len = std::fs::metadata(&wal).unwrap().len();
    assert!(len > 8192, "the appends are in the WAL ({len} bytes)");

    // cut inside the last frame
    let f = std::fs::OpenOptions::new().write(true).open(&wal).unwrap();
    f.set_len(len - 1000).unwrap();
    drop(f);
    recovers_a_prefix(&crashed, &acked, last_commit_events()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overwritten_last_wal_frame_loses_only_the_unacknowledged_commit() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("live")).unwrap();
    let acked = append_some(&store).await;
    let crashed = dir.path().join("crashed");
    copy_as_after_a_crash(&dir.path().join("live"), &crashed);
    store.close().await;
    let wal = crashed.join(wal_file());
    let mut bytes = std::fs::read(&wal).unwrap();
    let n = bytes.len();
    // garbage over the middle of the last frame's page (its checksum fails)
    for b in &mut bytes[n - 2048..n - 1024] {
        *b ^= 0x5a;
    }
    std::fs::write(&wal, &bytes).unwrap();
    recovers_a_prefix(&crashed, &acked, last_commit_events()).await;
}

/// What reopening a damaged database file gives: an error somewhere
/// (open, read or verify), or exactly the acknowledged events.
async fn refuses_or_answers_right(dir: &Path, acked: &[RecordedEvent]) -> String {
    let store = match SqliteStore::open(dir) {
        Ok(s) => s,
        Err(e) => return format!("open refused: {e}"),
    };
    let outcome = match all(&store).await {
        Err(e) => format!("read refused: {e}"),
        Ok(stored) => match store.verify().await {
            Err(e) => format!("verify refused: {e}"),
            Ok(report) if !report.is_intact() => format!("verify reports: {report:?}"),
            Ok(_) => {
                assert_eq!(
                    stored.len(),
                    acked.len(),
                    "a damaged store that verifies answers every event"
                );
                for (s, a) in stored.iter().zip(acked) {
                    assert!(same_event(s, a), "event {} differs", a.position);
                }
                "recovered".to_owned()
            }
        },
    };
    store.close().await;
    outcome
}

async fn checkpointed_store(dir: &Path) -> Vec<RecordedEvent> {
    let store = SqliteStore::open(dir).unwrap();
    let acked = append_some(&store).await;
    store.close().await;
    drop(store);
    // Everything into the database file (as SQLite's checkpoints do).
    let conn = rusqlite::Connection::open(dir.join(DATABASE_FILE)).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    acked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_torn_or_overwritten_last_database_page_is_refused_never_misread() {
    for damage in ["truncated", "overwritten", "zeroed"] {
        let dir = tempfile::tempdir().unwrap();
        let acked = checkpointed_store(dir.path()).await;
        let db = dir.path().join(DATABASE_FILE);
        let wal = dir.path().join(wal_file());
        assert!(
            !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
            "closed: everything is in the database file"
        );
        let mut bytes = std::fs::read(&db).unwrap();
        let page = 4096;
        let n = bytes.len();
        assert!(n >= 4 * page && n.is_multiple_of(page), "{n} bytes");
        match damage {
            "truncated" => bytes.truncate(n - page / 2),
            "overwritten" => {
                for (i, b) in bytes[n - page..].iter_mut().enumerate() {
                    *b = (i * 7 + 13) as u8;
                }
            }
            _ => bytes[n - page..].fill(0),
        }
        std::fs::write(&db, &bytes).unwrap();
        let outcome = refuses_or_answers_right(dir.path(), &acked).await;
        println!("last database page {damage}: {outcome}");
        assert!(
            outcome == "recovered"
                || outcome.contains("database file") && outcome.contains("damaged"),
            "a clear refusal: {outcome}"
        );
    }
}
