//! `commandId`: a retry returns the first result and appends nothing.

use fundtrail_e2e::TestServer;
use fundtrail_e2e::client::amount;
use fundtrail_e2e::seed::{self, PLEDGE_FIELDS, cash_pledge};
use serde_json::json;

pub async fn same_command_id_same_input_returns_the_first_result(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;

    let mut input = cash_pledge(
        "p",
        "giz",
        "1000",
        "EUR",
        &[("civ-p1", "1000")],
        "2024-01-10",
    );
    input["commandId"] = json!("make-p");
    let first = seed::pledge(c, input.clone()).await;
    let count = c.event_count().await;
    let again = seed::pledge(c, input).await;
    assert_eq!(again, first, "the retry answers as the first call did");
    assert_eq!(c.event_count().await, count, "the retry appended nothing");

    // A retried disbursement is not a second disbursement.
    seed::commit(c, "p", "2024-01-20").await;
    let disburse = json!({ "pledgeId": "p", "amount": "250", "disbursedOn": "2024-02-01",
                           "commandId": "pay-1", "expectedVersion": 2 });
    let first = c
        .mutate_ok("recordDisbursement", disburse.clone(), PLEDGE_FIELDS)
        .await;
    let count = c.event_count().await;
    // From another connection, as a client retrying after a timeout would.
    let other = server.another_client();
    let again = other
        .mutate_ok("recordDisbursement", disburse, PLEDGE_FIELDS)
        .await;
    assert_eq!(again, first);
    assert_eq!(again["version"], 3);
    assert_eq!(amount(&again["disbursed"]), "250.00");
    assert_eq!(c.event_count().await, count);
    let f = c.funding("civ", json!({ "currency": "EUR" })).await;
    assert_eq!(amount(&f["priorities"][0]["disbursed"]), "250.00");

    // The same for a change of a priority and of a partnership.
    let set = json!({ "priorityId": "civ-p1", "commandId": "req-1",
                      "amount": { "amount": "12000000", "currency": "XOF" } });
    let first = c
        .mutate_ok(
            "setFundingRequirement",
            set.clone(),
            "version requirement { amount }",
        )
        .await;
    let again = c
        .mutate_ok(
            "setFundingRequirement",
            set,
            "version requirement { amount }",
        )
        .await;
    assert_eq!(first, again);
    assert_eq!(first["version"], 3);
}

pub async fn a_create_without_id_retried_keeps_its_generated_id(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;

    let register = json!({ "commandId": "new-org-7", "name": "Fondation Akwaba",
                           "kind": "FOUNDATION", "country": "CIV" });
    let first = c
        .mutate_ok("registerOrganisation", register.clone(), "id version")
        .await;
    let id = first["id"].as_str().expect("a generated id").to_owned();
    let count = c.event_count().await;
    let again = c
        .mutate_ok("registerOrganisation", register, "id version")
        .await;
    assert_eq!(
        again["id"],
        id.as_str(),
        "the retry names the same organisation"
    );
    assert_eq!(again["version"], 1);
    assert_eq!(c.event_count().await, count);
    let found = c
        .data(r#"{ organisations(search: "akwaba") { id } }"#, json!({}))
        .await;
    assert_eq!(
        found["organisations"],
        json!([{ "id": id }]),
        "one organisation"
    );

    // Without a commandId, each create is a new entity.
    let plain = json!({ "name": "Fondation Akwaba", "kind": "FOUNDATION", "country": "CIV" });
    let a = c
        .mutate_ok("registerOrganisation", plain.clone(), "id")
        .await;
    let b = c.mutate_ok("registerOrganisation", plain, "id").await;
    assert_ne!(a["id"], b["id"]);
    assert_ne!(a["id"], id.as_str());

    // A pledge without id, retried.
    let mut input = cash_pledge("unused", "ilo", "700", "EUR", &[], "2024-01-10");
    input.as_object_mut().unwrap().remove("id");
    input["commandId"] = json!("pledge-ilo-1");
    let first = seed::pledge(c, input.clone()).await;
    let count = c.event_count().await;
    let again = seed::pledge(c, input).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(c.event_count().await, count);
    let listed = c
        .data(r#"{ pledges(donorId: "ilo") { id } }"#, json!({}))
        .await;
    assert_eq!(listed["pledges"].as_array().unwrap().len(), 1);
}
