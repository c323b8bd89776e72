//! Kill -9 in the middle of appends: every acknowledged append is there after
//! reopening, no append is there in part, and the hash chain verifies.

use std::collections::HashMap;
use std::time::Duration;

use fundtrail_store::{Direction, EventReader, EventStore};
use fundtrail_store_sqlite::SqliteStore;
use rand::Rng;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const ROUNDS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_appends_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let mut acknowledged: HashMap<String, (u64, u64)> = HashMap::new();
    let mut rng = rand::rng();

    for round in 0..ROUNDS {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fundtrail-crash-appender"))
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the appender");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();

        // Wait for the first acknowledgement, then let it run a random while.
        let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
            .await
            .expect("the appender acknowledged nothing in 30 s")
            .unwrap()
            .expect("the appender exited");
        let run_for = Duration::from_millis(rng.random_range(20..400));
        let mut acked_lines = vec![first];
        let deadline = tokio::time::Instant::now() + run_for;
        while let Ok(Ok(Some(line))) = tokio::time::timeout_at(deadline, lines.next_line()).await {
            acked_lines.push(line);
        }
        child.start_kill().expect("SIGKILL");
        // Lines already written before the kill were acknowledged too.
        while let Ok(Some(line)) = lines.next_line().await {
            acked_lines.push(line);
        }
        child.wait().await.unwrap();

        for line in &acked_lines {
            let parts: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(parts[0], "ack", "unexpected line {line}");
            acknowledged.insert(
                parts[1].to_owned(),
                (parts[2].parse().unwrap(), parts[3].parse().unwrap()),
            );
        }

        let store = SqliteStore::open(dir.path()).expect("reopen after kill");
        let all = store
            .read_all(1, Direction::Forward, usize::MAX >> 1)
            .await
            .unwrap();
        let mut batches: HashMap<String, Vec<(u64, u64)>> = HashMap::new();
        for (i, e) in all.iter().enumerate() {
            assert_eq!(
                e.position,
                i as u64 + 1,
                "round {round}: positions have a gap"
            );
            let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap();
            let batch = payload["batch"].as_str().unwrap().to_owned();
            let of = payload["of"].as_u64().unwrap();
            batches.entry(batch).or_default().push((e.position, of));
        }
        for (batch, events) in &batches {
            assert_eq!(
                events.len() as u64,
                events[0].1,
                "round {round}: batch {batch} is there in part"
            );
        }
        for (batch, (first_position, count)) in &acknowledged {
            let stored = batches
                .get(batch)
                .unwrap_or_else(|| panic!("round {round}: acknowledged batch {batch} was lost"));
            assert_eq!(
                stored[0].0, *first_position,
                "round {round}: batch {batch} moved"
            );
            assert_eq!(stored.len() as u64, *count);
        }
        let report = store.verify().await.unwrap();
        assert!(report.is_intact(), "round {round}: {report:?}");
        store.close().await;
    }
    assert!(
        acknowledged.len() > ROUNDS,
        "the appender acknowledged too little to test anything"
    );
}
