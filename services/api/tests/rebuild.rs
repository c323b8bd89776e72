//! `fundtrail rebuild` (`fundtrail_app::rebuild`): old snapshots go, the whole
//! log is folded, one fresh snapshot is written, and a server started on it
//! folds nothing and answers as one that folded the log from zero.

use std::sync::Arc;
use std::time::Duration;

use fundtrail_app::rebuild::rebuild;
use fundtrail_app::{AppState, Limits, SnapshotConfig};
use fundtrail_export::{self as export, ExportQuery, Format, Kind};
use fundtrail_import::{DEMO, DEMO_FILE_NAME, apply, plan};
use fundtrail_store::EventStore;
use fundtrail_store_sqlite::{SqliteReader, SqliteStore};

fn snapshot_files(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

async fn ready(state: &AppState) {
    tokio::time::timeout(Duration::from_secs(30), state.ready())
        .await
        .expect("read models ready");
}

fn funding(state: &AppState) -> Vec<u8> {
    let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let query = ExportQuery {
        roadmap: Some("civ-2023".into()),
        ..ExportQuery::new(today)
    };
    export::export(
        &state.read(),
        Kind::Funding,
        &query,
        Format::Json,
        chrono::Utc::now(),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rebuild_drops_snapshots_folds_everything_and_writes_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = SnapshotConfig::new(dir.path().join("snapshots"));
    let store = SqliteStore::open(&data).unwrap();
    let shared: Arc<dyn EventStore> = Arc::new(store.clone());
    let state = AppState::start_with(shared.clone(), Limits::default(), Some(config.clone()))
        .await
        .unwrap();
    let summary = apply(&state, &plan(DEMO_FILE_NAME, DEMO).unwrap(), |_, _| {})
        .await
        .unwrap();
    let head = summary.events_appended;
    assert_eq!(state.snapshot_now().await, Some(head));
    let expected = funding(&state);
    // A stale snapshot (of another ledger, further on) and the leftover of an
    // interrupted write.
    std::fs::write(
        config.dir.join("readmodel-00000000000000009999.snap"),
        b"not a snapshot",
    )
    .unwrap();
    std::fs::write(
        config
            .dir
            .join(".readmodel-00000000000000000001.snap.tmp-1"),
        b"",
    )
    .unwrap();
    assert_eq!(snapshot_files(&config.dir).len(), 3);

    // Beside the running server, through a read-only reader.
    let reader = SqliteReader::open(&data).unwrap();
    let mut calls = Vec::new();
    let report = rebuild(&reader, &config, |done, total| calls.push((done, total)))
        .await
        .unwrap();
    assert_eq!(report.removed, 2);
    assert_eq!(report.events, head);
    assert_eq!(report.position, head);
    assert_eq!(report.skipped, 0);
    assert_eq!(calls.first(), Some(&(0, head)));
    assert_eq!(calls.last(), Some(&(head, head)));
    let written = report.snapshot.expect("a snapshot");
    assert_eq!(
        snapshot_files(&config.dir),
        vec![format!("readmodel-{head:020}.snap")]
    );
    assert!(written.ends_with(format!("readmodel-{head:020}.snap")));

    drop(state);
    store.close().await;
    let store = SqliteStore::open(&data).unwrap();
    let restarted = AppState::start_with(Arc::new(store), Limits::default(), Some(config.clone()))
        .await
        .unwrap();
    ready(&restarted).await;
    assert_eq!(restarted.restored_from(), Some(head));
    assert_eq!(restarted.folded_since_start(), 0);
    assert_eq!(funding(&restarted), expected);
}

#[tokio::test]
async fn rebuilding_an_empty_log_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("data")).unwrap();
    let config = SnapshotConfig::new(dir.path().join("snapshots"));
    let report = rebuild(&store, &config, |_, _| {}).await.unwrap();
    assert_eq!((report.events, report.removed), (0, 0));
    assert_eq!(report.snapshot, None);
}
