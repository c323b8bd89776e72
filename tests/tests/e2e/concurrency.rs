//! Several clients at once.

use fundtrail_e2e::client::amount;
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::{Client, TestServer, errors_of};
use futures::future::join_all;
use serde_json::{Value, json};

/// Sends every (client, input) of `calls` at the same time; the answers in order.
async fn all_at_once(name: &str, calls: Vec<(Client, Value)>) -> Vec<Value> {
    let tasks = calls.into_iter().map(|(client, input)| {
        let name = name.to_owned();
        tokio::spawn(async move {
            client
                .mutate(&name, input, "version amount { amount }")
                .await
        })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|r| r.expect("a request task"))
        .collect()
}

pub async fn same_expected_version_at_once_exactly_one_wins(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let clients: Vec<Client> = (0..4).map(|_| server.another_client()).collect();

    for round in 0..5 {
        let id = format!("p{round}");
        seed::pledge(c, cash_pledge(&id, "giz", "1000", "EUR", &[], "2024-01-10")).await;
        let count = c.event_count().await;
        let calls = clients
            .iter()
            .enumerate()
            .map(|(i, client)| {
                let input = json!({ "pledgeId": id, "expectedVersion": 1, "revisedOn": "2024-02-01",
                                    "reason": format!("client {i}"),
                                    "amount": { "amount": format!("{}", 2000 + i), "currency": "EUR" } });
                (client.clone(), input)
            })
            .collect();
        let answers = all_at_once("revisePledge", calls).await;
        let winners: Vec<&Value> = answers.iter().filter(|a| errors_of(a).is_empty()).collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one wins: {answers:?}"
        );
        let winner = &winners[0]["data"]["revisePledge"];
        assert_eq!(winner["version"], 2);
        for loser in answers.iter().filter(|a| !errors_of(a).is_empty()) {
            let error = &loser["errors"][0];
            assert_eq!(
                error["extensions"]["code"], "CONCURRENCY_CONFLICT",
                "{loser}"
            );
            assert_eq!(error["extensions"]["actualVersion"], 2, "{loser}");
        }
        assert_eq!(c.event_count().await, count + 1, "one event appended");
        let now = c
            .data(
                "query($id: ID!) { pledge(id: $id) { version amount { amount } } }",
                json!({ "id": id }),
            )
            .await;
        assert_eq!(now["pledge"]["version"], 2);
        assert_eq!(
            now["pledge"]["amount"], winner["amount"],
            "the winner's amount"
        );
    }
}

pub async fn concurrent_pledges_all_land_without_lost_updates(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;

    // Ten pledges to one roadmap at once: all recorded, all summed.
    let calls = (0..10)
        .map(|i| {
            (
                server.another_client(),
                cash_pledge(
                    &format!("c{i}"),
                    "giz",
                    "100",
                    "EUR",
                    &[("civ-p1", "100")],
                    "2024-01-10",
                ),
            )
        })
        .collect();
    for answer in all_at_once("pledge", calls).await {
        assert!(errors_of(&answer).is_empty(), "{answer}");
    }
    let f = c.funding("civ", json!({ "currency": "EUR" })).await;
    assert_eq!(amount(&f["priorities"][0]["pledged"]), "1000.00");

    // Four disbursements of one pledge at once, without expectedVersion: the
    // server decides again when the stream moved, so none is lost. Each
    // answer shows the pledge as it was once that disbursement was in (it
    // may show later ones too).
    seed::commit(c, "c0", "2024-01-11").await;
    let calls = (0..4)
        .map(|_| {
            (
                server.another_client(),
                json!({ "pledgeId": "c0", "amount": "10", "disbursedOn": "2024-02-01" }),
            )
        })
        .collect();
    let answers = all_at_once("recordDisbursement", calls).await;
    let mut versions: Vec<i64> = answers
        .iter()
        .map(|a| {
            assert!(errors_of(a).is_empty(), "{a}");
            a["data"]["recordDisbursement"]["version"].as_i64().unwrap()
        })
        .collect();
    versions.sort_unstable();
    assert!(versions[0] >= 3, "{versions:?}");
    assert_eq!(
        versions[3], 6,
        "the last one in sees them all: {versions:?}"
    );
    let p = c
        .data(
            r#"{ pledge(id: "c0") { disbursed { amount } version history { version type } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(amount(&p["pledge"]["disbursed"]), "40.00");
    assert_eq!(p["pledge"]["version"], 6);
    let history = p["pledge"]["history"].as_array().unwrap();
    assert_eq!(
        history
            .iter()
            .filter(|e| e["type"] == "DisbursementRecorded")
            .count(),
        4
    );
}

/// A client retrying (same `commandId`, same input) while its first attempt
/// is still in flight: every attempt answers the first result, one event.
/// The retry's decision must not be taken against the state the first
/// attempt produced (a create would be ALREADY_EXISTS, a commit
/// INVALID_STATE, a stale expectedVersion CONCURRENCY_CONFLICT).
pub async fn same_command_id_at_once_is_one_event_and_one_answer(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let clients: Vec<Client> = (0..3).map(|_| server.another_client()).collect();
    for round in 0..6 {
        let id = format!("twin-{round}");
        let mut make = cash_pledge(&id, "ilo", "5", "EUR", &[], "2024-01-10");
        make["commandId"] = json!(format!("make-{round}"));
        let commit = json!({ "pledgeId": id, "committedOn": "2024-01-20", "expectedVersion": 1,
                             "commandId": format!("commit-{round}") });
        for (name, input) in [("pledge", make), ("commitPledge", commit)] {
            let count = c.event_count().await;
            let calls = clients
                .iter()
                .map(|client| (client.clone(), input.clone()))
                .collect();
            let answers = all_at_once(name, calls).await;
            assert!(
                answers.iter().all(|a| errors_of(a).is_empty()),
                "round {round}, {name}: every retry answers the first result: {answers:?}"
            );
            assert!(answers.windows(2).all(|w| w[0] == w[1]), "{answers:?}");
            assert_eq!(c.event_count().await, count + 1, "round {round}, {name}");
        }
    }
}
