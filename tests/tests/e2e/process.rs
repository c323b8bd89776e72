//! The `fundtrail` command: SIGTERM stops it cleanly; started again on the
//! same store it rebuilds its read models from the log.

use fundtrail_e2e::Storage;
use fundtrail_e2e::client::amount;
use fundtrail_e2e::process::{Served, executable};
use fundtrail_e2e::seed::{self, PLEDGE_FIELDS, cash_pledge};
use serde_json::json;

pub async fn sigterm_stops_gracefully_and_a_restart_serves_the_same_data(storage: Storage) {
    let exe = executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"));
    let first = Served::start(&exe, &storage).await;
    let c = first.client.clone();
    seed::world(&c).await;
    let mut input = cash_pledge(
        "p",
        "giz",
        "10000",
        "EUR",
        &[("civ-p1", "10000")],
        "2024-01-10",
    );
    input["commandId"] = json!("make-p");
    let pledge = seed::pledge(&c, input.clone()).await;
    seed::commit(&c, "p", "2024-02-01").await;
    let funding = c.funding("civ", json!({})).await;
    let count = c.event_count().await;
    assert_eq!(amount(&funding["total"]["committed"]), "6559570");
    // The client keeps an idle keep-alive connection open across the signal:
    // a graceful shutdown must not wait for it.
    let (status, log) = first.terminate().await;
    assert!(status.success(), "exit status {status:?}; log:\n{log}");
    assert!(
        log.contains("fundtrail stopped"),
        "the server says it stopped; log:\n{log}"
    );
    assert!(
        c.http().get(c.url("/healthz")).send().await.is_err(),
        "nothing listens after the exit"
    );

    // Started again: ready once caught up, with the same figures and history.
    let second = Served::start(&exe, &storage).await;
    let c = second.client.clone();
    // the same events, and the token the second start recorded for its client
    let count = count + 1;
    assert_eq!(c.event_count().await, count);
    assert_eq!(c.funding("civ", json!({})).await["total"], funding["total"]);
    let again = c
        .data(
            &format!(r#"{{ pledge(id: "p") {{ {PLEDGE_FIELDS} }} }}"#),
            json!({}),
        )
        .await;
    assert_eq!(
        again["pledge"]["history"][0], pledge["history"][0],
        "same event, same hash"
    );
    assert_eq!(again["pledge"]["version"], 2);
    // The command log survived too: the retry of a command sent before the
    // restart appends nothing, and versions go on.
    let retried = seed::pledge(&c, input).await;
    assert_eq!(retried["version"], 2);
    assert_eq!(c.event_count().await, count);
    let p = c
        .mutate_ok(
            "recordDisbursement",
            json!({ "pledgeId": "p", "amount": "1000", "disbursedOn": "2024-03-01", "expectedVersion": 2 }),
            "version status",
        )
        .await;
    assert_eq!(p, json!({ "version": 3, "status": "PARTLY_DISBURSED" }));
    let (status, log) = second.terminate().await;
    assert!(status.success(), "exit status {status:?}; log:\n{log}");
}

/// `fundtrail export` and `fundtrail verify` on the store a running server
/// holds (the embedded one included: read-only, no lock), with the server's
/// own figures.
pub async fn read_only_commands_run_beside_a_server_with_its_figures(storage: Storage) {
    let exe = executable(env!("CARGO_BIN_EXE_fundtrail-e2e-server"));
    let served = Served::start(&exe, &storage).await;
    let c = served.client.clone();
    seed::world(&c).await;
    seed::pledge(
        &c,
        cash_pledge(
            "p",
            "giz",
            "10000",
            "EUR",
            &[("civ-p1", "10000")],
            "2024-01-10",
        ),
    )
    .await;
    seed::commit(&c, "p", "2024-02-01").await;

    let (args, env) = storage.command_args();
    let run = |command: &[&str]| {
        let mut child = std::process::Command::new(&exe);
        child.args(command).args(&args).envs(env.clone());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("FUNDTRAIL_") {
                child.env_remove(key);
            }
        }
        child.envs(env.clone()).current_dir(storage.workdir());
        child.output().expect("run fundtrail")
    };
    for format in ["json", "csv"] {
        let exported = run(&["export", "funding", "--roadmap", "civ", "--format", format]);
        assert!(
            exported.status.success(),
            "export beside the server: {}",
            String::from_utf8_lossy(&exported.stderr)
        );
        let served_bytes = c
            .http()
            .get(c.url(&format!("/export/funding.{format}?roadmap=civ")))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&exported.stdout),
            String::from_utf8_lossy(&served_bytes),
            "the command line's {format} export equals the server's"
        );
    }
    let exported = run(&["export", "pledges", "--format", "json"]);
    assert!(String::from_utf8_lossy(&exported.stdout).contains("\"p\""));
    let verified = run(&["verify"]);
    assert!(
        verified.status.success(),
        "verify beside the server: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    // The server kept serving, and still writes.
    seed::disburse(&c, "p", "1000", "2024-03-01").await;
    let (status, log) = served.terminate().await;
    assert!(status.success(), "{log}");
}
