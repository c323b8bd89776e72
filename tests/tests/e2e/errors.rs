//! Every error code reachable without authentication, and that a refused
//! mutation appends nothing (`Client::mutate_refused` compares
//! `auditTrail { totalCount }` before and after).

use fundtrail_e2e::client::{GRAPHQL_RESPONSE, amount, mutation_text};
use fundtrail_e2e::seed::{self, cash_pledge};
use fundtrail_e2e::{TestServer, errors_of, expect_code};
use serde_json::{Value, json};

pub async fn bad_user_input_is_refused_and_appends_nothing(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;

    // Allocations that do not add up to the amount.
    let error = c
        .mutate_refused(
            "pledge",
            cash_pledge(
                "x",
                "giz",
                "10000",
                "EUR",
                &[("civ-p1", "6000"), ("civ-p2", "3000")],
                "2024-01-10",
            ),
            "BAD_USER_INPUT",
        )
        .await;
    assert!(
        error["message"].as_str().unwrap().contains("alloc"),
        "the message says what is wrong: {error}"
    );
    // A blank title (trimmed to nothing), and one over 500 characters.
    let error = c
        .mutate_refused(
            "createRoadmap",
            json!({ "id": "r", "country": "CIV", "title": "   ", "periodStart": "2024-01-01",
                    "periodEnd": "2024-12-31", "currency": "XOF" }),
            "BAD_USER_INPUT",
        )
        .await;
    assert_eq!(error["extensions"]["field"], "title", "{error}");
    c.mutate_refused(
        "definePriority",
        json!({ "roadmapId": "civ", "rank": 3, "title": "x".repeat(501) }),
        "BAD_USER_INPUT",
    )
    .await;
    // A country that is not ISO 3166 alpha-3.
    c.mutate_refused(
        "registerOrganisation",
        json!({ "id": "o", "name": "Org", "kind": "OTHER", "country": "XYZ" }),
        "BAD_USER_INPUT",
    )
    .await;
    // A partnership of one party.
    c.mutate_refused(
        "recordPartnership",
        json!({ "partyIds": ["giz"], "title": "Alone", "status": "SIGNED" }),
        "BAD_USER_INPUT",
    )
    .await;
    // A negative amount.
    c.mutate_refused(
        "pledge",
        cash_pledge("neg", "giz", "-5", "EUR", &[], "2024-01-10"),
        "BAD_USER_INPUT",
    )
    .await;
    // More decimals than the currency has (XOF has none).
    c.mutate_refused(
        "pledge",
        cash_pledge("frac", "giz", "100.5", "XOF", &[], "2024-01-10"),
        "BAD_USER_INPUT",
    )
    .await;
    // A period that ends before it starts.
    c.mutate_refused(
        "createRoadmap",
        json!({ "country": "CIV", "title": "Backwards", "periodStart": "2024-12-31",
                "periodEnd": "2024-01-01", "currency": "XOF" }),
        "BAD_USER_INPUT",
    )
    .await;
    // A negative expectedVersion.
    c.mutate_refused(
        "setFundingRequirement",
        json!({ "priorityId": "civ-p1", "expectedVersion": -1,
                "amount": { "amount": "1", "currency": "XOF" } }),
        "BAD_USER_INPUT",
    )
    .await;
    // A bad cursor.
    let body = c
        .gql(
            r#"{ auditTrail(after: "not-a-cursor") { totalCount } }"#,
            json!({}),
        )
        .await;
    expect_code(&body, "BAD_USER_INPUT");
}

