//! Faults of the shared deployment (issue #17): PostgreSQL stopped abruptly
//! (`pg_ctl stop -m immediate`, every backend killed, no checkpoint) and
//! started again while 16 clients write through the real `fundtrail serve`.
//!
//! What must hold:
//! - a write during the outage is refused with `extensions.code`
//!   `STORE_UNAVAILABLE`, quickly, never hanging;
//! - `/readyz` turns 503 while the store is unreachable, and 200 again after;
//! - writes resume by themselves once the server is back;
//! - every command acknowledged is in the ledger once, and a command whose
//!   answer was lost, retried with its `commandId`, is recorded once too;
//! - the hash chain verifies.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fundtrail_e2e::client::mutation_text;
use fundtrail_e2e::pg_cluster::PgCluster;
use fundtrail_e2e::process::{Served, executable};
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::{Client, Storage, errors_of};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const WRITERS: usize = 16;

/// How long one write may take, outage or not: the store's pool gives up
/// after a few seconds rather than queueing forever.
const WRITE_DEADLINE: Duration = Duration::from_secs(15);

fn exe() -> PathBuf {
    executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"))
}

async fn readyz(c: &Client) -> Option<u16> {
    c.http()
        .get(c.url("/readyz"))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// Polls `/readyz` until it answers `status` (at most `within`).
async fn wait_readyz(c: &Client, status: u16, within: Duration, log: impl Fn() -> String) {
    let deadline = Instant::now() + within;
    loop {
        let seen = readyz(c).await;
        if seen == Some(status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz never answered {status} (last: {seen:?}); server log:\n{}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What one attempt at a pledge came to.
enum Attempt {
    Acknowledged,
    /// Refused as unavailable (after this long): the command may or may not
    /// be recorded.
    Unavailable(Duration),
}

/// Sends the pledge `id` (its commandId `cmd-id`); a 429 is waited out as
/// its `Retry-After` says and sent again, as a well-behaved client does.
async fn try_pledge(c: &Client, id: &str) -> Attempt {
    let mut input = cash_pledge(
        id,
        "giz",
        "1000",
        "EUR",
        &[("civ-p1", "1000")],
        "2024-01-10",
    );
    input["commandId"] = json!(format!("cmd-{id}"));
    let query = mutation_text("pledge", "id version");
    let body = json!({ "query": query, "variables": { "input": input } });
    let started = Instant::now();
    let answer: Value = loop {
        let response = tokio::time::timeout(
            WRITE_DEADLINE,
            c.http().post(c.url("/graphql")).json(&body).send(),
        )
        .await
        .unwrap_or_else(|_| panic!("pledge {id} hung for more than {WRITE_DEADLINE:?}"))
        .expect("POST /graphql");
        if response.status() == 429 {
            let wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(1);
            tokio::time::sleep(Duration::from_secs(wait)).await;
            continue;
        }
        assert_eq!(response.status(), 200, "pledge {id}");
        break response.json().await.expect("a JSON answer");
    };
    let errors = errors_of(&answer);
    if errors.is_empty() {
        assert_eq!(answer["data"]["pledge"]["id"], id, "{answer}");
        return Attempt::Acknowledged;
    }
    let code = errors[0]["extensions"]["code"].as_str().unwrap_or_default();
    assert_eq!(
        code,
        "STORE_UNAVAILABLE",
        "a write during the outage is refused as unavailable, after {:?}: {answer}",
        started.elapsed()
    );
    assert!(answer["data"]["pledge"].is_null(), "{answer}");
    Attempt::Unavailable(started.elapsed())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_and_restarted_under_16_writers_loses_nothing_acknowledged() {
    let Some(cluster) = PgCluster::start() else {
        return;
    };
    let storage = Storage::postgres_at(&cluster.url());
    let served = Served::start(&exe(), &storage).await;
    let c = served.client.clone();
    seed::world(&c).await;

    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    // Refused while the server was down: retried with the same commandId
    // once it is back.
    let in_doubt = Arc::new(Mutex::new(BTreeSet::<String>::new()));
    let slowest_refusal = Arc::new(Mutex::new(Duration::ZERO));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let c = c.another();
        let stop = stop.clone();
        let acknowledged = acknowledged.clone();
        let in_doubt = in_doubt.clone();
        let slowest_refusal = slowest_refusal.clone();
        writers.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let id = format!("w{w}-{n}");
                n += 1;
                match try_pledge(&c, &id).await {
                    Attempt::Acknowledged => {
                        acknowledged.lock().await.insert(id);
                    }
                    Attempt::Unavailable(after) => {
                        in_doubt.lock().await.insert(id);
                        let mut slowest = slowest_refusal.lock().await;
                        *slowest = (*slowest).max(after);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
            }
        }));
    }

    // Writes flow, then the server dies under them.
    let count_before = wait_for_acknowledged(&acknowledged, 200).await;
    cluster.stop_immediately();
    let stopped_at = Instant::now();
    wait_readyz(&c, 503, Duration::from_secs(20), || served.log()).await;
    // Writes meanwhile are refused as unavailable, each within the store's
    // connection timeout (try_pledge fails on a hang).
    let deadline = Instant::now() + Duration::from_secs(20);
    while in_doubt.lock().await.len() < WRITERS {
        assert!(
            Instant::now() < deadline,
            "writes during the outage are refused; server log:\n{}",
            served.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let acknowledged_during = acknowledged.lock().await.len();

    cluster.start_again();
    let outage = stopped_at.elapsed();
    wait_readyz(&c, 200, Duration::from_secs(30), || served.log()).await;
    // Writes resume by themselves.
    wait_for_acknowledged(&acknowledged, acknowledged_during + 200).await;
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.await.expect("a writer panicked");
    }

    // Every refused command, retried with its commandId, is recorded once:
    // either the retry records it, or it was recorded before its answer was
    // lost and the retry answers the first result.
    let in_doubt = std::mem::take(&mut *in_doubt.lock().await);
    for id in &in_doubt {
        assert!(
            matches!(try_pledge(&c, id).await, Attempt::Acknowledged),
            "the retry of {id} is acknowledged once the store is back"
        );
    }
    let acknowledged = std::mem::take(&mut *acknowledged.lock().await);
    let expected: BTreeSet<String> = acknowledged.union(&in_doubt).cloned().collect();

    let pledges = c
        .data("{ pledges(roadmapId: \"civ\") { id version } }", json!({}))
        .await;
    let nodes = pledges["pledges"].as_array().expect("pledges");
    let stored: Vec<String> = nodes
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    let unique: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(unique.len(), stored.len(), "no pledge twice");
    assert_eq!(unique, expected, "every acknowledged pledge, and no other");
    assert!(
        nodes.iter().all(|n| n["version"] == 1),
        "each pledge recorded once (version 1)"
    );

    // A new server on the same store folds the same ledger, and verifies.
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    let verified = std::process::Command::new(exe())
        .arg("verify")
        .args(storage.command_args().0)
        .envs(storage.command_args().1)
        .current_dir(storage.workdir())
        .output()
        .expect("run fundtrail verify");
    assert!(
        verified.status.success(),
        "fundtrail verify: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    let again = Served::start(&exe(), &storage).await;
    let total = again
        .client
        .data("{ pledges(roadmapId: \"civ\") { id } }", json!({}))
        .await;
    assert_eq!(
        total["pledges"].as_array().map(Vec::len),
        Some(expected.len())
    );
    let (status, log) = again.terminate().await;
    assert!(status.success(), "{log}");
    println!(
        "{WRITERS} writers: {count_before} acknowledged before the stop, {acknowledged_during} by the \
         time it restarted, {} in all; {} refused as unavailable (the slowest refusal after \
         {:?}) and retried; outage {outage:?}",
        acknowledged.len(),
        in_doubt.len(),
        *slowest_refusal.lock().await,
    );
}

/// Waits until at least `n` writes are acknowledged (at most 60 s).
async fn wait_for_acknowledged(acknowledged: &Mutex<BTreeSet<String>>, n: usize) -> usize {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let count = acknowledged.lock().await.len();
        if count >= n {
            return count;
        }
        assert!(
            Instant::now() < deadline,
            "only {count} of {n} writes acknowledged within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
