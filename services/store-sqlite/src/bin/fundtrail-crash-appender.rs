//! Test helper for the crash test (`tests/crash.rs`): appends to the embedded
//! store in `$1` from several tasks until killed, printing one line per
//! acknowledged append: `ack <batch-id> <first-position> <count>`.

use std::io::Write;

use fundtrail_store::{AppendRequest, EventAppender, ExpectedVersion, NewEvent};
use fundtrail_store_sqlite::SqliteStore;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: fundtrail-crash-appender DIR");
    let store = SqliteStore::open(&dir).expect("open store");
    let tasks: Vec<_> = (0..4u64)
        .map(|task| {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0u64.. {
                    let batch = uuid::Uuid::now_v7();
                    let count = 1 + (i % 3);
                    let events = (0..count)
                        .map(|k| {
                            let payload = format!(
                                "{{\"batch\":\"{batch}\",\"of\":{count},\"k\":{k},\"pad\":\"{}\"}}",
                                "x".repeat(200)
                            );
                            NewEvent::new("CrashTestHappened", 1, payload)
                        })
                        .collect();
                    let request =
                        AppendRequest::new(format!("crash-{task}"), ExpectedVersion::Any, events);
                    let outcome = store.append(request).await.expect("append");
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "ack {batch} {} {count}", outcome.first_position)
                        .expect("stdout");
                    out.flush().expect("flush");
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("task");
    }
}