/// A `2024-02-30` date, an unknown currency `ABC` and an exponent Decimal,
/// in the query text and in variables: refused with the contract's code
/// (`extensions.code` BAD_USER_INPUT), nothing appended. Every case is tried
/// before the test fails, so the message lists them all.
pub async fn invalid_scalars_are_bad_user_input(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let before = c.event_count().await;

    let literal = |date: &str, currency: &str, amount: &str| {
        format!(
            r#"mutation {{ pledge(input: {{ donorId: "giz", recipientId: "civ-gov", roadmapId: "civ",
                kind: CASH, amount: {{ amount: "{amount}", currency: "{currency}" }}, pledgedOn: "{date}" }}) {{ id }} }}"#
        )
    };
    let pledge = mutation_text("pledge", "id");
    let cases = [
        (
            "literal 2024-02-30",
            literal("2024-02-30", "EUR", "10"),
            json!({}),
        ),
        (
            "literal currency ABC",
            literal("2024-01-10", "ABC", "10"),
            json!({}),
        ),
        (
            "literal Decimal 1e3",
            literal("2024-01-10", "EUR", "1e3"),
            json!({}),
        ),
        (
            "variable 2024-02-30",
            pledge.clone(),
            json!({ "input": cash_pledge("v1", "giz", "10", "EUR", &[], "2024-02-30") }),
        ),
        (
            "variable currency ABC",
            pledge.clone(),
            json!({ "input": cash_pledge("v2", "giz", "10", "ABC", &[], "2024-01-10") }),
        ),
        (
            "variable Decimal 1e3",
            pledge.clone(),
            json!({ "input": cash_pledge("v3", "giz", "1e3", "EUR", &[], "2024-01-10") }),
        ),
    ];
    let mut wrong = Vec::new();
    for (what, query, variables) in cases {
        let body = c.gql(&query, variables).await;
        assert!(body["data"].is_null(), "{what} was accepted: {body}");
        assert!(!errors_of(&body).is_empty(), "{what}: {body}");
        if !errors_of(&body)
            .iter()
            .any(|e| e["extensions"]["code"] == "BAD_USER_INPUT")
        {
            wrong.push(format!("{what}: {body}"));
        }
    }
    assert_eq!(c.event_count().await, before, "nothing appended");
    assert!(
        wrong.is_empty(),
        "every error carries a contract code (BAD_USER_INPUT here); these have none:\n{}",
        wrong.join("\n")
    );
}

/// The contract refuses a JSON number for a `Decimal` (floats lose money):
/// a variable that cannot be coerced is a request error (GraphQL spec,
/// CoerceVariableValues), so no `data`, and 400 for a client accepting
/// `application/graphql-response+json`.
pub async fn a_json_number_for_a_decimal_is_a_request_error(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let before = c.event_count().await;
    let mut input = cash_pledge("num", "giz", "0", "EUR", &[], "2024-01-10");
    input["amount"]["amount"] = json!(10000.5);
    let response = c
        .http()
        .post(c.url("/graphql"))
        .header("accept", GRAPHQL_RESPONSE)
        .json(&json!({ "query": mutation_text("pledge", "id"), "variables": { "input": input } }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(c.event_count().await, before, "nothing appended");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("Decimal")),
        "{body}"
    );
    let mut wrong = Vec::new();
    if body.get("data").is_some() {
        wrong.push("a request error has no `data` entry");
    }
    if status != 400 {
        wrong.push("a request error is 400 for application/graphql-response+json");
    }
    if !errors_of(&body)
        .iter()
        .any(|e| e["extensions"]["code"] == "BAD_USER_INPUT")
    {
        wrong.push("the error carries extensions.code BAD_USER_INPUT");
    }
    assert!(wrong.is_empty(), "{wrong:?}; got {status}: {body}");
}

