//! `SqliteReader`: reading an embedded store beside the process that holds
//! it (what `fundtrail backup` does while the server runs).

use std::time::Duration;

use fundtrail_store::hash::expected_hash;
use fundtrail_store::{
    AppendRequest, CommandStamp, Direction, EventAppender, EventHash, EventReader, ExpectedVersion,
    NewEvent,
};
use fundtrail_store_sqlite::{SqliteReader, SqliteStore};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_opens_beside_the_writer_and_sees_what_it_committed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        SqliteReader::open(dir.path().join("nothing-here")).is_err(),
        "a reader creates nothing"
    );
    assert!(!dir.path().join("nothing-here").exists());

    let store = SqliteStore::open(dir.path()).unwrap();
    for i in 0..5u64 {
        store
            .append(
                AppendRequest::new(
                    "s",
                    ExpectedVersion::Any,
                    vec![NewEvent::new("Happened", 1, format!("{{\"i\":{i}}}"))],
                )
                .with_command(CommandStamp {
                    command_id: format!("c{i}"),
                    fingerprint: "f".into(),
                }),
            )
            .await
            .unwrap();
    }
    // The writer holds the directory; a reader needs no lock.
    let reader = SqliteReader::open(dir.path()).expect("a reader beside the writer");
    assert_eq!(reader.head().await.unwrap(), store.head().await.unwrap());
    assert_eq!(
        reader.read_all(1, Direction::Forward, 100).await.unwrap(),
        store.read_all(1, Direction::Forward, 100).await.unwrap()
    );
    assert_eq!(
        reader.find_command("c3").await.unwrap(),
        store.find_command("c3").await.unwrap()
    );
    assert_eq!(reader.stream_version("s").await.unwrap(), 5);
    assert!(SqliteStore::open(dir.path()).is_err(), "still one writer");

    store
        .append(AppendRequest::new(
            "s",
            ExpectedVersion::Exact(5),
            vec![NewEvent::new("Happened", 1, "{}".into())],
        ))
        .await
        .unwrap();
    assert_eq!(reader.head().await.unwrap().position, 6, "new commits show");
    store.close().await;
    // And after the writer has gone (and checkpointed its WAL).
    let reader = SqliteReader::open(dir.path()).unwrap();
    assert_eq!(reader.head().await.unwrap().position, 6);
}

/// Another process appends without pause; a cut taken at the head read first
/// is gap-free and its hash chain holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_read_while_another_process_appends_is_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fundtrail-crash-appender"))
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the appender");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the appender acknowledged nothing in 30 s")
        .unwrap()
        .expect("the appender exited");
    // Keep its pipe drained.
    let drain = tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    let reader = SqliteReader::open(dir.path()).unwrap();
    for _ in 0..3 {
        let head = reader.head().await.unwrap();
        assert!(head.position > 0);
        let mut previous = EventHash::ZERO;
        let mut next = 1;
        while next <= head.position {
            let page = reader
                .read_all(
                    next,
                    Direction::Forward,
                    50.min((head.position - next + 1) as usize),
                )
                .await
                .unwrap();
            assert!(!page.is_empty());
            for e in page {
                assert_eq!(e.position, next, "a gap");
                assert_eq!(expected_hash(&previous, &e), e.hash);
                previous = e.hash;
                next += 1;
            }
        }
        assert_eq!(previous, head.hash);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    drain.abort();
}
