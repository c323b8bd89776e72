//! The alerts' webhook (issue #14), end to end on the real `fundtrail`
//! command: a receiver started here gets each alert exactly once, across a
//! server killed (SIGKILL) in the middle of delivery, and verifies each
//! signature (HMAC-SHA256, recomputed here with the `hmac` crate, not with
//! the server's code).
//!
//! The story: three committed pledges with a tranche each, due in 5, 6 and
//! 7 days. Nothing is overdue, so no alert. The test moves the server's
//! clock 10 days (`serve --test-clock`): three tranches fall overdue, three
//! alerts. The receiver acknowledges the first delivery and answers 503 to
//! the others, which wait for a retry in the outbox; the server is killed
//! there. The receiver then accepts everything; the server restarts on the
//! same data (its test clock back at the real date, so the test moves it
//! again for the retries to fall due) and delivers what was pending, and
//! nothing twice. Admins see every delivery DELIVERED (`alertDeliveries`).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use fundtrail_e2e::process::{Served, executable};
use fundtrail_e2e::seed;
use fundtrail_e2e::{Backend, Client, Storage};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

const SECRET: &str = "a-test-secret-of-32-bytes-000000";

fn exe() -> std::path::PathBuf {
    executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"))
}

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    id: String,
    answered: u16,
    signed: bool,
    body: Value,
}

#[derive(Default)]
struct Receiver {
    /// Acknowledge at most this many deliveries; 503 after (None: all).
    accept_up_to: Option<usize>,
    received: Vec<Received>,
}

impl Receiver {
    fn accepted(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for r in self.received.iter().filter(|r| r.answered == 200) {
            *m.entry(r.id.clone()).or_insert(0) += 1;
        }
        m
    }
}

type Shared = Arc<Mutex<Receiver>>;

/// Recomputes the signature the Standard Webhooks way.
fn signed(headers: &HeaderMap, body: &str) -> bool {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    let (id, ts, sig) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    let mut mac = hmac::Hmac::<sha2_11::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{id}.{ts}.{body}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    sig.split(' ').any(|s| s == format!("v1,{expected}"))
}

async fn hook(State(shared): State<Shared>, headers: HeaderMap, body: String) -> StatusCode {
    let mut r = shared.lock().unwrap();
    let id = headers
        .get("webhook-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let accepted_so_far = r.received.iter().filter(|x| x.answered == 200).count();
    let accept = r.accept_up_to.is_none_or(|n| accepted_so_far < n);
    let status = if accept {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    r.received.push(Received {
        id,
        answered: status.as_u16(),
        signed: signed(&headers, &body),
        body: serde_json::from_str(&body).unwrap_or(Value::Null),
    });
    status
}

async fn start_receiver(shared: Shared) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = axum::Router::new()
        .route("/hook", post(hook))
        .with_state(shared);
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{address}/hook")
}

async fn move_clock(c: &Client, days: u32) {
    let r = c
        .http()
        .post(c.url(&format!("/test/clock?days={days}")))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "POST /test/clock: {}", r.status());
}