pub async fn not_found_already_exists_and_invalid_state(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;

    // NOT_FOUND
    let error = c
        .mutate_refused(
            "pledge",
            cash_pledge("nf", "nobody", "10", "EUR", &[], "2024-01-10"),
            "NOT_FOUND",
        )
        .await;
    assert!(
        error["message"].as_str().unwrap().contains("nobody"),
        "{error}"
    );
    c.mutate_refused(
        "commitPledge",
        json!({ "pledgeId": "no-such-pledge", "committedOn": "2024-01-10" }),
        "NOT_FOUND",
    )
    .await;
    c.mutate_refused(
        "definePriority",
        json!({ "roadmapId": "no-such-roadmap", "rank": 1, "title": "T" }),
        "NOT_FOUND",
    )
    .await;
    c.mutate_refused(
        "decideProposal",
        json!({ "proposalId": "nope", "status": "APPROVED", "decidedOn": "2024-01-10" }),
        "NOT_FOUND",
    )
    .await;
    let body = c.funding_raw("no-such-roadmap", json!({})).await;
    expect_code(&body, "NOT_FOUND");
    let body = c
        .gql(
            r#"{ pledge(id: "nope") { id } organisation(id: "nope") { id } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "pledge": null, "organisation": null }),
        "a plain lookup of nothing is null, not an error"
    );

    // ALREADY_EXISTS
    c.mutate_refused(
        "registerOrganisation",
        json!({ "id": "giz", "name": "Another GIZ", "kind": "OTHER", "country": "DEU" }),
        "ALREADY_EXISTS",
    )
    .await;
    c.mutate_refused(
        "createRoadmap",
        json!({ "id": "civ", "country": "CIV", "title": "Again", "periodStart": "2024-01-01",
                "periodEnd": "2024-12-31", "currency": "XOF" }),
        "ALREADY_EXISTS",
    )
    .await;
    let giz = c
        .data(r#"{ organisation(id: "giz") { name version } }"#, json!({}))
        .await;
    assert_eq!(
        giz["organisation"],
        json!({ "name": "Deutsche Gesellschaft für Internationale Zusammenarbeit", "version": 1 })
    );
    seed::pledge(
        c,
        cash_pledge(
            "p",
            "giz",
            "1000",
            "EUR",
            &[("civ-p1", "1000")],
            "2024-01-10",
        ),
    )
    .await;
    c.mutate_refused(
        "pledge",
        cash_pledge("p", "ilo", "5", "EUR", &[], "2024-01-10"),
        "ALREADY_EXISTS",
    )
    .await;

    // INVALID_STATE: disburse before commit.
    c.mutate_refused(
        "recordDisbursement",
        json!({ "pledgeId": "p", "amount": "10", "disbursedOn": "2024-02-01" }),
        "INVALID_STATE",
    )
    .await;
    seed::commit(c, "p", "2024-01-20").await;
    // More than the amount.
    c.mutate_refused(
        "recordDisbursement",
        json!({ "pledgeId": "p", "amount": "1000.01", "disbursedOn": "2024-02-01" }),
        "INVALID_STATE",
    )
    .await;
    seed::disburse(c, "p", "400", "2024-02-01").await;
    // Cancelling after a disbursement.
    c.mutate_refused(
        "cancelPledge",
        json!({ "pledgeId": "p", "cancelledOn": "2024-03-01", "reason": "changed mind" }),
        "INVALID_STATE",
    )
    .await;
    // Revising the amount below what is disbursed.
    c.mutate_refused(
        "revisePledge",
        json!({ "pledgeId": "p", "amount": { "amount": "300", "currency": "EUR" },
                "allocations": [{ "priorityId": "civ-p1", "amount": "300" }],
                "revisedOn": "2024-03-01", "reason": "less" }),
        "INVALID_STATE",
    )
    .await;
    let p = c
        .data(
            r#"{ pledge(id: "p") { status version disbursed { amount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(p["pledge"]["status"], "PARTLY_DISBURSED");
    assert_eq!(p["pledge"]["version"], 3);
    assert_eq!(amount(&p["pledge"]["disbursed"]), "400.00");

    // Deciding a proposal twice; a partnership transition the table forbids.
    c.mutate_ok(
        "submitProposal",
        json!({ "id": "pr", "applicantId": "civ-gov", "donorId": "ilo", "title": "T", "submittedOn": "2024-01-01" }),
        "id",
    )
    .await;
    c.mutate_ok(
        "decideProposal",
        json!({ "proposalId": "pr", "status": "REJECTED", "decidedOn": "2024-01-05" }),
        "id",
    )
    .await;
    c.mutate_refused(
        "decideProposal",
        json!({ "proposalId": "pr", "status": "APPROVED", "decidedOn": "2024-01-06" }),
        "INVALID_STATE",
    )
    .await;
    c.mutate_ok(
        "recordPartnership",
        json!({ "id": "pa", "partyIds": ["ilo", "civ-gov"], "title": "T", "status": "NEGOTIATING" }),
        "id",
    )
    .await;
    c.mutate_refused(
        "changePartnershipStatus",
        json!({ "partnershipId": "pa", "status": "ENDED" }),
        "INVALID_STATE",
    )
    .await;
}

pub async fn stale_expected_version_is_a_concurrency_conflict(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    seed::pledge(c, cash_pledge("p", "giz", "1000", "EUR", &[], "2024-01-10")).await;

    let error = c
        .mutate_refused(
            "commitPledge",
            json!({ "pledgeId": "p", "committedOn": "2024-01-20", "expectedVersion": 0 }),
            "CONCURRENCY_CONFLICT",
        )
        .await;
    assert_eq!(error["extensions"]["actualVersion"], 1, "{error}");
    let p = c
        .mutate_ok(
            "commitPledge",
            json!({ "pledgeId": "p", "committedOn": "2024-01-20", "expectedVersion": 1 }),
            "version status",
        )
        .await;
    assert_eq!(p, json!({ "version": 2, "status": "COMMITTED" }));
    let error = c
        .mutate_refused(
            "recordDisbursement",
            json!({ "pledgeId": "p", "amount": "10", "disbursedOn": "2024-02-01", "expectedVersion": 1 }),
            "CONCURRENCY_CONFLICT",
        )
        .await;
    assert_eq!(error["extensions"]["actualVersion"], 2, "{error}");
    // A version from the future is stale too.
    let error = c
        .mutate_refused(
            "cancelPledge",
            json!({ "pledgeId": "p", "cancelledOn": "2024-02-01", "reason": "r", "expectedVersion": 7 }),
            "CONCURRENCY_CONFLICT",
        )
        .await;
    assert_eq!(error["extensions"]["actualVersion"], 2, "{error}");

    // The other versioned mutations.
    let error = c
        .mutate_refused(
            "setFundingRequirement",
            json!({ "priorityId": "civ-p1", "expectedVersion": 1,
                    "amount": { "amount": "1", "currency": "XOF" } }),
            "CONCURRENCY_CONFLICT",
        )
        .await;
    assert_eq!(error["extensions"]["actualVersion"], 2, "{error}");
    c.mutate_ok(
        "recordPartnership",
        json!({ "id": "pa", "partyIds": ["ilo", "civ-gov"], "title": "T", "status": "NEGOTIATING" }),
        "id",
    )
    .await;
    let error = c
        .mutate_refused(
            "changePartnershipStatus",
            json!({ "partnershipId": "pa", "status": "SIGNED", "expectedVersion": 2 }),
            "CONCURRENCY_CONFLICT",
        )
        .await;
    assert_eq!(error["extensions"]["actualVersion"], 1, "{error}");
    c.mutate_ok(
        "submitProposal",
        json!({ "id": "pr", "applicantId": "civ-gov", "donorId": "ilo", "title": "T", "submittedOn": "2024-01-01" }),
        "id",
    )
    .await;
    let error = c
        .mutate_refused(
            "decideProposal",
            json!({ "proposalId": "pr", "status": "APPROVED", "decidedOn": "2024-01-02", "expectedVersion": 0 }),
            "CONCURRENCY_CONFLICT",
        )
        .await;
    assert_eq!(error["extensions"]["actualVersion"], 1, "{error}");
}

pub async fn same_command_id_other_input_is_an_idempotency_conflict(server: &TestServer) {
    let c = &server.client;
    seed::world(c).await;
    let mut input = cash_pledge("p", "giz", "1000", "EUR", &[], "2024-01-10");
    input["commandId"] = json!("cmd-1");
    seed::pledge(c, input.clone()).await;

    // Same commandId, another amount.
    let mut other = input.clone();
    other["amount"]["amount"] = json!("2000");
    c.mutate_refused("pledge", other, "IDEMPOTENCY_CONFLICT")
        .await;
    // Same commandId, another mutation altogether.
    c.mutate_refused(
        "commitPledge",
        json!({ "pledgeId": "p", "committedOn": "2024-01-20", "commandId": "cmd-1" }),
        "IDEMPOTENCY_CONFLICT",
    )
    .await;
    // Same commandId and input but another expectedVersion.
    c.mutate_ok(
        "commitPledge",
        json!({ "pledgeId": "p", "committedOn": "2024-01-20", "commandId": "cmd-2", "expectedVersion": 1 }),
        "id",
    )
    .await;
    c.mutate_refused(
        "commitPledge",
        json!({ "pledgeId": "p", "committedOn": "2024-01-20", "commandId": "cmd-2", "expectedVersion": 2 }),
        "IDEMPOTENCY_CONFLICT",
    )
    .await;
    let p = c
        .data(
            r#"{ pledge(id: "p") { version amount { amount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        p["pledge"],
        json!({ "version": 2, "amount": { "amount": "1000.00" } })
    );
}