/// Waits (at most 30 s) until `done` holds of the receiver.
async fn wait_for(shared: &Shared, what: &str, done: impl Fn(&Receiver) -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if done(&shared.lock().unwrap()) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "waited 30 s for {what}; the receiver got: {:#?}",
            shared.lock().unwrap().received
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn serve(storage: &Storage, url: &str) -> Served {
    Served::start_with(
        &exe(),
        storage,
        "info",
        &["--test-clock"],
        &[
            ("FUNDTRAIL_WEBHOOK_URL", url),
            ("FUNDTRAIL_WEBHOOK_SECRET", SECRET),
            ("FUNDTRAIL_WEBHOOK_FIRST_RETRY_SECS", "1"),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_alert_reaches_the_webhook_once_across_a_killed_server() {
    let storage = Storage::fresh(Backend::Sqlite).await.expect("sqlite");
    let shared: Shared = Arc::new(Mutex::new(Receiver {
        accept_up_to: Some(1),
        received: Vec::new(),
    }));
    let url = start_receiver(shared.clone()).await;

    let served = serve(&storage, &url).await;
    let c = served.client.clone();
    seed::world(&c).await;
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| (today + chrono::TimeDelta::days(n)).to_string();
    for (i, due_in) in [5, 6, 7].into_iter().enumerate() {
        let id = format!("pl-due-{i}");
        seed::pledge(
            &c,
            seed::cash_pledge(
                &id,
                "giz",
                "100000",
                "XOF",
                &[("civ-p1", "100000")],
                &day(-1),
            ),
        )
        .await;
        seed::commit(&c, &id, &day(-1)).await;
        c.mutate_ok(
            "setTranches",
            json!({ "pledgeId": id, "tranches": [
                { "dueOn": day(due_in), "amount": "40000" }
            ] }),
            "id",
        )
        .await;
    }
    // Nothing overdue yet: no overdue-tranche alert.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        shared
            .lock()
            .unwrap()
            .received
            .iter()
            .all(|r| r.body["kind"] != "OVERDUE_TRANCHE"),
        "an alert before anything was overdue"
    );

    move_clock(&c, 10).await;
    let overdue = |r: &Receiver| {
        r.received
            .iter()
            .filter(|x| x.body["kind"] == "OVERDUE_TRANCHE")
            .map(|x| x.id.clone())
            .collect::<std::collections::BTreeSet<_>>()
    };
    // One acknowledged, the others refused at least once: in mid-delivery.
    wait_for(&shared, "three alerts, one acknowledged", |r| {
        overdue(r).len() == 3 && r.received.iter().any(|x| x.answered == 503)
    })
    .await;
    let log = served.kill().await;
    assert!(log.contains("alert raised"), "{log}");

    let before = shared.lock().unwrap().accepted();
    assert_eq!(
        before.values().sum::<usize>(),
        1,
        "one acknowledged before the kill"
    );
    shared.lock().unwrap().accept_up_to = None;

    let served = serve(&storage, &url).await;
    let c = served.client.clone();
    // The restarted server's clock is the real one: move it again so the
    // retries, scheduled on the moved clock, fall due.
    move_clock(&c, 10).await;
    let expected = overdue(&shared.lock().unwrap());
    wait_for(&shared, "every alert acknowledged", |r| {
        let accepted = r.accepted();
        expected.iter().all(|id| accepted.contains_key(id))
    })
    .await;
    // A little longer: a duplicate would come now if it came at all.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let r = shared.lock().unwrap().clone_view();
    for (id, n) in r.accepted() {
        assert_eq!(n, 1, "{id} was acknowledged {n} times");
    }
    for x in &r.received {
        assert!(x.signed, "a request whose signature does not verify: {x:?}");
        assert_eq!(x.body["id"], x.id.as_str(), "the body names its webhook-id");
    }
    let first = r
        .received
        .iter()
        .find(|x| x.body["kind"] == "OVERDUE_TRANCHE")
        .unwrap();
    assert_eq!(first.body["roadmapId"], "civ");
    assert_eq!(first.body["amount"]["amount"], "40000");
    assert_eq!(first.body["amount"]["currency"], "XOF");

    let deliveries = c
        .data(
            "{ alertDeliveries(first: 100) { alertId status attempts lastHttpStatus } }",
            json!({}),
        )
        .await;
    let list = deliveries["alertDeliveries"].as_array().unwrap();
    for id in &expected {
        let d = list
            .iter()
            .find(|d| d["alertId"] == id.as_str())
            .unwrap_or_else(|| panic!("no delivery of {id}: {list:?}"));
        assert_eq!(d["status"], "DELIVERED", "{d}");
        assert_eq!(d["lastHttpStatus"], 200, "{d}");
    }
    assert!(
        list.iter().any(|d| d["attempts"].as_i64().unwrap() >= 2),
        "a delivery refused before the kill took more than one attempt: {list:?}"
    );
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
    assert!(
        !log.contains("alert raised"),
        "the restarted server raised nothing again: {log}"
    );
}

impl Receiver {
    fn clone_view(&self) -> Receiver {
        Receiver {
            accept_up_to: self.accept_up_to,
            received: self.received.clone(),
        }
    }
}
